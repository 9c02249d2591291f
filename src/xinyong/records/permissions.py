"""Access predicates that depend on the credit records: which subjects a principal may look at."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from xinyong.accounts.models import ApiClient
from xinyong.accounts.permissions import is_platform_wide
from xinyong.core.codes import SubjectKind
from xinyong.records.selectors import records_visible_to
from xinyong.subjects.models import Subject


def subjects_visible_to(principal) -> QuerySet[Subject]:
    """Subjects a user or API client may look at.

    Organisations and 个体工商户 form a shared registry. A natural person is visible to platform-wide roles,
    and otherwise only when the principal can see at least one record about that person (minimum
    necessary: the registry must not reveal that someone has a record in another department's files).
    """
    subjects = Subject.objects.all()
    if not isinstance(principal, ApiClient) and is_platform_wide(principal):
        return subjects
    visible_records = records_visible_to(principal).filter(subject_id=OuterRef("pk"))
    return subjects.filter(~Q(kind=SubjectKind.NATURAL_PERSON) | Exists(visible_records))
