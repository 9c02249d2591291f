"""Who may see and act on red and black lists in the console.

- Operators (and superusers): everything.
- Data officers and reviewers: read every list; propose, notify, decide, make effective and remove entries of
  the list types whose ``department_codes`` include their department's code (a list type with no codes:
  entries whose deciding department is theirs, and proposals on it).
- Window clerks and auditors: read only.
- Anyone else: no access (403).
"""

from __future__ import annotations

from xinyong.accounts.models import Role
from xinyong.accounts.permissions import effective_role
from xinyong.lists.models import ListEntry, ListType

READ_ROLES = frozenset({Role.OPERATOR, Role.DATA_OFFICER, Role.REVIEWER, Role.WINDOW_CLERK, Role.AUDITOR})
DEPARTMENT_DECIDING_ROLES = frozenset({Role.DATA_OFFICER, Role.REVIEWER})


def can_read_lists(user) -> bool:
    """May this console user open the list screens?"""
    return effective_role(user) in READ_ROLES


def can_work_on_lists(user) -> bool:
    """May this user propose or decide entries of at least some list types (the queues)?"""
    role = effective_role(user)
    return role == Role.OPERATOR or (role in DEPARTMENT_DECIDING_ROLES and user.department_id is not None)


def _department_code(user) -> str | None:
    department = getattr(user, "department", None)
    return department.code if department is not None else None


def can_propose_on(user, list_type: ListType) -> bool:
    """May this user propose entries on ``list_type``?"""
    role = effective_role(user)
    if role == Role.OPERATOR:
        return True
    if role not in DEPARTMENT_DECIDING_ROLES or user.department_id is None:
        return False
    return not list_type.department_codes or _department_code(user) in list_type.department_codes


def can_decide_entry(user, entry: ListEntry) -> bool:
    """May this user notify, decline, make effective or remove ``entry``?"""
    role = effective_role(user)
    if role == Role.OPERATOR:
        return True
    if role not in DEPARTMENT_DECIDING_ROLES or user.department_id is None:
        return False
    codes = entry.list_type.department_codes
    if codes:
        return _department_code(user) in codes
    return entry.department_id == user.department_id
