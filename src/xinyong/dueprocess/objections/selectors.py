"""Reads of objections: the working queue, one objection with its history, steps and notices, a subject's own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from xinyong.accounts.permissions import is_platform_wide
from xinyong.dueprocess.cases.models import ActorRole, CaseEvent, CaseKind, EvidenceFile
from xinyong.dueprocess.cases.selectors import CaseStats, case_stats
from xinyong.dueprocess.objections import permissions
from xinyong.dueprocess.objections.models import Objection, ObjectionOutcome, ObjectionState
from xinyong.dueprocess.profiles.selectors import (
    OBJECTION,
    ProfileError,
    StepDeadline,
    profile_steps,
    step_due,
    step_rule,
)
from xinyong.lists.models import OPEN_STATES as LIST_OPEN_STATES
from xinyong.lists.models import ListEntry
from xinyong.records.models import CreditRecord, RecordStatus
from xinyong.reports.case_notices import case_notices_for
from xinyong.reports.models import CreditReport

# The event each step counts from → the objection's date field holding it.
_EVENT_DATES = {
    "filed": "filed_on",
    "accepted": "accepted_on",
    "forwarded": "forwarded_on",
    "source_decided": "decided_on",
    "decided": "decided_on",
}


def objection_step_due(*, objection: Objection, step: str) -> StepDeadline | None:
    """A step's due date for this objection, from its stored profile version (None when it cannot be counted)."""
    try:
        rule = step_rule(profile=objection.profile, workflow=OBJECTION, step=step)
    except ProfileError:
        return None
    start = getattr(objection, _EVENT_DATES.get(rule.counts_from, "filed_on"), None)
    if start is None:  # the event it counts from has not happened yet
        return None
    return step_due(profile=objection.profile, workflow=OBJECTION, step=step, start=start)


def objection_is_overdue(*, objection: Objection, as_of: dt.date) -> bool:
    """Is the step the objection waits for past its due date on ``as_of``? (Due on the day: not yet.)"""
    return (
        objection.state != ObjectionState.CLOSED and objection.due_on is not None and objection.due_on < as_of
    )


def _base() -> QuerySet[Objection]:
    return Objection.objects.select_related(
        "subject",
        "record",
        "record__department",
        "list_entry",
        "list_entry__list_type",
        "source_department",
        "profile",
    )


def objections_visible(*, user: Any) -> QuerySet[Objection]:
    """The objections a console user may see: all for platform-wide roles, else their department's."""
    qs = _base()
    if is_platform_wide(user):
        return qs
    if not permissions.can_read_objections(user) or user.department_id is None:
        return qs.none()
    return objections_of_department(department_id=user.department_id)


def objections_of_department(*, department_id: int | None) -> QuerySet[Objection]:
    """The objections about a department's records or entries, or forwarded to it."""
    if department_id is None:
        return _base().none()
    return _base().filter(
        Q(record__department_id=department_id)
        | Q(record__isnull=True, list_entry__department_id=department_id)
        | Q(source_department_id=department_id)
    )


def objection_queue(
    *,
    user: Any,
    as_of: dt.date,
    state: str = "",
    overdue: bool = False,
    department_id: int | None = None,
    q: str = "",
) -> QuerySet[Objection]:
    """The working queue: overdue first, then by due date (open items before closed ones)."""
    qs = objections_visible(user=user)
    if state:
        qs = qs.filter(state=state)
    if overdue:
        qs = qs.exclude(state=ObjectionState.CLOSED).filter(due_on__lt=as_of)
    if department_id:
        qs = qs.filter(pk__in=objections_of_department(department_id=department_id).values("pk"))
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(subject__name__icontains=q))
    return qs.annotate(
        overdue_rank=Case(
            When(~Q(state=ObjectionState.CLOSED) & Q(due_on__lt=as_of), then=Value(0)),
            When(~Q(state=ObjectionState.CLOSED), then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("overdue_rank", "due_on", "filed_at", "pk")


def objection_counts(*, user: Any, as_of: dt.date) -> dict[str, int]:
    """How many visible objections are in each state, and how many are overdue."""
    qs = objections_visible(user=user)
    counts = {state: 0 for state in ObjectionState.values}
    for row in qs.order_by().values("state").annotate(n=Count("pk")):
        counts[row["state"]] = row["n"]
    counts["overdue"] = qs.exclude(state=ObjectionState.CLOSED).filter(due_on__lt=as_of).count()
    return counts


def objection_stats(
    *, user: Any, date_from: dt.date, date_to: dt.date, as_of: dt.date, department_id: int | None = None
) -> CaseStats:
    """异议统计 of the objections filed in the period that the user may see (shared figures:
    xinyong.dueprocess.cases.selectors), per department of the record objected to; the extra count per
    department is the objections decided 更正 or 撤销."""
    qs = objections_visible(user=user).filter(filed_on__gte=date_from, filed_on__lte=date_to)
    if department_id:
        qs = qs.filter(pk__in=objections_of_department(department_id=department_id).values("pk"))
    qs = qs.annotate(department_name=Coalesce("record__department__name", "list_entry__department__name"))
    return case_stats(
        case_kind=CaseKind.OBJECTION,
        cases=qs,
        states=ObjectionState.choices,
        pending_states=[s for s in ObjectionState.values if s != ObjectionState.CLOSED],
        department_field="department_name",
        as_of=as_of,
        extra=Q(outcome__in=(ObjectionOutcome.CORRECTED, ObjectionOutcome.WITHDRAWN)),
    )


def objection_by_number(*, number: str) -> Objection | None:
    return _base().filter(number=number).first()


@dataclass(frozen=True)
class HistoryRow:
    event: CaseEvent
    label: str
    public_actor: str  # who acted, as the subject sees it: no staff names, the body acting


def _public_actor(event: CaseEvent) -> str:
    if event.actor_role == ActorRole.SUBJECT:
        return "申请人"
    if event.actor_role == ActorRole.DEPARTMENT:
        department = getattr(event.actor_user, "department", None)
        return department.name if department is not None else ActorRole.DEPARTMENT.label
    if event.actor_role == ActorRole.OPERATOR:
        return "信用平台"
    return "系统"


def objection_history(*, objection: Objection) -> list[HistoryRow]:
    """The objection's transitions in order, each with what happened in words."""
    events = (
        CaseEvent.objects.filter(case_kind=CaseKind.OBJECTION, case_id=objection.pk)
        .select_related("actor_user__department")
        .order_by("at", "id")
    )
    rows = []
    for event in events:
        if event.from_state == event.to_state:
            label = "超期督办"
        elif not event.from_state:
            label = "提出异议并作异议标注"
        else:
            label = ObjectionState(event.to_state).label
        rows.append(HistoryRow(event, label, _public_actor(event)))
    return rows


def objection_evidence(*, objection: Objection) -> list[EvidenceFile]:
    return list(EvidenceFile.objects.filter(case_kind=CaseKind.OBJECTION, case_id=objection.pk))


def objection_notices(*, objection: Objection) -> list[CreditReport]:
    return case_notices_for(key="objection", value=objection.number)


@dataclass(frozen=True)
class StepRow:
    """One step of the objection's profile, with its due date for this objection when it can be counted."""

    rule: StepDeadline
    due: dt.date | None
    provisional: bool


def objection_steps(*, objection: Objection) -> list[StepRow]:
    """The profile's steps with this objection's due dates (for the detail screen)."""
    rows = []
    for rule in profile_steps(profile=objection.profile, workflow=OBJECTION):
        deadline = objection_step_due(objection=objection, step=rule.step)
        rows.append(
            StepRow(rule, deadline.due if deadline else None, bool(deadline and deadline.provisional))
        )
    return rows


def objections_for_subjects(*, subject_ids: set[int]) -> QuerySet[Objection]:
    """The objections about these subjects (a subject account's own), newest first."""
    return _base().filter(subject_id__in=subject_ids).order_by("-filed_at", "-pk")


TARGETS_SHOWN = 50


@dataclass(frozen=True)
class Targets:
    records: list[CreditRecord]
    entries: list[ListEntry]


def objection_targets_for_subjects(*, subject_ids: set[int]) -> Targets:
    """What a subject may object to: its records in effect and its list entries still open (most recent first)."""
    records = (
        CreditRecord.objects.filter(subject_id__in=subject_ids, status=RecordStatus.EFFECTIVE)
        .select_related("item", "department")
        .order_by("-decision_date", "-pk")[:TARGETS_SHOWN]
    )
    entries = (
        ListEntry.objects.filter(subject_id__in=subject_ids, state__in=LIST_OPEN_STATES)
        .select_related("list_type")
        .order_by("-pk")[:TARGETS_SHOWN]
    )
    return Targets(list(records), list(entries))
