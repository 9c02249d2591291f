"""Audit entries for console logins, logouts and failed logins (Django auth signals), the genesis entry
written after ``migrate``, and the API key cache cleared when an API client or a department changes."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import router
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from xinyong.accounts.models import ApiClient, AuditAction, AuditEntry, AuditOutcome, Department
from xinyong.accounts.services import apiclient_cache_clear, audit_genesis_ensure, audit_log
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


@receiver(post_save, sender=ApiClient, dispatch_uid="xinyong_apiclient_saved")
@receiver(post_delete, sender=ApiClient, dispatch_uid="xinyong_apiclient_deleted")
@receiver(post_save, sender=Department, dispatch_uid="xinyong_department_saved")
@receiver(post_delete, sender=Department, dispatch_uid="xinyong_department_deleted")
def api_key_cache_clear(sender, **kwargs) -> None:
    """A revoked, changed or deleted API client or department: this process forgets the keys it knows."""
    apiclient_cache_clear()


def audit_genesis_after_migrate(sender, *, using, plan=None, verbosity=1, **kwargs) -> None:
    """Start the audit log of a new database with its genesis entry (connected in AccountsConfig.ready).

    Only when the database is new: this ``migrate`` created the accounts tables, or ``flush`` emptied every
    table. A log deleted from a running platform must not get a fresh genesis entry from the next
    ``xinyong serve`` (which migrates at every start): ``audit verify`` reports it instead.
    """
    if plan is not None and not any(
        migration.app_label == "accounts" and migration.name == "0001_initial" and not backwards
        for migration, backwards in plan
    ):
        return
    if using != router.db_for_write(AuditEntry) or not database_migrated(using=using):
        return
    entry = audit_genesis_ensure(using=using)
    if entry is not None and verbosity >= 1:
        print(f"  审计日志：已写入创世条目（第 1 条，摘要 {entry.hash}）")
