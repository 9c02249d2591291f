"""Daily jobs of the records app (listed in ``xinyong.scheduled``, run by ``xinyong daily`` / ``xinyong serve``)."""

from __future__ import annotations

import datetime as dt

from xinyong.records.services import record_publication_sweep


def publication_sweep(*, as_of: dt.date) -> str:
    """Write down which records entered or left publication on ``as_of``, for the change feed."""
    result = record_publication_sweep(as_of=as_of)
    return f"公示巡检：纳入公示 {result.entered} 条，停止公示 {result.left} 条"
