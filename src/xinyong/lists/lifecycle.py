"""Lists decided on the platform (``ListingMode.DECIDED``): proposed → notified → effective → ended.

A department (or an escalation rule) proposes an entry for a subject; the platform gives the subject prior
notice with a 失信惩戒告知书 (issued by the reports app, which then calls ``entry_notify``); once the
objection window (working days after notification) has passed and no objection is open, the entry becomes
effective and its listing decision is stored as a ``CreditRecord`` through the bulk loader (channel
SYSTEM), so the archive, reports and the credit check see it. Entries end by expiry, removal, or are
declined before they take effect. Every step goes through ``services.entry_transition`` (dated, attributed,
audited). docs/listing-decisions.md describes the rules and their legal sources.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinyong.accounts.models import Department
from xinyong.catalog.selectors import catalog_item_current_version
from xinyong.core.codes import Polarity, SubjectKind
from xinyong.core.errors import CodedError
from xinyong.core.invisible import strip_format_characters
from xinyong.lists.models import (
    OPEN_STATES,
    EntryOrigin,
    EntryState,
    ListColour,
    ListEntry,
    ListingMode,
    ListType,
)
from xinyong.lists.services import entry_transition, list_entries_leave_red
from xinyong.records.loading.ingest import records_bulk_ingest
from xinyong.records.loading.prepare import RecordInput
from xinyong.records.models import Channel, CreditRecord
from xinyong.records.normalize import normalize_document_number
from xinyong.subjects.models import Subject
from xinyong.workdays.selectors import working_days_add

__all__ = [
    "DEFAULT_OBJECTION_WORKING_DAYS",
    "LifecycleError",
    "REASON_MAX",
    "TRANSITIONS",
    "entry_decline",
    "entry_make_effective",
    "entry_notify",
    "entry_notify_check",
    "entry_propose",
    "entry_remove",
    "months_add",
    "next_steps",
]

# Used when a decided list type does not state its objection window (docs/listing-decisions.md).
DEFAULT_OBJECTION_WORKING_DAYS = 5
REASON_MAX = 2000
BASIS_MAX = 50
BLACK_ITEM = "serious_dishonesty"
RED_ITEM = "honour"

# Steps of a decided entry: action → (states it may start from, state it reaches).
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "notify": ((EntryState.PROPOSED,), EntryState.NOTIFIED),
    "make_effective": ((EntryState.NOTIFIED,), EntryState.EFFECTIVE),
    "decline": ((EntryState.PROPOSED, EntryState.NOTIFIED), EntryState.DECLINED),
    "remove": ((EntryState.EFFECTIVE,), EntryState.REMOVED),
    "expire": ((EntryState.EFFECTIVE,), EntryState.EXPIRED),
}


class LifecycleError(CodedError):
    """A listing step that is not allowed now: stable code, zh-hans message."""

    status = 409


def _check_decided(entry: ListEntry) -> None:
    if entry.list_type.listing_mode != ListingMode.DECIDED:
        raise LifecycleError(
            "list_type_not_decided",
            f"“{entry.list_type.name}”由认定部门公布、导入即生效，不在本平台办理告知和列入",
        )


def _check_from(entry: ListEntry, action: str) -> None:
    _check_decided(entry)
    allowed, _to = TRANSITIONS[action]
    if entry.state not in allowed:
        labels = "、".join(EntryState(s).label for s in allowed)
        raise LifecycleError(
            "entry_state_invalid",
            f"该条目当前状态为“{entry.get_state_display()}”，只有“{labels}”的条目才能办理此项",
        )


def _clean_reason(reason: str, *, required: bool, code: str, message: str) -> str:
    reason = " ".join(strip_format_characters(str(reason or "")).split())
    if required and not reason:
        raise LifecycleError(code, message)
    if len(reason) > REASON_MAX:
        raise LifecycleError("reason_too_long", f"说明不能超过 {REASON_MAX} 个字符")
    return reason


def months_add(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (the last day of a shorter month when needed)."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_steps(entry: ListEntry, *, on_date: dt.date) -> list[str]:
    """The steps the entry's state allows on ``on_date`` (without looking at who asks)."""
    if entry.list_type.listing_mode != ListingMode.DECIDED:
        return []
    steps = [action for action, (allowed, _) in TRANSITIONS.items() if entry.state in allowed]
    steps = [s for s in steps if s != "expire"]
    if "make_effective" in steps and (
        entry.disputed or entry.objection_due is None or on_date <= entry.objection_due
    ):
        steps.remove("make_effective")
    return steps


# ---------------------------------------------------------------------------------------------------------
# Proposing


def entry_propose(
    *,
    list_type: ListType,
    subject: Subject,
    reason: str,
    basis_record_ids: Sequence[int],
    on_date: dt.date,
    actor: Any = None,
    department: Department | None = None,
    origin: str = EntryOrigin.PLATFORM,
    level: str = "",
    audit: bool = True,
) -> ListEntry:
    """Propose listing ``subject`` on a decided list type, resting on the subject's credit records."""
    if list_type.listing_mode != ListingMode.DECIDED:
        raise LifecycleError(
            "list_type_not_decided", f"“{list_type.name}”由认定部门公布、导入即生效，不能在本平台提出列入"
        )
    if not list_type.active:
        raise LifecycleError("list_type_inactive", f"名单类型“{list_type.name}”已停用")
    if list_type.subject_kinds and not list_type.applies_to(subject.kind):
        raise LifecycleError(
            "subject_kind_not_applicable",
            f"“{list_type.name}”不适用于{SubjectKind(subject.kind).label}",
        )
    reason = _clean_reason(
        reason, required=True, code="reason_required", message="请填写列入事由（主要失信或守信事实）"
    )
    ids = sorted({int(i) for i in basis_record_ids})
    if not ids:
        raise LifecycleError("basis_required", "请至少选择一条作为认定依据的信用记录")
    if len(ids) > BASIS_MAX:
        raise LifecycleError("basis_too_many", f"认定依据记录不能超过 {BASIS_MAX} 条")
    found = set(CreditRecord.objects.filter(pk__in=ids, subject=subject).values_list("pk", flat=True))
    if found != set(ids):
        raise LifecycleError("basis_not_found", "认定依据记录不存在，或不是该主体的记录")
    open_entries = ListEntry.objects.filter(list_type=list_type, subject=subject, state__in=OPEN_STATES)
    if open_entries.filter(level=level).exists():
        raise LifecycleError(
            "entry_already_open", f"该主体已有“{list_type.name}”的拟列入、已告知或已列入条目，请勿重复提出"
        )
    if department is None and actor is not None:
        department = getattr(actor, "department", None)
    with transaction.atomic():
        entry = ListEntry.objects.create(
            list_type=list_type,
            subject=subject,
            basis_record_ids=ids,
            origin=origin,
            state="",
            subject_kind=subject.kind,
            level=level,
            department=department,
            reason=reason,
        )
        entry_transition(
            entry=entry,
            to_state=EntryState.PROPOSED,
            on_date=on_date,
            actor=actor,
            reason=reason,
            audit=audit,
        )
    return entry


# ---------------------------------------------------------------------------------------------------------
# Notifying (失信惩戒告知)


def objection_due_for(*, list_type: ListType, notified_on: dt.date) -> dt.date:
    """The last day to object: the list type's objection window in working days after notification."""
    days = list_type.objection_working_days
    if days is None:
        days = DEFAULT_OBJECTION_WORKING_DAYS
    return working_days_add(start=notified_on, days=days).date


def entry_notify_check(*, entry: ListEntry) -> None:
    """Refuse (LifecycleError) when the entry cannot be notified now; the notice is issued only after this."""
    _check_from(entry, "notify")


def entry_notify(*, entry: ListEntry, on_date: dt.date, notice_number: str, actor: Any = None) -> ListEntry:
    """Record that the 失信惩戒告知书 ``notice_number`` was issued on ``on_date``; the objection window opens."""
    entry_notify_check(entry=entry)
    if not notice_number:
        raise LifecycleError("notice_required", "请先出具失信惩戒告知书")
    due = objection_due_for(list_type=entry.list_type, notified_on=on_date)
    return entry_transition(
        entry=entry,
        to_state=EntryState.NOTIFIED,
        on_date=on_date,
        actor=actor,
        reason=f"出具告知书 {notice_number}，异议期至 {due:%Y年%m月%d日}",
        notified_on=on_date,
        objection_due=due,
    )


# ---------------------------------------------------------------------------------------------------------
# Making effective: the listing decision becomes a credit record


def decision_document_number(entry: ListEntry) -> str:
    """The platform's listing decision number of an entry (the record's 文书号)."""
    return f"XYLR-{entry.list_type_id:04d}-{entry.pk:08d}"


def _decision_fields(
    *, entry: ListEntry, department: Department, number: str, on_date: dt.date, until: dt.date | None
) -> dict[str, Any]:
    subject = entry.subject
    kind_label = SubjectKind(subject.kind).label
    dept_uscc = department.uscc or ""
    if entry.list_type.colour == ListColour.RED:
        return {
            "RY_ZTMC": subject.name,
            "RY_ZTLB": kind_label,
            "RY_TYSHXYDM": subject.uscc or "",
            "RY_RYMC": entry.list_type.name,
            "RY_RDWH": number,
            "RY_RDRQ": on_date.isoformat(),
            "RY_YXQZ": on_date.isoformat(),
            "RY_YXQZI": until.isoformat() if until else "",
            "RY_RDJG": department.name,
            "RY_RDJGDM": dept_uscc,
            "RY_LYDW": department.name,
            "RY_LYDWDM": dept_uscc,
        }
    return {
        "SX_ZTMC": subject.name,
        "SX_ZTLB": kind_label,
        "SX_TYSHXYDM": subject.uscc or "",
        "SX_MDMC": entry.list_type.name,
        "SX_SXXW": entry.reason,
        "SX_RDYJ": entry.list_type.legal_basis,
        "SX_RDWSH": number,
        "SX_LRRQ": on_date.isoformat(),
        "SX_YXQZI": until.isoformat() if until else "",
        "SX_RDJG": department.name,
        "SX_RDJGDM": dept_uscc,
        "SX_LYDW": department.name,
        "SX_LYDWDM": dept_uscc,
    }


def _ingest_decision(
    *,
    entry: ListEntry,
    department: Department,
    on_date: dt.date,
    fields: dict[str, Any],
    publish_from: dt.date,
    publish_until: dt.date | None,
    actor: Any,
) -> CreditRecord:
    item_code = RED_ITEM if entry.list_type.colour == ListColour.RED else BLACK_ITEM
    try:
        item_version = catalog_item_current_version(code=item_code, on=on_date)
    except Exception as exc:  # DoesNotExist of the catalog item
        raise LifecycleError(
            "catalog_item_missing", f"信用信息目录中没有目录项“{item_code}”，无法记载列入决定"
        ) from exc
    if not item_version.accepts_from(department):
        raise LifecycleError(
            "department_not_source",
            f"“{department.name}”不是目录项“{item_version.item.name}”的数据来源部门，无法以其名义记载列入决定",
        )
    number = decision_document_number(entry)
    row = RecordInput(
        number=1,
        document_number=number,
        decision_date=entry.decided_on or on_date,
        fields=fields,
        polarity=Polarity.POSITIVE if entry.list_type.colour == ListColour.RED else Polarity.NEGATIVE,
        publish_from=publish_from,
        publish_until=publish_until,
    )
    records_bulk_ingest(
        item_version=item_version,
        department=department,
        rows=[(row, entry.subject_id)],
        channel=Channel.SYSTEM,
        batch_ref=f"listing-{entry.pk}",
        received_at=timezone.now(),
        uploader=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return CreditRecord.objects.get(
        item_id=item_version.item_id,
        department=department,
        document_number_key=normalize_document_number(number),
    )


def entry_make_effective(*, entry: ListEntry, on_date: dt.date, actor: Any = None) -> ListEntry:
    """List the subject: after the objection window, without an open objection; stores the decision record."""
    _check_from(entry, "make_effective")
    if entry.disputed:
        raise LifecycleError("entry_disputed", "当事人已提出异议，异议处理完毕前不能列入")
    if entry.objection_due is None or on_date <= entry.objection_due:
        due = f"{entry.objection_due:%Y年%m月%d日}" if entry.objection_due else "—"
        raise LifecycleError("objection_window_open", f"异议期尚未届满（截止 {due}），届满后方可列入")
    department = entry.department
    if department is None:
        raise LifecycleError("entry_department_required", "该条目未确定认定部门，请先补充认定部门")
    months = entry.list_type.validity_months
    until = months_add(on_date, months) - dt.timedelta(days=1) if months else None
    with transaction.atomic():
        entry.decided_on = on_date
        fields = _decision_fields(
            entry=entry,
            department=department,
            number=decision_document_number(entry),
            on_date=on_date,
            until=until,
        )
        record = _ingest_decision(
            entry=entry,
            department=department,
            on_date=on_date,
            fields=fields,
            publish_from=on_date,
            publish_until=until,
            actor=actor,
        )
        entry = entry_transition(
            entry=entry,
            to_state=EntryState.EFFECTIVE,
            on_date=on_date,
            actor=actor,
            reason=f"异议期届满无异议，列入（决定文书号 {record.document_number}）",
            record=record,
            decided_on=on_date,
            effective_from=on_date,
            effective_until=until,
        )
        if entry.list_type.colour == ListColour.BLACK:
            # 篇十四: on a black list in a domain, the subject leaves that domain's red lists.
            list_entries_leave_red(subject_ids=[entry.subject_id], as_of=on_date, actor=actor)
        return entry


# ---------------------------------------------------------------------------------------------------------
# Declining, removing, expiring


def entry_decline(*, entry: ListEntry, on_date: dt.date, reason: str, actor: Any = None) -> ListEntry:
    """Decide not to list (a proposal rejected on review, or an objection upheld before listing)."""
    _check_from(entry, "decline")
    reason = _clean_reason(reason, required=True, code="reason_required", message="请填写不予列入的理由")
    return entry_transition(
        entry=entry,
        to_state=EntryState.DECLINED,
        on_date=on_date,
        actor=actor,
        reason=reason,
        ended_on=on_date,
        end_reason=reason,
    )


def entry_remove(*, entry: ListEntry, on_date: dt.date, reason: str, actor: Any = None) -> ListEntry:
    """Remove a listed subject (移出) for a reason; its decision record leaves force the day before."""
    _check_from(entry, "remove")
    reason = _clean_reason(reason, required=True, code="reason_required", message="请填写移出原因")
    with transaction.atomic():
        record = entry.record
        if record is not None and entry.department is not None:
            last_day = max(on_date - dt.timedelta(days=1), entry.effective_from or on_date)
            fields = dict(record.current_version.fields or {})
            if entry.list_type.colour == ListColour.RED:
                fields["RY_YXQZI"] = last_day.isoformat()
            else:
                fields.update(
                    {
                        "SX_YCYY": reason[:500],
                        "SX_YCRQ": on_date.isoformat(),
                        "SX_YXQZI": last_day.isoformat(),
                    }
                )
            _ingest_decision(
                entry=entry,
                department=entry.department,
                on_date=on_date,
                fields=fields,
                publish_from=entry.effective_from or on_date,
                publish_until=last_day,
                actor=actor,
            )
        return entry_transition(
            entry=entry,
            to_state=EntryState.REMOVED,
            on_date=on_date,
            actor=actor,
            reason=reason,
            ended_on=on_date,
            end_reason=reason,
        )
