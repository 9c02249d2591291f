"""Access predicates that depend on credit records: who may change a record, and which natural persons a
principal may look at (those with a record the principal can see). Which records a principal reads
is decided in ``records.selectors.records_visible_to``."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from xinyong.accounts.models import ApiClient, ApiScope, Role
from xinyong.accounts.permissions import can_write_department, has_role
from xinyong.records.models import CreditRecord
from xinyong.records.selectors import records_visible_to


def can_write_record(principal, record: CreditRecord) -> bool:
    """May this user or API client change the record (status, corrections)? Own department only."""
    if isinstance(principal, ApiClient):
        return ApiScope.RECORDS_WRITE in (principal.scopes or []) and can_write_department(
            principal, record.department
        )
    if has_role(principal, Role.AUDITOR, Role.WINDOW_CLERK):
        return False
    return can_write_department(principal, record.department)


def persons_visible(principal) -> Exists:
    """Filter on subjects: those with at least one record the principal may read. Installed as the natural
    persons' visibility rule of ``subjects.permissions.subjects_visible_to`` (``records/apps.py``)."""
    return Exists(records_visible_to(principal=principal).filter(subject_id=OuterRef("pk")))
