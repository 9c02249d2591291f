"""Data for the lists tests: the shipped catalog and list types, departments, subjects, and helpers that load
serious-dishonesty, abnormal-operations and honour records through the bulk loader."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from tests.factories import record_ingest_row, subject_create
from tests.subjects.factories import RIC, uscc
from xinyong.accounts.models import Department
from xinyong.catalog.models import CatalogItemVersion
from xinyong.catalog.services import catalog_load_fixtures
from xinyong.core.codes import SubjectKind
from xinyong.lists.services import list_types_load
from xinyong.records.models import Channel, CreditRecord

AUTHORITY = uscc(900, category="11")
_numbers = itertools.count(1)


def received(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def ingest(
    item: str, department, subject, day: dt.date, fields: dict, *, number: str = "", **kw
) -> CreditRecord:
    version = CatalogItemVersion.objects.filter(item__code=item).order_by("-number").first()
    number = number or f"测〔2026〕{next(_numbers)}号"
    return record_ingest_row(
        department=department,
        document_number=number,
        subject=subject,
        decision_date=day,
        fields=fields,
        channel=Channel.FILE,
        received_at=received(day),
        item_version=version,
        severity="serious" if item == "serious_dishonesty" else ("general" if item != "honour" else ""),
        **kw,
    ).record


def dishonesty(
    department, subject, day: dt.date, list_name: str, *, number: str = "", **extra
) -> CreditRecord:
    person = subject.kind == SubjectKind.NATURAL_PERSON
    fields = {
        "SX_ZTMC": subject.name,
        "SX_ZTLB": "自然人" if person else "法人及非法人组织",
        "SX_TYSHXYDM": "" if person else subject.uscc,
        "SX_ZJLX": "身份证" if person else "",
        "SX_ZJHM": RIC if person else "",
        "SX_MDMC": list_name,
        "SX_SXXW": "有履行能力而拒不履行生效法律文书确定的义务",
        "SX_RDYJ": "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
        "SX_RDWSH": number or "（2026）测执1号",
        "SX_LRRQ": day.isoformat(),
        "SX_RDJG": department.name,
        "SX_RDJGDM": AUTHORITY,
        "SX_LYDW": department.name,
        "SX_LYDWDM": AUTHORITY,
    }
    fields.update(extra)
    fields = {k: v for k, v in fields.items() if v != ""}
    return ingest("serious_dishonesty", department, subject, day, fields, number=number)


def honour(department, subject, day: dt.date, name: str, *, number: str = "", **extra) -> CreditRecord:
    fields = {
        "RY_ZTMC": subject.name,
        "RY_ZTLB": "法人及非法人组织",
        "RY_TYSHXYDM": subject.uscc,
        "RY_RYMC": name,
        "RY_RDWH": number or "测政〔2026〕1号",
        "RY_RDRQ": day.isoformat(),
        "RY_RDJG": department.name,
        "RY_RDJGDM": AUTHORITY,
        "RY_LYDW": department.name,
        "RY_LYDWDM": AUTHORITY,
    }
    fields.update(extra)
    return ingest("honour", department, subject, day, fields, number=number)


def abnormal(department, subject, day: dt.date, *, number: str = "", **extra) -> CreditRecord:
    fields = {
        "YC_QYMC": subject.name,
        "YC_ZTLB": "法人及非法人组织",
        "YC_TYSHXYDM": subject.uscc,
        "YC_LRYY": "未按照规定的期限公示年度报告",
        "YC_LRRQ": day.isoformat(),
        "YC_LRWSH": number or "测市监异〔2026〕1号",
        "YC_LRJG": department.name,
        "YC_LRJGDM": AUTHORITY,
        "YC_LYDW": department.name,
        "YC_LYDWDM": AUTHORITY,
    }
    fields.update(extra)
    return ingest("abnormal_operations", department, subject, day, fields, number=number)


@pytest.fixture
def shipped(db):
    catalog_load_fixtures(as_of=dt.date(2020, 1, 1))
    list_types_load(as_of=dt.date(2020, 1, 1))


@pytest.fixture
def depts(db):
    return {
        code: Department.objects.create(code=code, name=name)
        for code, name in [
            ("court", "测试县人民法院"),
            ("tax", "国家税务总局测试县税务局"),
            ("samr", "测试县市场监督管理局"),
            ("hrss", "测试县人力资源和社会保障局"),
            ("dev-reform", "测试县发展和改革委员会"),
        ]
    }


@pytest.fixture
def company(db):
    return subject_create(kind=SubjectKind.ORGANISATION, name="测试县恒信商贸有限公司", uscc=uscc(1))


@pytest.fixture
def other_company(db):
    return subject_create(kind=SubjectKind.ORGANISATION, name="测试县瑞丰科技有限公司", uscc=uscc(2))


@pytest.fixture
def person(db):
    return subject_create(kind=SubjectKind.NATURAL_PERSON, name="张三丰", ric=RIC)
