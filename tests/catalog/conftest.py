"""Fixtures for catalog tests: the shipped catalog loaded, editable copies of the YAML, users by role."""

import datetime as dt
import shutil
from pathlib import Path

import pytest

from tests import support
from tests.support import make_user
from xinyong.accounts.models import Department, Role, User
from xinyong.catalog.services import DEFAULT_FIXTURES_DIR, catalog_load_fixtures

LOAD_DAY = dt.date(2026, 6, 15)

# Fixture shared with the other test packages (tests/support.py).
fast_password_hashing = support.fast_password_hashing


@pytest.fixture
def loaded(db):
    """The shipped catalog, loaded once into the test database; returns the load report."""
    return catalog_load_fixtures(as_of=LOAD_DAY)


@pytest.fixture
def fixture_copy(tmp_path) -> Path:
    """A writable copy of the shipped fixtures directory."""
    target = tmp_path / "fixtures"
    shutil.copytree(DEFAULT_FIXTURES_DIR, target)
    return target


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace text in a fixture file, failing loudly when the text is not there."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not found in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


@pytest.fixture
def operator(db) -> User:
    return make_user("catalog_op", Role.OPERATOR)


@pytest.fixture
def data_officer(db) -> User:
    dept = Department.objects.create(code="samr", name="市市场监督管理局", region_code="350100")
    return make_user("catalog_do", Role.DATA_OFFICER, dept)
