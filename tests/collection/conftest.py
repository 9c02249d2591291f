"""Fixtures of the collection tests: the shipped catalog, two departments with their users and API
clients, uploads in a temporary MEDIA_ROOT and background tasks run at once (ImmediateBackend)."""

from __future__ import annotations

import pytest

from tests.collection.batch_support import (
    AS_OF,
    AUTHORITY,
    AUTHORITY_USCC,
    IMMEDIATE,
    api_client_with_key,
    make_user,
)
from xinyong.accounts.models import ApiScope, Department, Role
from xinyong.catalog.services import catalog_load_fixtures


@pytest.fixture(autouse=True)
def _collection_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = IMMEDIATE


@pytest.fixture
def catalog(db):
    return catalog_load_fixtures(as_of=AS_OF)


@pytest.fixture
def dept_a(db):
    return Department.objects.create(code="samr", name=AUTHORITY, uscc=AUTHORITY_USCC)


@pytest.fixture
def dept_b(db):
    return Department.objects.create(code="env", name="甲市生态环境局")


@pytest.fixture
def officer_a(dept_a):
    return make_user("officer_a", Role.DATA_OFFICER, dept_a)


@pytest.fixture
def officer_b(dept_b):
    return make_user("officer_b", Role.DATA_OFFICER, dept_b)


@pytest.fixture
def operator(db):
    return make_user("operator", Role.OPERATOR)


@pytest.fixture
def reviewer_a(dept_a):
    return make_user("reviewer_a", Role.REVIEWER, dept_a)


@pytest.fixture
def client_a(dept_a):
    return api_client_with_key(dept_a, [ApiScope.RECORDS_WRITE, ApiScope.RECORDS_READ])


@pytest.fixture
def client_b(dept_b):
    return api_client_with_key(dept_b, [ApiScope.RECORDS_WRITE])


@pytest.fixture
def reader_a(dept_a):
    return api_client_with_key(dept_a, [ApiScope.RECORDS_READ])
