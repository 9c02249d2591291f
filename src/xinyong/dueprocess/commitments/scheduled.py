"""Daily job of commitments: flag the follow-ups whose fulfilment date has passed (docs/commitments.md)."""

from __future__ import annotations

import datetime as dt

from xinyong.dueprocess.commitments.services import commitments_overdue_flag


def commitments_overdue_daily(*, as_of: dt.date) -> str | None:
    """Flag each commitment past its fulfilment date without a follow-up, once; the queue shows them first."""
    flagged = commitments_overdue_flag(as_of=as_of)
    return f"信用承诺：新增逾期未核查 {flagged:,} 件" if flagged else None
