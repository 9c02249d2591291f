# ruff: noqa: F811  (fixtures imported from tests.dueprocess.repairs.conftest)
"""Credit repair in chromium: a subject applies on the portal, the market regulator accepts and approves in the
console, the subject sees the outcome and the decision; no script errors; screenshots under test-artifacts/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from tests.browser.test_console_pages import menu_follow, sign_in
from tests.dueprocess.repairs.conftest import PDF, fast_password_hashing, penalty, rp  # noqa: F401
from tests.dueprocess.subject_support import ACCOUNT_PASSWORD
from xinyong.dueprocess.repairs.models import RepairApplication, RepairState
from xinyong.records.models import CreditRecord, RecordStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_subject_applies_department_decides_subject_sees_the_outcome(
    live_server, browser, page, rp, artifacts, tmp_path
):
    errors: list[str] = []
    record = penalty(rp, on=timezone.localdate() - dt.timedelta(days=150))
    base = live_server.url
    account = rp["account"]
    account.password = make_password(ACCOUNT_PASSWORD)
    account.save(update_fields=["password"])
    subject = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    mine = subject.new_page()
    mine.set_default_timeout(15_000)
    for p in (mine, page):
        p.on("pageerror", lambda exc: errors.append(str(exc)))
        # Failed loads are checked by address (the browser's own /favicon.ico request is not the page's).
        p.on(
            "console",
            lambda msg: (
                errors.append(msg.text)
                if msg.type == "error" and not msg.text.startswith("Failed to load resource")
                else None
            ),
        )
        p.on(
            "response",
            lambda r: (
                errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico")
                else None
            ),
        )

    # The subject signs in on 我的信用 (its own login), sees what it may repair and applies, with a commitment
    # and a PDF.
    mine.goto(f"{base}/my/repairs/")
    mine.get_by_role("heading", name="登录我的信用").wait_for()
    mine.get_by_label("登录名（手机号码或电子邮箱）").fill(account.login_name)
    mine.get_by_label("密码").fill(ACCOUNT_PASSWORD)
    mine.get_by_role("button", name="登录").click()
    mine.get_by_role("heading", name="可以申请修复的信息").wait_for()
    mine.get_by_role("link", name="申请修复").click()
    mine.get_by_role("heading", name="申请信用修复").wait_for()
    mine.get_by_label("履行法定义务、纠正失信行为的情况").fill("已缴清罚款并完成整改，经复查合格")
    evidence = tmp_path / "缴款凭证.pdf"
    evidence.write_bytes(PDF)
    mine.get_by_label("证明材料").set_input_files(str(evidence))
    mine.get_by_label("签署人姓名").fill("王经理")
    mine.get_by_label("我已阅读并签署上述信用修复承诺书，承诺内容将依法公开").check()
    mine.screenshot(path=str(artifacts / "repair-apply.png"), full_page=True)
    mine.get_by_role("button", name="提交申请").click()
    mine.get_by_text("信用修复申请已提交").wait_for()
    assert mine.locator("#repair-state").inner_text() == "已提交"
    application = RepairApplication.objects.get()

    # The deciding department accepts, then approves with reasons.
    sign_in(page, base, rp["users"]["officer"].username)
    menu_follow(page, "信用修复")
    page.get_by_role("link", name=application.number).click()
    page.get_by_text("未核实").first.wait_for()
    page.get_by_role("button", name="受理", exact=True).click()
    page.get_by_text("已受理").first.wait_for()
    page.get_by_label("准予修复的理由").fill("罚款已缴清，整改到位")
    page.get_by_role("button", name="准予修复", exact=True).click()
    page.get_by_text("已准予信用修复").wait_for()
    page.screenshot(path=str(artifacts / "repair-decided.png"), full_page=True)
    application.refresh_from_db()
    assert application.state == RepairState.APPROVED
    assert CreditRecord.objects.get(pk=record.pk).status == RecordStatus.REPAIRED

    # The subject sees the outcome and the 信用修复决定书 with the reasons.
    mine.goto(f"{base}/my/repairs/{application.pk}/")
    assert mine.locator("#repair-state").inner_text() == "准予修复"
    mine.get_by_role("heading", name="信用修复决定书").wait_for()
    mine.get_by_text("理由：罚款已缴清，整改到位").wait_for()
    mine.screenshot(path=str(artifacts / "repair-outcome.png"), full_page=True)
    # The repaired record is gone from the public subject page.
    public = mine.goto(f"{base}/subjects/{rp['company'].pk}/")
    assert public.status == 200 and record.document_number not in mine.content()
    subject.close()
    assert not errors, errors
