"""Fixtures of the collection tests: the shipped catalog, two departments with their users and API
clients, uploads in a temporary MEDIA_ROOT and background tasks run at once (ImmediateBackend)."""

from __future__ import annotations

import pytest

from tests import support
from tests.collection.batch_support import api_client_with_key
from tests.support import make_user
from xinyong.accounts.models import ApiScope, Role

# Fixtures shared with the other test packages (tests/support.py).
fast_password_hashing = support.fast_password_hashing
dept_a = support.dept_a
dept_b = support.dept_b
catalog = support.catalog
uploads_and_immediate_tasks = support.uploads_and_immediate_tasks


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
