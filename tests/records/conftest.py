"""Two departments, their users and API clients, and catalog items of every disclosure scope."""

import datetime as dt

import pytest

from tests.factories import record_ingest_row, subject_create
from tests.subjects.factories import (
    RIC,
    SCOPES,
    api_client,
    department,
    item_version,
    received,
    uscc,
    user,
)
from xinyong.accounts.models import ApiScope, Role
from xinyong.core.codes import SubjectKind
from xinyong.records.models import Channel


@pytest.fixture
def dept_a(db):
    return department("dept-a", "甲市市场监督管理局")


@pytest.fixture
def dept_b(db):
    return department("dept-b", "甲市生态环境局")


@pytest.fixture
def officer_a(dept_a):
    return user("officer_a", Role.DATA_OFFICER, dept_a)


@pytest.fixture
def officer_b(dept_b):
    return user("officer_b", Role.DATA_OFFICER, dept_b)


@pytest.fixture
def operator(db):
    return user("operator", Role.OPERATOR)


@pytest.fixture
def auditor(db):
    return user("auditor", Role.AUDITOR)


@pytest.fixture
def items(db):
    """One item version per disclosure scope; the public one narrows to shared for natural persons."""
    return {
        "public": item_version("penalty", scope=SCOPES.PUBLIC, natural_person_scope=SCOPES.SHARED),
        "shared": item_version("inspection", scope=SCOPES.SHARED),
        "authorised": item_version("contract", scope=SCOPES.AUTHORISED),
        "none": item_version("internal", scope=SCOPES.NONE),
    }


@pytest.fixture
def company(db):
    return subject_create(kind=SubjectKind.ORGANISATION, name="甲市某某科技有限公司", uscc=uscc(1))


@pytest.fixture
def person(db):
    return subject_create(kind=SubjectKind.NATURAL_PERSON, name="张三", ric=RIC)


@pytest.fixture
def ingest(company):
    """One row received through the bulk loader, with sensible defaults; keyword arguments override them."""

    def _ingest(item, department, document_number, **overrides):
        values = {
            "item_version": item,
            "department": department,
            "document_number": document_number,
            "subject": company,
            "decision_date": dt.date(2026, 5, 20),
            "fields": {"CF_XDR_MC": company.name, "CF_WSH": document_number, "CF_NR": "罚款人民币五千元"},
            "severity": "general",
            "channel": Channel.FILE,
            "received_at": received(),
            "batch_ref": "batch-1",
        }
        values.update(overrides)
        return record_ingest_row(**values)

    return _ingest


@pytest.fixture
def records(items, dept_a, dept_b, ingest):
    """Records of both departments under every scope, keyed "<dept>-<scope>"."""
    out = {}
    for dept, label in ((dept_a, "a"), (dept_b, "b")):
        for scope, version in items.items():
            out[f"{label}-{scope}"] = ingest(version, dept, f"{label.upper()}罚〔2026〕{scope}号").record
    return out


@pytest.fixture
def client_a(dept_a):
    client, key = api_client(dept_a, [ApiScope.RECORDS_READ, ApiScope.SUBJECTS_READ])
    client.key = key
    return client


@pytest.fixture
def client_b(dept_b):
    client, key = api_client(dept_b, [ApiScope.RECORDS_READ, ApiScope.SUBJECTS_READ])
    client.key = key
    return client
