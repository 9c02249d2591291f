"""Figures for the console home page, read through the collection selectors (department scope included).

The period and the totals are the collection's own definitions (``recent_period``, ``batches_received_between``,
``batch_totals``), the same the page 质量与及时性 uses, so both screens give the same figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum

from xinyong.collection.models import Batch, BatchStatus
from xinyong.collection.selectors import (
    BatchTotals,
    batch_totals,
    batches_received_between,
    batches_visible_to,
    recent_period,
)

RECENT_BATCHES = 8


@dataclass
class Overview:
    since: dt.date
    until: dt.date
    totals: BatchTotals
    recent: list[Batch]
    awaiting_mapping: int
    in_progress: int
    failed: int
    busiest: list[dict] = field(default_factory=list)


def _overview(user, *, as_of: dt.date) -> tuple[QuerySet[Batch], Overview]:
    since, until = recent_period(as_of=as_of)
    visible = batches_visible_to(user=user)
    window = batches_received_between(batches=visible, date_from=since, date_to=until)
    states = visible.aggregate(
        awaiting=Count("pk", filter=Q(status__in=[BatchStatus.UPLOADED, BatchStatus.MAPPING])),
        running=Count("pk", filter=Q(status__in=[BatchStatus.QUEUED, BatchStatus.LOADING])),
    )
    recent = list(
        visible.select_related("item", "department", "uploaded_by").order_by("-received_at", "-created_at")[
            :RECENT_BATCHES
        ]
    )
    overview = Overview(
        since=since,
        until=until,
        totals=batch_totals(batches=window),
        recent=recent,
        awaiting_mapping=states["awaiting"] or 0,
        in_progress=states["running"] or 0,
        failed=window.filter(status=BatchStatus.FAILED).count(),
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
