"""Public report pages (issue, read, PDF, verify) and the console's report screens."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.reports.conftest import PASSWORD, make_authorisation
from tests.subjects.factories import RIC
from xinyong.accounts.models import AuditEntry, GranteeKind
from xinyong.reports import pdf as report_pdf
from xinyong.reports.models import CreditReport, ReportKind
from xinyong.reports.services import report_issue

pytestmark = pytest.mark.django_db

needs_fonts = pytest.mark.skipif(report_pdf.report_fonts() is None, reason="fonts-noto-cjk is not installed")


def _issue_public(client, subject):
    response = client.post(reverse("reports:public_create"), {"subject_id": subject.pk})
    assert response.status_code == 302
    report = CreditReport.objects.latest("id")
    assert response["Location"] == reverse(
        "reports:detail", kwargs={"number": report.number, "code": report.verification_code}
    )
    return report


def test_public_report_is_issued_by_post_and_shown(client, company, company_records):
    report = _issue_public(client, company)
    assert report.kind == ReportKind.PUBLIC
    assert report.issued_by_kind == "anonymous"
    page = client.get(reverse("reports:detail", args=[report.number, report.verification_code]))
    assert page.status_code == 200
    html = page.content.decode()
    assert report.number in html
    assert "公共信用信息报告" in html and "公开版" in html
    assert "甲市监罚〔2026〕8号" in html
    assert reverse("reports:pdf", args=[report.number, report.verification_code]) in html
    # Strict CSP: no inline styles or scripts in the report's markup.
    fragment = html[html.index('<article class="report"') :]
    assert " style=" not in fragment and "<script" not in fragment
    entry = AuditEntry.objects.filter(action="report_issue").get()
    assert entry.actor_kind == "anonymous"
    assert entry.purpose == "公开信用报告查询"


def test_public_create_refuses_get_and_unknown_subjects(client, catalog):
    assert client.get(reverse("reports:public_create")).status_code == 405
    assert client.post(reverse("reports:public_create"), {"subject_id": "999999"}).status_code == 404
    assert client.post(reverse("reports:public_create"), {"subject_id": "abc"}).status_code == 404
    assert not CreditReport.objects.exists()


def test_public_pages_need_the_right_code_and_never_serve_authorised_reports(
    client, company, company_records, operator, authorisation
):
    report = _issue_public(client, company)
    assert client.get(reverse("reports:detail", args=[report.number, "AAAAAAAA"])).status_code == 404
    authorised = report_issue(
        subject=company,
        kind=ReportKind.AUTHORISED,
        as_of=dt.date(2026, 6, 15),
        actor=operator,
        authorisation=authorisation,
    )
    for name in ("reports:detail", "reports:pdf"):
        response = client.get(reverse(name, args=[authorised.number, authorised.verification_code]))
        assert response.status_code == 404


def test_person_public_report_page_has_no_full_id(client, person, person_records):
    report = _issue_public(client, person)
    html = client.get(
        reverse("reports:detail", args=[report.number, report.verification_code])
    ).content.decode()
    assert RIC not in html
    assert "张三丰" not in html
    assert "110105********002X" in html


@needs_fonts
def test_pdf_download(client, company, company_records):
    report = _issue_public(client, company)
    response = client.get(reverse("reports:pdf", args=[report.number, report.verification_code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="xinyong-report-{report.number}.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-")


def test_verify_page(client, company, company_records):
    report = _issue_public(client, company)
    url = reverse("reports:verify")
    empty = client.get(url)
    assert empty.status_code == 200
    assert "信用报告核验" in empty.content.decode()
    assert 'for="verify-number"' in empty.content.decode()

    ok = client.get(url, {"number": report.number, "code": report.verification_code}).content.decode()
    assert "核验通过" in ok
    assert report.content_hash in ok
    assert "甲市****有限公司" in ok
    assert "公开版" in ok

    with_hash = client.get(
        url, {"number": report.number, "code": report.verification_code, "hash": report.content_hash.upper()}
    ).content.decode()
    assert "与您输入的摘要一致" in with_hash

    bad_hash = client.get(
        url, {"number": report.number, "code": report.verification_code, "hash": "ab" * 32}
    ).content.decode()
    assert "您输入的内容摘要与平台登记的不一致" in bad_hash

    missing = client.get(url, {"number": report.number, "code": "ZZZZZZZZ"}).content.decode()
    assert "未找到与该报告编号和验证码对应的报告" in missing
    assert report.content_hash not in missing

    CreditReport.objects.filter(pk=report.pk).update(content={**report.content, "as_of": "2020-01-01"})
    tampered = client.get(url, {"number": report.number, "code": report.verification_code}).content.decode()
    assert "平台保存的报告内容与出具时登记的摘要不一致" in tampered


# ---------------------------------------------------------------------------------------------------------
# Console


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_console_pages_need_a_permitted_role(client, officer):
    list_url = reverse("reports_console:list")
    response = client.get(list_url)
    assert response.status_code == 302 and "/console/login/" in response["Location"]
    _login(client, officer)
    assert client.get(list_url).status_code == 403
    assert client.get(reverse("reports_console:issue")).status_code == 403
    assert "信用报告" not in client.get(reverse("console:home")).content.decode()


def test_operator_issues_an_authorised_report_in_the_console(
    client, company, company_records, operator, authorisation
):
    _login(client, operator)
    home = client.get(reverse("console:home")).content.decode()
    assert reverse("reports_console:list") in home  # nav entry
    issue_page = client.get(reverse("reports_console:issue")).content.decode()
    assert company.name in issue_page
    assert reverse("admin:accounts_authorisation_add") in issue_page
    response = client.post(reverse("reports_console:issue_submit"), {"authorisation_id": authorisation.pk})
    report = CreditReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports_console:detail", args=[report.number])
    assert report.kind == ReportKind.AUTHORISED and report.issued_by_user == operator

    detail = client.get(reverse("reports_console:detail", args=[report.number]))
    assert detail.status_code == 200
    assert "授权版" in detail.content.decode()
    assert AuditEntry.objects.filter(action="view", object_id=str(report.pk), purpose=report.purpose).exists()

    listing = client.get(reverse("reports_console:list"), {"q": report.number}).content.decode()
    assert report.number in listing


@needs_fonts
def test_console_pdf_download_is_audited(client, company, company_records, operator, authorisation):
    report = report_issue(
        subject=company,
        kind=ReportKind.AUTHORISED,
        as_of=dt.date(2026, 6, 15),
        actor=operator,
        authorisation=authorisation,
    )
    _login(client, operator)
    response = client.get(reverse("reports_console:pdf", args=[report.number]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert AuditEntry.objects.filter(action="export", object_id=str(report.pk)).exists()


def test_console_issue_refusal_is_shown(client, company, catalog, clerk, operator):
    for_bank = make_authorisation(
        company, grantee_kind=GranteeKind.THIRD_PARTY, grantee_name="某银行股份有限公司", actor=operator
    )
    _login(client, clerk)
    issue_page = client.get(reverse("reports_console:issue")).content.decode()
    assert "某银行股份有限公司" not in issue_page  # not usable by a window clerk
    response = client.post(
        reverse("reports_console:issue_submit"), {"authorisation_id": for_bank.pk}, follow=True
    )
    assert "不是该授权的被授权方" in response.content.decode()
    assert not CreditReport.objects.exists()


def test_window_clerk_sees_own_department_reports_only(client, company, catalog, clerk, clerk_tax, operator):
    self_applied = make_authorisation(company, actor=operator)
    as_of = dt.date(2026, 6, 15)
    mine = report_issue(
        subject=company, kind=ReportKind.AUTHORISED, as_of=as_of, actor=clerk, authorisation=self_applied
    )
    theirs = report_issue(
        subject=company, kind=ReportKind.AUTHORISED, as_of=as_of, actor=clerk_tax, authorisation=self_applied
    )
    _login(client, clerk)
    listing = client.get(reverse("reports_console:list")).content.decode()
    assert mine.number in listing and theirs.number not in listing
    assert client.get(reverse("reports_console:detail", args=[theirs.number])).status_code == 404


def test_auditor_reads_but_does_not_issue(client, company, catalog, auditor, operator, authorisation):
    report = report_issue(
        subject=company,
        kind=ReportKind.AUTHORISED,
        as_of=dt.date(2026, 6, 15),
        actor=operator,
        authorisation=authorisation,
    )
    _login(client, auditor)
    listing = client.get(reverse("reports_console:list")).content.decode()
    assert report.number in listing
    assert "出具授权版报告" not in listing
    assert client.get(reverse("reports_console:issue")).status_code == 403


def test_issuing_public_reports_is_rate_limited(client, settings, company, catalog):
    from django.core.cache import cache

    cache.clear()
    settings.XINYONG_PUBLIC_API_RATE = "2/m"
    try:
        url = reverse("reports:public_create")
        statuses = [client.post(url, {"subject_id": company.pk}).status_code for _ in range(3)]
        assert statuses == [302, 302, 429]
        assert CreditReport.objects.count() == 2
    finally:
        cache.clear()
