"""Fixtures for credit report tests: the shipped catalog, a company and a person with records of every kind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import record_ingest_row, subject_create
from tests.subjects.factories import RIC, uscc
from xinyong.accounts.models import (
    AuthorisationScope,
    Department,
    GranteeKind,
    Role,
    User,
)
from xinyong.catalog.selectors import catalog_item_current_version
from xinyong.catalog.services import catalog_load_fixtures
from xinyong.core.codes import DisclosureScope, SubjectKind
from xinyong.records.models import Channel, RecordStatus
from xinyong.reports.services import authorisation_create
from xinyong.subjects.services import linked_person_add

AS_OF = dt.date(2026, 6, 15)
PASSWORD = "Xinyong-Test-2026!"
COMPANY_NAME = "甲市某某科技有限公司"
PERSON_NAME = "张三丰"
# A second valid 身份证 number (GB 11643 check digit), mentioned in free text of a record.
OTHER_RIC = "110105198001010018"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def as_of() -> dt.date:
    return AS_OF


@pytest.fixture
def catalog(db):
    """The shipped catalog (valid since 2024), keyed by item code → current version."""
    catalog_load_fixtures(as_of=dt.date(2024, 1, 1))
    codes = ("license", "penalty", "serious_dishonesty", "abnormal_operations", "commitment", "honour")
    return {code: catalog_item_current_version(code=code) for code in codes}


@pytest.fixture
def samr(db) -> Department:
    return Department.objects.create(code="samr", name="甲市市场监督管理局")


@pytest.fixture
def tax(db) -> Department:
    return Department.objects.create(code="tax", name="甲市税务局")


def make_user(username: str, role: str = "", department: Department | None = None, **extra) -> User:
    user = User(username=username, role=role, department=department, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def operator(db) -> User:
    return make_user("report_op", Role.OPERATOR)


@pytest.fixture
def clerk(samr) -> User:
    return make_user("report_clerk", Role.WINDOW_CLERK, samr)


@pytest.fixture
def clerk_tax(tax) -> User:
    return make_user("report_clerk_tax", Role.WINDOW_CLERK, tax)


@pytest.fixture
def auditor(db) -> User:
    return make_user("report_auditor", Role.AUDITOR)


@pytest.fixture
def officer(samr) -> User:
    return make_user("report_officer", Role.DATA_OFFICER, samr)


@pytest.fixture
def company(db):
    subject = subject_create(kind=SubjectKind.ORGANISATION, name=COMPANY_NAME, uscc=uscc(1))
    linked_person_add(subject=subject, role="legal_representative", name="李四", source="登记信息")
    return subject


@pytest.fixture
def person(db):
    return subject_create(kind=SubjectKind.NATURAL_PERSON, name=PERSON_NAME, ric=RIC)


def received(day: int = 1) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 6, day, 9, 30))


def penalty_fields(
    subject, number: str, *, content: str = "罚款人民币五千元", facts: str = "未按规定公示年度报告"
) -> dict:
    return {
        "CF_XDR_MC": subject.name,
        "CF_XDR_LB": subject.get_kind_display(),
        "CF_XDR_SHXYM": subject.uscc or "",
        "CF_FRDB": "李四",
        "CF_WSH": number,
        "CF_WFXW": "违反市场监督管理法规",
        "CF_SY": facts,
        "CF_YJ": "《中华人民共和国行政处罚法》第二十八条",
        "CF_CFLB": ["罚款"],
        "CF_NR": content,
        "CF_NR_FK": "0.5",
        "CF_JDRQ": "2026-05-20",
        "CF_YXQ": "2099-12-31",
        "CF_CFJG": "甲市市场监督管理局",
        "CF_CFJGDM": uscc(99, "11"),
        "CF_SJLY": "甲市市场监督管理局",
        "CF_SJLYDM": uscc(99, "11"),
        "CF_SXYZCD": "一般",
        "CF_ZT": "正常",
    }


def add_record(
    item_version,
    subject,
    department,
    number: str,
    fields: dict,
    *,
    decision_date: dt.date = dt.date(2026, 5, 20),
    severity: str = "",
    publish_from: dt.date | None = None,
    publish_until: dt.date | None = None,
    status: str = RecordStatus.EFFECTIVE,
):
    return record_ingest_row(
        item_version=item_version,
        department=department,
        document_number=number,
        subject=subject,
        decision_date=decision_date,
        fields=fields,
        severity=severity,
        status=status,
        publish_from=publish_from,
        publish_until=publish_until,
        channel=Channel.FILE,
        received_at=received(),
        batch_ref="report-test",
    ).record


@pytest.fixture
def company_records(catalog, samr, company):
    """The company's records: public ones in every section, plus shared, expired and revoked ones."""
    c = catalog
    out = {}
    out["license"] = add_record(
        c["license"],
        company,
        samr,
        "甲市监许〔2026〕1号",
        {
            "XK_XDR_MC": company.name,
            "XK_XKWS": "食品经营许可决定书",
            "XK_WSH": "甲市监许〔2026〕1号",
            "XK_XKLB": "普通",
            "XK_XKZS": "食品经营许可证",
            "XK_XKBH": "JY13501000000001",
            "XK_NR": "预包装食品销售",
            "XK_JDRQ": "2026-03-01",
            "XK_YXQZ": "2026-03-01",
            "XK_YXQZI": "2031-02-28",
            "XK_XKJG": "甲市市场监督管理局",
            "XK_ZT": "有效",
        },
        decision_date=dt.date(2026, 3, 1),
    )
    out["penalty"] = add_record(
        c["penalty"],
        company,
        samr,
        "甲市监罚〔2026〕8号",
        penalty_fields(company, "甲市监罚〔2026〕8号"),
        severity="general",
        publish_from=dt.date(2026, 5, 20),
        publish_until=dt.date(2027, 5, 19),
    )
    out["penalty_expired"] = add_record(
        c["penalty"],
        company,
        samr,
        "甲市监罚〔2023〕1号",
        penalty_fields(company, "甲市监罚〔2023〕1号", content="过期的处罚"),
        decision_date=dt.date(2023, 1, 10),
        severity="general",
        publish_from=dt.date(2023, 1, 10),
        publish_until=dt.date(2024, 1, 9),
    )
    out["penalty_revoked"] = add_record(
        c["penalty"],
        company,
        samr,
        "甲市监罚〔2026〕9号",
        penalty_fields(company, "甲市监罚〔2026〕9号", content="已撤销的处罚"),
        severity="general",
        publish_from=dt.date(2026, 5, 20),
        publish_until=dt.date(2027, 5, 19),
        status=RecordStatus.REVOKED,
    )
    out["honour"] = add_record(
        c["honour"],
        company,
        samr,
        "甲市监〔2026〕荣1号",
        {
            "RY_ZTMC": company.name,
            "RY_RYMC": "守合同重信用企业",
            "RY_RDWH": "甲市监〔2026〕荣1号",
            "RY_RDRQ": "2026-02-01",
            "RY_RDJG": "甲市市场监督管理局",
        },
        decision_date=dt.date(2026, 2, 1),
    )
    out["abnormal"] = add_record(
        c["abnormal_operations"],
        company,
        samr,
        "甲市监异〔2026〕3号",
        {
            "YC_QYMC": company.name,
            "YC_LRYY": "未按照规定的期限公示年度报告",
            "YC_LRRQ": "2026-04-01",
            "YC_LRWSH": "甲市监异〔2026〕3号",
            "YC_LRJG": "甲市市场监督管理局",
        },
        decision_date=dt.date(2026, 4, 1),
    )
    return out


@pytest.fixture
def shared_record(catalog, samr, company):
    """A record whose item is shared between departments only (政务共享): never in the public version."""
    from tests.subjects.factories import item_version

    version = item_version("inspection", scope=DisclosureScope.SHARED, valid_from=dt.date(2024, 1, 1))
    return add_record(
        version,
        company,
        samr,
        "甲市监查〔2026〕5号",
        {"CF_XDR_MC": company.name, "CF_WSH": "甲市监查〔2026〕5号", "CF_NR": "双随机抽查未发现问题"},
    )


@pytest.fixture
def person_records(catalog, samr, person):
    """The person's records: a public honour mentioning ID numbers in free text, a shared-only penalty."""
    honour = add_record(
        catalog["honour"],
        person,
        samr,
        "甲市〔2026〕荣2号",
        {
            "RY_ZTMC": person.name,
            "RY_ZTLB": "自然人",
            "RY_ZJLX": "居民身份证",
            "RY_ZJHM": RIC,
            "RY_RYMC": f"{person.name}同志获评诚信个人",
            "RY_RDWH": "甲市〔2026〕荣2号",
            "RY_RDRQ": "2026-02-01",
            "RY_RDJG": "甲市市场监督管理局",
            "BZ": f"获奖人身份证号码{RIC}，推荐人{OTHER_RIC}",
        },
        decision_date=dt.date(2026, 2, 1),
    )
    penalty = add_record(
        catalog["penalty"],
        person,
        samr,
        "甲市监罚〔2026〕20号",
        {**penalty_fields(person, "甲市监罚〔2026〕20号"), "CF_XDR_ZJHM": RIC, "CF_XDR_LB": "自然人"},
        severity="general",
        publish_from=dt.date(2026, 5, 20),
        publish_until=dt.date(2027, 5, 19),
    )
    return {"honour": honour, "penalty": penalty}


def make_authorisation(subject, **overrides):
    values = {
        "subject": subject,
        "grantee_kind": GranteeKind.SELF,
        "grantee_name": "",
        "purpose": "政府采购投标资格审查",
        "scope": [AuthorisationScope.CREDIT_REPORT],
        "valid_from": dt.date(2026, 6, 1),
        "valid_until": dt.date(2026, 12, 31),
        "evidence": "授权书编号 SQ-2026-001，2026年6月1日签署，原件存信用办档案室",
    }
    values.update(overrides)
    return authorisation_create(**values)


@pytest.fixture
def authorisation(company, operator):
    return make_authorisation(company, actor=operator)
