"""Daily jobs of decided lists (listed in ``xinyong.scheduled``): expiry, a full escalation run (catching up
any batch whose evaluation failed; idempotent) and the queue 可列入."""

from __future__ import annotations

import datetime as dt

from xinyong.lists.escalation import escalation_evaluate
from xinyong.lists.lifecycle import entries_expire
from xinyong.lists.queues import entries_due_effective


def decided_entries_daily(*, as_of: dt.date) -> str:
    """End decided entries past their validity, propose escalations, count the entries that may take effect."""
    expired = entries_expire(as_of=as_of)
    proposed = len(escalation_evaluate(as_of=as_of).proposed)
    due = entries_due_effective(as_of=as_of).count()
    return (
        f"平台认定名单：有效期届满 {expired:,} 条；失信等级升级提出拟列入 {proposed:,} 条；"
        f"异议期已届满、可列入 {due:,} 条（见“可列入”队列）"
    )
