"""Daily jobs of decided lists (listed in ``xinyong.scheduled``): expiry and the queue 可列入."""

from __future__ import annotations

import datetime as dt

from xinyong.lists.lifecycle import entries_expire
from xinyong.lists.queues import entries_due_effective


def decided_entries_daily(*, as_of: dt.date) -> str:
    """End decided entries past their validity, and count the entries whose objection window has passed."""
    expired = entries_expire(as_of=as_of)
    due = entries_due_effective(as_of=as_of).count()
    return f"平台认定名单：有效期届满 {expired:,} 条；异议期已届满、可列入 {due:,} 条（见“可列入”队列）"
