"""Writes of feedback (反馈) on applied measures, of the notice to the subject, and of typical cases.

A check that returns measures the requesting department implements leaves one pending ``MeasureFeedback``
per measure, due ``JRP_FEEDBACK_WORKING_DAYS`` working days after the check (``jrp.deadlines``). The
department answers applied (已实施), not applied (未实施, reason required) or not applicable (不适用, reason
required), by console, API or file. Changing a recorded answer keeps the earlier one in ``history``; every
recording is audited (one entry per item, one per batch for bulk and file recording). An "applied" answer
issues a 措施实施告知书 to the subject (reports pipeline: number, verification code, PDF) and stamps
``subject_notified_at``. See docs/feedback.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xinyong.accounts.models import Department
from xinyong.accounts.services import audit_log
from xinyong.collection.readers import ReadError, open_table
from xinyong.core.codes import SubjectKind
from xinyong.core.errors import CodedError
from xinyong.core.invisible import strip_format_characters
from xinyong.jrp.feedback.permissions import (
    can_publish_typical_cases,
    can_record_feedback,
    can_report_typical_case,
)
from xinyong.jrp.feedback.selectors import pending_counts_by_department
from xinyong.jrp.models import (
    CheckLog,
    FeedbackOverdueCount,
    FeedbackState,
    Measure,
    MeasureFeedback,
    MeasureKind,
    TypicalCase,
)
from xinyong.reports.measure_notices import measure_notice_issue
from xinyong.reports.models import MeasureNotice
from xinyong.subjects.models import Subject

REASON_MAX_LENGTH = 1000
ANSWERS = (FeedbackState.APPLIED, FeedbackState.NOT_APPLIED, FeedbackState.NOT_APPLICABLE)
REASON_REQUIRED = (FeedbackState.NOT_APPLIED, FeedbackState.NOT_APPLICABLE)
RIGHTS_TEXT = (
    "如对本告知书所列措施有异议，可以自收到本告知书之日起六十日内依法申请行政复议，或者在六个月内依法提起"
    "行政诉讼；认为所依据的信用信息有误的，可以向信用信息平台提出异议申请；已纠正失信行为的，可以依法申请信用修复。"
)


class FeedbackError(CodedError):
    """Feedback cannot be recorded: stable code, zh message, HTTP status for the API."""

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        super().__init__(code, message)
        self.status = status


def _clean_reason(reason: str) -> str:
    return strip_format_characters(str(reason or "")).strip()


def _validate(*, feedback: MeasureFeedback, state: str, reason: str, actor: Any) -> str:
    if not can_record_feedback(actor, feedback.department_id):
        raise FeedbackError("feedback_forbidden", "只能反馈本部门实施的措施", status=403)
    if state not in ANSWERS:
        raise FeedbackError(
            "feedback_state_invalid",
            "反馈结果应为 applied（已实施）、not_applied（未实施）或 not_applicable（不适用）",
        )
    reason = _clean_reason(reason)
    if state in REASON_REQUIRED and not reason:
        label = FeedbackState(state).label
        raise FeedbackError("feedback_reason_required", f"反馈“{label}”须填写原因说明")
    if len(reason) > REASON_MAX_LENGTH:
        raise FeedbackError("feedback_reason_too_long", f"原因说明不能超过 {REASON_MAX_LENGTH} 个字")
    return reason


@dataclass
class FeedbackChange:
    feedback: MeasureFeedback
    previous_state: str
    changed: bool
    notice: MeasureNotice | None = None


def _notice_content(
    *, feedback: MeasureFeedback, subject: Subject, department: Department, on: dt.date
) -> dict:
    log = CheckLog.objects.filter(pk=feedback.check_id).values("answer", "matter_code").first() or {}
    answer = log.get("answer") or {}
    measure = next((m for m in answer.get("measures") or [] if m.get("code") == feedback.measure_code), None)
    if measure is None:
        row = (
            Measure.objects.filter(rulebook__number=feedback.rulebook_number, code=feedback.measure_code)
            .values("content", "legal_basis")
            .first()
        )
        measure = row or {"content": feedback.measure_code, "legal_basis": ""}
    hits = answer.get("hits") or []
    entry_id = measure.get("entry_id") or feedback.list_entry_id
    names = [h.get("list_name") for h in hits if h.get("entry_id") == entry_id and h.get("list_name")]
    names = names or sorted(
        {h.get("list_name") for h in hits if h.get("colour") == "black" and h.get("list_name")}
    )
    lists_text = f"被列入{'、'.join(names)}" if names else "被列入联合惩戒对象名单"
    natural = subject.kind == SubjectKind.NATURAL_PERSON
    return {
        "subject": {
            "name": subject.name,
            "kind": subject.kind,
            "code": subject.ric_masked if natural else (subject.uscc or ""),
        },
        "department": department.name,
        "platform": getattr(settings, "PLATFORM_NAME", "公共信用信息共享平台"),
        "checked_on": feedback.checked_on.isoformat(),
        "matter": feedback.matter_code,
        "lists_text": lists_text,
        "applied_on": on.isoformat(),
        "measure": {
            "code": feedback.measure_code,
            "rulebook": feedback.rulebook_number,
            "content": measure.get("content", ""),
            "legal_basis": measure.get("legal_basis", ""),
        },
        "note": feedback.reason,
        "rights": RIGHTS_TEXT,
    }


def _notify(*, feedback: MeasureFeedback, actor: Any, now: dt.datetime, audit: bool) -> MeasureNotice:
    subject = Subject.objects.get(pk=feedback.subject_id)
    department = Department.objects.get(pk=feedback.department_id)
    content = _notice_content(
        feedback=feedback, subject=subject, department=department, on=timezone.localdate(now)
    )
    notice = measure_notice_issue(
        subject=subject,
        content=content,
        source_ref=f"feedback:{feedback.pk}",
        actor=actor,
        now=now,
        audit=audit,
    )
    feedback.subject_notified_at = now
    return notice


def _apply(
    *,
    feedback: MeasureFeedback,
    state: str,
    reason: str,
    actor: Any,
    channel: str,
    now: dt.datetime,
    audit: bool,
) -> FeedbackChange:
    previous = feedback.state
    if previous == state and feedback.reason == reason:
        return FeedbackChange(feedback=feedback, previous_state=previous, changed=False)
    if previous != FeedbackState.PENDING:
        feedback.history = [
            *(feedback.history or []),
            {
                "state": previous,
                "reason": feedback.reason,
                "recorded_at": feedback.recorded_at.isoformat() if feedback.recorded_at else None,
                "recorded_by": feedback.recorded_by_id,
                "channel": feedback.channel,
                "replaced_at": now.isoformat(),
            },
        ]
    feedback.state = state
    feedback.reason = reason
    feedback.recorded_at = now
    feedback.recorded_by = (
        actor if getattr(actor, "is_authenticated", False) and hasattr(actor, "role") else None
    )
    feedback.channel = channel
    feedback.updated_at = now
    notice = None
    if state == FeedbackState.APPLIED and feedback.subject_notified_at is None:
        notice = _notify(feedback=feedback, actor=actor, now=now, audit=audit)
    feedback.save(
        update_fields=[
            "state",
            "reason",
            "recorded_at",
            "recorded_by",
            "channel",
            "history",
            "subject_notified_at",
            "updated_at",
        ]
    )
    return FeedbackChange(feedback=feedback, previous_state=previous, changed=True, notice=notice)


def feedback_record(
    *,
    feedback: MeasureFeedback,
    state: str,
    reason: str = "",
    actor: Any,
    channel: str,
    now: dt.datetime | None = None,
    request=None,
) -> FeedbackChange:
    """Record the department's answer on one measure; raises FeedbackError."""
    reason = _validate(feedback=feedback, state=state, reason=reason, actor=actor)
    now = now or timezone.now()
    with transaction.atomic():
        feedback = MeasureFeedback.objects.select_for_update().get(pk=feedback.pk)
        change = _apply(
            feedback=feedback, state=state, reason=reason, actor=actor, channel=channel, now=now, audit=True
        )
        if change.changed:
            audit_log(
                actor=actor,
                action="feedback_record",
                obj=feedback,
                detail={
                    "from": change.previous_state,
                    "to": state,
                    "reason": reason,
                    "channel": channel,
                    "notice": change.notice.number if change.notice else None,
                },
                request=request,
            )
    return change


@dataclass
class FeedbackItem:
    """One answer of a bulk or file recording: the feedback (found) and what to record, or an error."""

    number: int
    check_id: int | None
    measure_code: str
    state: str
    reason: str
    feedback: MeasureFeedback | None = None
    error_code: str = ""
    error_message: str = ""


@dataclass
class FeedbackBatchResult:
    items: list[FeedbackItem]
    changed: int = 0
    unchanged: int = 0
    notices: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[FeedbackItem]:
        return [i for i in self.items if i.error_code]


def feedback_record_many(
    *,
    items: Sequence[FeedbackItem],
    actor: Any,
    channel: str,
    source: str = "",
    now: dt.datetime | None = None,
    request=None,
) -> FeedbackBatchResult:
    """Record many answers at once, all or nothing: any item in error leaves every feedback unchanged.

    Items without ``feedback`` are looked up by (check id, measure code). One audit entry for the batch.
    """
    now = now or timezone.now()
    items = list(items)
    keys = {(i.check_id, i.measure_code) for i in items if i.feedback is None and i.check_id is not None}
    found: dict[tuple[int, str], MeasureFeedback] = {}
    if keys:
        check_ids = {k[0] for k in keys}
        for fb in MeasureFeedback.objects.filter(check_id__in=check_ids):
            found[(fb.check_id, fb.measure_code)] = fb
    seen: set[int] = set()
    for item in items:
        if item.error_code:
            continue
        if item.feedback is None:
            item.feedback = found.get((item.check_id, item.measure_code))
        if item.feedback is None:
            item.error_code, item.error_message = (
                "feedback_not_found",
                "未找到该核查记录编号和措施代码对应的待反馈措施",
            )
            continue
        if item.feedback.pk in seen:
            item.error_code, item.error_message = (
                "feedback_duplicate_row",
                "同一核查记录的同一措施在本次反馈中出现了多次",
            )
            continue
        seen.add(item.feedback.pk)
        try:
            item.reason = _validate(feedback=item.feedback, state=item.state, reason=item.reason, actor=actor)
        except FeedbackError as exc:
            item.error_code, item.error_message = exc.code, exc.message
    result = FeedbackBatchResult(items=items)
    if result.errors or not items:
        return result
    with transaction.atomic():
        locked = {
            fb.pk: fb
            for fb in MeasureFeedback.objects.select_for_update().filter(
                pk__in=[i.feedback.pk for i in items]
            )
        }
        summary = []
        for item in items:
            change = _apply(
                feedback=locked[item.feedback.pk],
                state=item.state,
                reason=item.reason,
                actor=actor,
                channel=channel,
                now=now,
                audit=False,
            )
            item.feedback = change.feedback
            if change.changed:
                result.changed += 1
                summary.append([change.feedback.pk, change.previous_state, item.state])
                if change.notice is not None:
                    result.notices.append(change.notice.number)
            else:
                result.unchanged += 1
        if result.changed:
            audit_log(
                actor=actor,
                action="feedback_record_bulk",
                obj=MeasureFeedback,
                detail={
                    "channel": channel,
                    "source": source,
                    "changed": result.changed,
                    "unchanged": result.unchanged,
                    "items": summary,
                    "notices": result.notices,
                },
                request=request,
            )
    return result


# ---------------------------------------------------------------------------------------------------------
# Overdue feedback per department (the daily job)


def feedback_overdue_count(*, as_of: dt.date) -> int:
    """Count pending and overdue feedback per department on ``as_of`` and store it (idempotent per day)."""
    rows = pending_counts_by_department(as_of=as_of)
    with transaction.atomic():
        FeedbackOverdueCount.objects.filter(day=as_of).delete()
        FeedbackOverdueCount.objects.bulk_create(
            [
                FeedbackOverdueCount(
                    day=as_of, department_id=r["department_id"], overdue=r["overdue"], pending=r["pending"]
                )
                for r in rows
            ]
        )
    return sum(r["overdue"] for r in rows)


# ---------------------------------------------------------------------------------------------------------
# Typical cases (典型案例)


def typical_case_create(
    *,
    department: Department,
    title: str,
    kind: str,
    summary: str,
    occurred_on: dt.date,
    subject: Subject | None = None,
    measure_codes: Sequence[str] = (),
    actor: Any,
    now: dt.datetime | None = None,
) -> TypicalCase:
    """A department records a typical case (unpublished until an operator publishes it)."""
    if not can_report_typical_case(actor, department.pk):
        raise FeedbackError("case_forbidden", "只能报送本部门的典型案例", status=403)
    title, summary = _clean_reason(title), _clean_reason(summary)
    if not title or not summary:
        raise FeedbackError("case_incomplete", "请填写案例标题和案例内容")
    if len(title) > 300 or len(summary) > 5000:
        raise FeedbackError("case_too_long", "案例标题不超过 300 字，案例内容不超过 5000 字")
    if kind not in MeasureKind.values:
        raise FeedbackError("case_kind_invalid", "案例类别应为失信惩戒或守信激励")
    codes = [c.strip()[:80] for c in measure_codes if c and c.strip()][:50]
    with transaction.atomic():
        case = TypicalCase.objects.create(
            title=title,
            department=department,
            subject=subject,
            kind=kind,
            summary=summary,
            measure_codes=codes,
            occurred_on=occurred_on,
            created_by=actor if hasattr(actor, "role") else None,
            created_at=now or timezone.now(),
        )
        audit_log(actor=actor, action="typical_case_create", obj=case, detail={"department": department.pk})
    return case


def typical_case_publish(
    *, case: TypicalCase, publish: bool, actor: Any, now: dt.datetime | None = None
) -> TypicalCase:
    """An operator approves and publishes a case (or withdraws it from the portal)."""
    if not can_publish_typical_cases(actor):
        raise FeedbackError("case_publish_forbidden", "只有平台管理员可以审核公开典型案例", status=403)
    if case.published == publish:
        return case
    case.published = publish
    case.published_at = (now or timezone.now()) if publish else None
    with transaction.atomic():
        case.save(update_fields=["published", "published_at"])
        audit_log(
            actor=actor, action="typical_case_publish" if publish else "typical_case_withdraw", obj=case
        )
    return case


__all__ = [
    "ANSWERS",
    "FeedbackBatchResult",
    "FeedbackChange",
    "FeedbackError",
    "FeedbackItem",
    "feedback_file_items",
    "feedback_file_record",
    "feedback_overdue_count",
    "feedback_record",
    "feedback_record_many",
    "typical_case_create",
    "typical_case_publish",
]


# ---------------------------------------------------------------------------------------------------------
# Feedback by file (CSV / XLSX): 核查记录编号, 措施代码, 反馈结果, 原因说明


FILE_MAX_ROWS = 10_000
FILE_COLUMNS = {
    "check_id": ("核查记录编号", "核查编号", "check_id"),
    "measure_code": ("措施代码", "measure_code"),
    "result": ("反馈结果", "实施情况", "result", "state"),
    "reason": ("原因说明", "说明", "原因", "reason"),
}
RESULT_WORDS = {
    "已实施": FeedbackState.APPLIED,
    "applied": FeedbackState.APPLIED,
    "未实施": FeedbackState.NOT_APPLIED,
    "not_applied": FeedbackState.NOT_APPLIED,
    "不适用": FeedbackState.NOT_APPLICABLE,
    "not_applicable": FeedbackState.NOT_APPLICABLE,
}


def _columns(headers: Sequence[str]) -> dict[str, int]:
    names = [strip_format_characters(str(h or "")).strip().lower() for h in headers]
    found = {}
    for key, aliases in FILE_COLUMNS.items():
        for alias in aliases:
            if alias.lower() in names:
                found[key] = names.index(alias.lower())
                break
    missing = [FILE_COLUMNS[k][0] for k in ("check_id", "measure_code", "result") if k not in found]
    if missing:
        raise FeedbackError(
            "feedback_file_columns_missing",
            f"文件缺少必需的列：{'、'.join(missing)}（表头应为：核查记录编号、措施代码、反馈结果、原因说明）",
        )
    return found


def _cell(values: list, index: int | None) -> str:
    if index is None or index >= len(values) or values[index] is None:
        return ""
    value = values[index]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return strip_format_characters(str(value)).strip()


def feedback_file_items(*, path, filename: str) -> list[FeedbackItem]:
    """Read a feedback file into items; rows that cannot be read carry their error. Raises FeedbackError."""
    try:
        with open_table(path, filename=filename) as table:
            columns = _columns(table.headers)
            items: list[FeedbackItem] = []
            for row in table.rows():
                if len(items) >= FILE_MAX_ROWS:
                    raise FeedbackError(
                        "feedback_file_too_many_rows",
                        f"一个文件最多 {FILE_MAX_ROWS:,} 行，请分成多个文件上传",
                    )
                values = list(row.values)
                texts = [
                    _cell(values, columns.get(k)) for k in ("check_id", "measure_code", "result", "reason")
                ]
                if not any(texts):
                    continue
                raw_check, code, result, reason = texts
                item = FeedbackItem(
                    number=row.number,
                    check_id=int(raw_check) if raw_check.isdigit() and len(raw_check) < 19 else None,
                    measure_code=code[:80],
                    state=RESULT_WORDS.get(result.lower(), result),
                    reason=reason,
                )
                if row.error:
                    item.error_code, item.error_message = row.error, "该行无法读取"
                elif item.check_id is None:
                    item.error_code, item.error_message = "feedback_check_id_invalid", "核查记录编号应为数字"
                elif not code:
                    item.error_code, item.error_message = "feedback_measure_code_missing", "请填写措施代码"
                elif item.state not in ANSWERS:
                    item.error_code, item.error_message = (
                        "feedback_state_invalid",
                        "反馈结果应为“已实施”“未实施”或“不适用”",
                    )
                items.append(item)
    except ReadError as exc:
        raise FeedbackError(exc.code, exc.message) from exc
    if not items:
        raise FeedbackError("feedback_file_empty", "文件中没有反馈数据")
    return items


def feedback_file_record(
    *, path, filename: str, actor: Any, now: dt.datetime | None = None, request=None
) -> FeedbackBatchResult:
    """Record a feedback file: every row or none (rows in error are listed, nothing is written)."""
    items = feedback_file_items(path=path, filename=filename)
    return feedback_record_many(
        items=items, actor=actor, channel="file", source=filename[:200], now=now, request=request
    )
