"""Test data shared by the subjects and records tests: departments, users, API clients, catalog items."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from xinyong.accounts.models import Department, Role, User
from xinyong.accounts.services import apiclient_create
from xinyong.catalog.models import CatalogItem, CatalogItemVersion, DisclosureScope
from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import generate_ric, generate_uscc

RNG_SEED = 20260615
PASSWORD = "xinyong-test-pass-2026"

# 11010519491231002X is the standard's worked example (GB 11643-1999).
RIC = "11010519491231002X"
RIC_MASKED = "110105********002X"

PENALTY_FIELDS = [
    {"code": "CF_XDR_MC", "name": "行政相对人名称", "type": "text"},
    {"code": "CF_XDR_ZJHM", "name": "证件号码", "type": "ric"},
    {"code": "CF_WSH", "name": "行政处罚决定书文号", "type": "text"},
    {"code": "CF_NR", "name": "处罚内容", "type": "text"},
    {"code": "CF_JDRQ", "name": "处罚决定日期", "type": "date"},
]


def rng() -> random.Random:
    return random.Random(RNG_SEED)


def uscc(seed: int, category: str = "91") -> str:
    return generate_uscc(random.Random(seed), category=category)


def ric(seed: int) -> str:
    return generate_ric(random.Random(seed), birth_date=dt.date(1980, 5, 17), sex="M")


def department(code: str, name: str) -> Department:
    return Department.objects.create(code=code, name=name)


def user(username: str, role: str, dept: Department | None = None) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, role=role, department=dept)


def api_client(dept: Department, scopes: list[str]) -> tuple:
    return apiclient_create(name=f"{dept.name}业务系统", department=dept, scopes=scopes)


def item_version(
    code: str,
    *,
    scope: str,
    natural_person_scope: str = "",
    polarity: str = "negative",
    fields: list | None = None,
    source_departments: list[str] | None = None,
    subject_kinds: list[str] | None = None,
    number: int = 1,
    valid_from: dt.date = dt.date(2024, 1, 1),
) -> CatalogItemVersion:
    item, _ = CatalogItem.objects.get_or_create(
        code=code, defaults={"name": f"目录项{code}", "category": "administrative"}
    )
    return CatalogItemVersion.objects.create(
        item=item,
        number=number,
        valid_from=valid_from,
        fields=fields if fields is not None else PENALTY_FIELDS,
        subject_kinds=subject_kinds if subject_kinds is not None else list(SubjectKind.values),
        source_departments=source_departments or [],
        legal_basis="《中华人民共和国行政处罚法》",
        disclosure_scope=scope,
        natural_person_scope=natural_person_scope,
        polarity=polarity,
        core_fields={"subject_name": "CF_XDR_MC", "document_number": "CF_WSH", "decision_date": "CF_JDRQ"},
    )


def received(day: int = 1) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 6, day, 9, 30))


SCOPES = DisclosureScope
ROLES = Role
