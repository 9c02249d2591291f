"""Fixtures of the credit repair tests: catalog, calendar, profiles, two departments, a company with a
linked subject account, penalty records under each rule set, and console users."""

from __future__ import annotations

import datetime as dt
import io
import itertools

import pytest
from django.utils import timezone

from tests.factories import record_ingest_row, subject_create
from tests.subjects.factories import PASSWORD, uscc
from xinyong.accounts.models import Department, Role, User
from xinyong.catalog.services import catalog_load_fixtures
from xinyong.core.codes import SubjectKind
from xinyong.dueprocess.models import LinkMethod, SubjectAccount, SubjectLink
from xinyong.dueprocess.profiles.services import profiles_load
from xinyong.dueprocess.subject_accounts.auth import SESSION_HASH_KEY, SESSION_KEY, _password_fingerprint
from xinyong.records.models import Channel
from xinyong.workdays.services import calendar_seed

_numbers = itertools.count(1)
PDF = b"%PDF-1.4\n" + b"x" * 200


@pytest.fixture(autouse=True)
def fast_password_hashing(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DUEPROCESS_EVIDENCE_DIR = tmp_path / "evidence"


@pytest.fixture
def rp(db):
    catalog_load_fixtures(as_of=dt.date(2026, 6, 1))
    calendar_seed()
    profiles_load()
    samr = Department.objects.create(code="samr", name="甲市市场监督管理局", uscc="11100000000013127F")
    tax = Department.objects.create(code="tax", name="甲市税务局", uscc="11100000000013135P")
    company = subject_create(kind=SubjectKind.ORGANISATION, name="甲市某某贸易有限公司", uscc=uscc(11))
    account = SubjectAccount.objects.create(login_name="boss@example.com", display_name="王经理")
    SubjectLink.objects.create(account=account, subject=company, method=LinkMethod.OPERATOR)
    users = {
        "operator": User.objects.create_user(username="op", password=PASSWORD, role=Role.OPERATOR),
        "officer": User.objects.create_user(
            username="officer", password=PASSWORD, role=Role.DATA_OFFICER, department=samr
        ),
        "reviewer": User.objects.create_user(
            username="rev", password=PASSWORD, role=Role.REVIEWER, department=samr
        ),
        "tax_officer": User.objects.create_user(
            username="taxofficer", password=PASSWORD, role=Role.DATA_OFFICER, department=tax
        ),
        "clerk_tax": User.objects.create_user(
            username="clerk", password=PASSWORD, role=Role.WINDOW_CLERK, department=tax
        ),
        "auditor": User.objects.create_user(username="aud", password=PASSWORD, role=Role.AUDITOR),
    }
    return {"samr": samr, "tax": tax, "company": company, "account": account, "users": users}


def penalty(rp, *, on: dt.date, severity: str = "general", kinds: str = "罚款", extra: dict | None = None):
    """A penalty of the market regulator about the company, decided ``on``."""
    number = f"甲市监罚〔{on.year}〕{next(_numbers)}号"
    company = rp["company"]
    fields = {"CF_XDR_MC": company.name, "CF_WSH": number, "CF_CFLB": kinds, "CF_NR": "罚款人民币一万元"}
    fields.update(extra or {})
    return record_ingest_row(
        item_code="penalty",
        department=rp["samr"],
        document_number=number,
        subject=company,
        decision_date=on,
        fields=fields,
        severity=severity,
        channel=Channel.FILE,
        received_at=timezone.make_aware(dt.datetime(2026, 6, 15, 10, 0)),
        batch_ref=f"batch-{number}",
    ).record


def evidence():
    return [("缴款凭证.pdf", io.BytesIO(PDF))]


def portal_client(client, account):
    """A test client signed in on the portal as ``account`` (its own session key)."""
    session = client.session
    session[SESSION_KEY] = account.pk
    session[SESSION_HASH_KEY] = _password_fingerprint(account)
    session.save()
    return client
