"""Audit entries for console logins, logouts and failed logins (Django auth signals), and the genesis entry
written after ``migrate``."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import router
from django.dispatch import receiver

from xinyong.accounts.models import AuditAction, AuditEntry, AuditOutcome
from xinyong.accounts.services import audit_genesis_ensure, audit_log
from xinyong.core.signals import database_migrated


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


def audit_genesis_after_migrate(sender, *, using, verbosity=1, **kwargs) -> None:
    """Start the audit log of a new database with its genesis entry (connected in AccountsConfig.ready)."""
    if using != router.db_for_write(AuditEntry) or not database_migrated(using):
        return
    entry = audit_genesis_ensure(using=using)
    if entry is not None and verbosity >= 1:
        print(f"  审计日志：已写入创世条目（第 1 条，摘要 {entry.hash}）")
