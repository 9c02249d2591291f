"""Shared fixtures. The database is SQLite unless DATABASE_URL points at PostgreSQL."""

import datetime as dt

import pytest


def pytest_configure(config):
    """Pages render without ``collectstatic``: plain static names, found by WhiteNoise in the apps' folders.

    (``xinyong serve`` collects them for the content-hashed, compressed storage; tests/test_serve.py
    tests that storage on its own.)
    """
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture
def as_of() -> dt.date:
    """A fixed "today" for date-dependent behaviour; tests never read the wall clock."""
    return dt.date(2026, 6, 15)
