"""Daily job of the credit check (listed in ``xinyong.scheduled``): the check log's digest."""

from __future__ import annotations

import datetime as dt

from xinyong.jrp.check.log import check_log_digest


def check_log_daily_digest(*, as_of: dt.date) -> str:
    """Digest the check log rows since the last digest and anchor them in the audit chain (one entry)."""
    digest = check_log_digest()
    if digest is None:
        return "核查记录摘要：没有新增的核查记录"
    return f"核查记录摘要：第 {digest.first_check_id}–{digest.last_check_id} 号，共 {digest.count:,} 条"
