"""Reads of the channels: batch checks visible to a user or API client, their progress."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from xinyong.accounts.models import ApiClient, Role
from xinyong.accounts.permissions import effective_role
from xinyong.jrp.channels.permissions import can_submit_batch_check
from xinyong.jrp.models import BatchCheck

__all__ = ["batch_check_counts", "batch_checks_visible_to", "batch_check_for_client"]


def batch_checks_visible_to(*, user) -> QuerySet[BatchCheck]:
    """Batch checks of the user's department; every department's for operators; none for anyone else."""
    rows = BatchCheck.objects.select_related("department", "user", "api_client")
    if effective_role(user) == Role.OPERATOR:
        return rows
    if can_submit_batch_check(user):
        return rows.filter(department_id=user.department_id)
    return rows.none()


def batch_checks_filter(
    rows: QuerySet[BatchCheck],
    *,
    q: str = "",
    status: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[BatchCheck]:
    if q:
        rows = rows.filter(Q(ref__icontains=q) | Q(purpose__icontains=q) | Q(original_filename__icontains=q))
    if status:
        rows = rows.filter(status=status)
    if date_from:
        rows = rows.filter(as_of__gte=date_from)
    if date_to:
        rows = rows.filter(as_of__lte=date_to)
    return rows


def batch_check_for_client(*, client: ApiClient, ref: str) -> BatchCheck | None:
    """A batch check of the API client's department (another department's is not found)."""
    return BatchCheck.objects.filter(ref=ref, department_id=client.department_id).first()


def batch_check_counts(*, batch: BatchCheck) -> dict[str, Any]:
    """The counts of a batch; ``clean`` is what remains (total = hits + clean + not_found + invalid)."""
    done = batch.done
    return {
        "total": batch.total if batch.status == BatchCheck.Status.DONE else None,
        "done": done,
        "hits": batch.hits,
        "clean": done - batch.hits - batch.not_found - batch.invalid,
        "not_found": batch.not_found,
        "invalid": batch.invalid,
        "duplicates": batch.duplicates,
    }
