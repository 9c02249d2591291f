"""Reads of list types and entries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from xinyong.lists.models import EntryState, ListEntry
from xinyong.records.selectors import in_force_q


def entries_in_force_q(*, as_of: dt.date) -> Q:
    """Filter of the list entries in force on ``as_of``: effective, inside their dates, on a record in force."""
    return (
        Q(state=EntryState.EFFECTIVE)
        & (Q(effective_from__isnull=True) | Q(effective_from__lte=as_of))
        & (Q(effective_until__isnull=True) | Q(effective_until__gte=as_of))
        & (Q(record__isnull=True) | in_force_q(as_of=as_of, prefix="record__"))
    )


def entries_in_force(*, as_of: dt.date, subject_ids: Iterable[int] | None = None) -> QuerySet[ListEntry]:
    """The list entries in force on ``as_of``, optionally for some subjects only."""
    entries = ListEntry.objects.filter(entries_in_force_q(as_of=as_of))
    if subject_ids is not None:
        entries = entries.filter(subject_id__in=list(subject_ids))
    return entries.select_related("list_type")
