"""Console fixtures: the shipped catalog, two departments, one user per role, uploads in a temporary MEDIA_ROOT,
and background tasks run at once (ImmediateBackend)."""

from __future__ import annotations

import pytest

from tests.collection.batch_support import AS_OF, AUTHORITY, AUTHORITY_USCC, IMMEDIATE
from tests.subjects.factories import PASSWORD
from xinyong.accounts.models import Department, Role, User
from xinyong.catalog.services import catalog_load_fixtures


@pytest.fixture(autouse=True)
def _console_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = IMMEDIATE


@pytest.fixture
def catalog(db):
    return catalog_load_fixtures(as_of=AS_OF)


@pytest.fixture
def dept_a(db) -> Department:
    return Department.objects.create(code="samr", name=AUTHORITY, uscc=AUTHORITY_USCC)


@pytest.fixture
def dept_b(db) -> Department:
    return Department.objects.create(code="env", name="甲市生态环境局")


def make_user(username: str, role: str = "", department: Department | None = None, **extra) -> User:
    return User.objects.create_user(
        username=username, password=PASSWORD, role=role, department=department, **extra
    )


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
