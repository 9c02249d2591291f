"""Fixtures of the tests of lists decided on the platform: catalog, departments, a decided list type, a
company with penalty records, the working-day calendar and console users.

Test modules import the fixtures they use (``from tests.lists.decided_support import ...``).
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from tests.factories import record_ingest_row, subject_create
from tests.subjects.factories import PASSWORD, uscc
from xinyong.accounts.models import Department, Role, User
from xinyong.catalog.selectors import catalog_item_current_version
from xinyong.catalog.services import catalog_load_fixtures
from xinyong.core.codes import SubjectKind
from xinyong.lists.escalation import escalation_rules_load
from xinyong.lists.models import ListColour, ListingMode, ListType, ListTypeVersion
from xinyong.records.models import Channel
from xinyong.workdays.services import calendar_seed

AS_OF = dt.date(2026, 6, 15)
SAMR_USCC = "11100000000013127F"
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def catalog(db):
    catalog_load_fixtures(as_of=dt.date(2024, 1, 1))
    return {
        code: catalog_item_current_version(code=code) for code in ("penalty", "serious_dishonesty", "honour")
    }


@pytest.fixture
def escalation_rules(db):
    """The shipped escalation rule and its list type (loaded at migrate; again here, since transactional
    tests empty the database)."""
    escalation_rules_load()


@pytest.fixture
def work_calendar(db):
    calendar_seed()


@pytest.fixture
def samr(db) -> Department:
    return Department.objects.create(code="samr", name="甲市市场监督管理局")


@pytest.fixture
def tax(db) -> Department:
    return Department.objects.create(code="tax", name="甲市税务局")


def list_type_make(
    code: str = "safety_serious", *, department_codes=("samr",), colour=ListColour.BLACK, **extra
):
    values = {
        "code": code,
        "name": "安全生产严重失信主体名单" if colour == ListColour.BLACK else "守合同重信用企业",
        "colour": colour,
        "listing_mode": ListingMode.DECIDED,
        "domain": "安全生产",
        "nature": "失信联合惩戒对象",
        "initiating_department": "应急管理部门",
        "department_codes": list(department_codes),
        "legal_basis": "《安全生产严重失信主体名单管理办法》（应急管理部令第11号）",
        "criteria": "发生较大以上生产安全责任事故等情形",
        "validity_months": 36,
        "objection_working_days": 5,
        "subject_kinds": [SubjectKind.ORGANISATION, SubjectKind.INDIVIDUAL_BUSINESS],
        "item_code": "serious_dishonesty" if colour == ListColour.BLACK else "honour",
        "valid_from": dt.date(2023, 10, 1),
    }
    values.update(extra)
    list_type = ListType.objects.create(**values)
    ListTypeVersion.objects.create(
        list_type=list_type, number=1, valid_from=list_type.valid_from, payload={"code": code}
    )
    return list_type


@pytest.fixture
def decided_type(db) -> ListType:
    return list_type_make()


@pytest.fixture
def company(db):
    return subject_create(kind=SubjectKind.ORGANISATION, name="甲市某某化工有限公司", uscc=uscc(7))


def penalty(subject, department, *, on: dt.date, number: str | None = None, item_version=None):
    """A penalty record about ``subject`` decided on ``on`` (through the bulk loader)."""
    number = number or f"甲市监罚〔2026〕{next(_numbers)}号"
    return record_ingest_row(
        item_version=item_version,
        item_code="penalty" if item_version is None else None,
        department=department,
        document_number=number,
        subject=subject,
        decision_date=on,
        fields={"CF_XDR_MC": subject.name, "CF_WSH": number, "CF_CFLB": "罚款", "CF_NR": "罚款人民币一万元"},
        severity="general",
        channel=Channel.FILE,
        received_at=timezone.make_aware(dt.datetime.combine(on, dt.time(10, 0))),
        batch_ref=f"batch-{number}",
    ).record


def user_make(username: str, role: str, department: Department | None = None) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, role=role, department=department)


@pytest.fixture
def operator(db) -> User:
    return user_make("operator", Role.OPERATOR)
