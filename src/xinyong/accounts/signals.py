"""Audit entries for console logins, logouts and failed logins (Django auth signals)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from xinyong.accounts.models import AuditAction, AuditOutcome
from xinyong.accounts.services import audit_log


@receiver(user_logged_in, dispatch_uid="xinyong_audit_login")
def audit_login(sender, request, user, **kwargs) -> None:
    audit_log(actor=user, action=AuditAction.LOGIN, obj=user, request=request)


@receiver(user_logged_out, dispatch_uid="xinyong_audit_logout")
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_log(actor=user, action=AuditAction.LOGOUT, obj=user, request=request)


@receiver(user_login_failed, dispatch_uid="xinyong_audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already replaced the password in ``credentials``; keep only the name that was tried.
    username = str(credentials.get("username", ""))[:150]
    audit_log(
        actor=AnonymousUser(),
        action=AuditAction.LOGIN_FAILED,
        outcome=AuditOutcome.DENIED,
        detail={"username": username},
        request=request,
    )
