"""Fixtures of the commitment tests: catalog, departments, users, subjects, the shipped templates, a calendar."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import subject_create
from tests.subjects.factories import PASSWORD, RIC, uscc
from xinyong.accounts.models import Department, Role, User
from xinyong.catalog.services import catalog_load_fixtures
from xinyong.core.codes import SubjectKind
from xinyong.dueprocess.commitments.services import commitment_templates_load
from xinyong.dueprocess.models import CommitmentTemplate
from xinyong.workdays.services import calendar_seed

AS_OF = dt.date(2026, 6, 15)
APPROVAL_USCC = "11100000000013127F"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def catalog(db):
    catalog_load_fixtures(as_of=dt.date(2024, 1, 1))


@pytest.fixture
def work_calendar(db):
    calendar_seed()


@pytest.fixture
def templates(db) -> dict[str, CommitmentTemplate]:
    """The shipped templates (loaded again: transactional tests empty the tables)."""
    commitment_templates_load()
    return {t.code: t for t in CommitmentTemplate.objects.all()}


@pytest.fixture
def approval(db) -> Department:
    return Department.objects.create(code="approval", name="示范县行政审批局", uscc=APPROVAL_USCC)


@pytest.fixture
def other_department(db) -> Department:
    return Department.objects.create(code="env", name="示范县生态环境局", uscc=uscc(7, category="11"))


def _user(name: str, role: str, department=None) -> User:
    return User.objects.create_user(username=name, password=PASSWORD, role=role, department=department)


@pytest.fixture
def operator(db) -> User:
    return _user("op", Role.OPERATOR)


@pytest.fixture
def officer(approval) -> User:
    return _user("do_approval", Role.DATA_OFFICER, approval)


@pytest.fixture
def clerk(approval) -> User:
    return _user("wc_approval", Role.WINDOW_CLERK, approval)


@pytest.fixture
def auditor(db) -> User:
    return _user("au", Role.AUDITOR)


@pytest.fixture
def outsider(other_department) -> User:
    return _user("do_env", Role.DATA_OFFICER, other_department)


@pytest.fixture
def company(catalog):
    return subject_create(kind=SubjectKind.ORGANISATION, name="示范县恒信食品有限公司", uscc=uscc(101))


@pytest.fixture
def person(catalog):
    return subject_create(kind=SubjectKind.NATURAL_PERSON, name="张三", ric=RIC)
