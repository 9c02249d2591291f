"""Shared fixtures. The database is SQLite unless DATABASE_URL points at PostgreSQL."""

import datetime as dt

import pytest


@pytest.fixture
def as_of() -> dt.date:
    """A fixed "today" for date-dependent behaviour; tests never read the wall clock."""
    return dt.date(2026, 6, 15)
