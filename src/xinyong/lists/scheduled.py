"""Daily jobs of the lists app (listed in ``xinyong.scheduled``, run by ``xinyong daily`` / ``xinyong serve``):
expiry of every list's entries; for decided lists a full escalation run (catching up any batch whose evaluation
failed; idempotent) and the queue 可列入."""

from __future__ import annotations

import datetime as dt

from xinyong.lists.escalation import escalation_evaluate
from xinyong.lists.queues import entries_due_effective
from xinyong.lists.services import list_entries_expire


def entries_expire(*, as_of: dt.date) -> str:
    """Mark the list entries whose validity ended before ``as_of`` as expired (in force is computed anyway)."""
    return f"名单条目期满：{list_entries_expire(as_of=as_of):,} 条"


def decided_entries_daily(*, as_of: dt.date) -> str:
    """Propose escalations and count the decided entries that may take effect."""
    proposed = len(escalation_evaluate(as_of=as_of).proposed)
    due = entries_due_effective(as_of=as_of).count()
    return f"平台认定名单：失信等级升级提出拟列入 {proposed:,} 条；异议期已届满、可列入 {due:,} 条（见“可列入”队列）"
