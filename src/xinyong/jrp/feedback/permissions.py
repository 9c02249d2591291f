"""Who may read and record feedback, see the statistics, report and publish typical cases (docs/feedback.md).

- Feedback is recorded by the implementing department only: its data officers, reviewers and window clerks
  in the console, its API clients with the ``check:query`` scope, never another department's. Operators and
  auditors read every department's queue but do not answer for a department.
- Statistics: every console role; operators and auditors see all departments, department roles their own.
- Typical cases: a department's data officers and reviewers report their department's cases; operators
  approve and publish them (or withdraw them); auditors read them. Published cases are on the portal.
"""

from __future__ import annotations

from xinyong.accounts.models import ApiClient, Role
from xinyong.accounts.permissions import effective_role, is_platform_wide, readable_department_ids

FEEDBACK_ROLES = frozenset({Role.DATA_OFFICER, Role.REVIEWER, Role.WINDOW_CLERK})
CASE_REPORT_ROLES = frozenset({Role.DATA_OFFICER, Role.REVIEWER})


def _department_id(department) -> int | None:
    return department if isinstance(department, int) or department is None else department.pk


def can_read_feedback(user) -> bool:
    """May this user open the feedback queue (own department, or all for operators and auditors)?"""
    return is_platform_wide(user) or (
        effective_role(user) in FEEDBACK_ROLES and getattr(user, "department_id", None) is not None
    )


def can_record_feedback(actor, department) -> bool:
    """May this user (or API client) answer for measures implemented by ``department``?"""
    department_id = _department_id(department)
    if department_id is None:
        return False
    if isinstance(actor, ApiClient):
        return actor.revoked_at is None and actor.department_id == department_id
    return effective_role(actor) in FEEDBACK_ROLES and getattr(actor, "department_id", None) == department_id


def can_record_any_feedback(user) -> bool:
    """May this console user record feedback at all (a department role with a department)?"""
    return effective_role(user) in FEEDBACK_ROLES and getattr(user, "department_id", None) is not None


def can_read_statistics(user) -> bool:
    """Every console role opens the statistics; what it shows is scoped by ``feedback_department_ids``."""
    return bool(effective_role(user))


def feedback_department_ids(user) -> set[int] | None:
    """Departments whose feedback and checks the user sees: None means all."""
    return readable_department_ids(user)


def can_read_typical_cases(user) -> bool:
    return is_platform_wide(user) or effective_role(user) in CASE_REPORT_ROLES


def can_report_typical_case(actor, department) -> bool:
    department_id = _department_id(department)
    return (
        department_id is not None
        and effective_role(actor) in CASE_REPORT_ROLES
        and getattr(actor, "department_id", None) == department_id
    )


def can_report_any_typical_case(user) -> bool:
    return effective_role(user) in CASE_REPORT_ROLES and getattr(user, "department_id", None) is not None


def can_publish_typical_cases(user) -> bool:
    return effective_role(user) == Role.OPERATOR
