"""Access predicates of subjects: which subjects a principal may look at, and who manages confirmed codes.

A natural person is visible only through the records a principal may read (minimum necessary). Records sit
above subjects in the layering (docs/architecture.md), so the records app installs that rule here when it
loads (``records/apps.py``); until it does, natural persons are visible to platform-wide roles only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet

from xinyong.accounts.models import ApiClient, Role
from xinyong.accounts.permissions import is_platform_wide
from xinyong.core.codes import SubjectKind
from xinyong.subjects.models import Subject

# principal → a filter on Subject (Q or a boolean expression such as Exists) selecting the natural persons
# the principal may see.
PersonVisibility = Callable[[Any], Any]

_person_visibility: PersonVisibility | None = None


def person_visibility_register(*, rule: PersonVisibility) -> None:
    """Install the rule saying which natural persons a principal may see (the records app does, on load)."""
    global _person_visibility
    _person_visibility = rule


def subjects_visible_to(principal) -> QuerySet[Subject]:
    """Subjects a user or API client may look at.

    Organisations and 个体工商户 form a shared registry. A natural person is visible to platform-wide roles,
    and otherwise only when the principal can see at least one record about that person (minimum
    necessary: the registry must not reveal that someone has a record in another department's files).
    """
    subjects = Subject.objects.all()
    if not isinstance(principal, ApiClient) and is_platform_wide(principal):
        return subjects
    persons = _person_visibility(principal) if _person_visibility is not None else Q(pk__in=[])
    return subjects.filter(~Q(kind=SubjectKind.NATURAL_PERSON) | persons)


def can_manage_confirmed_codes(user) -> bool:
    """Confirmed codes are the platform operator's list: operators (and superusers) read and change it."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role == Role.OPERATOR or (user.is_superuser and not user.role)
