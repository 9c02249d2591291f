"""Reads of credit repair: queues, a subject's applications and what it may repair, notifications, statistics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from xinyong.accounts.permissions import is_platform_wide, readable_department_ids
from xinyong.core.codes import Polarity
from xinyong.dueprocess.cases.models import CaseEvent, CaseKind, EvidenceFile
from xinyong.dueprocess.cases.selectors import CaseStats, case_stats
from xinyong.dueprocess.profiles.selectors import REPAIR, StepDeadline, profile_steps
from xinyong.dueprocess.repairs.eligibility import Eligibility, entry_eligibility, record_eligibility
from xinyong.dueprocess.repairs.models import OPEN_REPAIR_STATES, RepairApplication, RepairState
from xinyong.jrp.models import MeasureFeedback
from xinyong.lists.models import EntryState, ListColour, ListEntry
from xinyong.records.models import CreditRecord, RecordStatus
from xinyong.reports.case_notices import case_notices_for
from xinyong.reports.models import CreditReport

_RELATED = ("subject", "record", "record__item", "list_entry", "list_entry__list_type", "deciding_department")


def repairs_visible_to(user) -> QuerySet[RepairApplication]:
    """Applications a console user may read: all for platform-wide roles, else its department decides them."""
    applications = RepairApplication.objects.select_related(*_RELATED)
    if is_platform_wide(user):
        return applications
    own = readable_department_ids(user) or set()
    return applications.filter(deciding_department_id__in=own)


def repairs_find(*, user, state: str = "", overdue_on: dt.date | None = None) -> QuerySet[RepairApplication]:
    """The console queue: open applications first by deadline, or a state; ``overdue_on``: past due only."""
    applications = repairs_visible_to(user)
    if state == "open" or not state:
        applications = applications.filter(state__in=OPEN_REPAIR_STATES).order_by("due_on", "pk")
    elif state != "all":
        applications = applications.filter(state=state)
    if overdue_on is not None:
        applications = applications.filter(state__in=OPEN_REPAIR_STATES, due_on__lt=overdue_on)
    return applications


def repairs_of_subjects(*, subject_ids) -> QuerySet[RepairApplication]:
    """A subject account's applications (the subjects it is linked to), newest first."""
    return RepairApplication.objects.filter(subject_id__in=list(subject_ids)).select_related(*_RELATED)


def repair_events(*, application: RepairApplication) -> list[CaseEvent]:
    return list(
        CaseEvent.objects.filter(case_kind=CaseKind.REPAIR, case_id=application.pk).order_by("at", "id")
    )


def repair_evidence(*, application: RepairApplication) -> list[EvidenceFile]:
    return list(EvidenceFile.objects.filter(case_kind=CaseKind.REPAIR, case_id=application.pk))


def repair_notices(*, application: RepairApplication) -> list[CreditReport]:
    """The 信用修复决定书 issued on this application, oldest first."""
    return case_notices_for(key="repair", value=application.number)


def repair_steps(*, application: RepairApplication) -> list[StepDeadline]:
    """The profile's repair steps (with their basis and 未核实 marks) for the screens."""
    return profile_steps(profile=application.profile, workflow=REPAIR)


@dataclass(frozen=True)
class Candidate:
    """Something a subject could repair, with the answer of when and how."""

    kind: str  # "record" | "entry"
    pk: int
    label: str
    detail: str
    eligibility: Eligibility


def repair_candidates(*, subject_ids, as_of: dt.date) -> list[Candidate]:
    """The subjects' negative records in effect and black-list / 经营异常名录 entries, each with its answer."""
    candidates = []
    records = (
        CreditRecord.objects.filter(
            subject_id__in=list(subject_ids), polarity=Polarity.NEGATIVE, status=RecordStatus.EFFECTIVE
        )
        .exclude(publish_until__lt=as_of)
        .select_related("item", "department")
        .order_by("-decision_date", "-id")[:200]
    )
    for record in records:
        candidates.append(
            Candidate(
                kind="record",
                pk=record.pk,
                label=f"{record.item.name} {record.document_number}",
                detail=f"{record.department.name}，{record.decision_date:%Y-%m-%d} 作出"
                + (f"；{record.window_rule}" if record.window_rule else ""),
                eligibility=record_eligibility(record=record, as_of=as_of),
            )
        )
    entries = (
        ListEntry.objects.filter(subject_id__in=list(subject_ids), state=EntryState.EFFECTIVE)
        .exclude(list_type__colour=ListColour.RED)
        .select_related("list_type", "department", "record", "record__department")
        .order_by("-effective_from", "-id")[:100]
    )
    for entry in entries:
        candidates.append(
            Candidate(
                kind="entry",
                pk=entry.pk,
                label=entry.list_type.name,
                detail=f"列入日期 {entry.effective_from or '—'}",
                eligibility=entry_eligibility(entry=entry, as_of=as_of),
            )
        )
    return candidates


# ---------------------------------------------------------------------------------------------------------
# Implementing departments (措施实施部门) to notify


def _entry_ids(application: RepairApplication) -> list[int]:
    if application.list_entry_id:
        return [application.list_entry_id]
    return list(ListEntry.objects.filter(record_id=application.record_id).values_list("pk", flat=True))


def repair_implementing_department_ids(*, application: RepairApplication) -> set[int]:
    """Departments that reported measures applied on the entries this repair ends (措施反馈)."""
    entry_ids = _entry_ids(application)
    if not entry_ids:
        return set()
    return set(
        MeasureFeedback.objects.filter(list_entry_id__in=entry_ids).values_list("department_id", flat=True)
    )


def repair_notifications_for(user) -> list[RepairApplication]:
    """Approved (and revoked) repairs ending entries on which the user's department applied measures."""
    feedback = MeasureFeedback.objects.filter(list_entry_id__isnull=False)
    if not is_platform_wide(user):
        feedback = feedback.filter(department_id__in=readable_department_ids(user) or set())
    entry_ids = set(feedback.values_list("list_entry_id", flat=True).distinct()[:50_000])
    if not entry_ids:
        return []
    record_ids = set(ListEntry.objects.filter(pk__in=entry_ids).values_list("record_id", flat=True))
    record_ids.discard(None)
    return list(
        RepairApplication.objects.filter(state__in=(RepairState.APPROVED, RepairState.REVOKED))
        .filter(Q(list_entry_id__in=entry_ids) | Q(record_id__in=record_ids))
        .select_related(*_RELATED)
        .order_by("-decided_on", "-pk")[:500]
    )


# ---------------------------------------------------------------------------------------------------------
# Statistics (修复监督统计)


def repair_stats(
    *, user, date_from: dt.date, date_to: dt.date, as_of: dt.date, department_id: int | None = None
) -> CaseStats:
    """修复统计 of the applications filed in the period (shared figures: xinyong.dueprocess.cases.selectors);
    per department the extra count is the applications approved (准予修复)."""
    applications = repairs_visible_to(user).filter(filed_on__gte=date_from, filed_on__lte=date_to)
    if department_id:
        applications = applications.filter(deciding_department_id=department_id)
    return case_stats(
        case_kind=CaseKind.REPAIR,
        cases=applications,
        states=RepairState.choices,
        pending_states=OPEN_REPAIR_STATES,
        department_field="deciding_department__name",
        as_of=as_of,
        extra=Q(state=RepairState.APPROVED),
    )
