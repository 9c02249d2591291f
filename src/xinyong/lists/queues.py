"""Reads of the work queues of decided lists: proposals to review and entries that may now take effect."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from xinyong.lists.models import EntryState, ListEntry, ListingMode, ListType


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


def list_type_ids_decidable_by(user) -> tuple[set[int], set[int]]:
    """(list types naming the user's department, list types naming no department) among the decided ones.

    A list type with ``department_codes`` counts when it names the user's department; one without codes
    counts for the entries of the user's own department. Operators: every type.
    """
    types = list(ListType.objects.filter(listing_mode=ListingMode.DECIDED).values("pk", "department_codes"))
    department = getattr(user, "department", None)
    code = department.code if department is not None else None
    named = {t["pk"] for t in types if code is not None and code in (t["department_codes"] or [])}
    open_types = {t["pk"] for t in types if not t["department_codes"]}
    return named, open_types


def entries_decidable_by(queryset: QuerySet[ListEntry], *, user, everything: bool) -> QuerySet[ListEntry]:
    """Narrow ``queryset`` to the entries ``user`` may decide (``everything``: operators)."""
    if everything:
        return queryset
    named, open_types = list_type_ids_decidable_by(user)
    return queryset.filter(
        Q(list_type_id__in=named) | Q(list_type_id__in=open_types, department_id=user.department_id)
    )
