"""Fixtures of the due-process tests: the shipped jurisdiction profiles."""

import pytest

from xinyong.dueprocess.profiles.services import profiles_load


@pytest.fixture
def profiles(db):
    """The shipped profiles (loaded again: transactional tests empty the tables)."""
    profiles_load()
