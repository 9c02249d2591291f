"""Lists decided on the platform in the demo county: the escalation rule's proposals once the department
files have loaded, the first ones notified with their 失信惩戒告知书 and one declined, so the review queue,
the notices and the entry screens have something real to show (docs/listing-decisions.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from xinyong.lists.escalation import escalation_evaluate, escalation_rules_load
from xinyong.lists.lifecycle import LifecycleError, entry_decline
from xinyong.lists.models import EntryOrigin, EntryState, ListEntry
from xinyong.reports.notices import notice_issue

NOTIFIED = 3
DECLINE_REASON = "经核查，两次处罚针对同一违法行为的不同处理环节，不属于两次同类失信行为，不予升级"


def demo_listings(*, as_of: dt.date, say: Callable[[str], None]) -> int:
    """Propose escalations on ``as_of``, notify the first few, decline one; returns the notices issued."""
    escalation_rules_load()
    escalation_evaluate(as_of=as_of)
    proposals = list(
        ListEntry.objects.filter(state=EntryState.PROPOSED, origin=EntryOrigin.ESCALATION)
        .select_related("list_type", "subject", "department")
        .order_by("pk")[: NOTIFIED + 1]
    )
    notices = 0
    for entry in proposals[:NOTIFIED]:
        try:
            notice_issue(entry=entry, on_date=as_of, actor=None)
        except LifecycleError:
            continue
        notices += 1
    if len(proposals) > NOTIFIED:
        entry_decline(entry=proposals[NOTIFIED], on_date=as_of, reason=DECLINE_REASON, actor=None)
    waiting = ListEntry.objects.filter(state=EntryState.PROPOSED).count()
    say(f"  平台认定名单：已出具失信惩戒告知书 {notices:,} 份，待审核的拟列入 {waiting:,} 条")
    return notices
