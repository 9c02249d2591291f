"""Access predicates of credit records: who may change a record and who may read its old versions. Which
records a principal reads is decided in ``records.selectors.records_visible_to``."""

from __future__ import annotations

from xinyong.accounts.models import ApiClient, ApiScope, Role
from xinyong.accounts.permissions import (
    can_write_department,
    has_role,
    is_platform_wide,
    readable_department_ids,
)
from xinyong.records.models import CreditRecord


def can_write_record(principal, record: CreditRecord) -> bool:
    """May this user or API client change the record (status, corrections)? Own department only."""
    if isinstance(principal, ApiClient):
        return ApiScope.RECORDS_WRITE in (principal.scopes or []) and can_write_department(
            principal, record.department
        )
    if has_role(principal, Role.AUDITOR, Role.WINDOW_CLERK):
        return False
    return can_write_department(principal, record.department)


def can_mark_record(principal, record: CreditRecord) -> bool:
    """May this principal set a record's 异议标注 or its 已信用修复 state? Operators and the owning department's
    writers; ``None`` is the platform itself (the objection and repair workflows)."""
    if principal is None:
        return True
    if not isinstance(principal, ApiClient) and has_role(principal, Role.OPERATOR):
        return True
    return can_write_record(principal, record)


def can_read_old_versions(principal, record: CreditRecord) -> bool:
    """Old versions: platform-wide roles and the owning department only."""
    if not isinstance(principal, ApiClient) and is_platform_wide(principal):
        return True
    own = readable_department_ids(principal)
    return own is None or record.department_id in own
