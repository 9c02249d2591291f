"""Reads of the work queues of decided lists: proposals to review and entries that may now take effect."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from xinyong.lists.models import EntryState, ListEntry, ListingMode


def proposals_to_review() -> QuerySet[ListEntry]:
    """Entries proposed (by a department or an escalation rule) and not yet notified or declined, oldest first."""
    return (
        ListEntry.objects.filter(state=EntryState.PROPOSED, list_type__listing_mode=ListingMode.DECIDED)
        .select_related("list_type", "subject", "department")
        .order_by("created_at", "pk")
    )


def entries_due_effective(*, as_of: dt.date) -> QuerySet[ListEntry]:
    """Queue 可列入: notified entries whose objection window has passed with no open objection."""
    return (
        ListEntry.objects.filter(
            state=EntryState.NOTIFIED,
            list_type__listing_mode=ListingMode.DECIDED,
            objection_due__lt=as_of,
            disputed=False,
        )
        .select_related("list_type", "subject", "department")
        .order_by("objection_due", "pk")
    )
