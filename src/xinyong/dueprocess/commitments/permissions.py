"""Who may read, record and follow up commitments (docs/commitments.md, docs/access.md).

- Reading: operators and auditors read every department's commitments; a department's data officers,
  reviewers and window clerks read those their department accepted. Templates and statistics: every
  console role (statistics scoped like the queue).
- Signing on behalf of a subject (a commitment signed on paper at the window): the accepting department's data
  officers, reviewers and window clerks, and operators (who name the accepting department).
- Following up (已履行 / 未履行): the accepting department's data officers and reviewers, and operators. A broken
  commitment creates a negative record, so window clerks and auditors never decide it.
- API clients act for their own department: ``records:read`` reads, ``records:write`` signs and follows up.
- Subject accounts (portal) sign for, and read the commitments of, the subjects linked to them.
"""

from __future__ import annotations

from xinyong.accounts.models import ApiClient, ApiScope, Role
from xinyong.accounts.permissions import effective_role, is_platform_wide, readable_department_ids

READ_ROLES = frozenset({Role.DATA_OFFICER, Role.REVIEWER, Role.WINDOW_CLERK})
SIGN_ROLES = frozenset({Role.DATA_OFFICER, Role.REVIEWER, Role.WINDOW_CLERK})
FOLLOW_UP_ROLES = frozenset({Role.DATA_OFFICER, Role.REVIEWER})


def _department_id(department) -> int | None:
    return department if isinstance(department, int) or department is None else department.pk


def can_read_commitments(user) -> bool:
    """May this console user open the commitments queue (own department, or all for operators and auditors)?"""
    return is_platform_wide(user) or (
        effective_role(user) in READ_ROLES and getattr(user, "department_id", None) is not None
    )


def commitment_department_ids(actor) -> set[int] | None:
    """Departments whose commitments ``actor`` reads: None means all."""
    return readable_department_ids(actor)


def can_read_commitment(actor, commitment) -> bool:
    """May ``actor`` (console user or API client) read this commitment?"""
    if isinstance(actor, ApiClient):
        return actor.revoked_at is None and actor.department_id == commitment.department_id
    ids = commitment_department_ids(actor)
    return ids is None or commitment.department_id in ids


def can_sign_on_behalf(user) -> bool:
    """May this console user record a commitment signed by a subject (any department for operators)?"""
    role = effective_role(user)
    return role == Role.OPERATOR or (role in SIGN_ROLES and getattr(user, "department_id", None) is not None)


def can_sign_for_department(actor, department) -> bool:
    """May ``actor`` record a commitment accepted by ``department``?"""
    department_id = _department_id(department)
    if department_id is None:
        return False
    if isinstance(actor, ApiClient):
        return (
            actor.revoked_at is None
            and actor.department_id == department_id
            and ApiScope.RECORDS_WRITE in actor.scopes
        )
    role = effective_role(actor)
    if role == Role.OPERATOR:
        return True
    return role in SIGN_ROLES and getattr(actor, "department_id", None) == department_id


def can_follow_up_any(user) -> bool:
    """May this console user mark commitments fulfilled or broken at all?"""
    role = effective_role(user)
    return role == Role.OPERATOR or (
        role in FOLLOW_UP_ROLES and getattr(user, "department_id", None) is not None
    )


def can_follow_up(actor, commitment) -> bool:
    """May ``actor`` mark this commitment fulfilled or broken (the accepting department, or an operator)?"""
    if isinstance(actor, ApiClient):
        return (
            actor.revoked_at is None
            and actor.department_id == commitment.department_id
            and ApiScope.RECORDS_WRITE in actor.scopes
        )
    role = effective_role(actor)
    if role == Role.OPERATOR:
        return True
    return role in FOLLOW_UP_ROLES and getattr(actor, "department_id", None) == commitment.department_id


def can_read_templates(user) -> bool:
    """Every console role reads the commitment templates (operators edit them in the admin)."""
    return bool(effective_role(user))


def can_read_statistics(user) -> bool:
    """Every console role opens the statistics, scoped by ``commitment_department_ids``."""
    return bool(effective_role(user))
