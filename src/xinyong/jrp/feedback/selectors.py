"""Reads of feedback: the department's queue (overdue first), counts per department, the statistics of the
loop (checks, hits, measures, feedback, overdue) and the typical cases. Every figure is one aggregate query;
the statistics page and the daily job use the same definitions (docs/feedback.md).

Overdue (逾期未反馈): still pending after its due day (``due_on < as_of``); the due day itself is counted in
working days when the pending row is made (``jrp.deadlines.feedback_due_on``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Sum, Value, When

from xinyong.accounts.models import Department
from xinyong.jrp.models import (
    CheckLog,
    CheckOutcome,
    FeedbackOverdueCount,
    FeedbackState,
    Matter,
    MeasureFeedback,
    TypicalCase,
)


def _overdue_q(as_of: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}state": FeedbackState.PENDING, f"{prefix}due_on__lt": as_of})


def feedback_queue(
    *,
    department_ids: set[int] | None,
    as_of: dt.date,
    state: str = "",
    overdue_only: bool = False,
    department_id: int | None = None,
    query: str = "",
) -> QuerySet[MeasureFeedback]:
    """Feedback items the user sees, overdue first, then pending by due day, then answered (newest first)."""
    rows = MeasureFeedback.objects.select_related("subject", "department")
    if department_ids is not None:
        rows = rows.filter(department_id__in=department_ids)
    if department_id is not None:
        rows = rows.filter(department_id=department_id)
    if state:
        rows = rows.filter(state=state)
    if overdue_only:
        rows = rows.filter(_overdue_q(as_of))
    query = query.strip()
    if query:
        rows = rows.filter(
            Q(subject__name__icontains=query)
            | Q(subject__uscc=query.upper())
            | Q(measure_code__icontains=query)
        )
    return rows.annotate(
        overdue=Case(
            When(_overdue_q(as_of), then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        is_pending=Case(
            When(state=FeedbackState.PENDING, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    ).order_by("-overdue", "-is_pending", "due_on", "-recorded_at", "id")


def feedback_pending_for(
    *, department_id: int, as_of: dt.date, limit: int, after_id: int = 0
) -> list[MeasureFeedback]:
    """A department's pending items (API), by id after ``after_id`` (a cursor), with overdue marked."""
    rows = (
        MeasureFeedback.objects.select_related("subject")
        .filter(department_id=department_id, state=FeedbackState.PENDING, id__gt=after_id)
        .annotate(
            overdue=Case(
                When(due_on__lt=as_of, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .order_by("id")
    )
    return list(rows[:limit])


def pending_counts_by_department(*, as_of: dt.date, department_ids: set[int] | None = None) -> list[dict]:
    """Per department with pending feedback: ``pending`` and ``overdue`` counts on ``as_of`` (one query)."""
    rows = MeasureFeedback.objects.filter(state=FeedbackState.PENDING)
    if department_ids is not None:
        rows = rows.filter(department_id__in=department_ids)
    return list(
        rows.values("department_id")
        .annotate(pending=Count("id"), overdue=Count("id", filter=Q(due_on__lt=as_of)))
        .order_by("department_id")
    )


def overdue_history(*, department_ids: set[int] | None, date_from: dt.date, date_to: dt.date) -> list[dict]:
    """The daily job's overdue counts in the period, summed over the departments seen, per day."""
    rows = FeedbackOverdueCount.objects.filter(day__range=(date_from, date_to))
    if department_ids is not None:
        rows = rows.filter(department_id__in=department_ids)
    return list(rows.values("day").annotate(overdue=Sum("overdue")).order_by("day"))


# ---------------------------------------------------------------------------------------------------------
# Statistics


@dataclass(frozen=True)
class LoopTotals:
    checks: int
    hits: int
    measures: int
    feedback: int
    pending: int
    overdue: int
    applied: int
    not_applied: int
    not_applicable: int
    notified: int

    @property
    def answered(self) -> int:
        return self.applied + self.not_applied + self.not_applicable

    @property
    def hit_rate(self) -> float | None:
        return self.hits / self.checks if self.checks else None

    @property
    def feedback_rate(self) -> float | None:
        return self.answered / self.feedback if self.feedback else None


def _checks(*, date_from: dt.date, date_to: dt.date, department_ids: set[int] | None) -> QuerySet[CheckLog]:
    rows = CheckLog.objects.filter(checked_on__range=(date_from, date_to))
    if department_ids is not None:
        rows = rows.filter(department_id__in=department_ids)
    return rows


def _feedback(
    *, date_from: dt.date, date_to: dt.date, department_ids: set[int] | None
) -> QuerySet[MeasureFeedback]:
    rows = MeasureFeedback.objects.filter(checked_on__range=(date_from, date_to))
    if department_ids is not None:
        rows = rows.filter(department_id__in=department_ids)
    return rows


_CHECK_FIGURES = {
    "checks": Count("id"),
    "hits": Count("id", filter=Q(outcome=CheckOutcome.HIT)),
}


def _feedback_figures(as_of: dt.date) -> dict:
    return {
        "feedback": Count("id"),
        "pending": Count("id", filter=Q(state=FeedbackState.PENDING)),
        "overdue": Count("id", filter=_overdue_q(as_of)),
        "applied": Count("id", filter=Q(state=FeedbackState.APPLIED)),
        "not_applied": Count("id", filter=Q(state=FeedbackState.NOT_APPLIED)),
        "not_applicable": Count("id", filter=Q(state=FeedbackState.NOT_APPLICABLE)),
        "notified": Count("id", filter=Q(subject_notified_at__isnull=False)),
    }


def loop_totals(
    *, date_from: dt.date, date_to: dt.date, as_of: dt.date, department_ids: set[int] | None
) -> LoopTotals:
    """The loop's totals for checks made (and measures returned) in the period, as of ``as_of``."""
    checks = _checks(date_from=date_from, date_to=date_to, department_ids=department_ids).aggregate(
        **_CHECK_FIGURES
    )
    feedback = _feedback(date_from=date_from, date_to=date_to, department_ids=department_ids).aggregate(
        **_feedback_figures(as_of)
    )
    return LoopTotals(
        checks=checks["checks"],
        hits=checks["hits"],
        measures=feedback["feedback"],
        **{k: v for k, v in feedback.items()},
    )


def loop_by_department(
    *, date_from: dt.date, date_to: dt.date, as_of: dt.date, department_ids: set[int] | None
) -> list[dict]:
    """Per department: checks, hits, feedback items by state, overdue (two grouped queries)."""
    checks = {
        r["department_id"]: r
        for r in _checks(date_from=date_from, date_to=date_to, department_ids=department_ids)
        .values("department_id")
        .annotate(**_CHECK_FIGURES)
        .order_by()
    }
    feedback = {
        r["department_id"]: r
        for r in _feedback(date_from=date_from, date_to=date_to, department_ids=department_ids)
        .values("department_id")
        .annotate(**_feedback_figures(as_of))
        .order_by()
    }
    ids = set(checks) | set(feedback)
    names = dict(
        Department.objects.filter(pk__in=[i for i in ids if i is not None]).values_list("pk", "name")
    )
    empty_checks = dict.fromkeys(_CHECK_FIGURES, 0)
    empty_feedback = dict.fromkeys(_feedback_figures(as_of), 0)
    rows = []
    for pk in ids:
        row = {"department_id": pk, "department_name": names.get(pk, "（未指明部门）")}
        row.update({k: checks.get(pk, empty_checks)[k] for k in _CHECK_FIGURES})
        row.update({k: feedback.get(pk, empty_feedback)[k] for k in empty_feedback})
        answered = row["applied"] + row["not_applied"] + row["not_applicable"]
        row["answered"] = answered
        row["hit_rate"] = row["hits"] / row["checks"] if row["checks"] else None
        row["feedback_rate"] = answered / row["feedback"] if row["feedback"] else None
        rows.append(row)
    return sorted(rows, key=lambda r: (-r["checks"], r["department_name"]))


def checks_by_matter(
    *, date_from: dt.date, date_to: dt.date, department_ids: set[int] | None, limit: int = 15
) -> list[dict]:
    """Checks and hits per matter (事项), most checked first (one grouped query)."""
    rows = list(
        _checks(date_from=date_from, date_to=date_to, department_ids=department_ids)
        .values("matter_code")
        .annotate(**_CHECK_FIGURES)
        .order_by("-checks", "matter_code")[:limit]
    )
    names = dict(Matter.objects.filter(code__in=[r["matter_code"] for r in rows]).values_list("code", "name"))
    for r in rows:
        r["matter_name"] = names.get(r["matter_code"]) or r["matter_code"] or "（未填写事项）"
        r["hit_rate"] = r["hits"] / r["checks"] if r["checks"] else None
    return rows


# ---------------------------------------------------------------------------------------------------------
# Typical cases


def typical_cases_for(
    *, department_ids: set[int] | None, published: bool | None = None
) -> QuerySet[TypicalCase]:
    rows = TypicalCase.objects.select_related("department", "subject")
    if department_ids is not None:
        rows = rows.filter(department_id__in=department_ids)
    if published is not None:
        rows = rows.filter(published=published)
    return rows.order_by("published", "-occurred_on", "-id")


def typical_cases_published() -> QuerySet[TypicalCase]:
    """Published cases for the portal, newest first."""
    return (
        TypicalCase.objects.select_related("department", "subject")
        .filter(published=True)
        .order_by("-published_at", "-id")
    )
