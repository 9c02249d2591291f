"""Daily job of credit repair: applications past their step's deadline are escalated (超期督办)."""

from __future__ import annotations

import datetime as dt

from xinyong.dueprocess.repairs.services import repairs_escalate_overdue


def repairs_overdue_daily(*, as_of: dt.date) -> str | None:
    """Escalate the open applications whose deadline passed before ``as_of`` (each once)."""
    count = repairs_escalate_overdue(as_of=as_of)
    return f"信用修复超期督办 {count} 件" if count else None
