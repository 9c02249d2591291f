"""失信惩戒告知书: the prior notice given to a subject proposed for a list decided on the platform.

The notice is a report document of kind ``notice``: numbered and verifiable like a credit report (same
daily sequence, verification code, SHA-256 of the stored snapshot, QR code, PDF with embedded fonts), so
the verification page and the console's report screens serve it unchanged. Issuing it and moving the entry
to "notified" (``lists.lifecycle.entry_notify``, which opens the objection window in working days) happen in
one transaction. docs/listing-decisions.md describes the notice and its legal basis (国办发〔2020〕49号).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from xinyong.accounts.services import audit_log
from xinyong.core.codes import SubjectKind
from xinyong.lists.lifecycle import entry_notify, entry_notify_check, objection_due_for
from xinyong.lists.models import ListEntry
from xinyong.records.models import CreditRecord
from xinyong.reports.content import platform_name
from xinyong.reports.models import CreditReport, ReportKind
from xinyong.reports.selectors import report_content_hash
from xinyong.reports.services import _issuer_fields, _verification_code, report_number_next

if TYPE_CHECKING:
    from django.http import HttpRequest

NOTICE_TITLE = "失信惩戒告知书"
NOTICE_PURPOSE = "失信惩戒告知"
AUDIT_ACTION = "report_issue"
NOTICE_LEGAL_BASIS = (
    "《国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见》（国办发〔2020〕49号）"
    "关于认定失信主体前告知当事人认定理由、依据和救济途径，当事人有权陈述和申辩的要求"
)


def _subject_code(subject) -> str:
    if subject.kind == SubjectKind.NATURAL_PERSON:
        return subject.ric_masked or ""
    return subject.uscc or ""


def notice_content_build(*, entry: ListEntry, on_date: dt.date) -> dict[str, Any]:
    """The snapshot a notice shows: subject, list, reason, basis, objection deadline (plain JSON)."""
    list_type = entry.list_type
    due = objection_due_for(list_type=list_type, notified_on=on_date)
    days = list_type.objection_working_days
    basis = [
        {
            "document_number": r.document_number,
            "item": r.item.name,
            "department": r.department.name,
            "decision_date": r.decision_date.isoformat(),
        }
        for r in CreditRecord.objects.select_related("item", "department")
        .filter(pk__in=entry.basis_record_ids or [])
        .order_by("decision_date", "pk")
    ]
    issuer = platform_name()
    department = entry.department.name if entry.department is not None else issuer
    subject = entry.subject
    return {
        "format": 1,
        "title": NOTICE_TITLE,
        "kind_label": NOTICE_TITLE,
        "issuer": issuer,
        "as_of": on_date.isoformat(),
        "entry_id": entry.pk,
        "subject": {
            "name": subject.name,
            "kind": subject.kind,
            "kind_label": subject.get_kind_display(),
            "code": _subject_code(subject),
        },
        "list_type": {"code": list_type.code, "name": list_type.name, "colour": list_type.colour},
        "level": entry.level,
        "department": department,
        "reason": entry.reason,
        "legal_basis": list_type.legal_basis,
        "criteria": list_type.criteria,
        "basis": basis,
        "objection_working_days": days,
        "objection_due": due.isoformat(),
        "statements": [
            f"经审核，{department}拟将你（单位）列入“{list_type.name}”。现依据{NOTICE_LEGAL_BASIS}，"
            "将拟列入的事实、理由和依据告知如下。",
            f"你（单位）如对上述事实、理由和依据有异议，可自告知之日起 {days or '规定'} 个工作日内"
            f"（{due:%Y年%m月%d日}前）向{issuer}或{department}提出书面异议，进行陈述和申辩，并提供相关证明材料。",
            "逾期未提出异议或异议不成立的，将依法依规列入该名单，并实施相应的失信惩戒措施。",
        ],
    }


def notice_issue(
    *,
    entry: ListEntry,
    on_date: dt.date,
    actor: Any,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> CreditReport:
    """Issue the 失信惩戒告知书 for a proposed entry and record the notification (LifecycleError if refused)."""
    entry_notify_check(entry=entry)
    content = notice_content_build(entry=entry, on_date=on_date)
    issued_at = (now or timezone.now()).replace(microsecond=0)
    with transaction.atomic():
        entry = ListEntry.objects.select_for_update().select_related("list_type").get(pk=entry.pk)
        entry_notify_check(entry=entry)
        number = report_number_next(day=timezone.localdate(issued_at))
        content = {
            "number": number,
            "issued_at": timezone.localtime(issued_at).strftime("%Y-%m-%d %H:%M:%S"),
            **content,
        }
        notice = CreditReport(
            number=number,
            kind=ReportKind.NOTICE,
            subject_id=entry.subject_id,
            as_of=on_date,
            issued_at=issued_at,
            purpose=NOTICE_PURPOSE,
            content=content,
            content_hash=report_content_hash(content=content),
            verification_code=_verification_code(),
            record_count=len(content["basis"]),
            **_issuer_fields(actor),
        )
        notice.save(force_insert=True)
        audit_log(
            actor=actor,
            action=AUDIT_ACTION,
            obj=notice,
            purpose=NOTICE_PURPOSE,
            detail={
                "number": number,
                "kind": ReportKind.NOTICE,
                "subject": entry.subject_id,
                "entry": entry.pk,
                "as_of": on_date.isoformat(),
                "content_hash": notice.content_hash,
            },
            request=request,
        )
        entry_notify(entry=entry, on_date=on_date, notice_number=number, actor=actor)
    return notice


def notice_for_entry(*, entry_id: int) -> CreditReport | None:
    """The latest 失信惩戒告知书 issued for an entry."""
    return (
        CreditReport.objects.filter(kind=ReportKind.NOTICE, content__entry_id=entry_id)
        .order_by("-issued_at", "-id")
        .first()
    )
