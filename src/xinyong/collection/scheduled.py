"""Daily jobs of the collection app (listed in ``xinyong.scheduled``, run by ``xinyong daily`` / ``xinyong serve``)."""

from __future__ import annotations

import datetime as dt

from xinyong.collection.storage import batch_files_purge, retention_days


def batch_files_purge_due(*, as_of: dt.date) -> str:
    """Delete the stored files of batches past the retention period (docs/files-at-rest.md); audited."""
    result = batch_files_purge(as_of=as_of)
    return f"批次文件清除：保存期限 {retention_days()} 天，清除 {len(result.batches)} 个批次的文件"
