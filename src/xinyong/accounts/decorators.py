"""The decorator of every console screen: sign in first, then the screen's access predicate."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from xinyong.accounts.permissions import can_use_console


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
