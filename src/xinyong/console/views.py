"""Console shell: login, logout, the home page per role, and the error pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.utils import timezone

from xinyong.accounts.decorators import console_view
from xinyong.accounts.models import Role
from xinyong.accounts.permissions import effective_role
from xinyong.collection.permissions import can_submit_collection
from xinyong.console import selectors
from xinyong.workdays.selectors import calendar_alerts


class ConsoleLoginView(auth_views.LoginView):
    """Django's login view with the console's page; failures are audited by the accounts signals."""

    template_name = "console/login.html"
    redirect_authenticated_user = False


class ConsoleLogoutView(auth_views.LogoutView):
    """POST only (Django 5): the header's 退出 button submits a form."""

    next_page = "console:login"


def _today():
    """The day the home page's figures are computed for (the platform's local date)."""
    return timezone.localdate()


@console_view()
def home(request):
    """What needs attention: a department's recent batches, or platform-wide figures for operators."""
    as_of = _today()
    role = effective_role(request.user)
    context = {"role": role, "as_of": as_of, "can_submit": can_submit_collection(request.user)}
    if role in (Role.DATA_OFFICER, Role.REVIEWER):
        context["department_overview"] = selectors.department_overview(user=request.user, as_of=as_of)
    elif role in (Role.OPERATOR, Role.AUDITOR):
        context["platform_overview"] = selectors.platform_overview(user=request.user, as_of=as_of)
    if role == Role.OPERATOR:
        context["calendar_alerts"] = calendar_alerts(as_of=as_of)
    return render(request, "console/home.html", context)


def permission_denied(request, exception=None):
    """403 page in the console's layout (the message of a PermissionDenied is shown when it has one)."""
    message = str(exception) if exception and str(exception) else ""
    return render(request, "console/forbidden.html", {"message": message}, status=403)


def page_not_found(request, exception=None):
    """404 page in the console's layout."""
    return render(request, "console/not_found.html", status=404)
