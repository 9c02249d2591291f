"""Writes of credit repair (信用修复): applying, accepting or refusing, deciding, revoking, and the notices.

The deciding department decides (谁认定、谁修复). Every step is a ``CaseEvent`` with its deadline from the
jurisdiction profile in force on the filing date, and an audit entry. Approval puts the record in the
已信用修复 state and its list entries in ``repaired`` (every reader honours it at once: docs/credit-repair.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from xinyong.accounts.models import Department
from xinyong.accounts.services import audit_log
from xinyong.core.codes import Polarity
from xinyong.core.errors import CodedError
from xinyong.dueprocess.cases.models import CaseKind
from xinyong.dueprocess.cases.services import (
    case_event_add,
    case_number,
    case_number_interim,
    evidence_store,
)
from xinyong.dueprocess.commitments.models import CommitmentKind
from xinyong.dueprocess.commitments.services import commitment_break, commitment_sign
from xinyong.dueprocess.profiles.selectors import REPAIR, profile_in_force, step_due
from xinyong.dueprocess.repairs.eligibility import entry_eligibility, record_eligibility
from xinyong.dueprocess.repairs.models import RepairApplication, RepairState
from xinyong.dueprocess.repairs.permissions import (
    account_acts_for,
    can_decide_repair,
    can_issue_repair_notice,
)
from xinyong.lists.models import OPEN_STATES, EntryState, ListEntry
from xinyong.lists.services import entry_transition
from xinyong.records.models import CreditRecord, RecordStatus
from xinyong.records.permissions import can_mark_record, can_write_record
from xinyong.records.services import record_change_status, record_mark_repaired, record_publication_note
from xinyong.reports.case_notices import case_notice_issue
from xinyong.reports.models import CreditReport, ReportKind

REPAIR_PREFIX = "XF"
COMMITMENT_ITEM = "commitment"
MAX_TEXT = 4000
# The 信用修复承诺书 the subject signs (the subject may add to it).
COMMITMENT_TEXT = (
    "本主体郑重承诺：已纠正失信行为、履行法定义务，所提交的材料真实、合法、有效；"
    "如有虚假，自愿接受撤销信用修复决定、记入失信记录等处理，并承担相应法律责任。"
)
RIGHTS = "如对本决定不服，可以依法申请行政复议或者提起行政诉讼。"


class RepairError(CodedError):
    pass


def _clean(text: str, *, code: str, message: str) -> str:
    text = (text or "").strip()[:MAX_TEXT]
    if not text:
        raise RepairError(code, message)
    return text


def _target_label(application: RepairApplication) -> str:
    if application.list_entry_id:
        entry = application.list_entry
        return f"{entry.list_type.name}（列入日期 {entry.effective_from or '—'}）"
    record = application.record
    return f"{record.item.name} {record.document_number}"


# ---------------------------------------------------------------------------------------------------------
# Applying


def repair_apply(
    *,
    account: Any,
    record: CreditRecord | None = None,
    entry: ListEntry | None = None,
    statement: str,
    signatory: str,
    commitment_text: str = "",
    evidence: Iterable[tuple[str, IO[bytes]]] = (),
    on_date: dt.date,
) -> RepairApplication:
    """A subject applies to repair a record or a list entry, with a signed 信用修复承诺书 and evidence."""
    if (record is None) == (entry is None):
        raise RepairError("repair_target_invalid", "请选择一条信用记录或一个名单条目申请修复")
    subject_id = record.subject_id if record is not None else entry.subject_id
    if not account_acts_for(account, subject_id):
        raise PermissionDenied("您的账号未绑定该主体，不能为其申请信用修复")
    eligibility = (
        record_eligibility(record=record, as_of=on_date)
        if record is not None
        else entry_eligibility(entry=entry, as_of=on_date)
    )
    if not eligibility.eligible:
        raise RepairError(f"repair_{eligibility.code}", eligibility.message)
    statement = _clean(
        statement, code="repair_statement_required", message="请说明纠正失信行为、履行法定义务的情况"
    )
    files = list(evidence)
    if not files:
        raise RepairError("repair_evidence_required", "请上传履行义务、纠正失信行为的证明材料")
    department = Department.objects.get(pk=eligibility.deciding_department_id)
    profile = profile_in_force(on_date=on_date)
    accept = step_due(profile=profile, workflow=REPAIR, step="accept", start=on_date)
    subject = record.subject if record is not None else entry.subject
    with transaction.atomic():
        commitment = commitment_sign(
            subject=subject,
            kind=CommitmentKind.REPAIR,
            matter_name="信用修复",
            text=((commitment_text or "").strip() or COMMITMENT_TEXT)[:MAX_TEXT],
            signatory=signatory,
            department=department,
            on_date=on_date,
            actor=account,
        )
        application = RepairApplication.objects.create(
            number=case_number_interim(),
            subject=subject,
            record=record,
            list_entry=entry,
            account=account,
            deciding_department=department,
            statement=statement,
            commitment=commitment,
            profile=profile,
            filed_on=on_date,
            due_on=accept.due,
            due_provisional=accept.provisional,
        )
        application.number = case_number(prefix=REPAIR_PREFIX, on_date=on_date, pk=application.pk)
        application.save(update_fields=["number"])
        for name, stream in files:
            evidence_store(
                case_kind=CaseKind.REPAIR, case_id=application.pk, name=name, stream=stream, actor=account
            )
        case_event_add(
            case_kind=CaseKind.REPAIR,
            case_id=application.pk,
            from_state="",
            to_state=RepairState.SUBMITTED,
            on_date=on_date,
            actor=account,
            note=f"提交信用修复申请，签署信用修复承诺书 {commitment.number}",
        )
        audit_log(
            actor=account,
            action="create",
            obj=application,
            detail={
                "number": application.number,
                "record": record.pk if record else None,
                "entry": entry.pk if entry else None,
                "department": department.pk,
                "on_date": on_date,
            },
        )
    return application


# ---------------------------------------------------------------------------------------------------------
# Deciding


def _lock(application: RepairApplication, actor: Any, *states: str) -> RepairApplication:
    application = RepairApplication.objects.select_for_update().get(pk=application.pk)
    if not can_decide_repair(actor, application):
        audit_log(actor=actor, action="update", obj=application, outcome="denied")
        raise PermissionDenied("只有认定部门和平台管理员可以办理该信用修复申请")
    if application.state not in states:
        raise RepairError(
            "repair_state_invalid", f"该申请当前状态为“{application.get_state_display()}”，不能办理此步骤"
        )
    return application


def _step(
    application: RepairApplication,
    *,
    to_state: str,
    on_date: dt.date,
    actor: Any,
    note: str,
    fields: dict[str, Any],
) -> RepairApplication:
    from_state, due = application.state, application.due_on
    application.state = to_state
    for name, value in fields.items():
        setattr(application, name, value)
    application.save()
    case_event_add(
        case_kind=CaseKind.REPAIR,
        case_id=application.pk,
        from_state=from_state,
        to_state=to_state,
        on_date=on_date,
        actor=actor,
        note=note,
        due_on=due,
    )
    audit_log(
        actor=actor,
        action="update",
        obj=application,
        detail={"number": application.number, "from": from_state, "to": to_state, "on_date": on_date},
    )
    return application


def repair_accept(*, application: RepairApplication, actor: Any, on_date: dt.date) -> RepairApplication:
    """Accept an application (受理); the decision is then due within the profile's decide step."""
    with transaction.atomic():
        application = _lock(application, actor, RepairState.SUBMITTED)
        decide = step_due(profile=application.profile, workflow=REPAIR, step="decide", start=on_date)
        return _step(
            application,
            to_state=RepairState.ACCEPTED,
            on_date=on_date,
            actor=actor,
            note="受理信用修复申请",
            fields={"accepted_on": on_date, "due_on": decide.due, "due_provisional": decide.provisional},
        )


def repair_extend(
    *, application: RepairApplication, actor: Any, on_date: dt.date, reasons: str
) -> RepairApplication:
    """Extend the decision deadline once for verification (核实延长), counted from the current deadline."""
    reasons = _clean(reasons, code="repair_reasons_required", message="请填写延长核实期限的理由")
    with transaction.atomic():
        application = _lock(application, actor, RepairState.ACCEPTED)
        if application.extended:
            raise RepairError("repair_already_extended", "核实期限只能延长一次")
        extension = step_due(
            profile=application.profile,
            workflow=REPAIR,
            step="extension",
            start=application.due_on or on_date,
        )
        from_state = application.state
        application.extended = True
        application.due_on = extension.due
        application.due_provisional = extension.provisional
        application.save(update_fields=["extended", "due_on", "due_provisional"])
        case_event_add(
            case_kind=CaseKind.REPAIR,
            case_id=application.pk,
            from_state=from_state,
            to_state=from_state,
            on_date=on_date,
            actor=actor,
            note=f"延长核实期限至 {extension.due:%Y-%m-%d}：{reasons}",
        )
        audit_log(
            actor=actor,
            action="update",
            obj=application,
            detail={"number": application.number, "extended_to": extension.due, "reasons": reasons[:200]},
        )
    return application


def _decision_notice(
    application: RepairApplication, *, actor: Any, on_date: dt.date, decision: str, reasons: str
) -> CreditReport:
    facts = [
        ("申请编号", application.number),
        ("申请日期", f"{application.filed_on:%Y-%m-%d}"),
        ("申请修复的信息", _target_label(application)),
        ("认定部门（负责修复）", application.deciding_department.name),
        ("决定", decision),
        ("决定日期", f"{on_date:%Y-%m-%d}"),
    ]
    statements = [f"经审查，{decision}。", f"理由：{reasons}"]
    if application.state == RepairState.APPROVED:
        statements.append(
            "自本决定作出之日起，该信息终止公示，停止共享和使用，相关失信惩戒措施同步解除；"
            f"平台将在 {application.publication_stop_due:%Y年%m月%d日} 前完成停止公示。"
        )
    if application.state == RepairState.REVOKED:
        statements.append("该信息恢复公示和共享，提供虚假材料的行为已记入失信记录。")
    statements.append(RIGHTS)
    return case_notice_issue(
        kind=ReportKind.REPAIR_DECISION,
        subject=application.subject,
        on_date=on_date,
        facts=facts,
        statements=statements,
        case_ref={"repair": application.number},
        actor=actor,
        issuer=application.deciding_department.name,
    )


def repair_refuse(
    *, application: RepairApplication, actor: Any, on_date: dt.date, reasons: str
) -> RepairApplication:
    """Refuse to accept an application (不予受理), with reasons and a written decision."""
    reasons = _clean(reasons, code="repair_reasons_required", message="请填写不予受理的理由")
    with transaction.atomic():
        application = _lock(application, actor, RepairState.SUBMITTED)
        application = _step(
            application,
            to_state=RepairState.REFUSED,
            on_date=on_date,
            actor=actor,
            note=f"不予受理：{reasons}",
            fields={"decided_on": on_date, "reasons": reasons, "due_on": None},
        )
        _decision_notice(application, actor=actor, on_date=on_date, decision="不予受理", reasons=reasons)
    return application


def repair_reject(
    *, application: RepairApplication, actor: Any, on_date: dt.date, reasons: str
) -> RepairApplication:
    """Decide not to repair (不予修复), with reasons and a written decision."""
    reasons = _clean(reasons, code="repair_reasons_required", message="请填写不予修复的理由")
    with transaction.atomic():
        application = _lock(application, actor, RepairState.ACCEPTED)
        application = _step(
            application,
            to_state=RepairState.REJECTED,
            on_date=on_date,
            actor=actor,
            note=f"不予修复：{reasons}",
            fields={"decided_on": on_date, "reasons": reasons, "due_on": None},
        )
        _decision_notice(application, actor=actor, on_date=on_date, decision="不予信用修复", reasons=reasons)
    return application


def _targets(application: RepairApplication) -> tuple[CreditRecord | None, list[ListEntry]]:
    """The record and the list entries a decision on ``application`` acts on."""
    if application.list_entry_id:
        entry = application.list_entry
        return entry.record, [entry]
    record = application.record
    return record, list(ListEntry.objects.filter(record=record).select_related("list_type"))


def repair_approve(
    *, application: RepairApplication, actor: Any, on_date: dt.date, reasons: str
) -> RepairApplication:
    """Approve (准予修复): the record is repaired, its entries leave their lists, publication and sharing stop."""
    reasons = _clean(reasons, code="repair_reasons_required", message="请填写准予修复的理由")
    with transaction.atomic():
        application = _lock(application, actor, RepairState.ACCEPTED)
        stop = step_due(profile=application.profile, workflow=REPAIR, step="stop_publication", start=on_date)
        application = _step(
            application,
            to_state=RepairState.APPROVED,
            on_date=on_date,
            actor=actor,
            note=f"准予修复：{reasons}",
            fields={
                "decided_on": on_date,
                "reasons": reasons,
                "due_on": None,
                "publication_stop_due": stop.due,
            },
        )
        record, entries = _targets(application)
        why = f"信用修复决定 {application.number}"
        if record is not None and record.status == RecordStatus.EFFECTIVE:
            record_mark_repaired(
                record=record,
                actor=actor if can_mark_record(actor, record) else None,
                reason=why,
                on_date=on_date,
            )
        for entry in entries:
            if entry.state in OPEN_STATES:
                entry_transition(
                    entry=entry,
                    to_state=EntryState.REPAIRED,
                    on_date=on_date,
                    actor=actor,
                    reason=why,
                    ended_on=on_date,
                    end_reason=why,
                )
        _decision_notice(application, actor=actor, on_date=on_date, decision="准予信用修复", reasons=reasons)
    if record is not None:
        # The change feed carries the repaired reason at once (the nightly sweep would find it tomorrow).
        record_publication_note(record=record, on_date=on_date)
    return application


def repair_revoke(
    *, application: RepairApplication, actor: Any, on_date: dt.date, reasons: str
) -> RepairApplication:
    """Revoke a repair obtained with false materials: the record and entries return, a negative record is made."""
    reasons = _clean(
        reasons, code="repair_reasons_required", message="请填写撤销信用修复的理由（如虚假材料的情况）"
    )
    with transaction.atomic():
        application = _lock(application, actor, RepairState.APPROVED)
        application = _step(
            application,
            to_state=RepairState.REVOKED,
            on_date=on_date,
            actor=actor,
            note=f"撤销修复：{reasons}",
            fields={"revoked_on": on_date, "revoke_reason": reasons},
        )
        record, entries = _targets(application)
        why = f"撤销信用修复决定 {application.number}：{reasons}"[:2000]
        if record is not None and record.status == RecordStatus.REPAIRED:
            if not can_write_record(actor, record):
                raise PermissionDenied("只有数据来源部门和平台管理员可以恢复该信用记录")
            record_change_status(
                record=record, status=RecordStatus.EFFECTIVE, actor=actor, reason=why, as_of=on_date
            )
        for entry in entries:
            if entry.state == EntryState.REPAIRED:
                entry_transition(
                    entry=entry,
                    to_state=EntryState.EFFECTIVE,
                    on_date=on_date,
                    actor=actor,
                    reason=why,
                    ended_on=None,
                    end_reason="",
                )
        # 记入失信记录: the repair's 信用承诺 is broken (its record gets 未履行, and the negative record
        # 违背信用承诺 is written through the loader by the commitments service).
        commitment_break(
            commitment=application.commitment,
            on_date=on_date,
            actor=actor,
            reason=f"提供虚假材料，信用修复决定已撤销：{reasons}",
        )
        _decision_notice(
            application, actor=actor, on_date=on_date, decision="撤销信用修复决定", reasons=reasons
        )
    if record is not None:
        record_publication_note(record=record, on_date=on_date)
    return application


# ---------------------------------------------------------------------------------------------------------
# 信用修复告知书 (两书同达) and overdue escalation


def repair_notice_issue(*, record: CreditRecord, actor: Any, on_date: dt.date) -> CreditReport:
    """Issue the 信用修复告知书 served with a penalty decision: when and how the subject may apply."""
    if not can_issue_repair_notice(actor, record):
        audit_log(actor=actor, action="report_issue", obj=record, outcome="denied")
        raise PermissionDenied("只有作出决定的部门和平台管理员可以出具信用修复告知书")
    if record.polarity != Polarity.NEGATIVE:
        raise RepairError("repair_notice_not_negative", "该信息不属于失信信息，无需出具信用修复告知书")
    eligibility = record_eligibility(record=record, as_of=record.decision_date)
    if eligibility.code == "too_early":
        when = f"自 {eligibility.from_date:%Y年%m月%d日} 起"
    elif eligibility.eligible:
        when = "履行法定义务、纠正失信行为后即可"
    else:
        when = eligibility.message
    profile = profile_in_force(on_date=on_date)
    accept = step_due(profile=profile, workflow=REPAIR, step="accept", start=on_date)
    decide = step_due(profile=profile, workflow=REPAIR, step="decide", start=on_date)
    facts = [
        ("信息类别", record.item.name),
        ("文书号", record.document_number),
        ("决定日期", f"{record.decision_date:%Y-%m-%d}"),
        ("作出决定的部门", record.department.name),
        ("公示期限", record.window_rule or "—"),
        ("公示截止日期", f"{record.publish_until:%Y-%m-%d}" if record.publish_until else "—"),
        ("可申请信用修复", when),
    ]
    statements = [
        f"根据《信用修复管理办法》（国家发展改革委令第36号），你（单位）{when}申请信用修复。",
        "申请条件：" + "；".join(eligibility.conditions or ("纠正失信行为、履行法定义务",)) + "。",
        "申请方式：登录信用门户“我的信用”，选择该信息，在线提交申请、上传证明材料并签署信用修复承诺书；"
        f"由{record.department.name}负责办理（谁认定、谁修复）。",
        f"办理时限：{accept.period_text}内决定是否受理，受理后{decide.period_text}内作出决定（可因核实延长一次）"
        + ("（时限依据尚未与正式文本核对）" if not (accept.verified and decide.verified) else "")
        + "。",
        "信用修复不收取任何费用；请勿轻信任何机构以付费方式代为办理。",
    ]
    return case_notice_issue(
        kind=ReportKind.REPAIR_NOTICE,
        subject=record.subject,
        on_date=on_date,
        facts=facts,
        statements=statements,
        case_ref={"repair_notice": record.pk},
        actor=actor,
        issuer=record.department.name,
    )


def repairs_escalate_overdue(*, as_of: dt.date) -> int:
    """Mark open applications past their step's deadline as escalated (超期督办), once each; returns how many."""
    from xinyong.dueprocess.repairs.models import OPEN_REPAIR_STATES

    overdue = list(
        RepairApplication.objects.filter(
            state__in=OPEN_REPAIR_STATES, due_on__lt=as_of, escalated_on__isnull=True
        ).order_by("pk")[:10_000]
    )
    for application in overdue:
        with transaction.atomic():
            RepairApplication.objects.filter(pk=application.pk).update(escalated_on=as_of)
            case_event_add(
                case_kind=CaseKind.REPAIR,
                case_id=application.pk,
                from_state=application.state,
                to_state=application.state,
                on_date=as_of,
                actor=None,
                note=f"超过办理期限（{application.due_on:%Y-%m-%d}），已提请信用主管部门督办",
            )
    if overdue:
        audit_log(
            actor=None,
            action="repairs_escalate",
            obj=RepairApplication,
            detail={"as_of": as_of.isoformat(), "escalated": [a.number for a in overdue][:200]},
        )
    return len(overdue)
