"""Helpers shared by the test packages: console users, the two departments of the collection and console
tests, the shipped catalog, uploads in a temporary MEDIA_ROOT with background tasks run at once, and cheap
password hashing.

A conftest imports the fixtures it wants (``from tests.support import fast_password_hashing``); an imported
fixture counts as the conftest's own, autouse included.
"""

from __future__ import annotations

import pytest

from tests.collection.batch_support import AS_OF, AUTHORITY, AUTHORITY_USCC, IMMEDIATE
from tests.subjects.factories import PASSWORD
from xinyong.accounts.models import Department, User
from xinyong.catalog.services import catalog_load_fixtures

__all__ = [
    "PASSWORD",
    "catalog",
    "dept_a",
    "dept_b",
    "fast_password_hashing",
    "make_user",
    "uploads_and_immediate_tasks",
]


def make_user(username: str, role: str = "", department: Department | None = None, **extra) -> User:
    """A console user with the test password (``PASSWORD``); ``extra`` sets other user fields."""
    return User.objects.create_user(
        username=username, password=PASSWORD, role=role, department=department, **extra
    )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash passwords with MD5 in tests: the production hasher costs a quarter of a second per login."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def dept_a(db) -> Department:
    """The market regulator (``samr``), with its 统一社会信用代码: the department that submits penalties."""
    return Department.objects.create(code="samr", name=AUTHORITY, uscc=AUTHORITY_USCC)


@pytest.fixture
def dept_b(db) -> Department:
    """A second department (``env``) whose data department A must not see."""
    return Department.objects.create(code="env", name="甲市生态环境局")


@pytest.fixture(autouse=True)
def uploads_and_immediate_tasks(settings, tmp_path):
    """Uploads in a temporary MEDIA_ROOT; background tasks run at once (ImmediateBackend). Autouse in the
    packages whose conftest imports it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = IMMEDIATE


@pytest.fixture
def catalog(db):
    """The shipped catalog, in force on ``AS_OF``."""
    return catalog_load_fixtures(as_of=AS_OF)
