"""Access predicates of credit records. Who reads which records is decided in ``records.selectors``."""

from __future__ import annotations

from xinyong.accounts.models import ApiClient, ApiScope, Role
from xinyong.accounts.permissions import can_write_department, has_role
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
