"""Due-process notices (告知书) as report documents: numbered, verifiable, with QR code and PDF.

The caller (xinyong.dueprocess) writes what the notice says — facts as label/value rows and statements
(decision, reasons, rights of the subject) — and this module issues it through the same pipeline as credit
reports (daily number, verification code, SHA-256 of the stored snapshot), so the verification page and the
report screens serve it unchanged. docs/due-process.md lists the notices and their legal basis.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from xinyong.accounts.services import audit_log
from xinyong.core.codes import SubjectKind
from xinyong.core.errors import CodedError
from xinyong.reports.content import platform_name
from xinyong.reports.models import CreditReport, ReportKind
from xinyong.reports.selectors import report_content_hash
from xinyong.reports.services import _issuer_fields, _verification_code, report_number_next

if TYPE_CHECKING:
    from django.http import HttpRequest

    from xinyong.subjects.models import Subject

CASE_NOTICE_KINDS = (ReportKind.OBJECTION_DECISION, ReportKind.REPAIR_DECISION, ReportKind.REPAIR_NOTICE)


def _subject_code(subject: Subject) -> str:
    if subject.kind == SubjectKind.NATURAL_PERSON:
        return subject.ric_masked or ""
    return subject.uscc or ""


def case_notice_issue(
    *,
    kind: str,
    subject: Subject,
    on_date: dt.date,
    facts: list[tuple[str, str]],
    statements: list[str],
    case_ref: dict[str, Any],
    actor: Any,
    issuer: str = "",
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> CreditReport:
    """Issue a due-process notice of ``kind`` about ``subject``; ``case_ref`` (e.g. {"objection": number})
    is stored in the snapshot so the notice can be found from its case."""
    if kind not in CASE_NOTICE_KINDS:
        raise CodedError("notice_kind_unknown", "告知书类型无效")
    title = ReportKind(kind).label
    issued_at = (now or timezone.now()).replace(microsecond=0)
    with transaction.atomic():
        number = report_number_next(day=timezone.localdate(issued_at))
        content = {
            "number": number,
            "issued_at": timezone.localtime(issued_at).strftime("%Y-%m-%d %H:%M:%S"),
            "format": 1,
            "title": title,
            "kind_label": title,
            "issuer": issuer or platform_name(),
            "as_of": on_date.isoformat(),
            "case": case_ref,
            "subject": {
                "name": subject.name,
                "kind": subject.kind,
                "kind_label": subject.get_kind_display(),
                "code": _subject_code(subject),
            },
            "facts": [[str(label), str(value)] for label, value in facts],
            "statements": [str(s) for s in statements],
        }
        notice = CreditReport(
            number=number,
            kind=kind,
            subject=subject,
            as_of=on_date,
            issued_at=issued_at,
            purpose=title,
            content=content,
            content_hash=report_content_hash(content=content),
            verification_code=_verification_code(),
            record_count=0,
            **_issuer_fields(actor),
        )
        notice.save(force_insert=True)
        audit_log(
            actor=actor,
            action="report_issue",
            obj=notice,
            purpose=title,
            detail={"number": number, "kind": kind, "subject": subject.pk, "case": case_ref},
            request=request,
        )
    return notice


def case_notices_for(*, key: str, value: Any) -> list[CreditReport]:
    """The notices issued for a case (``key`` as in ``case_ref``, e.g. "objection"), oldest first."""
    return list(
        CreditReport.objects.filter(kind__in=CASE_NOTICE_KINDS, **{f"content__case__{key}": value}).order_by(
            "issued_at", "id"
        )
    )
