"""Daily jobs of the accounts app (listed in ``xinyong.scheduled``, run by ``xinyong daily`` / ``xinyong serve``)."""

from __future__ import annotations

import datetime as dt
import logging

from xinyong.accounts.services import AuditCheckpointRefused, audit_checkpoint_write

logger = logging.getLogger(__name__)


def audit_checkpoint(*, as_of: dt.date) -> str:
    """Write the day's signed checkpoint of the audit log's head outside the database (docs/audit.md)."""
    try:
        checkpoint, path = audit_checkpoint_write()
    except AuditCheckpointRefused as exc:
        # Not retried every minute: the refusal is itself logged in the audit log; an auditor must look.
        logger.error("audit checkpoint refused on %s: %s %s", as_of, exc.code, exc.message)
        return f"审计日志检查点未写入（{exc.code}）：{exc.message}；请运行 xinyong audit verify"
    return f"审计日志检查点：第 {checkpoint.seq} 条，已写入 {path}"
