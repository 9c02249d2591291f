"""Fixtures of the objection tests: the credit-check world (a listed company, its record, a list entry and
measures), the shipped profiles, console users and a subject account linked to the listed company."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.hashers import make_password

from tests.dueprocess.conftest import profiles  # noqa: F401
from tests.jrp.check.conftest import _fresh_rulebook_cache, world  # noqa: F401
from tests.support import PASSWORD, catalog, fast_password_hashing, make_user  # noqa: F401
from xinyong.accounts.models import Role
from xinyong.dueprocess.subject_accounts.auth import SESSION_HASH_KEY, SESSION_KEY, _password_fingerprint
from xinyong.dueprocess.subject_accounts.models import LinkMethod, SubjectAccount, SubjectLink

PDF = b"%PDF-1.7\n" + b"0" * 200 + b"\n%%EOF\n"


def pdf_file(name: str = "证明.pdf") -> tuple[str, io.BytesIO]:
    return name, io.BytesIO(PDF)


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    settings.DUEPROCESS_EVIDENCE_DIR = tmp_path / "evidence"


@pytest.fixture
def people(world, profiles):  # noqa: F811
    """An operator, the source department's data officer, another department's data officer, an auditor."""
    return {
        "operator": make_user("op", role=Role.OPERATOR),
        "officer": make_user("samr_do", role=Role.DATA_OFFICER, department=world.samr),
        "other": make_user("tax_do", role=Role.DATA_OFFICER, department=world.other),
        "auditor": make_user("au", role=Role.AUDITOR),
        "clerk": make_user("wc", role=Role.WINDOW_CLERK, department=world.samr),
    }


def account_create(subject=None, login: str = "13800000001") -> SubjectAccount:
    account = SubjectAccount.objects.create(
        login_name=login, display_name="李四", password=make_password(PASSWORD)
    )
    if subject is not None:
        SubjectLink.objects.create(account=account, subject=subject, method=LinkMethod.OPERATOR)
    return account


@pytest.fixture
def account(world):  # noqa: F811
    """A subject account linked to the listed company."""
    return account_create(world.listed)


def portal_sign_in(client, account: SubjectAccount) -> None:
    """Sign the account in on the portal (the session keys the portal's sign-in sets)."""
    session = client.session
    session[SESSION_KEY] = account.pk
    session[SESSION_HASH_KEY] = _password_fingerprint(account)
    session.save()
