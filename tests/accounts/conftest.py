"""Fixtures for accounts tests: two sibling departments, a child department and one user per role."""

import random

import pytest

from tests import support
from tests.support import make_user
from xinyong.accounts.models import Department, Role, User
from xinyong.core.identifiers import generate_uscc

# Fixture shared with the other test packages (tests/support.py).
fast_password_hashing = support.fast_password_hashing


@pytest.fixture(autouse=True)
def own_checkpoint_directory(settings, tmp_path):
    """`audit verify` compares the configured checkpoints: never those of a local var/."""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"


def valid_uscc(seed: int, category: str = "11") -> str:
    return generate_uscc(random.Random(seed), category=category, division="350100")


@pytest.fixture
def dept_a(db) -> Department:
    return Department.objects.create(
        code="scjg", name="市市场监督管理局", region_code="350100", uscc=valid_uscc(1)
    )


@pytest.fixture
def dept_b(db) -> Department:
    return Department.objects.create(code="swj", name="市税务局", region_code="350100", uscc=valid_uscc(2))


@pytest.fixture
def dept_a_child(dept_a) -> Department:
    return Department.objects.create(
        code="scjg-gl", name="鼓楼区市场监督管理局", region_code="350102", parent=dept_a
    )


@pytest.fixture
def users(dept_a, dept_b) -> dict[str, User]:
    """One user per role (department roles in department A), plus a plain user and a superuser."""
    return {
        "operator": make_user("op", Role.OPERATOR),
        "data_officer": make_user("do_a", Role.DATA_OFFICER, dept_a),
        "data_officer_b": make_user("do_b", Role.DATA_OFFICER, dept_b),
        "reviewer": make_user("rv_a", Role.REVIEWER, dept_a),
        "window_clerk": make_user("wc_a", Role.WINDOW_CLERK, dept_a),
        "auditor": make_user("au", Role.AUDITOR),
        "no_role": make_user("plain"),
        "superuser": make_user("root", is_superuser=True),
    }
