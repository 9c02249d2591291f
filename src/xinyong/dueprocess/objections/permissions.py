"""Who may see and handle objections (docs/objections.md, docs/access.md).

- Operators (平台管理员) handle every objection: register one on a subject's behalf, accept or refuse it,
  forward it, decide it, notify the subject.
- Department data officers and reviewers see the objections against their own department's records (or
  forwarded to it), may file one against such a record, and decide those forwarded to their department.
- Auditors read every objection; window clerks none.
- Subject accounts see and file objections only for the subjects linked to them (links not revoked).
- API clients (scope ``records:read``) read the objections concerning their own department.
"""

from __future__ import annotations

from typing import Any

from xinyong.accounts.models import ApiClient, Role
from xinyong.accounts.permissions import has_role, is_platform_wide
from xinyong.dueprocess.objections.models import Objection, ObjectionState
from xinyong.dueprocess.subject_accounts.models import SubjectAccount, SubjectLink

DEPARTMENT_HANDLERS = (Role.DATA_OFFICER, Role.REVIEWER)


def _is_operator(user: Any) -> bool:
    return bool(getattr(user, "is_active", False) and (user.is_superuser or has_role(user, Role.OPERATOR)))


def can_read_objections(user: Any) -> bool:
    """May this console user open the objection screens (menu entry 异议处理)?"""
    if isinstance(user, SubjectAccount):
        return False
    return is_platform_wide(user) or has_role(user, *DEPARTMENT_HANDLERS)


def account_subject_ids(account: SubjectAccount) -> set[int]:
    """The subjects linked to a subject account (links not revoked)."""
    return set(
        SubjectLink.objects.filter(account=account, revoked_at__isnull=True).values_list(
            "subject_id", flat=True
        )
    )


def _own_department_ids(user: Any) -> set[int]:
    if isinstance(user, ApiClient):
        return {user.department_id} if user.revoked_at is None else set()
    if has_role(user, *DEPARTMENT_HANDLERS) and user.department_id is not None:
        return {user.department_id}
    return set()


def objection_department_ids(objection: Objection) -> set[int]:
    """The departments concerned: the record's owner and the department it was forwarded to."""
    ids = set()
    record = objection.record
    if record is not None:
        ids.add(record.department_id)
    elif objection.list_entry is not None and objection.list_entry.department_id is not None:
        ids.add(objection.list_entry.department_id)
    if objection.source_department_id is not None:
        ids.add(objection.source_department_id)
    return ids


def can_view_objection(principal: Any, objection: Objection) -> bool:
    """May this console user or subject account see the objection (and its evidence)?"""
    if isinstance(principal, SubjectAccount):
        return objection.subject_id in account_subject_ids(principal)
    if not isinstance(principal, ApiClient) and is_platform_wide(principal):
        return True
    return bool(_own_department_ids(principal) & objection_department_ids(objection))


def can_file_objection(principal: Any, *, subject_id: int, department_id: int | None) -> bool:
    """May this principal file an objection against a record (or entry) of ``department_id`` about a subject?"""
    if isinstance(principal, SubjectAccount):
        return principal.is_active and subject_id in account_subject_ids(principal)
    if _is_operator(principal):
        return True
    return department_id is not None and department_id in _own_department_ids(principal)


def can_handle_platform_steps(user: Any, objection: Objection | None = None) -> bool:
    """Accept, refuse, forward, decide without forwarding, notify: the platform's operators."""
    return not isinstance(user, SubjectAccount) and _is_operator(user)


def can_decide_objection(user: Any, objection: Objection) -> bool:
    """Decide: operators; a forwarded objection also the source department's data officers and reviewers."""
    if isinstance(user, SubjectAccount):
        return False
    if _is_operator(user):
        return True
    return (
        objection.state == ObjectionState.FORWARDED
        and objection.source_department_id is not None
        and objection.source_department_id in _own_department_ids(user)
    )
