"""Who may issue and read which credit reports.

- 公开版: anyone (the public portal, any API client with the ``reports:issue`` scope). It shows only THE public
  set, masked.
- 授权版: never without a usable ``accounts.Authorisation`` (当事人授权) of the report's subject whose scope covers
  credit reports, in force on the report's date and not revoked — no role bypasses it, because the report
  carries non-public information about the subject (docs/access.md; departments using data for their statutory duties
  read the credit archive instead, with a stated purpose). Who may use an authorisation:
  operators (and superusers) any authorisation, since the credit centre's service window issues reports to
  whoever the subject named; window clerks an authorisation naming their own department or the subject itself
  (当事人本人 at the window); API clients an authorisation naming their own department. Data officers,
  reviewers, auditors and anonymous visitors never issue an authorised report.
- Reading issued reports in the console: operators and auditors every report, window clerks the reports issued
  by their department. Public reports are also readable by whoever holds their number and verification code.
"""

from __future__ import annotations

from xinyong.accounts.models import ApiClient, ApiScope, Authorisation, GranteeKind, Role
from xinyong.accounts.permissions import effective_role

REPORT_ISSUE_ROLES = frozenset({Role.OPERATOR, Role.WINDOW_CLERK})
REPORT_READ_ROLES = frozenset({Role.OPERATOR, Role.WINDOW_CLERK, Role.AUDITOR})
PLATFORM_WIDE_READ_ROLES = frozenset({Role.OPERATOR, Role.AUDITOR})


def can_issue_reports(user) -> bool:
    """May this console user issue authorised reports (given a usable authorisation)?"""
    return effective_role(user) in REPORT_ISSUE_ROLES


def can_read_reports(user) -> bool:
    """May this console user open the list of issued reports?"""
    return effective_role(user) in REPORT_READ_ROLES


def can_use_authorisation(principal, authorisation: Authorisation) -> bool:
    """Is ``principal`` (a user or an API client) one the authorisation lets obtain the authorised report?"""
    if isinstance(principal, ApiClient):
        return (
            principal.revoked_at is None
            and ApiScope.REPORTS_ISSUE in (principal.scopes or [])
            and authorisation.grantee_kind == GranteeKind.DEPARTMENT
            and authorisation.grantee_department_id == principal.department_id
        )
    role = effective_role(principal)
    if role == Role.OPERATOR:
        return True
    if role == Role.WINDOW_CLERK:
        return authorisation.grantee_kind == GranteeKind.SELF or (
            authorisation.grantee_department_id is not None
            and authorisation.grantee_department_id == principal.department_id
        )
    return False
