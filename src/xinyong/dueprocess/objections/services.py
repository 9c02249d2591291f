"""Writes of objections (异议): filing, the steps of the workflow, the notice, and the daily escalation.

The workflow (docs/objections.md): filed and marked disputed at once (``marked``) → accepted or refused with
reasons → (accepted) decided by the platform, or forwarded to the source department which decides → the
decision (corrected, withdrawn, maintained, undetermined) with reasons → the subject is notified with the
异议处理决定告知书 (``closed``). Every step is a ``CaseEvent`` with the step's due date from the profile version
stored on the objection, and an audit entry. While the objection is open (``OPEN_OBJECTION_STATES``) the
record carries the 异议标注 and the measures resting on it are suspended in every check.
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from xinyong.accounts.services import audit_log
from xinyong.core.errors import CodedError
from xinyong.dueprocess.cases.models import CaseKind, EvidenceFile
from xinyong.dueprocess.cases.services import (
    case_event_add,
    case_number,
    case_number_interim,
    evidence_dir,
    evidence_open,
    evidence_store,
)
from xinyong.dueprocess.objections import permissions
from xinyong.dueprocess.objections.models import (
    OPEN_OBJECTION_STATES,
    FilerKind,
    Objection,
    ObjectionOutcome,
    ObjectionState,
)
from xinyong.dueprocess.objections.selectors import objection_step_due
from xinyong.dueprocess.profiles.selectors import profile_in_force
from xinyong.dueprocess.subject_accounts.models import SubjectAccount
from xinyong.lists.models import ListEntry
from xinyong.lists.services import list_entry_revoke
from xinyong.records.models import CreditRecord, CreditRecordVersion, RecordStatus
from xinyong.records.services import record_change_status, record_mark_disputed
from xinyong.reports.case_notices import case_notice_issue
from xinyong.reports.models import CreditReport, ReportKind

NUMBER_PREFIX = "YY"
STATEMENT_MAX = 5000
REASONS_MAX = 5000


class ObjectionError(CodedError):
    pass


# ---------------------------------------------------------------------------------------------------
# Deadlines


def _waiting_step(objection: Objection) -> str | None:
    """The step the objection waits for in its current state."""
    return {
        ObjectionState.MARKED: "accept",
        ObjectionState.ACCEPTED: "decide",
        ObjectionState.FORWARDED: "source_decide",
        ObjectionState.DECIDED: "reply",
        ObjectionState.REFUSED: "reply",
    }.get(objection.state)


def _set_due(objection: Objection) -> None:
    step = _waiting_step(objection)
    deadline = objection_step_due(objection=objection, step=step) if step else None
    objection.due_on = deadline.due if deadline else None
    objection.due_provisional = bool(deadline and deadline.provisional)
    objection.escalated_on = None  # a new step is escalated again when it runs late


# ---------------------------------------------------------------------------------------------------
# Filing


def _filer_kind(filer: Any) -> str:
    if isinstance(filer, SubjectAccount):
        return FilerKind.SUBJECT
    if permissions.can_handle_platform_steps(filer):
        return FilerKind.OPERATOR
    return FilerKind.DEPARTMENT


def _deny(*, actor: Any, action: str, obj: Any, detail: dict[str, Any], message: str) -> None:
    audit_log(actor=actor, action=action, obj=obj, outcome="denied", detail=detail)
    raise PermissionDenied(message)


def _mark_reason(objection: Objection, text: str) -> str:
    return f"异议申请 {objection.number}：{text}"


def objection_file(
    *,
    filer: Any,
    on_date: dt.date,
    statement: str,
    record: CreditRecord | None = None,
    list_entry: ListEntry | None = None,
    requested: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    files: list[tuple[str, IO[bytes]]] | None = None,
    profile_code: str | None = None,
) -> Objection:
    """File an objection against a record or a list entry and mark the record disputed at once; audited."""
    if (record is None) == (list_entry is None):
        raise ObjectionError("objection_target_invalid", "请指定一条信用记录或一个名单条目提出异议")
    if list_entry is not None:
        record = list_entry.record
        subject_id = list_entry.subject_id
        department_id = list_entry.department_id if record is None else record.department_id
    else:
        subject_id = record.subject_id
        department_id = record.department_id
    target = record if record is not None else list_entry
    if not permissions.can_file_objection(filer, subject_id=subject_id, department_id=department_id):
        _deny(
            actor=filer,
            action="objection_file",
            obj=target,
            detail={"subject": subject_id},
            message="您无权对该记录提出异议",
        )
    statement = (statement or "").strip()
    if not statement:
        raise ObjectionError("statement_required", "请填写异议的事实和理由")
    if len(statement) > STATEMENT_MAX:
        raise ObjectionError("statement_too_long", f"异议的事实和理由不能超过 {STATEMENT_MAX} 字")
    profile = profile_in_force(on_date=on_date, code=profile_code)
    kind = _filer_kind(filer)
    is_account = isinstance(filer, SubjectAccount)
    open_same = Objection.objects.filter(state__in=OPEN_OBJECTION_STATES)
    open_same = (
        open_same.filter(record=record) if record is not None else open_same.filter(list_entry=list_entry)
    )
    if open_same.exists():
        raise ObjectionError("objection_open_exists", "该记录已有正在办理的异议申请，请等待处理结果")
    with transaction.atomic():
        try:
            with transaction.atomic():
                objection = Objection.objects.create(
                    number=case_number_interim(),
                    subject_id=subject_id,
                    record=record,
                    list_entry=list_entry,
                    filer_kind=kind,
                    account=filer if is_account else None,
                    filed_by=None if is_account else filer,
                    filed_by_department=None
                    if is_account or kind == FilerKind.OPERATOR
                    else filer.department,
                    contact_name=(contact_name or "").strip()[:100],
                    contact_phone=(contact_phone or "").strip()[:30],
                    statement=statement,
                    requested=(requested or "").strip()[:200],
                    state=ObjectionState.MARKED,
                    profile=profile,
                    filed_on=on_date,
                )
        except IntegrityError as exc:
            # Two filings at the same moment: the partial unique index lets one through.
            raise ObjectionError(
                "objection_open_exists", "该记录已有正在办理的异议申请，请等待处理结果"
            ) from exc
        objection.number = case_number(prefix=NUMBER_PREFIX, on_date=on_date, pk=objection.pk)
        if record is not None:
            locked = CreditRecord.objects.select_for_update().get(pk=record.pk)
            if not locked.disputed:
                record_mark_disputed(
                    record=locked,
                    disputed=True,
                    actor=None,
                    reason=_mark_reason(objection, "异议标注"),
                    on_date=on_date,
                )
            objection.record_version_filed = CreditRecord.objects.get(pk=record.pk).current_version.number
        if list_entry is not None and not list_entry.disputed:
            ListEntry.objects.filter(pk=list_entry.pk).update(disputed=True)
        mark = objection_step_due(objection=objection, step="mark")
        case_event_add(
            case_kind=CaseKind.OBJECTION,
            case_id=objection.pk,
            from_state="",
            to_state=ObjectionState.MARKED,
            on_date=on_date,
            actor=filer,
            note="提出异议，信用记录已作异议标注",
            due_on=mark.due if mark else None,
        )
        _set_due(objection)
        objection.save()
        stored: list[EvidenceFile] = []
        try:
            for name, stream in files or []:
                stored.append(
                    evidence_store(
                        case_kind=CaseKind.OBJECTION,
                        case_id=objection.pk,
                        name=name,
                        stream=stream,
                        actor=filer,
                    )
                )
        except BaseException:
            # The filing is rolled back: the files already written go too.
            for evidence in stored:
                (evidence_dir() / evidence.storage_name).unlink(missing_ok=True)
            raise
        audit_log(
            actor=filer,
            action="objection_file",
            obj=objection,
            detail={
                "number": objection.number,
                "subject": subject_id,
                "record": record.pk if record else None,
                "list_entry": list_entry.pk if list_entry else None,
                "filer_kind": kind,
                "profile": f"{profile.code}@{profile.valid_from}",
                "files": len(files or []),
            },
        )
    return objection


# ---------------------------------------------------------------------------------------------------
# Steps


def _locked(objection: Objection) -> Objection:
    return Objection.objects.select_for_update(of=("self",)).select_related("profile").get(pk=objection.pk)


def _require_state(objection: Objection, *states: str, doing: str) -> None:
    if objection.state not in states:
        raise ObjectionError(
            "objection_state_invalid",
            f"异议申请 {objection.number} 当前为“{objection.get_state_display()}”，不能{doing}",
        )


def _reasons(text: str, *, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ObjectionError("reasons_required", f"请填写{what}的理由")
    if len(text) > REASONS_MAX:
        raise ObjectionError("reasons_too_long", f"{what}的理由不能超过 {REASONS_MAX} 字")
    return text


def _transition(
    *,
    objection: Objection,
    to_state: str,
    on_date: dt.date,
    actor: Any,
    step: str,
    note: str,
    action: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record the step (event with its due date and whether it was met), move the state, audit."""
    deadline = objection_step_due(objection=objection, step=step)
    if on_date < objection.filed_on:
        raise ObjectionError("date_before_filing", "办理日期不能早于异议提出日期")
    from_state = objection.state
    case_event_add(
        case_kind=CaseKind.OBJECTION,
        case_id=objection.pk,
        from_state=from_state,
        to_state=to_state,
        on_date=on_date,
        actor=actor,
        note=note,
        due_on=deadline.due if deadline else None,
    )
    objection.state = to_state
    _set_due(objection)
    objection.save()
    audit_log(
        actor=actor,
        action=action,
        obj=objection,
        detail={
            "number": objection.number,
            "from": from_state,
            "to": to_state,
            "on_date": on_date,
            "due_on": deadline.due if deadline else None,
            **(detail or {}),
        },
    )


def _check(allowed: Any, *, actor: Any, action: str, objection: Objection) -> None:
    """Refuse (403, audited outside the step's transaction) an actor who may not take this step."""
    current = Objection.objects.select_related("record", "list_entry").get(pk=objection.pk)
    if not allowed(current):
        _deny(
            actor=actor,
            action=action,
            obj=objection,
            detail={"number": objection.number, "state": objection.state},
            message="您无权办理该异议申请的这一步骤",
        )


def _lift_mark(*, objection: Objection, on_date: dt.date, text: str) -> None:
    """Lift the record's 异议标注 (and the entry's) unless another objection on it is still open."""
    others = Objection.objects.filter(state__in=OPEN_OBJECTION_STATES).exclude(pk=objection.pk)
    record = objection.record
    if record is not None and not others.filter(record=record).exists():
        current = CreditRecord.objects.get(pk=record.pk)
        if current.disputed:
            record_mark_disputed(
                record=current,
                disputed=False,
                actor=None,
                reason=_mark_reason(objection, text),
                on_date=on_date,
            )
    entry = objection.list_entry
    if entry is not None and not others.filter(list_entry=entry).exists():
        ListEntry.objects.filter(pk=entry.pk, disputed=True).update(disputed=False)


def objection_accept(*, objection: Objection, actor: Any, on_date: dt.date, note: str = "") -> Objection:
    """Accept the objection for examination (受理); audited."""
    _check(
        lambda o: permissions.can_handle_platform_steps(actor),
        actor=actor,
        action="objection_accept",
        objection=objection,
    )
    with transaction.atomic():
        objection = _locked(objection)
        _require_state(objection, ObjectionState.MARKED, doing="受理")
        objection.accepted_on = on_date
        _transition(
            objection=objection,
            to_state=ObjectionState.ACCEPTED,
            on_date=on_date,
            actor=actor,
            step="accept",
            note=(note or "").strip() or "予以受理",
            action="objection_accept",
        )
    return objection


def objection_refuse(*, objection: Objection, actor: Any, on_date: dt.date, reasons: str) -> Objection:
    """Refuse the objection (不予受理) with reasons; the mark is lifted; audited."""
    _check(
        lambda o: permissions.can_handle_platform_steps(actor),
        actor=actor,
        action="objection_refuse",
        objection=objection,
    )
    with transaction.atomic():
        objection = _locked(objection)
        reasons = _reasons(reasons, what="不予受理")
        _require_state(objection, ObjectionState.MARKED, doing="不予受理")
        objection.decided_on = on_date
        objection.reasons = reasons
        _transition(
            objection=objection,
            to_state=ObjectionState.REFUSED,
            on_date=on_date,
            actor=actor,
            step="accept",
            note=reasons,
            action="objection_refuse",
        )
        _lift_mark(objection=objection, on_date=on_date, text="不予受理，撤销异议标注")
    return objection


def objection_forward(
    *, objection: Objection, actor: Any, on_date: dt.date, department: Any = None, note: str = ""
) -> Objection:
    """Forward the accepted objection to the source department for checking (转数据来源单位); audited."""
    _check(
        lambda o: permissions.can_handle_platform_steps(actor),
        actor=actor,
        action="objection_forward",
        objection=objection,
    )
    with transaction.atomic():
        objection = _locked(objection)
        _require_state(objection, ObjectionState.ACCEPTED, doing="转办")
        if department is None:
            if objection.record is not None:
                department = objection.record.department
            elif objection.list_entry is not None:
                department = objection.list_entry.department
        if department is None:
            raise ObjectionError("department_required", "请选择核查处理的数据来源单位")
        objection.forwarded_on = on_date
        objection.source_department = department
        _transition(
            objection=objection,
            to_state=ObjectionState.FORWARDED,
            on_date=on_date,
            actor=actor,
            step="forward",
            note=(note or "").strip() or f"转{department.name}核查处理",
            action="objection_forward",
            detail={"department": department.pk},
        )
    return objection


def _correction_received(objection: Objection) -> bool:
    """Has a corrected version of the record been received through the loader since the objection was filed?"""
    record = objection.record
    if record is None or objection.record_version_filed is None:
        return False
    filed = CreditRecordVersion.objects.filter(record=record, number=objection.record_version_filed).first()
    if filed is None:
        return False
    return (
        CreditRecordVersion.objects.filter(record=record, number__gt=filed.number, status=filed.status)
        .exclude(content_hash=filed.content_hash)
        .exists()
    )


def objection_decide(
    *, objection: Objection, actor: Any, on_date: dt.date, outcome: str, reasons: str
) -> Objection:
    """Decide the objection with its outcome and reasons, apply the outcome to the record, lift the mark."""
    _check(
        lambda o: permissions.can_decide_objection(actor, o),
        actor=actor,
        action="objection_decide",
        objection=objection,
    )
    with transaction.atomic():
        objection = _locked(objection)
        if not permissions.can_decide_objection(actor, objection):  # the state changed meanwhile
            raise PermissionDenied("您无权办理该异议申请的这一步骤")
        if outcome not in ObjectionOutcome.values:
            raise ObjectionError("outcome_invalid", "请选择处理结果")
        reasons = _reasons(reasons, what="处理决定")
        _require_state(objection, ObjectionState.ACCEPTED, ObjectionState.FORWARDED, doing="作出处理决定")
        step = "source_decide" if objection.state == ObjectionState.FORWARDED else "decide"
        record, entry = objection.record, objection.list_entry
        if outcome == ObjectionOutcome.CORRECTED and not _correction_received(objection):
            raise ObjectionError(
                "correction_missing",
                "尚未收到更正后的记录：请数据来源单位先通过单条录入、文件上传或接口报送更正后的记录（同一文书号），"
                "再作出“更正”决定",
            )
        if outcome == ObjectionOutcome.WITHDRAWN:
            text = f"异议申请 {objection.number} 处理决定：{reasons}"
            if entry is not None:
                list_entry_revoke(entry=entry, on_date=on_date, actor=actor, reason=text[:2000])
            else:
                record_change_status(
                    record=CreditRecord.objects.get(pk=record.pk),
                    status=RecordStatus.WITHDRAWN,
                    actor=actor,
                    reason=text,
                    as_of=on_date,
                )
        objection.decided_on = on_date
        objection.outcome = outcome
        objection.reasons = reasons
        _transition(
            objection=objection,
            to_state=ObjectionState.DECIDED,
            on_date=on_date,
            actor=actor,
            step=step,
            note=f"{ObjectionOutcome(outcome).label}：{reasons}",
            action="objection_decide",
            detail={"outcome": outcome},
        )
        _lift_mark(
            objection=objection,
            on_date=on_date,
            text=f"已作出处理决定（{ObjectionOutcome(outcome).label}），撤销异议标注",
        )
    return objection


def _notice_content(objection: Objection) -> tuple[list[tuple[str, str]], list[str]]:
    target = "信用记录"
    if objection.record is not None:
        target = f"信用记录（文书号 {objection.record.document_number}，{objection.record.department.name}）"
    if objection.list_entry is not None:
        target = f"名单条目（{objection.list_entry.list_type.name}）"
    facts = [
        ("异议编号", objection.number),
        ("异议对象", target),
        ("提出日期", f"{objection.filed_on:%Y年%m月%d日}"),
    ]
    if objection.state == ObjectionState.REFUSED:
        facts.append(("处理结果", "不予受理"))
        statements = [f"经审查，您提出的异议申请不予受理。理由：{objection.reasons}"]
    else:
        facts.append(("处理结果", objection.get_outcome_display()))
        decision = {
            ObjectionOutcome.CORRECTED: "经核查，异议信息有误，已予以更正。",
            ObjectionOutcome.WITHDRAWN: "经核查，异议信息已予以撤销（撤回）。",
            ObjectionOutcome.MAINTAINED: "经核查，异议信息准确，予以维持，异议标注已撤销。",
            ObjectionOutcome.UNDETERMINED: "经核查，异议信息无法核实，异议申请与核查情况已一并记录。",
        }[ObjectionOutcome(objection.outcome)]
        statements = [decision, f"理由：{objection.reasons}"]
    if objection.decided_on:
        facts.append(("决定日期", f"{objection.decided_on:%Y年%m月%d日}"))
    statements.append("如对本决定不服，可依法申请行政复议或者提起行政诉讼。")
    return facts, statements


def objection_notify(
    *, objection: Objection, actor: Any, on_date: dt.date, request: Any = None
) -> CreditReport:
    """Issue the 异议处理决定告知书 to the subject and close the objection; audited."""
    _check(
        lambda o: permissions.can_handle_platform_steps(actor),
        actor=actor,
        action="objection_notify",
        objection=objection,
    )
    with transaction.atomic():
        objection = _locked(objection)
        _require_state(objection, ObjectionState.DECIDED, ObjectionState.REFUSED, doing="告知办结")
        facts, statements = _notice_content(objection)
        notice = case_notice_issue(
            kind=ReportKind.OBJECTION_DECISION,
            subject=objection.subject,
            on_date=on_date,
            facts=facts,
            statements=statements,
            case_ref={"objection": objection.number},
            actor=actor,
            request=request,
        )
        objection.closed_on = on_date
        _transition(
            objection=objection,
            to_state=ObjectionState.CLOSED,
            on_date=on_date,
            actor=actor,
            step="reply",
            note=f"已出具异议处理决定告知书 {notice.number}",
            action="objection_notify",
            detail={"notice": notice.number},
        )
    return notice


# ---------------------------------------------------------------------------------------------------
# Evidence and escalation


def objection_evidence_open(*, objection: Objection, evidence: EvidenceFile, principal: Any) -> IO[bytes]:
    """The content of an evidence file of the objection, for a principal who may see it; audited."""
    belongs = evidence.case_kind == CaseKind.OBJECTION and evidence.case_id == objection.pk
    if not belongs or not permissions.can_view_objection(principal, objection):
        _deny(
            actor=principal,
            action="objection_evidence_open",
            obj=objection,
            detail={"evidence": evidence.pk},
            message="您无权查看该证明材料",
        )
    audit_log(
        actor=principal,
        action="objection_evidence_open",
        obj=objection,
        detail={"number": objection.number, "evidence": evidence.pk, "sha256": evidence.sha256},
    )
    return evidence_open(evidence=evidence)


def objections_escalate_overdue(*, as_of: dt.date) -> int:
    """Escalate (督办) every objection whose current step is overdue on ``as_of`` and not escalated yet."""
    due = list(
        Objection.objects.exclude(state=ObjectionState.CLOSED)
        .filter(due_on__lt=as_of, escalated_on__isnull=True)
        .order_by("due_on", "pk")
    )
    if not due:
        return 0
    with transaction.atomic():
        for objection in due:
            case_event_add(
                case_kind=CaseKind.OBJECTION,
                case_id=objection.pk,
                from_state=objection.state,
                to_state=objection.state,
                on_date=as_of,
                actor=None,
                note=f"超期督办：当前步骤期限为 {objection.due_on:%Y-%m-%d}，已超期",
            )
        Objection.objects.filter(pk__in=[o.pk for o in due]).update(escalated_on=as_of)
        audit_log(
            actor=None,
            action="objections_escalate",
            obj=Objection,
            detail={"as_of": as_of, "count": len(due), "numbers": [o.number for o in due][:100]},
        )
    return len(due)
