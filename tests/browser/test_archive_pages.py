"""信用档案 in chromium: search a subject, choose the purpose, read the archive on a desktop and on a phone
(no script or CSP errors, nothing wider than the phone), open a record's versions; screenshots kept."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.test_console_pages import VIEWPORTS, menu_follow, sign_in, watch_errors
from tests.factories import record_ingest_row, subject_create
from tests.subjects.factories import PASSWORD, item_version, received, uscc
from xinyong.accounts.models import Department, Role, User
from xinyong.core.codes import SubjectKind
from xinyong.records.models import Channel
from xinyong.records.services import record_change_status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def data(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    samr = Department.objects.create(code="samr", name="甲市市场监督管理局")
    env = Department.objects.create(code="env", name="甲市生态环境局")
    operator = User.objects.create_user(
        username="operator", password=PASSWORD, role=Role.OPERATOR, last_name="王"
    )
    company = subject_create(kind=SubjectKind.ORGANISATION, name="甲市档案浏览有限公司", uscc=uscc(11))
    public = item_version("penalty-b", scope="public")
    shared = item_version("inspection-b", scope="shared")
    long_text = "责令改正违法行为，并处罚款人民币五万元整；当事人已于规定期限内缴纳罚款并提交整改报告。" * 3

    def ingest(item, department, number, **extra):
        values = {
            "item_version": item,
            "department": department,
            "document_number": number,
            "subject": company,
            "decision_date": dt.date(2026, 5, 20),
            "fields": {"CF_XDR_MC": company.name, "CF_WSH": number, "CF_NR": long_text},
            "severity": "general",
            "channel": Channel.FILE,
            "received_at": received(),
            **extra,
        }
        return record_ingest_row(**values).record

    ingest(
        public,
        samr,
        "甲市监罚〔2026〕101号",
        publish_from=dt.date(2026, 5, 27),
        publish_until=dt.date(2027, 5, 19),
    )
    ingest(
        public,
        samr,
        "甲市监罚〔2022〕9号",
        decision_date=dt.date(2022, 3, 1),
        publish_from=dt.date(2022, 3, 8),
        publish_until=dt.date(2025, 2, 28),
    )
    ingest(shared, env, "甲环查〔2026〕12号")
    ingest(shared, env, "甲环查〔2026〕12号", fields={"CF_NR": "更正：复查合格"})
    revoked = ingest(public, env, "甲环罚〔2026〕3号")
    record_change_status(
        record=revoked,
        status="revoked",
        actor=operator,
        reason="行政复议决定撤销",
        as_of=dt.date(2026, 6, 10),
    )
    return {"company": company}


def test_archive_flow_on_desktop_and_phone(live_server, page, data, artifacts):
    errors = watch_errors(page)
    base = live_server.url
    sign_in(page, base, "operator")

    menu_follow(page, "信用档案")
    page.get_by_label("统一社会信用代码、身份证号码或名称").fill("档案浏览")
    page.get_by_role("button", name="查找").click()
    page.screenshot(path=artifacts / "console-archive-search-desktop.png", full_page=True)
    page.get_by_role("link", name="调阅信用档案").click()
    page.get_by_label("查询事由").select_option(label="执法检查")
    page.screenshot(path=artifacts / "console-archive-purpose-desktop.png", full_page=True)
    page.get_by_role("button", name="查看信用档案").click()
    page.get_by_role("heading", name="甲市档案浏览有限公司 的信用档案").wait_for()
    page.get_by_text("内容与版本").first.click()
    archive_url = page.url

    problems = []
    for label, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        page.goto(archive_url)
        for summary in page.locator("details summary").all():
            summary.click()
        width = page.evaluate("document.documentElement.scrollWidth")
        if label == "phone" and width > size["width"]:
            problems.append(f"archive page is {width}px wide on a {size['width']}px phone")
        page.screenshot(path=artifacts / f"console-archive-{label}.png", full_page=True)
    assert not problems, problems
    assert not errors, errors
