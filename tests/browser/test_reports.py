"""Credit reports in chromium: open a public report, download its PDF, verify its number and code on the
verification page (desktop and phone, no script or CSP errors, nothing wider than the phone); screenshots of the
report and verification pages kept under test-artifacts/."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.browser.test_console_pages import VIEWPORTS, watch_errors
from tests.reports.conftest import (  # noqa: F401 - fixtures
    catalog,
    company,
    company_records,
    fast_password_hashing,
    samr,
)
from xinyong.reports.models import ReportKind
from xinyong.reports.services import report_issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_download_the_pdf_and_verify_the_report(live_server, page, company, company_records, artifacts):  # noqa: F811
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = live_server.url
    report = report_issue(subject=company, kind=ReportKind.PUBLIC, as_of=timezone.localdate(), actor=None)
    too_wide: list[str] = []

    for label, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        page.goto(f"{base}/reports/{report.number}/{report.verification_code}/")
        page.get_by_role("heading", name="公共信用信息报告（公开版）").wait_for()
        assert page.get_by_text(report.number).first.is_visible()
        page.get_by_role("heading", name="二、行政管理信息").wait_for()
        if page.evaluate("document.documentElement.scrollWidth") > size["width"]:
            too_wide.append(f"report ({label})")
        page.screenshot(path=artifacts / f"report-public-{label}.png", full_page=True)

    page.set_viewport_size(VIEWPORTS["desktop"])
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载 PDF 报告").click()
    download = download_info.value
    assert download.suggested_filename == f"xinyong-report-{report.number}.pdf"
    pdf = download.path().read_bytes()
    assert pdf.startswith(b"%PDF-")

    for label, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        page.goto(f"{base}/reports/verify/")
        page.get_by_label("报告编号").fill(report.number)
        page.get_by_label("验证码").fill(report.verification_code.lower())
        page.get_by_role("button", name="核验").click()
        page.get_by_role("heading", name="核验通过：该报告由本平台出具，内容未被改动").wait_for()
        assert page.get_by_text(report.content_hash).first.is_visible()
        if page.evaluate("document.documentElement.scrollWidth") > size["width"]:
            too_wide.append(f"verify ({label})")
        page.screenshot(path=artifacts / f"report-verify-{label}.png", full_page=True)

    page.goto(f"{base}/reports/verify/?number={report.number}&code=ZZZZZZZZ")
    page.get_by_role("heading", name="核验未通过：未找到与该报告编号和验证码对应的报告").wait_for()

    assert not errors, errors
    assert not too_wide, too_wide


def test_operator_issues_an_authorised_report_in_the_console(
    live_server,
    page,
    company,  # noqa: F811
    company_records,  # noqa: F811
    artifacts,
):
    from tests.browser.test_console_pages import menu_follow, sign_in
    from tests.reports.conftest import make_authorisation
    from tests.subjects.factories import PASSWORD
    from xinyong.accounts.models import Role, User

    operator = User.objects.create_user(username="operator", password=PASSWORD, role=Role.OPERATOR)
    today = timezone.localdate()
    make_authorisation(
        company, valid_from=today, valid_until=today + timezone.timedelta(days=30), actor=operator
    )
    errors = watch_errors(page)
    base = live_server.url
    sign_in(page, base, "operator")
    menu_follow(page, "信用报告")
    page.get_by_role("heading", name="信用报告", level=1).wait_for()
    page.get_by_role("link", name="出具授权版报告").click()
    page.get_by_role("heading", name="出具授权版信用报告").wait_for()
    page.screenshot(path=artifacts / "report-console-issue-desktop.png", full_page=True)
    page.get_by_role("button", name=f"出具报告：{company.name}").click()
    page.get_by_role("heading", name="公共信用信息报告（授权版）").wait_for()
    assert page.get_by_text("政府采购投标资格审查").first.is_visible()
    too_wide = []
    for label, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        page.reload()
        page.get_by_role("heading", name="公共信用信息报告（授权版）").wait_for()
        if page.evaluate("document.documentElement.scrollWidth") > size["width"]:
            too_wide.append(f"console report ({label})")
        page.screenshot(path=artifacts / f"report-console-detail-{label}.png", full_page=True)
    assert not errors, errors
    assert not too_wide, too_wide
