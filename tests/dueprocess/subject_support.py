"""Subject accounts for tests, written through the services production uses."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from tests.factories import record_ingest_row, subject_create
from tests.subjects.factories import item_version, received, uscc
from xinyong.accounts.models import Department, Role, User
from xinyong.core.codes import SubjectKind
from xinyong.dueprocess.subject_accounts.auth import SESSION_KEY
from xinyong.dueprocess.subject_accounts.services import (
    account_register,
    link_code_issue,
    subject_link_create,
)

ACCOUNT_PASSWORD = "Xy-portal-pass-2026"
MOBILE = "13800138000"


def operator(username: str = "op") -> User:
    return User.objects.create_user(username=username, password="x-op-pass-2026-z", role=Role.OPERATOR)


def company(seed: int = 7, name: str = "甲市绑定测试有限公司"):
    return subject_create(kind=SubjectKind.ORGANISATION, name=name, uscc=uscc(seed))


def account(login_name: str = MOBILE, display_name: str = "李经办"):
    return account_register(login_name=login_name, display_name=display_name, password=ACCOUNT_PASSWORD)


def linked_account(subject, *, login_name: str = MOBILE, issuer: User | None = None):
    """An account linked to ``subject`` with a code an operator issued."""
    issuer = issuer or User.objects.filter(role=Role.OPERATOR).first() or operator()
    acct = account(login_name)
    _, code = link_code_issue(subject=subject, actor=issuer)
    subject_link_create(account=acct, code=subject.uscc, evidence=code)
    return acct


def signed_in_client(acct) -> Client:
    """A client whose portal session belongs to ``acct`` (through the sign-in page)."""
    client = Client()
    response = client.post("/my/login/", {"login_name": acct.login_name, "password": ACCOUNT_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    assert SESSION_KEY in client.session
    return client


def records_for(subject, *, department: Department | None = None):
    """A public penalty and a shared (non-public) inspection record of ``subject``."""
    department = department or Department.objects.create(code="samr", name="甲市市场监督管理局")
    public = item_version("penalty-sa", scope="public")
    shared = item_version("inspection-sa", scope="shared")

    def ingest(item, number, **extra):
        return record_ingest_row(
            item_version=item,
            department=department,
            document_number=number,
            subject=subject,
            decision_date=dt.date(2026, 5, 20),
            fields={"CF_XDR_MC": subject.name, "CF_WSH": number, "CF_NR": "责令改正"},
            severity="general",
            received_at=received(),
            **extra,
        ).record

    penalty = ingest(
        public, "甲市监罚〔2026〕7号", publish_from=dt.date(2026, 5, 27), publish_until=dt.date(2027, 5, 19)
    )
    inspection = ingest(shared, "甲市监查〔2026〕8号")
    return department, penalty, inspection
