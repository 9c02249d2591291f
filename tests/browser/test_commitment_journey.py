# ruff: noqa: F811  (fixtures imported from tests.dueprocess.commitments.conftest)
"""信用承诺 in chromium: an operator records a commitment signed at the window, marks it broken, and finds the
negative record (违背信用承诺) in the subject's credit archive; no script errors; screenshots kept."""

from __future__ import annotations

import pytest

from tests.browser.test_console_pages import menu_follow, sign_in, watch_errors
from tests.dueprocess.commitments.conftest import (  # noqa: F401
    approval,
    catalog,
    company,
    fast_password_hashing,
    operator,
    templates,
)
from xinyong.dueprocess.models import Commitment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_records_a_commitment_and_marks_it_broken(
    live_server, page, operator, approval, company, templates, artifacts
):
    errors = watch_errors(page)
    base = live_server.url
    sign_in(page, base, operator.username)

    menu_follow(page, "信用承诺")
    page.get_by_role("heading", name="信用承诺", exact=True).wait_for()
    page.get_by_role("link", name="登记信用承诺").click()
    page.get_by_label("承诺主体的统一社会信用代码或身份证号码").fill(company.uscc)
    page.get_by_label("承诺书模板").select_option(label="食品经营许可告知承诺书")
    page.get_by_label("承诺事项").fill("食品经营许可（新办）")
    page.get_by_label("签署人").fill("王五")
    page.get_by_label("承诺受理单位").select_option(label=approval.name)
    page.screenshot(path=artifacts / "commitments-sign.png", full_page=True)
    page.get_by_role("button", name="登记").click()

    page.get_by_text("已登记信用承诺").wait_for()
    page.get_by_role("heading", name=f"{company.name}｜食品经营许可（新办）").wait_for()
    page.get_by_label("违诺情形").fill("现场核查发现经营场所与承诺不符，不具备许可条件")
    page.get_by_role("button", name="核查为未履行").click()
    page.get_by_text("已记入失信信息").wait_for()
    page.screenshot(path=artifacts / "commitments-broken.png", full_page=True)

    page.get_by_role("link", name="调阅信用档案").click()
    page.get_by_label("查询事由").select_option(label="执法检查")
    page.get_by_role("button", name="查看信用档案").click()
    page.get_by_role("heading", name=f"{company.name} 的信用档案").wait_for()
    assert page.get_by_text("违背信用承诺").first.is_visible()
    commitment = Commitment.objects.get()
    assert page.get_by_text(f"{commitment.number}-WN").first.is_visible()
    for summary in page.locator("details summary").all():
        summary.click()
    assert page.get_by_text("现场核查发现经营场所与承诺不符").first.is_visible()
    page.screenshot(path=artifacts / "commitments-archive.png", full_page=True)
    assert not errors, errors
