"""Console fixtures: the shipped catalog, two departments, one user per role, uploads in a temporary MEDIA_ROOT,
and background tasks run at once (ImmediateBackend)."""

from __future__ import annotations

import pytest

from tests import support
from tests.support import make_user
from xinyong.accounts.models import Role, User

# Fixtures shared with the other test packages (tests/support.py).
fast_password_hashing = support.fast_password_hashing
dept_a = support.dept_a
dept_b = support.dept_b
catalog = support.catalog
uploads_and_immediate_tasks = support.uploads_and_immediate_tasks


@pytest.fixture
def users(dept_a, dept_b) -> dict[str, User]:
    """One user per role (department roles in department A), a second officer in B, a user without role."""
    return {
        "operator": make_user("op", Role.OPERATOR, first_name="平台管理员"),
        "data_officer": make_user("do_a", Role.DATA_OFFICER, dept_a, last_name="李", first_name="报送"),
        "data_officer_b": make_user("do_b", Role.DATA_OFFICER, dept_b),
        "reviewer": make_user("rv_a", Role.REVIEWER, dept_a),
        "window_clerk": make_user("wc_a", Role.WINDOW_CLERK, dept_a),
        "auditor": make_user("au", Role.AUDITOR),
        "no_role": make_user("plain"),
        "superuser": make_user("root", is_superuser=True),
    }


@pytest.fixture
def login(client, users):
    """Log the test client in as the user of ``role`` (a key of ``users``) and return the client."""

    def _login(role: str):
        client.force_login(users[role])
        return client

    return _login
