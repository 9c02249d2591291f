"""Daily job of feedback: count pending and overdue feedback per department (docs/feedback.md)."""

from __future__ import annotations

import datetime as dt

from xinyong.jrp.feedback.services import feedback_overdue_count


def feedback_overdue_daily(*, as_of: dt.date) -> str | None:
    """Store the day's overdue counts per department; the statistics and the queue read them."""
    overdue = feedback_overdue_count(as_of=as_of)
    return f"措施反馈：逾期未反馈 {overdue:,} 项" if overdue else None
