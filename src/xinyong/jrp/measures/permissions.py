"""Who may do what with matters, measures and rulebooks (docs/measures.md, “Who may”).

- Every console user reads the published measure list and the matter register.
- Operators manage rulebooks (draft, preview, publish) and every department's conditions and matters.
- A department's reviewer edits the department's own conditions (in a draft) and its matters; data
  officers import and edit their department's matters.
"""

from __future__ import annotations

from typing import Any

from xinyong.accounts.models import Department, Role
from xinyong.accounts.permissions import can_use_console, effective_role, has_role

__all__ = [
    "can_edit_department_conditions",
    "can_edit_matter",
    "can_edit_matters",
    "can_edit_some_conditions",
    "can_manage_rulebooks",
    "can_read_measures",
]


def can_read_measures(user: Any) -> bool:
    """Every console user may read the published measures and the matters."""
    return can_use_console(user)


def can_manage_rulebooks(user: Any) -> bool:
    """Create drafts, run the impact preview, publish: operators (and superusers)."""
    return effective_role(user) == Role.OPERATOR


def can_edit_some_conditions(user: Any) -> bool:
    """May the user open the condition editor at all (operators, department reviewers)?"""
    return can_manage_rulebooks(user) or (has_role(user, Role.REVIEWER) and user.department_id is not None)


def can_edit_department_conditions(user: Any, department: Department | None) -> bool:
    """Operators edit any department's conditions; a reviewer only their own department's."""
    if can_manage_rulebooks(user):
        return True
    return (
        department is not None
        and has_role(user, Role.REVIEWER)
        and user.department_id is not None
        and user.department_id == department.pk
    )


def can_edit_matters(user: Any) -> bool:
    """May the user edit or import matters at all (operators, department data officers and reviewers)?"""
    return can_manage_rulebooks(user) or (
        has_role(user, Role.REVIEWER, Role.DATA_OFFICER) and user.department_id is not None
    )


def can_edit_matter(user: Any, department: Department | None) -> bool:
    """Operators edit every matter; department staff the matters of their own department."""
    if can_manage_rulebooks(user):
        return True
    return (
        department is not None
        and has_role(user, Role.REVIEWER, Role.DATA_OFFICER)
        and user.department_id == department.pk
    )
