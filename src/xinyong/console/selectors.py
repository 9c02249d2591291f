"""Figures for the console home page, read through the collection selectors (department scope included)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from xinyong.collection.models import Batch, BatchStatus
from xinyong.collection.selectors import batches_visible_to

# The home page looks back this many calendar days.
RECENT_DAYS = 30
RECENT_BATCHES = 8


@dataclass
class BatchTotals:
    batches: int = 0
    rows_read: int = 0
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    departments: int = 0

    @property
    def acceptance_percent(self) -> float | None:
        return round(100 * self.accepted / self.rows_read, 1) if self.rows_read else None

    @property
    def rejection_percent(self) -> float | None:
        return round(100 * self.rejected / self.rows_read, 1) if self.rows_read else None


@dataclass
class Overview:
    since: dt.date
    totals: BatchTotals
    recent: list[Batch]
    awaiting_mapping: int
    in_progress: int
    failed: int
    busiest: list[dict] = field(default_factory=list)


def day_start(day: dt.date) -> dt.datetime:
    """The first instant of ``day`` in the platform's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _totals(qs: QuerySet[Batch]) -> BatchTotals:
    agg = qs.aggregate(
        batches=Count("pk"),
        rows_read=Sum("rows_read"),
        created=Sum("created"),
        new_version=Sum("new_version"),
        duplicate=Sum("duplicate"),
        rejected=Sum("rejected"),
        departments=Count("department", distinct=True),
    )
    return BatchTotals(
        batches=agg["batches"] or 0,
        rows_read=agg["rows_read"] or 0,
        accepted=(agg["created"] or 0) + (agg["new_version"] or 0),
        duplicate=agg["duplicate"] or 0,
        rejected=agg["rejected"] or 0,
        departments=agg["departments"] or 0,
    )


def _overview(user, *, as_of: dt.date) -> tuple[QuerySet[Batch], Overview]:
    since = as_of - dt.timedelta(days=RECENT_DAYS)
    visible = batches_visible_to(user)
    window = visible.filter(
        created_at__gte=day_start(since), created_at__lt=day_start(as_of + dt.timedelta(days=1))
    )
    states = visible.aggregate(
        awaiting=Count("pk", filter=Q(status__in=[BatchStatus.UPLOADED, BatchStatus.MAPPING])),
        running=Count("pk", filter=Q(status__in=[BatchStatus.QUEUED, BatchStatus.LOADING])),
        failed=Count("pk", filter=Q(status=BatchStatus.FAILED) & Q(created_at__gte=day_start(since))),
    )
    recent = list(
        visible.select_related("item", "department", "uploaded_by").order_by("-created_at")[:RECENT_BATCHES]
    )
    overview = Overview(
        since=since,
        totals=_totals(window),
        recent=recent,
        awaiting_mapping=states["awaiting"] or 0,
        in_progress=states["running"] or 0,
        failed=states["failed"] or 0,
    )
    return window, overview


def department_overview(*, user, as_of: dt.date) -> Overview:
    """The user's department: its last batches and the last 30 days' outcome counts."""
    _, overview = _overview(user, as_of=as_of)
    return overview


def platform_overview(*, user, as_of: dt.date) -> Overview:
    """Every department: the last 30 days' outcome counts and the departments with most rejected rows."""
    window, overview = _overview(user, as_of=as_of)
    overview.busiest = list(
        window.values("department__name")
        .annotate(
            batches=Count("pk"),
            rows_read=Sum("rows_read"),
            rejected=Sum("rejected"),
        )
        .filter(rows_read__gt=0)
        .order_by("-rejected", "-rows_read", "department__name")[:5]
    )
    return overview
