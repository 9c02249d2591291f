"""Access predicates of the subjects app's console screens."""

from __future__ import annotations

from xinyong.accounts.models import Role


def can_manage_confirmed_codes(user) -> bool:
    """Confirmed codes are the platform operator's list: operators (and superusers) read and change it."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role == Role.OPERATOR or (user.is_superuser and not user.role)
