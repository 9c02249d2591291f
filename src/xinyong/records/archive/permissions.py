"""Who may open credit archives at all; which records they then see is ``records.selectors``' visibility."""

from __future__ import annotations

from xinyong.accounts.models import ApiClient, ApiScope, Role

# Console roles that may open the archive. Window clerks work on credit checks and see no archive.
ARCHIVE_ROLES = frozenset({Role.OPERATOR, Role.AUDITOR, Role.DATA_OFFICER, Role.REVIEWER})


def archive_can_open(principal) -> bool:
    """May this user or API client open credit archives at all (department limits apply to the content)?"""
    if isinstance(principal, ApiClient):
        return principal.revoked_at is None and ApiScope.RECORDS_READ in (principal.scopes or [])
    if not (principal is not None and getattr(principal, "is_authenticated", False) and principal.is_active):
        return False
    if principal.role:
        return principal.role in ARCHIVE_ROLES
    return bool(principal.is_superuser)
