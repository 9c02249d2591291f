"""Daily job of the channels (listed in ``xinyong.scheduled``): batch check files past their retention period
are deleted, and the use counters of widget tokens long expired are dropped."""

from __future__ import annotations

import datetime as dt

from xinyong.collection.storage import retention_days
from xinyong.jrp.channels.services import channels_purge


def channels_purge_due(*, as_of: dt.date) -> str:
    """Delete the files of batch checks older than the retention period and expired widget token rows."""
    batches, tokens = channels_purge(as_of=as_of)
    return f"批量核查文件清除：保存期限 {retention_days()} 天，清除 {batches} 批的文件；清理过期核查令牌 {tokens} 个"
