"""Who may do what: roles, department scope, and the role → Django model permission table.

Two layers, used together:

- **Model permissions** (what the admin console and ``user.has_perm`` see) come from the declarative
  ``ROLE_MODEL_PERMISSIONS`` table below through ``xinyong.accounts.backends.RoleBackend``. The table maps
  each role to app labels and actions (``view``/``add``/``change``/``delete`` or a custom permission's
  prefix), so new models of an app are covered without listing them.
- **Department scope** (whose data): ``can_read_department`` / ``can_write_department``. Operators and
  auditors work platform-wide; department roles read and write only their own department; auditors
  never write. Department scope does not follow the tree: a parent department does not see its
  children's data (minimum necessary access).

- **The audit log**: auditors only (``can_read_audit_log``), read-only, in the console and the admin alike.
- **The console**: every user with a role has one (``can_use_console``); a superuser without a role works as an
  operator (``effective_role``). Each app's screens add their own predicate (``accounts.decorators``).

Each app's ``permissions.py`` holds the rules of its own objects; docs/access.md has the whole table.
Superusers pass every check. Inactive or anonymous users pass none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xinyong.accounts.models import DEPARTMENT_ROLES, ApiClient, Department, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from xinyong.accounts.models import User

ALL_ACTIONS = frozenset({"view", "add", "change", "delete"})
VIEW = frozenset({"view"})
# Matches every app label (used for the auditor, who reads everything).
ANY_APP = "*"

ROLE_MODEL_PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    Role.OPERATOR: {
        "accounts": ALL_ACTIONS,
        "catalog": ALL_ACTIONS,
        "workdays": ALL_ACTIONS,
        "subjects": ALL_ACTIONS,
        "records": VIEW,
        "collection": VIEW,
        # Issued credit reports, as in the console (reports.permissions): every report, read-only.
        "reports": VIEW,
        # List types are edited in the admin (each save a new version); entries change through services.
        "lists": ALL_ACTIONS,
        # Jurisdiction profiles and commitment templates (reference data); cases change through services.
        "dueprocess": ALL_ACTIONS,
    },
    # Batches are read-only in the admin (they change through the collection services), department-scoped.
    Role.DATA_OFFICER: {
        "records": VIEW,
        "subjects": VIEW,
        "catalog": VIEW,
        "collection": VIEW,
        "lists": VIEW,
    },
    Role.REVIEWER: {"records": VIEW, "subjects": VIEW, "catalog": VIEW, "collection": VIEW, "lists": VIEW},
    Role.WINDOW_CLERK: {"subjects": VIEW},
    Role.AUDITOR: {ANY_APP: VIEW},
}

# The audit log and its chain head: read by auditors only (``can_read_audit_log``), written by nobody.
AUDIT_LOG_MODELS: frozenset[tuple[str, str]] = frozenset(
    {("accounts", "auditentry"), ("accounts", "auditchainhead")}
)

# Models a role does not get even though it is granted their app: window clerks look subjects up, but the
# review queue of suspected duplicates is back-office work for operators; so is the list of confirmed codes.
# Operators manage accounts but do not read the audit log that records what they did.
ROLE_EXCLUDED_MODELS: dict[str, frozenset[tuple[str, str]]] = {
    Role.WINDOW_CLERK: frozenset({("subjects", "subjectreview"), ("subjects", "confirmedcode")}),
    Role.DATA_OFFICER: frozenset({("subjects", "confirmedcode")}),
    Role.REVIEWER: frozenset({("subjects", "confirmedcode")}),
    Role.OPERATOR: AUDIT_LOG_MODELS,
}

# Models whose rows nobody may add, change or delete through permissions, whatever the table says.
VIEW_ONLY_MODELS: frozenset[tuple[str, str]] = AUDIT_LOG_MODELS
# Apps never granted by role (session data are credentials).
NEVER_GRANTED_APPS = frozenset({"sessions"})

PLATFORM_WIDE_ROLES = frozenset({Role.OPERATOR, Role.AUDITOR})
# Auditors are deliberately absent: they read, never write.
WRITE_OWN_DEPARTMENT_ROLES = DEPARTMENT_ROLES


def _is_active_user(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def effective_role(user: User | AnonymousUser | None) -> str:
    """The role the console works with: superusers without a role act as operators."""
    if not _is_active_user(user):
        return ""
    if user.role:
        return user.role
    return Role.OPERATOR if user.is_superuser else ""


def can_use_console(user: User | AnonymousUser | None) -> bool:
    """Every user with a role (or a superuser) has a console; a user without a role has none."""
    return bool(effective_role(user))


def has_role(user: User | AnonymousUser | None, *roles: str) -> bool:
    """True when the user is active and has one of ``roles`` (superusers only if they hold the role)."""
    return _is_active_user(user) and user.role in roles


def is_platform_wide(user: User | AnonymousUser | None) -> bool:
    """True for users who see every department's data: operators, auditors and superusers."""
    if not _is_active_user(user):
        return False
    return user.is_superuser or user.role in PLATFORM_WIDE_ROLES


def can_read_audit_log(user: User | AnonymousUser | None) -> bool:
    """May this user read the audit log (console page and admin alike)? Auditors, and superusers."""
    return _is_active_user(user) and (user.is_superuser or user.role == Role.AUDITOR)


def can_read_department(user: User | ApiClient | AnonymousUser | None, department: Department | None) -> bool:
    """May this user (or API client) read the data owned by ``department``?"""
    if isinstance(user, ApiClient):
        return _client_matches(user, department)
    if is_platform_wide(user):
        return True
    if not _is_active_user(user) or department is None:
        return False
    return user.role in DEPARTMENT_ROLES and _same_department(user.department_id, department)


def can_write_department(
    user: User | ApiClient | AnonymousUser | None, department: Department | None
) -> bool:
    """May this user (or API client) create or change data owned by ``department``?"""
    if isinstance(user, ApiClient):
        return _client_matches(user, department)
    if not _is_active_user(user):
        return False
    if user.is_superuser or user.role == Role.OPERATOR:
        return True
    if department is None:
        return False
    return user.role in WRITE_OWN_DEPARTMENT_ROLES and _same_department(user.department_id, department)


def readable_department_ids(user: User | ApiClient | AnonymousUser | None) -> set[int] | None:
    """Departments whose data the user may read: ``None`` means all of them, an empty set none."""
    if isinstance(user, ApiClient):
        return {user.department_id} if user.revoked_at is None else set()
    if is_platform_wide(user):
        return None
    if _is_active_user(user) and user.role in DEPARTMENT_ROLES and user.department_id is not None:
        return {user.department_id}
    return set()


def role_grants(role: str, app_label: str, action: str, model_name: str = "") -> bool:
    """Does the role table grant ``action`` on ``app_label`` (and ``model_name``, for view-only models)?"""
    if app_label in NEVER_GRANTED_APPS:
        return False
    if action != "view" and (app_label, model_name) in VIEW_ONLY_MODELS:
        return False
    if (app_label, model_name) in ROLE_EXCLUDED_MODELS.get(role, frozenset()):
        return False
    table = ROLE_MODEL_PERMISSIONS.get(role, {})
    actions = table.get(app_label) or table.get(ANY_APP) or frozenset()
    return action in actions


def role_app_labels(role: str) -> frozenset[str] | None:
    """App labels the role has any permission in; ``None`` means every app."""
    table = ROLE_MODEL_PERMISSIONS.get(role, {})
    if ANY_APP in table:
        return None
    return frozenset(table)


def _same_department(department_id: int | None, department: Department | int) -> bool:
    target = department if isinstance(department, int) else department.pk
    return department_id is not None and department_id == target


def _client_matches(client: ApiClient, department: Department | None) -> bool:
    return (
        department is not None
        and client.revoked_at is None
        and _same_department(client.department_id, department)
    )
