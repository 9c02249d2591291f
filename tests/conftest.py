"""Shared fixtures. The database is SQLite unless DATABASE_URL points at PostgreSQL."""

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from django.conf import settings


def pytest_configure(config) -> None:
    # Tests load the catalog they need, dated as they need it: the test database starts without one.
    settings.CATALOG_LOAD_ON_MIGRATE = False
    settings.LISTS_LOAD_ON_MIGRATE = False
    # Audit checkpoints written by tests (daily jobs) stay out of the working copy's var/.
    settings.AUDIT_CHECKPOINT_DIR = Path(tempfile.mkdtemp(prefix="xinyong-test-checkpoints-"))
    # Pages render without ``collectstatic``: plain static names, found by WhiteNoise in the apps' folders
    # (``xinyong serve`` collects them for the content-hashed, compressed storage; tests/test_serve.py
    # tests that storage on its own).
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
