"""Who may open which console screen, and the decorator the console's views use.

Department scope (whose batches) is decided by the collection selectors; this module only answers
"may this role open the screen at all". Superusers are treated as operators.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from xinyong.accounts.models import Role
from xinyong.accounts.permissions import can_read_audit_log

# Read the collection screens (batches, results, quality): reviewers read their department's batches,
# auditors every department's; window clerks work on credit checks and see no batches.
COLLECTION_READ_ROLES = frozenset({Role.OPERATOR, Role.DATA_OFFICER, Role.REVIEWER, Role.AUDITOR})
# Submit data (upload, confirm a mapping, form entry): reviewers, window clerks and auditors never submit.
COLLECTION_WRITE_ROLES = frozenset({Role.OPERATOR, Role.DATA_OFFICER})


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def effective_role(user) -> str:
    """The role the console works with: superusers without a role act as operators."""
    if not _active(user):
        return ""
    if user.role:
        return user.role
    return Role.OPERATOR if user.is_superuser else ""


def can_use_console(user) -> bool:
    """Every user with a role (or a superuser) has a console; a user without a role has none."""
    return bool(effective_role(user))


def can_read_collection(user) -> bool:
    return effective_role(user) in COLLECTION_READ_ROLES


def can_submit_collection(user) -> bool:
    return effective_role(user) in COLLECTION_WRITE_ROLES


def can_read_audit(user) -> bool:
    """The audit log's rule (``accounts.permissions.can_read_audit_log``), for the console's pages."""
    return can_read_audit_log(user)


def console_view(check: Callable[[object], bool] = can_use_console):
    """Decorator: anonymous users go to the login page; signed-in users failing ``check`` get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied("您的角色无权使用此页面")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
