"""Writes of list entries. Every change of an entry's state goes through ``entry_transition``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinyong.accounts.services import audit_log
from xinyong.lists.models import EntryEvent, ListEntry


@transaction.atomic
def entry_transition(
    *,
    entry: ListEntry,
    to_state: str,
    on_date: dt.date,
    actor: Any = None,
    reason: str = "",
    audit: bool = True,
    **fields: Any,
) -> ListEntry:
    """Move ``entry`` to ``to_state`` on ``on_date`` (with other field changes), dated, attributed and audited.

    ``actor`` is a user, an API client or None for the platform itself. Bulk callers (a batch's mirrored
    entries) pass ``audit=False`` and write one audit entry for the whole set.
    """
    from_state = entry.state
    entry.state = to_state
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.updated_at = timezone.now()
    entry.save()
    user = actor if getattr(actor, "is_authenticated", False) and hasattr(actor, "role") else None
    EntryEvent.objects.create(
        entry=entry,
        from_state=from_state,
        to_state=to_state,
        on_date=on_date,
        actor=user,
        actor_name=str(actor) if actor is not None else "平台",
        reason=reason,
    )
    if audit:
        audit_log(
            actor=actor,
            action="list_entry_transition",
            obj=entry,
            detail={"from": from_state, "to": to_state, "on": on_date.isoformat(), "reason": reason[:200]},
        )
    return entry
