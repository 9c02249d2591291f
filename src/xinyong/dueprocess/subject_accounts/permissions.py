"""Who may do what with subject accounts: operators issue link codes; an account acts only for its subjects."""

from __future__ import annotations

from xinyong.accounts.models import Role
from xinyong.accounts.permissions import effective_role
from xinyong.dueprocess.subject_accounts.models import SubjectAccount, SubjectLink


def can_issue_link_codes(user) -> bool:
    """Link codes are issued by platform operators (and superusers without a role), nobody else."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return effective_role(user) == Role.OPERATOR


def account_may_act_for(account: SubjectAccount | None, subject_id: int) -> bool:
    """Is the active account linked (not revoked) to the subject?"""
    if account is None or not account.is_active:
        return False
    return SubjectLink.objects.filter(
        account=account, subject_id=subject_id, revoked_at__isnull=True
    ).exists()
