"""The public journey of issue 4 in one go, in chromium: search a subject by a variant of its name, open its
page, get its public credit report and download the PDF, then confirm the report number on the verification
page. Screenshots of the home, subject and report pages are kept under test-artifacts/."""

from __future__ import annotations

import pytest

from tests.portal.conftest import fixed_today, world  # noqa: F401 - fixtures: the public world, fixed "today"
from xinyong.reports.models import CreditReport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_open_report_download_and_verify(live_server, page, world, artifacts):  # noqa: F811
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = live_server.url

    page.goto(f"{base}/")
    page.screenshot(path=artifacts / "journey-1-home.png", full_page=True)
    # Traditional characters, no region prefix, no legal form.
    page.get_by_label("主体名称、统一社会信用代码或身份证号码").fill("恆信商貿")
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name="甲市恒信商贸有限公司").first.click()
    page.get_by_role("heading", name="甲市恒信商贸有限公司", level=1).wait_for()
    page.screenshot(path=artifacts / "journey-2-subject.png", full_page=True)

    page.get_by_role("button", name="下载公共信用信息报告").click()
    page.get_by_role("heading", name="公共信用信息报告（公开版）").wait_for()
    report = CreditReport.objects.get(subject=world.company)
    assert page.get_by_text(report.number).first.is_visible()
    page.screenshot(path=artifacts / "journey-3-report.png", full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载 PDF 报告").click()
    pdf = download_info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")  # fonts: tests/reports

    page.goto(f"{base}/reports/verify/")
    page.get_by_label("报告编号").fill(report.number)
    page.get_by_label("验证码").fill(report.verification_code)
    page.get_by_role("button", name="核验").click()
    page.get_by_role("heading", name="核验通过：该报告由本平台出具，内容未被改动").wait_for()
    assert page.get_by_text(report.content_hash).first.is_visible()
    page.screenshot(path=artifacts / "journey-4-verified.png", full_page=True)
    assert not errors, errors
