"""Daily jobs of the lists app (listed in ``xinyong.scheduled``, run by ``xinyong daily`` / ``xinyong serve``)."""

from __future__ import annotations

import datetime as dt

from xinyong.lists.services import list_entries_expire


def entries_expire(*, as_of: dt.date) -> str:
    """Mark the list entries whose validity ended before ``as_of`` as expired (in force is computed anyway)."""
    return f"名单条目期满：{list_entries_expire(as_of=as_of):,} 条"
