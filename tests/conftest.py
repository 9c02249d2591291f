"""Shared fixtures. The database is SQLite unless DATABASE_URL points at PostgreSQL."""

import datetime as dt

import pytest
from django.conf import settings


def pytest_configure(config) -> None:
    # Tests load the catalog they need, dated as they need it: the test database starts without one.
    settings.CATALOG_LOAD_ON_MIGRATE = False


@pytest.fixture
def as_of() -> dt.date:
    """A fixed "today" for date-dependent behaviour; tests never read the wall clock."""
    return dt.date(2026, 6, 15)
