"""Who may read and decide credit repair applications (谁认定、谁修复; docs/access.md, docs/credit-repair.md)."""

from __future__ import annotations

from xinyong.accounts.models import ApiClient, ApiScope, Role
from xinyong.accounts.permissions import can_use_console, effective_role, is_platform_wide
from xinyong.dueprocess.repairs.models import RepairApplication
from xinyong.dueprocess.subject_accounts.models import SubjectAccount, SubjectLink

# Department roles that handle applications for their department (window clerks check, they do not decide).
DECIDING_ROLES = (Role.DATA_OFFICER, Role.REVIEWER)


def can_read_repairs(user) -> bool:
    """The console's 信用修复 screens: operators, auditors, and departments' data officers and reviewers."""
    return effective_role(user) in (Role.OPERATOR, Role.AUDITOR, *DECIDING_ROLES)


def can_read_repair(user, application: RepairApplication) -> bool:
    """One application: platform-wide roles, or the deciding department's officers."""
    if not can_read_repairs(user):
        return False
    return is_platform_wide(user) or application.deciding_department_id == user.department_id


def can_decide_repair(user, application: RepairApplication) -> bool:
    """Accept, refuse, extend, approve, reject or revoke: operators, or the deciding department's officers."""
    role = effective_role(user)
    if role == Role.OPERATOR:
        return True
    return role in DECIDING_ROLES and application.deciding_department_id == user.department_id


def can_read_repair_notifications(user) -> bool:
    """修复通知 (repairs affecting measures a department applied): every console role, own department."""
    return can_use_console(user)


def can_issue_repair_notice(user, record) -> bool:
    """信用修复告知书 with a penalty decision: operators, or the record's department's officers."""
    role = effective_role(user)
    if role == Role.OPERATOR:
        return True
    return role in DECIDING_ROLES and record.department_id == user.department_id


def api_can_read_repairs(client: ApiClient) -> bool:
    """API: a department's client with ``records:read`` reads its department's repairs and notifications."""
    return client.revoked_at is None and ApiScope.RECORDS_READ in (client.scopes or [])


def account_acts_for(account: SubjectAccount | None, subject_id: int) -> bool:
    """A subject account may apply and read for the subjects it is linked to (active link)."""
    if account is None:
        return False
    return SubjectLink.objects.filter(
        account=account, subject_id=subject_id, revoked_at__isnull=True
    ).exists()
