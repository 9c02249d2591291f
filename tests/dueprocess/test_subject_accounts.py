"""Subject accounts on the portal (我的信用): registration, sign-in with lockout, separation from console users,
linking with a one-time code, and what a linked subject sees (docs/subject-accounts.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tests.dueprocess.subject_support import (
    ACCOUNT_PASSWORD,
    MOBILE,
    account,
    company,
    linked_account,
    operator,
    records_for,
    signed_in_client,
)
from tests.factories import subject_create
from tests.subjects.factories import PASSWORD, RIC, user
from xinyong.accounts.models import ActorKind, AuditEntry, Authorisation, Role, User
from xinyong.core.codes import SubjectKind
from xinyong.dueprocess.subject_accounts.models import LinkCode, SubjectAccount, SubjectLink
from xinyong.dueprocess.subject_accounts.services import (
    AccountError,
    account_authenticate,
    account_register,
    link_code_issue,
    subject_link_create,
)
from xinyong.records.archive.services import archive_view
from xinyong.records.services import record_mark_disputed, record_mark_repaired
from xinyong.reports.models import ReportKind
from xinyong.reports.services import report_issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# ---------------------------------------------------------------------------------------------------------
# Registration, sign-in, lockout, sign-out


def test_registration_normalises_the_login_name_and_stores_a_password_hash():
    users_before = User.objects.count()
    by_phone = account_register(
        login_name="+86 138-0013-8000", display_name="李经办", password=ACCOUNT_PASSWORD
    )
    by_mail = account_register(
        login_name=" Li.Jing@Example.COM ", display_name="李经办", password=ACCOUNT_PASSWORD
    )
    assert by_phone.login_name == MOBILE and by_phone.phone == MOBILE
    assert by_mail.login_name == "li.jing@example.com" and by_mail.email == "li.jing@example.com"
    assert ACCOUNT_PASSWORD not in by_phone.password
    assert check_password(ACCOUNT_PASSWORD, by_phone.password)
    assert User.objects.count() == users_before  # never a console user
    entry = AuditEntry.objects.filter(object_type="dueprocess.subjectaccount", action="create").first()
    assert entry.actor_kind == ActorKind.SUBJECT_ACCOUNT


@pytest.mark.parametrize(
    ("login_name", "password", "code"),
    [
        ("12345", ACCOUNT_PASSWORD, "login_name_invalid"),
        ("not-an-email@", ACCOUNT_PASSWORD, "login_name_invalid"),
        ("13900139000", "12345678", "password_invalid"),
        ("13900139000", "short", "password_invalid"),
    ],
)
def test_registration_refuses_bad_names_and_weak_passwords(login_name, password, code):
    with pytest.raises(AccountError) as caught:
        account_register(login_name=login_name, display_name="李经办", password=password)
    assert caught.value.code == code


def test_a_login_name_registers_once():
    account()
    with pytest.raises(AccountError) as caught:
        account_register(login_name="138 0013 8000", display_name="他人", password=ACCOUNT_PASSWORD)
    assert caught.value.code == "login_name_taken"


def test_the_register_page_signs_the_new_account_in_and_asks_for_a_link():
    client = Client(enforce_csrf_checks=True)
    page = client.get("/my/register/")
    assert page.status_code == 200 and "注册主体账号" in page.content.decode()
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/my/register/",
        {
            "login_name": MOBILE,
            "display_name": "李经办",
            "password": ACCOUNT_PASSWORD,
            "password_again": ACCOUNT_PASSWORD,
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("my:link")
    assert client.get("/my/").status_code == 200


def test_the_register_page_refuses_a_post_without_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/my/register/", {"login_name": MOBILE})
    assert response.status_code == 403


def test_mismatched_passwords_are_shown_in_chinese():
    response = Client().post(
        "/my/register/",
        {"login_name": MOBILE, "display_name": "李", "password": ACCOUNT_PASSWORD, "password_again": "other"},
    )
    assert response.status_code == 400
    assert "两次输入的密码不一致" in response.content.decode()
    assert not SubjectAccount.objects.exists()


def test_repeated_failures_lock_the_account_until_the_lock_ends(settings):
    settings.DUEPROCESS_LOGIN_MAX_FAILURES = 3
    settings.DUEPROCESS_LOGIN_LOCKOUT_MINUTES = 15
    acct = account()
    now = timezone.now()
    for _ in range(2):
        with pytest.raises(AccountError) as caught:
            account_authenticate(login_name=MOBILE, password="wrong", now=now)
        assert caught.value.code == "login_invalid"
    with pytest.raises(AccountError) as caught:
        account_authenticate(login_name=MOBILE, password="wrong", now=now)
    assert caught.value.code == "login_locked"
    # The right password does not open a locked account.
    with pytest.raises(AccountError) as caught:
        account_authenticate(login_name=MOBILE, password=ACCOUNT_PASSWORD, now=now + dt.timedelta(minutes=5))
    assert caught.value.code == "login_locked"
    later = now + dt.timedelta(minutes=16)
    assert account_authenticate(login_name=MOBILE, password=ACCOUNT_PASSWORD, now=later).pk == acct.pk
    acct.refresh_from_db()
    assert acct.failed_logins == 0 and acct.locked_until is None
    failures = AuditEntry.objects.filter(action="login_failed", actor_kind=ActorKind.SUBJECT_ACCOUNT).count()
    assert failures == 4


def test_an_unknown_login_name_gets_the_same_answer_as_a_wrong_password():
    with pytest.raises(AccountError) as caught:
        account_authenticate(login_name="13900000000", password="whatever")
    assert caught.value.code == "login_invalid"


def test_the_login_page_shows_the_error_code_and_signs_in():
    account()
    client = Client()
    wrong = client.post("/my/login/", {"login_name": MOBILE, "password": "wrong"})
    assert wrong.status_code == 400
    assert "登录名或密码不正确" in wrong.content.decode() and "login_invalid" in wrong.content.decode()
    right = client.post(
        "/my/login/", {"login_name": MOBILE, "password": ACCOUNT_PASSWORD, "next": "/my/link/"}
    )
    assert right.status_code == 302 and right["Location"] == "/my/link/"
    # Only addresses of 我的信用 are followed after signing in.
    client.post("/my/logout/")
    elsewhere = client.post(
        "/my/login/", {"login_name": MOBILE, "password": ACCOUNT_PASSWORD, "next": "https://evil.example/"}
    )
    assert elsewhere["Location"] == reverse("my:home")


def test_sign_out_ends_the_portal_session():
    client = signed_in_client(account())
    assert client.get("/my/").status_code == 200
    response = client.post("/my/logout/")
    assert response.status_code == 302 and response["Location"] == reverse("my:login")
    assert client.get("/my/").status_code == 302
    assert AuditEntry.objects.filter(action="logout", actor_kind=ActorKind.SUBJECT_ACCOUNT).exists()


def test_a_console_session_does_not_sign_in_on_my_pages():
    client = Client()
    client.force_login(operator())
    response = client.get("/my/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("my:login"))


def test_a_subject_account_cannot_open_the_console():
    client = signed_in_client(account())
    for path in ("/console/", "/console/dueprocess/accounts/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/my/" not in response["Location"]


def test_a_password_change_ends_other_sessions():
    acct = account()
    client = signed_in_client(acct)
    acct.password = "md5$other$0000"
    acct.save(update_fields=["password"])
    assert client.get("/my/").status_code == 302


# ---------------------------------------------------------------------------------------------------------
# Link codes and linking


def test_an_operator_issues_a_code_shown_once_and_stored_hashed():
    subject = company()
    client = Client()
    client.force_login(operator())
    assert client.get("/console/dueprocess/accounts/").status_code == 200
    response = client.post("/console/dueprocess/accounts/", {"code": subject.uscc})
    assert response.status_code == 200
    page = response.content.decode()
    row = LinkCode.objects.get(subject=subject)
    assert "已核发绑定码" in page
    shown = page.split('id="issued-code">', 1)[1].split("<", 1)[0]
    assert len(shown.replace("-", "")) == 16
    assert shown not in row.code_hash and shown.replace("-", "") not in row.code_hash
    assert (row.expires_at - row.issued_at) == dt.timedelta(days=7)
    assert AuditEntry.objects.filter(object_type="dueprocess.linkcode", action="create").exists()
    # The list afterwards never shows the code again.
    assert shown not in client.get("/console/dueprocess/accounts/").content.decode()


def test_only_operators_issue_codes(settings):
    subject = company()
    officer = user("do_a", Role.DATA_OFFICER, None)
    client = Client()
    client.force_login(officer)
    assert client.get("/console/dueprocess/accounts/").status_code == 403
    with pytest.raises(Exception) as caught:
        link_code_issue(subject=subject, actor=officer)
    assert getattr(caught.value, "code", "") == "link_code_forbidden"


def test_an_unknown_code_on_the_console_page_is_refused():
    client = Client()
    client.force_login(operator())
    response = client.post("/console/dueprocess/accounts/", {"code": "91110000000000000X"})
    assert response.status_code == 400 and "subject_not_found" in response.content.decode()
    assert not LinkCode.objects.exists()


def test_linking_with_the_right_code():
    subject = company()
    _, code = link_code_issue(subject=subject, actor=operator())
    acct = account()
    client = signed_in_client(acct)
    response = client.post(
        "/my/link/", {"code": subject.uscc.lower(), "evidence": code.replace("-", " ").lower()}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("my:archive", args=[subject.pk])
    link = SubjectLink.objects.get(account=acct)
    assert link.subject == subject and link.method == "one_time_code"
    row = LinkCode.objects.get(subject=subject)
    assert row.used_by == acct and row.used_at is not None


def test_a_person_links_with_the_id_number():
    person = subject_create(kind=SubjectKind.NATURAL_PERSON, name="张三", ric=RIC)
    _, code = link_code_issue(subject=person, actor=operator())
    acct = account()
    link = subject_link_create(account=acct, code=RIC, evidence=code)
    assert link.subject == person


@pytest.mark.parametrize("case", ["wrong", "other_subject", "expired", "used", "unknown_subject"])
def test_linking_is_refused(case):
    subject = company()
    other = company(seed=8, name="甲市另一家公司")
    issuer = operator()
    now = timezone.now()
    row, code = link_code_issue(subject=subject, actor=issuer, now=now - dt.timedelta(days=1))
    acct = account()
    target, evidence, expected = subject.uscc, code, "link_code_invalid"
    if case == "wrong":
        evidence = "AAAA-BBBB-CCCC-DDDD"
    elif case == "other_subject":
        target = other.uscc
    elif case == "expired":
        row.expires_at = now - dt.timedelta(minutes=1)
        row.save(update_fields=["expires_at"])
        expected = "link_code_expired"
    elif case == "used":
        subject_link_create(account=account("first@example.com"), code=subject.uscc, evidence=code)
        expected = "link_code_used"
    elif case == "unknown_subject":
        target = "91110000000000000X"
    with pytest.raises(AccountError) as caught:
        subject_link_create(account=acct, code=target, evidence=evidence, now=now)
    assert caught.value.code == expected
    assert not SubjectLink.objects.filter(account=acct).exists()
    denied = AuditEntry.objects.filter(
        action="subject_link", outcome="denied", actor_kind=ActorKind.SUBJECT_ACCOUNT
    )
    assert denied.count() == 1


def test_link_attempts_are_limited(settings):
    settings.DUEPROCESS_LINK_MAX_ATTEMPTS = 3
    subject = company()
    _, code = link_code_issue(subject=subject, actor=operator())
    acct = account()
    for _ in range(3):
        with pytest.raises(AccountError):
            subject_link_create(account=acct, code=subject.uscc, evidence="AAAA-BBBB-CCCC-DDDD")
    # Even the right code is refused until an hour has passed.
    with pytest.raises(AccountError) as caught:
        subject_link_create(account=acct, code=subject.uscc, evidence=code)
    assert caught.value.code == "link_attempts_exceeded"
    later = timezone.now() + dt.timedelta(hours=1, minutes=1)
    assert subject_link_create(account=acct, code=subject.uscc, evidence=code, now=later).subject == subject


def test_the_link_page_shows_the_refusal():
    subject = company()
    client = signed_in_client(account())
    response = client.post("/my/link/", {"code": subject.uscc, "evidence": "AAAA-BBBB-CCCC-DDDD"})
    assert response.status_code == 400
    assert "link_code_invalid" in response.content.decode()


class RefusingVerifier:
    method = "identity_service"

    def verify(self, *, account, subject, evidence, now):
        from xinyong.dueprocess.subject_accounts.verification import LinkRefused

        if evidence != "token-ok":
            raise LinkRefused("identity_refused", "身份认证服务未通过核验")


def test_the_verifier_is_pluggable(settings):
    settings.DUEPROCESS_LINK_VERIFIER = "tests.dueprocess.test_subject_accounts.RefusingVerifier"
    subject = company()
    acct = account()
    with pytest.raises(AccountError) as caught:
        subject_link_create(account=acct, code=subject.uscc, evidence="token-bad")
    assert caught.value.code == "identity_refused"
    link = subject_link_create(account=acct, code=subject.uscc, evidence="token-ok")
    assert link.method == "identity_service"


# ---------------------------------------------------------------------------------------------------------
# The linked subject's pages


SUBJECT_PAGES = ("archive", "viewers", "reports", "applications", "authorise")


def test_pages_of_a_subject_the_account_is_not_linked_to_are_404():
    mine, other = company(), company(seed=8, name="甲市另一家公司")
    client = signed_in_client(linked_account(mine))
    for name in SUBJECT_PAGES:
        assert client.get(reverse(f"my:{name}", args=[mine.pk])).status_code == 200, name
        assert client.get(reverse(f"my:{name}", args=[other.pk])).status_code == 404, name
        assert client.get(reverse(f"my:{name}", args=[999999])).status_code == 404, name
    assert client.post(reverse("my:authorise", args=[other.pk]), {}).status_code == 404


def test_a_revoked_link_closes_the_pages():
    subject = company()
    acct = linked_account(subject)
    client = signed_in_client(acct)
    SubjectLink.objects.filter(account=acct).update(revoked_at=timezone.now())
    assert client.get(reverse("my:archive", args=[subject.pk])).status_code == 404


def test_the_archive_shows_every_record_with_its_marks():
    subject = company()
    issuer = operator()
    _, penalty, inspection = records_for(subject)
    record_mark_disputed(
        record=penalty, disputed=True, actor=issuer, reason="异议 OB-1", on_date=dt.date(2026, 6, 2)
    )
    record_mark_repaired(record=inspection, actor=issuer, reason="修复决定 RP-1", on_date=dt.date(2026, 6, 3))
    client = signed_in_client(linked_account(subject, issuer=issuer))
    page = client.get(reverse("my:archive", args=[subject.pk])).content.decode()
    assert "甲市监罚〔2026〕7号" in page
    assert "甲市监查〔2026〕8号" in page  # shared, never on the public site
    assert "异议标注" in page and "已信用修复" in page
    try:
        objection = reverse("my:objection_new")
    except NoReverseMatch:
        assert "?record=" not in page  # the objection pages are not installed: no link
    else:
        assert f"{objection}?record={penalty.pk}" in page
    entry = AuditEntry.objects.filter(action="view", actor_kind=ActorKind.SUBJECT_ACCOUNT).get()
    assert entry.object_id == str(subject.pk) and entry.purpose


def test_viewers_show_the_department_and_purpose_not_the_user():
    subject = company()
    department, penalty, _ = records_for(subject)
    officer = user("do_samr", Role.DATA_OFFICER, department)
    archive_view(principal=officer, subject=subject, purpose="行政审批", as_of=dt.date(2026, 6, 15))
    client = signed_in_client(linked_account(subject))
    client.get(reverse("my:archive", args=[subject.pk]))  # the subject's own view is not listed
    page = client.get(reverse("my:viewers", args=[subject.pk])).content.decode()
    assert "甲市市场监督管理局" in page and "行政审批" in page
    assert "do_samr" not in page
    assert "共 1 条" in page


def test_the_reports_page_lists_the_subjects_reports():
    subject = company()
    records_for(subject)
    issuer = operator()
    report = report_issue(subject=subject, kind=ReportKind.PUBLIC, as_of=dt.date(2026, 6, 15), actor=issuer)
    client = signed_in_client(linked_account(subject, issuer=issuer))
    page = client.get(reverse("my:reports", args=[subject.pk])).content.decode()
    assert report.number in page
    assert reverse("reports:detail", args=[report.number, report.verification_code]) in page


def test_an_authorisation_is_granted_online():
    subject = company()
    acct = linked_account(subject)
    client = signed_in_client(acct)
    today = timezone.localdate()
    response = client.post(
        reverse("my:authorise", args=[subject.pk]),
        {
            "grantee_kind": "third_party",
            "grantee_name": "甲市某银行",
            "grantee_code": "",
            "purpose": "贷款审批",
            "scope": ["credit_report"],
            "valid_from": today.isoformat(),
            "valid_until": (today + dt.timedelta(days=30)).isoformat(),
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    authorisation = Authorisation.objects.get(subject=subject)
    assert authorisation.grantee_name == "甲市某银行" and authorisation.scope == ["credit_report"]
    assert authorisation.recorded_by is None and acct.login_name in authorisation.evidence
    entry = AuditEntry.objects.filter(object_type="accounts.authorisation", action="create").get()
    assert entry.actor_kind == ActorKind.SUBJECT_ACCOUNT
    page = client.get(reverse("my:authorise", args=[subject.pk])).content.decode()
    assert "甲市某银行" in page and "有效" in page


def test_an_invalid_authorisation_is_refused_with_its_reason():
    subject = company()
    client = signed_in_client(linked_account(subject))
    today = timezone.localdate()
    response = client.post(
        reverse("my:authorise", args=[subject.pk]),
        {
            "grantee_kind": "department",
            "purpose": "审批",
            "scope": ["credit_query"],
            "valid_from": today.isoformat(),
            "valid_until": today.isoformat(),
            "confirm": "on",
        },
    )
    assert response.status_code == 400
    assert "请选择被授权部门" in response.content.decode()
    assert not Authorisation.objects.exists()


def test_the_portal_header_links_to_my_pages():
    page = Client().get("/").content.decode()
    assert f'href="{reverse("my:home")}"' in page and "我的信用" in page


def test_console_passwords_do_not_open_portal_accounts():
    operator()
    response = Client().post("/my/login/", {"login_name": "op", "password": PASSWORD})
    assert response.status_code == 400


def test_an_operator_issues_a_code_for_a_person_by_id_number_in_a_posted_form():
    person = subject_create(kind=SubjectKind.NATURAL_PERSON, name="张三", ric=RIC)
    client = Client()
    client.force_login(operator())
    response = client.post("/console/dueprocess/accounts/", {"code": RIC})
    assert response.status_code == 200
    page = response.content.decode()
    assert LinkCode.objects.filter(subject=person).exists()
    assert RIC not in page  # the person's code is shown masked


# ---------------------------------------------------------------------------------------------------------
# Changing the password, revoking a link, withdrawing an authorisation


NEW_PASSWORD = "Xy-portal-new-2027"


def _password_form(old: str = ACCOUNT_PASSWORD, new: str = NEW_PASSWORD, again: str | None = None) -> dict:
    return {"old_password": old, "new_password": new, "new_password_again": again or new}


def test_a_password_change_keeps_this_session_and_ends_the_others():
    acct = account()
    here, elsewhere = signed_in_client(acct), signed_in_client(acct)
    response = here.post(reverse("my:password"), _password_form())
    assert response.status_code == 302 and response["Location"] == reverse("my:home")
    assert here.get(reverse("my:home")).status_code == 200
    assert elsewhere.get(reverse("my:home")).status_code == 302
    acct.refresh_from_db()
    assert check_password(NEW_PASSWORD, acct.password)
    assert account_authenticate(login_name=MOBILE, password=NEW_PASSWORD).pk == acct.pk
    entry = AuditEntry.objects.filter(action="password_change").get()
    assert entry.actor_kind == ActorKind.SUBJECT_ACCOUNT and entry.outcome == "success"


@pytest.mark.parametrize(
    ("form", "code"),
    [
        (_password_form(old="wrong-pass-2026"), "password_wrong"),
        (_password_form(new=ACCOUNT_PASSWORD), "password_unchanged"),
        (_password_form(new="12345678"), "password_invalid"),
    ],
)
def test_a_password_change_is_refused_with_its_reason(form, code):
    acct = account()
    client = signed_in_client(acct)
    response = client.post(reverse("my:password"), form)
    assert response.status_code == 400
    assert f"（{code}）" in response.content.decode()
    acct.refresh_from_db()
    assert check_password(ACCOUNT_PASSWORD, acct.password)
    assert client.get(reverse("my:home")).status_code == 200


def test_mismatched_new_passwords_are_refused():
    client = signed_in_client(account())
    response = client.post(reverse("my:password"), _password_form(again="Xy-other-pass-2027"))
    assert response.status_code == 400 and "两次输入的新密码不一致" in response.content.decode()


def test_wrong_current_passwords_lock_the_account(settings):
    settings.DUEPROCESS_LOGIN_MAX_FAILURES = 2
    acct = account()
    client = signed_in_client(acct)
    client.post(reverse("my:password"), _password_form(old="wrong-pass-2026"))
    response = client.post(reverse("my:password"), _password_form(old="wrong-pass-2026"))
    assert "（login_locked）" in response.content.decode()
    response = client.post(
        reverse("my:password"), _password_form()
    )  # even the right one, until the lock ends
    assert "（login_locked）" in response.content.decode()
    with pytest.raises(AccountError) as exc:
        account_authenticate(login_name=MOBILE, password=ACCOUNT_PASSWORD)
    assert exc.value.code == "login_locked"
    denied = AuditEntry.objects.filter(action="password_change", outcome="denied").count()
    assert denied == 3


def test_the_password_page_needs_a_signed_in_account():
    response = Client().get(reverse("my:password"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("my:login"))


def test_an_account_revokes_its_link():
    subject = company()
    acct = linked_account(subject)
    client = signed_in_client(acct)
    home = client.get(reverse("my:home")).content.decode()
    assert reverse("my:unlink", args=[subject.pk]) in home
    response = client.post(reverse("my:unlink", args=[subject.pk]), {})
    assert response.status_code == 400 and "请勾选确认" in response.content.decode()
    assert SubjectLink.objects.get(account=acct).revoked_at is None
    response = client.post(reverse("my:unlink", args=[subject.pk]), {"confirm": "on"})
    assert response.status_code == 302
    assert SubjectLink.objects.get(account=acct).revoked_at is not None
    for name in SUBJECT_PAGES:
        assert client.get(reverse(f"my:{name}", args=[subject.pk])).status_code == 404, name
    assert client.post(reverse("my:unlink", args=[subject.pk]), {"confirm": "on"}).status_code == 404
    entry = AuditEntry.objects.filter(action="subject_unlink").get()
    assert entry.actor_kind == ActorKind.SUBJECT_ACCOUNT and entry.object_id == str(subject.pk)
    # Linking again needs a new code.
    _, code = link_code_issue(subject=subject, actor=User.objects.get(role=Role.OPERATOR))
    subject_link_create(account=acct, code=subject.uscc, evidence=code)
    assert client.get(reverse("my:archive", args=[subject.pk])).status_code == 200


def test_an_account_cannot_revoke_another_accounts_link():
    subject, other = company(), company(seed=8, name="甲市另一家公司")
    linked_account(other, login_name="13900139000")
    client = signed_in_client(linked_account(subject))
    assert client.post(reverse("my:unlink", args=[other.pk]), {"confirm": "on"}).status_code == 404
    assert not SubjectLink.objects.filter(revoked_at__isnull=False).exists()


def _authorisation(subject, acct, grantee: str = "甲市某银行"):
    from xinyong.dueprocess.subject_accounts.services import subject_authorisation_grant

    today = timezone.localdate()
    return subject_authorisation_grant(
        account=acct,
        subject=subject,
        grantee_kind="third_party",
        grantee_name=grantee,
        purpose="贷款审批",
        scope=["credit_report"],
        valid_from=today,
        valid_until=today + dt.timedelta(days=30),
    )


def test_an_authorisation_is_withdrawn_online():
    subject = company()
    acct = linked_account(subject)
    authorisation = _authorisation(subject, acct)
    client = signed_in_client(acct)
    withdraw = reverse("my:authorisation_withdraw", args=[subject.pk, authorisation.pk])
    assert withdraw in client.get(reverse("my:authorise", args=[subject.pk])).content.decode()
    response = client.post(withdraw, {"reason": "贷款已办结", "confirm": ""})
    assert response.status_code == 400 and "请勾选确认" in response.content.decode()
    response = client.post(withdraw, {"reason": "贷款已办结", "confirm": "on"})
    assert response.status_code == 302
    authorisation.refresh_from_db()
    assert authorisation.revoked_at is not None and authorisation.revoked_by is None
    assert "贷款已办结" in authorisation.revoke_reason and acct.login_name in authorisation.revoke_reason
    entry = AuditEntry.objects.filter(object_type="accounts.authorisation", action="revoke").get()
    assert entry.actor_kind == ActorKind.SUBJECT_ACCOUNT
    page = client.get(reverse("my:authorise", args=[subject.pk])).content.decode()
    assert "已撤销" in page and withdraw not in page
    again = client.post(withdraw, {"reason": "再次", "confirm": "on"})
    assert again.status_code == 400 and "该授权已于" in again.content.decode()


def test_a_withdrawn_authorisation_no_longer_issues_reports():
    from xinyong.reports.services import ReportError

    subject = company()
    records_for(subject)
    acct = linked_account(subject)
    authorisation = _authorisation(subject, acct)
    client = signed_in_client(acct)
    withdraw = reverse("my:authorisation_withdraw", args=[subject.pk, authorisation.pk])
    client.post(withdraw, {"reason": "不再需要", "confirm": "on"})
    authorisation.refresh_from_db()
    with pytest.raises(ReportError) as exc:
        report_issue(
            subject=subject,
            kind=ReportKind.AUTHORISED,
            as_of=timezone.localdate(),
            actor=User.objects.get(role=Role.OPERATOR),
            authorisation=authorisation,
            purpose="贷款审批",
        )
    assert exc.value.code == "authorisation_revoked"


def test_another_subjects_authorisation_cannot_be_withdrawn():
    subject, other = company(), company(seed=8, name="甲市另一家公司")
    theirs = _authorisation(other, linked_account(other, login_name="13900139000"))
    acct = linked_account(subject)
    client = signed_in_client(acct)
    for path in (
        reverse("my:authorisation_withdraw", args=[subject.pk, theirs.pk]),
        reverse("my:authorisation_withdraw", args=[other.pk, theirs.pk]),
    ):
        assert client.get(path).status_code == 404
        assert client.post(path, {"reason": "x", "confirm": "on"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
