"""Access predicates that depend on credit records: who may change a record, and which subjects a principal
may look at (a natural person only through a record the principal can see). Which records a principal reads
is decided in ``records.selectors.records_visible_to``."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from xinyong.accounts.models import ApiClient, ApiScope, Role
from xinyong.accounts.permissions import can_write_department, has_role, is_platform_wide
from xinyong.core.codes import SubjectKind
from xinyong.records.models import CreditRecord
from xinyong.records.selectors import records_visible_to
from xinyong.subjects.models import Subject


def can_write_record(principal, record: CreditRecord) -> bool:
    """May this user or API client change the record (status, corrections)? Own department only."""
    if isinstance(principal, ApiClient):
        return ApiScope.RECORDS_WRITE in (principal.scopes or []) and can_write_department(
            principal, record.department
        )
    if has_role(principal, Role.AUDITOR, Role.WINDOW_CLERK):
        return False
    return can_write_department(principal, record.department)


def subjects_visible_to(principal) -> QuerySet[Subject]:
    """Subjects a user or API client may look at.

    Organisations and 个体工商户 form a shared registry. A natural person is visible to platform-wide roles,
    and otherwise only when the principal can see at least one record about that person (minimum
    necessary: the registry must not reveal that someone has a record in another department's files).
    """
    subjects = Subject.objects.all()
    if not isinstance(principal, ApiClient) and is_platform_wide(principal):
        return subjects
    visible_records = records_visible_to(principal=principal).filter(subject_id=OuterRef("pk"))
    return subjects.filter(~Q(kind=SubjectKind.NATURAL_PERSON) | Exists(visible_records))
