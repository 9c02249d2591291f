"""Reads of list types and entries."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet

from xinyong.lists.mapping import ITEM_READINGS, type_index
from xinyong.lists.models import (
    RED_LEFT_REASON,
    RENAMED_REASON,
    REVOKED_REASON_PREFIX,
    EntryEvent,
    EntryState,
    ListEntry,
    ListType,
)
from xinyong.records.models import CreditRecord, CreditRecordVersion, RecordStatus
from xinyong.records.selectors import in_force_q


def entries_in_force_q(*, as_of: dt.date) -> Q:
    """Filter of the list entries in force on ``as_of``: effective, inside their dates, on a record in force."""
    return (
        Q(state=EntryState.EFFECTIVE)
        & (Q(effective_from__isnull=True) | Q(effective_from__lte=as_of))
        & (Q(effective_until__isnull=True) | Q(effective_until__gte=as_of))
        & (Q(record__isnull=True) | in_force_q(as_of=as_of, prefix="record__"))
    )


def entries_ended_q(*, as_of: dt.date, since: dt.date) -> Q:
    """Filter of the list entries that may have ended after being in force on a day from ``since`` on.

    Ended: expired, removed, or still effective but past their dates or their record's window — on a record
    still in effect (not revoked, withdrawn or repaired: a repaired entry never continues) and not removed
    by an annulment (``lists.models.REVOKED_REASON_PREFIX`` …). A superset (entries in force match too): the
    caller tells the last day each was in force (``entry_last_day_in_force``) and keeps those before
    ``as_of``. Used for measures that continue after removal (docs/credit-check.md).
    """
    annulled = (
        Q(end_reason__startswith=REVOKED_REASON_PREFIX)
        | Q(end_reason__startswith=RED_LEFT_REASON)
        | Q(end_reason=RENAMED_REASON)
    )
    return (
        Q(state__in=(EntryState.EFFECTIVE, EntryState.EXPIRED, EntryState.REMOVED))
        & ~(Q(state=EntryState.REMOVED) & annulled)
        & (Q(effective_from__isnull=True) | Q(effective_from__lt=as_of))
        & (Q(effective_until__isnull=True) | Q(effective_until__gte=since))
        & (Q(ended_on__isnull=True) | Q(ended_on__gt=since))
        & (
            Q(record__isnull=True)
            | (
                Q(record__status=RecordStatus.EFFECTIVE)
                & (Q(record__publish_until__isnull=True) | Q(record__publish_until__gte=since))
            )
        )
    )


def entry_last_day_in_force(
    *,
    state: str,
    effective_from: dt.date | None,
    effective_until: dt.date | None,
    ended_on: dt.date | None,
    publish_from: dt.date | None,
    publish_until: dt.date | None,
) -> dt.date | None:
    """The last day an entry of ``entries_ended_q`` was (or will be) in force: the earliest of its end date,
    the day before it left the list and its record's last day; None when that is unknown or it never was."""
    ends = [day for day in (effective_until, publish_until) if day is not None]
    if state != EntryState.EFFECTIVE and ended_on is not None:
        ends.append(ended_on - dt.timedelta(days=1))
    if not ends:
        return None
    last = min(ends)
    if (effective_from is not None and effective_from > last) or (
        publish_from is not None and publish_from > last
    ):
        return None
    return last


def entries_in_force(*, as_of: dt.date, subject_ids: Iterable[int] | None = None) -> QuerySet[ListEntry]:
    """The list entries in force on ``as_of``, optionally for some subjects only."""
    entries = ListEntry.objects.filter(entries_in_force_q(as_of=as_of))
    if subject_ids is not None:
        entries = entries.filter(subject_id__in=list(subject_ids))
    return entries.select_related("list_type")


LIST_ITEM_CODES = tuple(ITEM_READINGS)


def batch_record_ids(*, batch_ref: str) -> list[int]:
    """Ids of the list items' records a batch wrote a version of (records of other items are left out).

    Starts from the list items' records (a small share of all records) and probes their versions through
    the (record, number) index: versions have no batch index, which would slow the bulk loader down.
    """
    if not batch_ref:
        return []
    wrote = CreditRecordVersion.objects.filter(record_id=OuterRef("pk"), batch_ref=batch_ref)
    return list(
        CreditRecord.objects.filter(item__code__in=LIST_ITEM_CODES)
        .filter(Exists(wrote))
        .values_list("id", flat=True)
    )


def list_types_active() -> QuerySet[ListType]:
    return ListType.objects.filter(active=True).order_by("colour", "domain", "code")


def list_entries_find(
    *,
    as_of: dt.date,
    list_type: str = "",
    colour: str = "",
    state: str = "",
    subject_ids: Iterable[int] | None = None,
    item_code: str = "",
    exclude_item_code: str = "",
) -> QuerySet[ListEntry]:
    """Entries for lists and the API: ``state`` ``in_force`` (default) is computed from the dates on
    ``as_of``; another value filters the stored state. Newest listing first."""
    if not state or state == "in_force":
        entries = ListEntry.objects.filter(entries_in_force_q(as_of=as_of))
    else:
        entries = ListEntry.objects.filter(state=state)
    if list_type:
        entries = entries.filter(list_type__code=list_type)
    if colour:
        entries = entries.filter(list_type__colour=colour)
    if item_code:
        entries = entries.filter(list_type__item_code=item_code)
    if exclude_item_code:
        entries = entries.exclude(list_type__item_code=exclude_item_code)
    if subject_ids is not None:
        entries = entries.filter(subject_id__in=list(subject_ids))
    return entries.select_related("list_type", "subject", "department", "record").order_by(
        "-effective_from", "-id"
    )


def list_entry_changes_since(*, event_after: int, horizon, limit: int) -> tuple[list[EntryEvent], bool]:
    """Up to ``limit`` entry events written after the cursor id and no later than ``horizon``, oldest first."""
    events = list(
        EntryEvent.objects.filter(pk__gt=event_after, at__lte=horizon)
        .select_related("entry", "entry__list_type", "entry__subject", "entry__department")
        .order_by("pk")[: limit + 1]
    )
    return events[:limit], len(events) > limit


def unmapped_list_names(*, limit: int = 5000) -> list[tuple[str, str, int]]:
    """List names of the newest list-item records without any entry that match no list type:
    (item code, name, records), most frequent first. For operators: add the name as a synonym."""
    index = type_index()
    rows = (
        CreditRecord.objects.filter(item__code__in=LIST_ITEM_CODES, list_entries__isnull=True)
        .order_by("-id")
        .values_list("item__code", "current_version__fields")[:limit]
    )
    counts: Counter = Counter()
    for item_code, fields in rows:
        reading = ITEM_READINGS[item_code]
        name = (fields or {}).get(reading.name_field) if reading.name_field else None
        if index.match(item_code=item_code, name=name) is None:
            counts[(item_code, str(name or "").strip()[:100])] += 1
    return [(item, name, n) for (item, name), n in counts.most_common()]
