"""Who may use the credit check: the window clerks' page, and whose logged checks a caller may read."""

from __future__ import annotations

from xinyong.accounts.models import ApiClient, ApiScope, Role
from xinyong.accounts.permissions import effective_role

CHECK_PAGE_ROLES = frozenset({Role.WINDOW_CLERK, Role.OPERATOR})


def can_use_check_page(user) -> bool:
    """The window clerks' check page: window clerks and operators (superusers act as operators)."""
    return effective_role(user) in CHECK_PAGE_ROLES


def can_query_check(client: ApiClient) -> bool:
    """An API client checks with scope ``check:query`` while it is not revoked."""
    return client.revoked_at is None and ApiScope.CHECK_QUERY in (client.scopes or [])


def check_log_department_for(principal) -> int | None:
    """The department whose logged checks ``principal`` reads (its own)."""
    return principal.department_id
