"""Daily job of objections: escalate (督办) the objections whose current step is overdue (docs/objections.md)."""

from __future__ import annotations

import datetime as dt

from xinyong.dueprocess.objections.services import objections_escalate_overdue


def objections_overdue_daily(*, as_of: dt.date) -> str | None:
    """Escalate each objection overdue on ``as_of`` once per step; idempotent for the same day."""
    count = objections_escalate_overdue(as_of=as_of)
    return f"异议申请超期督办 {count} 件" if count else None
