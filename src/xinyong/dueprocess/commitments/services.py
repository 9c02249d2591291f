"""Writes of commitments (信用承诺): signing, 容缺受理, follow-up, fulfilment and breach (docs/commitments.md).

A signed commitment is also a credit record of the catalog item ``commitment``, written through the normal
loader (channel SYSTEM, source department = the accepting department); its follow-up adds a version of that
record with the new 履行状态. A broken commitment (未履行) also creates a negative record of the item
``commitment_breach`` through the loader, and the lists are brought up to date with it as after any batch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from xinyong.accounts.models import ApiClient, Department, User
from xinyong.accounts.services import audit_log
from xinyong.catalog.models import CatalogItemVersion
from xinyong.catalog.selectors import catalog_item_current_version
from xinyong.core.codes import Polarity, SubjectKind
from xinyong.core.errors import CodedError
from xinyong.dueprocess.cases.models import CaseEvent, CaseKind
from xinyong.dueprocess.cases.services import case_event_add, case_number, case_number_interim
from xinyong.dueprocess.commitments.models import (
    Commitment,
    CommitmentKind,
    CommitmentState,
    CommitmentTemplate,
)
from xinyong.dueprocess.commitments.permissions import can_follow_up
from xinyong.dueprocess.subject_accounts.models import SubjectAccount
from xinyong.jrp.models import Matter
from xinyong.lists.hooks import lists_after_batch
from xinyong.records.loading.ingest import records_bulk_ingest
from xinyong.records.loading.prepare import RecordInput
from xinyong.records.models import Channel, CreditRecord
from xinyong.records.normalize import normalize_document_number
from xinyong.records.rules import RecordError
from xinyong.subjects import crypto
from xinyong.workdays.selectors import working_days_add

COMMITMENT_PREFIX = "CN"
COMMITMENT_ITEM = "commitment"
BREACH_ITEM = "commitment_breach"
BREACH_SUFFIX = "-WN"
# The note of the daily job's flag on an overdue follow-up (one per commitment; the job looks for it).
OVERDUE_NOTE = "履行期限已届满，尚未核查履行情况（逾期待核查）"
_TEXT_MAX = 4000
_NOTE_MAX = 2000


class CommitmentError(CodedError):
    pass


# ---------------------------------------------------------------------------------------------------------
# The credit records of a commitment, through the loader


def _item_version(*, code: str, on_date: dt.date, department: Department) -> CatalogItemVersion:
    try:
        version = catalog_item_current_version(code=code, on=on_date)
    except CatalogItemVersion.DoesNotExist as exc:
        raise CommitmentError(
            "catalog_item_missing", f"信用信息目录中没有在该日期生效的目录项“{code}”，无法记载信用承诺"
        ) from exc
    if not version.accepts_from(department):
        raise CommitmentError(
            "department_not_source",
            f"“{department.name}”不是目录项“{version.item.name}”的数据来源部门，无法以其名义记载",
        )
    return version


def _code_value(version: CatalogItemVersion, list_code: str, code: str) -> str:
    """The value (Chinese text) of ``code`` in the version's snapshot of code list ``list_code``."""
    entries = (version.code_lists.get(list_code) or {}).get("entries") or []
    for entry in entries:
        if entry.get("code") == code:
            return entry["value"]
    return code


def _subject_fields(*, prefix: str, subject) -> dict[str, str]:
    """The subject's name, category and identifiers as fields of a record (personal IDs are encrypted by the
    loader, never stored in clear)."""
    fields = {
        f"{prefix}_ZTMC": subject.name,
        f"{prefix}_ZTLB": str(SubjectKind(subject.kind).label),
        f"{prefix}_TYSHXYDM": subject.uscc or "",
    }
    if subject.kind == SubjectKind.NATURAL_PERSON and subject.ric_encrypted:
        fields[f"{prefix}_ZJLX"] = "身份证"
        fields[f"{prefix}_ZJHM"] = crypto.decrypt(subject.ric_encrypted)
    return fields


def _ingest(
    *,
    version: CatalogItemVersion,
    commitment: Commitment,
    document_number: str,
    decision_date: dt.date,
    fields: dict[str, Any],
    polarity: str | None,
    batch_ref: str,
    actor: Any,
) -> CreditRecord:
    """Store one row about the commitment's subject through the bulk loader (new, duplicate or new version)."""
    row = RecordInput(
        number=1,
        document_number=document_number,
        decision_date=decision_date,
        fields=fields,
        polarity=polarity,
    )
    try:
        records_bulk_ingest(
            item_version=version,
            department=commitment.department,
            rows=[(row, commitment.subject_id)],
            channel=Channel.SYSTEM,
            batch_ref=batch_ref,
            received_at=timezone.now(),
            uploader=actor if isinstance(actor, User) else None,
            api_client=actor if isinstance(actor, ApiClient) else None,
        )
    except RecordError as exc:
        raise CommitmentError(exc.code, exc.message) from exc
    return CreditRecord.objects.get(
        item_id=version.item_id,
        department=commitment.department,
        document_number_key=normalize_document_number(document_number),
    )


def _commitment_record_write(*, commitment: Commitment, on_date: dt.date, actor: Any) -> CreditRecord:
    """Write (or add a version of) the commitment's own record of the item ``commitment``."""
    department = commitment.department
    version = _item_version(code=COMMITMENT_ITEM, on_date=on_date, department=department)
    fields = {
        **_subject_fields(prefix="CN", subject=commitment.subject),
        "CN_CNLX": _code_value(version, "commitment_kind", commitment.kind),
        "CN_CNSX": commitment.matter_name,
        "CN_CNNR": commitment.text[:_TEXT_MAX],
        "CN_CNSBH": commitment.number,
        "CN_CNRQ": commitment.signed_on.isoformat(),
        "CN_LXQX": commitment.fulfilment_due.isoformat() if commitment.fulfilment_due else "",
        "CN_SLDW": department.name,
        "CN_SLDWDM": department.uscc or "",
        "CN_LXZT": _code_value(version, "commitment_status", commitment.state),
        "CN_LXQK": commitment.check_note[:_NOTE_MAX],
        "CN_LYDW": department.name,
        "CN_LYDWDM": department.uscc or "",
    }
    return _ingest(
        version=version,
        commitment=commitment,
        document_number=commitment.number,
        decision_date=commitment.signed_on,
        fields=fields,
        polarity=None,
        batch_ref=f"commitment-{commitment.pk}",
        actor=actor,
    )


def breach_document_number(commitment: Commitment) -> str:
    """The document number of the negative record of a broken commitment."""
    return f"{commitment.number}{BREACH_SUFFIX}"


def _breach_record_write(*, commitment: Commitment, on_date: dt.date, actor: Any) -> tuple[CreditRecord, str]:
    """Write the negative record (item ``commitment_breach``) of a broken commitment; returns it and its batch."""
    department = commitment.department
    version = _item_version(code=BREACH_ITEM, on_date=on_date, department=department)
    fields = {
        **_subject_fields(prefix="WN", subject=commitment.subject),
        "WN_CNSBH": commitment.number,
        "WN_CNLX": _code_value(version, "commitment_kind", commitment.kind),
        "WN_CNSX": commitment.matter_name,
        "WN_CNRQ": commitment.signed_on.isoformat(),
        "WN_LXQX": commitment.fulfilment_due.isoformat() if commitment.fulfilment_due else "",
        "WN_WNQX": commitment.check_note[:_NOTE_MAX],
        "WN_RDWSH": breach_document_number(commitment),
        "WN_RDRQ": on_date.isoformat(),
        "WN_RDJG": department.name,
        "WN_RDJGDM": department.uscc or "",
        "WN_LYDW": department.name,
        "WN_LYDWDM": department.uscc or "",
    }
    batch_ref = f"commitment-breach-{commitment.pk}"
    record = _ingest(
        version=version,
        commitment=commitment,
        document_number=breach_document_number(commitment),
        decision_date=on_date,
        fields=fields,
        polarity=Polarity.NEGATIVE,
        batch_ref=batch_ref,
        actor=actor,
    )
    return record, batch_ref


# ---------------------------------------------------------------------------------------------------------
# Signing


def _recorded_by(actor: Any) -> User | None:
    return actor if isinstance(actor, User) else None


def commitment_sign(
    *,
    subject,
    kind: str,
    matter_name: str,
    text: str,
    signatory: str,
    department,
    on_date: dt.date,
    actor: Any,
    matter_code: str = "",
    template: CommitmentTemplate | None = None,
    fulfilment_due: dt.date | None = None,
) -> Commitment:
    """Record a signed commitment and its credit record (in progress until followed up); numbered, audited."""
    text = (text or "").strip()
    signatory = (signatory or "").strip()
    matter_name = (matter_name or "").strip()
    if kind not in CommitmentKind.values:
        raise CommitmentError("commitment_kind_invalid", "承诺类型无效")
    if department is None:
        raise CommitmentError("commitment_department_required", "请选择承诺受理单位")
    if not matter_name:
        raise CommitmentError("commitment_matter_required", "请填写承诺事项")
    if not text:
        raise CommitmentError("commitment_text_required", "请填写承诺内容")
    if not signatory:
        raise CommitmentError("commitment_signatory_required", "请填写签署人姓名")
    if kind == CommitmentKind.ACCEPT_WITH_MISSING and fulfilment_due is None:
        raise CommitmentError("commitment_due_required", "容缺受理须确定补齐材料的期限")
    if fulfilment_due is not None and fulfilment_due < on_date:
        raise CommitmentError("commitment_due_before_signing", "履行期限不能早于承诺日期")
    if template is not None and template.kind != kind:
        raise CommitmentError("commitment_template_kind", "承诺类型与所选模板不一致")
    with transaction.atomic():
        commitment = Commitment.objects.create(
            number=case_number_interim(),
            subject=subject,
            kind=kind,
            template=template,
            matter_code=(matter_code or "").strip()[:80],
            matter_name=matter_name[:200],
            text=text,
            signatory=signatory[:100],
            signed_on=on_date,
            account=actor if isinstance(actor, SubjectAccount) else None,
            department=department,
            recorded_by=_recorded_by(actor),
            fulfilment_due=fulfilment_due,
            state=CommitmentState.IN_PROGRESS,
        )
        commitment.number = case_number(prefix=COMMITMENT_PREFIX, on_date=on_date, pk=commitment.pk)
        commitment.save(update_fields=["number"])
        commitment.record = _commitment_record_write(commitment=commitment, on_date=on_date, actor=actor)
        commitment.save(update_fields=["record"])
        case_event_add(
            case_kind=CaseKind.COMMITMENT,
            case_id=commitment.pk,
            from_state="",
            to_state=CommitmentState.IN_PROGRESS,
            on_date=on_date,
            actor=actor,
            note=f"签署{commitment.get_kind_display()}承诺",
        )
        audit_log(
            actor=actor,
            action="create",
            obj=commitment,
            detail={
                "number": commitment.number,
                "kind": kind,
                "subject": subject.pk,
                "department": department.code,
                "on_date": on_date,
                "fulfilment_due": fulfilment_due,
                "record": commitment.record_id,
            },
        )
    return commitment


def template_due_date(*, template: CommitmentTemplate, on_date: dt.date) -> dt.date | None:
    """The fulfilment date a template gives a commitment signed on ``on_date`` (docs/commitments.md)."""
    days = template.fulfilment_days
    if not days:
        return None
    if template.kind == CommitmentKind.ACCEPT_WITH_MISSING:
        # Supplying the missing documents is a procedural step: working days.
        return working_days_add(start=on_date, days=days).date
    return on_date + dt.timedelta(days=days)


def commitment_sign_from_template(
    *,
    template: CommitmentTemplate,
    subject,
    signatory: str,
    on_date: dt.date,
    actor: Any,
    department=None,
    matter_name: str = "",
    fulfilment_due: dt.date | None = None,
    extra_text: str = "",
) -> Commitment:
    """Sign a template's text for a subject (the template's department unless another is named); audited."""
    if not template.is_active or template.valid_from > on_date:
        raise CommitmentError("commitment_template_inactive", "该承诺书模板未启用，请选择其他模板")
    department = department or template.department
    if not matter_name and template.matter_code:
        matter_name = (
            Matter.objects.filter(code=template.matter_code).values_list("name", flat=True).first() or ""
        )
    text = template.text.strip()
    extra = (extra_text or "").strip()
    if extra:
        text = f"{text}\n\n{extra}"
    return commitment_sign(
        subject=subject,
        kind=template.kind,
        matter_name=matter_name or template.name,
        matter_code=template.matter_code,
        text=text,
        signatory=signatory,
        department=department,
        on_date=on_date,
        actor=actor,
        template=template,
        fulfilment_due=fulfilment_due or template_due_date(template=template, on_date=on_date),
    )


def commitment_accept_with_missing_documents(
    *,
    subject,
    matter_name: str,
    missing_documents: list[str],
    signatory: str,
    department,
    on_date: dt.date,
    actor: Any,
    due: dt.date | None = None,
    days: int | None = None,
    matter_code: str = "",
    template: CommitmentTemplate | None = None,
) -> Commitment:
    """容缺受理: the application is accepted now and the subject commits to supply the listed documents by the
    due date (given, or ``days`` working days from acceptance, or the template's); followed up like the others."""
    documents = [d.strip() for d in missing_documents if d and d.strip()]
    if not documents:
        raise CommitmentError("commitment_documents_required", "请列明容缺的材料")
    if due is None and days:
        if days < 1:
            raise CommitmentError("commitment_days_invalid", "补齐材料的期限应为正整数个工作日")
        due = working_days_add(start=on_date, days=days).date
    if due is None and template is not None:
        due = template_due_date(template=template, on_date=on_date)
    listed = "\n".join(f"{i}. {name}" for i, name in enumerate(documents, start=1))
    intro = template.text.strip() if template is not None else "本人（单位）申请的事项已容缺受理，现承诺："
    deadline = f"{due:%Y年%m月%d日}" if due else "规定期限"
    text = (
        f"{intro}\n\n在{deadline}前补齐以下材料：\n{listed}\n\n"
        "未按承诺在规定期限内补齐材料的，同意撤回申请或按规定处理，并记入本人（单位）的不良信用记录。"
    )
    return commitment_sign(
        subject=subject,
        kind=CommitmentKind.ACCEPT_WITH_MISSING,
        matter_name=matter_name,
        matter_code=matter_code or (template.matter_code if template is not None else ""),
        text=text,
        signatory=signatory,
        department=department,
        on_date=on_date,
        actor=actor,
        template=template,
        fulfilment_due=due,
    )


# ---------------------------------------------------------------------------------------------------------
# Follow-up


def _follow_up_check(*, commitment: Commitment, actor: Any, action: str) -> None:
    if not can_follow_up(actor, commitment):
        audit_log(
            actor=actor, action=action, obj=commitment, outcome="denied", detail={"number": commitment.number}
        )
        raise PermissionDenied("只有承诺受理单位的数据报送员、审核员和平台管理员可以核查承诺履行情况")
    if commitment.state != CommitmentState.IN_PROGRESS:
        raise CommitmentError(
            "commitment_closed", f"该承诺已核查为“{commitment.get_state_display()}”，不能再次核查"
        )


def _locked(commitment: Commitment) -> Commitment:
    return (
        Commitment.objects.select_for_update(of=("self",))
        .select_related("subject", "department")
        .get(pk=commitment.pk)
    )


def commitment_fulfil(*, commitment: Commitment, on_date: dt.date, actor: Any, note: str = "") -> Commitment:
    """Record that the commitment was kept (已履行): a new version of its record; audited, with its history."""
    _follow_up_check(commitment=commitment, actor=actor, action="commitment_fulfil")
    if on_date < commitment.signed_on:
        raise CommitmentError("commitment_check_before_signing", "核查日期不能早于承诺日期")
    with transaction.atomic():
        commitment = _locked(commitment)
        _follow_up_check(commitment=commitment, actor=actor, action="commitment_fulfil")
        commitment.state = CommitmentState.FULFILLED
        commitment.checked_on = on_date
        commitment.check_note = (note or "").strip()[:_NOTE_MAX] or "经核查，已按承诺履行"
        commitment.record = _commitment_record_write(commitment=commitment, on_date=on_date, actor=actor)
        commitment.save(update_fields=["state", "checked_on", "check_note", "record"])
        case_event_add(
            case_kind=CaseKind.COMMITMENT,
            case_id=commitment.pk,
            from_state=CommitmentState.IN_PROGRESS,
            to_state=CommitmentState.FULFILLED,
            on_date=on_date,
            actor=actor,
            note=commitment.check_note,
            due_on=commitment.fulfilment_due,
        )
        audit_log(
            actor=actor,
            action="commitment_fulfil",
            obj=commitment,
            detail={"number": commitment.number, "on_date": on_date, "record": commitment.record_id},
        )
    return commitment


def commitment_break(*, commitment: Commitment, on_date: dt.date, actor: Any, reason: str) -> Commitment:
    """Record that the commitment was broken (未履行): its record gets a version with that status and a negative
    record (违背信用承诺) is created through the loader; audited, with its history."""
    _follow_up_check(commitment=commitment, actor=actor, action="commitment_break")
    reason = (reason or "").strip()
    if not reason:
        raise CommitmentError("commitment_reason_required", "请写明未履行承诺的事实（违诺情形）")
    if on_date < commitment.signed_on:
        raise CommitmentError("commitment_check_before_signing", "核查日期不能早于承诺日期")
    if (
        commitment.kind == CommitmentKind.ACCEPT_WITH_MISSING
        and commitment.fulfilment_due is not None
        and on_date <= commitment.fulfilment_due
    ):
        raise CommitmentError(
            "commitment_not_yet_due",
            f"补齐材料的期限（{commitment.fulfilment_due:%Y年%m月%d日}）尚未届满，届满后仍未补齐的方可认定未履行",
        )
    with transaction.atomic():
        commitment = _locked(commitment)
        _follow_up_check(commitment=commitment, actor=actor, action="commitment_break")
        commitment.state = CommitmentState.BROKEN
        commitment.checked_on = on_date
        commitment.check_note = reason[:_NOTE_MAX]
        commitment.record = _commitment_record_write(commitment=commitment, on_date=on_date, actor=actor)
        commitment.broken_record, batch_ref = _breach_record_write(
            commitment=commitment, on_date=on_date, actor=actor
        )
        commitment.save(update_fields=["state", "checked_on", "check_note", "record", "broken_record"])
        case_event_add(
            case_kind=CaseKind.COMMITMENT,
            case_id=commitment.pk,
            from_state=CommitmentState.IN_PROGRESS,
            to_state=CommitmentState.BROKEN,
            on_date=on_date,
            actor=actor,
            note=reason,
            due_on=commitment.fulfilment_due,
        )
        audit_log(
            actor=actor,
            action="commitment_break",
            obj=commitment,
            detail={
                "number": commitment.number,
                "on_date": on_date,
                "record": commitment.record_id,
                "broken_record": commitment.broken_record_id,
                "reason": reason,
            },
        )
        # As after any batch of records: list entries and escalation proposals follow the negative record.
        lists_after_batch(batch_ref=batch_ref, as_of=on_date, actor=actor)
    return commitment


def commitments_overdue_flag(*, as_of: dt.date) -> int:
    """Daily: flag each commitment whose fulfilment date has passed without a follow-up, once (history entry);
    one audit entry with the count. Returns how many were flagged today."""
    flagged = CaseEvent.objects.filter(
        case_kind=CaseKind.COMMITMENT, note=OVERDUE_NOTE, from_state=CommitmentState.IN_PROGRESS
    ).values_list("case_id", flat=True)
    due = (
        Commitment.objects.filter(state=CommitmentState.IN_PROGRESS, fulfilment_due__lt=as_of)
        .exclude(pk__in=flagged)
        .order_by("fulfilment_due", "pk")
    )
    count = 0
    with transaction.atomic():
        for commitment in due.iterator():
            case_event_add(
                case_kind=CaseKind.COMMITMENT,
                case_id=commitment.pk,
                from_state=CommitmentState.IN_PROGRESS,
                to_state=CommitmentState.IN_PROGRESS,
                on_date=as_of,
                actor=None,
                note=OVERDUE_NOTE,
            )
            count += 1
        if count:
            audit_log(
                actor=None,
                action="commitment_overdue_flag",
                obj=Commitment,
                detail={"as_of": as_of, "flagged": count},
            )
    return count


# ---------------------------------------------------------------------------------------------------------
# Shipped templates

TEMPLATES_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "commitment_templates.yaml"


@dataclass
class TemplatesLoadReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def commitment_templates_load(*, path: Path = TEMPLATES_FILE) -> TemplatesLoadReport:
    """Load the template versions of ``path`` the database does not have yet (code + valid_from); never
    overwrites a version an operator may have edited (reference data, like the profiles: not audited)."""
    report = TemplatesLoadReport()
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    for entry in entries:
        code = entry["code"]
        if entry.get("kind") not in CommitmentKind.values:
            raise CommitmentError("commitment_kind_invalid", f"承诺书模板 {code}：承诺类型无效")
        if not (entry.get("text") or "").strip():
            raise CommitmentError("commitment_text_required", f"承诺书模板 {code}：缺少承诺内容")
        valid_from = entry["valid_from"]
        if isinstance(valid_from, str):
            valid_from = dt.date.fromisoformat(valid_from)
        _template, created = CommitmentTemplate.objects.get_or_create(
            code=code,
            valid_from=valid_from,
            defaults={
                "name": entry["name"],
                "kind": entry["kind"],
                "matter_code": entry.get("matter_code") or "",
                "text": entry["text"].strip(),
                "fulfilment_days": entry.get("fulfilment_days") or None,
                "is_active": entry.get("is_active", True),
            },
        )
        (report.created if created else report.unchanged).append(code)
    return report
