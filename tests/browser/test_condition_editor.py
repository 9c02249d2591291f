"""The condition editor in chromium: a department reviewer adds rows, removes one, sees a row's error,
saves a condition on a draft measure and reads it back in words; no script or CSP errors."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.test_console_pages import menu_follow, sign_in
from tests.subjects.factories import PASSWORD
from xinyong.accounts.models import Department, Role, User
from xinyong.jrp.measures.services import measures_load_fixtures, rulebook_draft_create
from xinyong.jrp.models import MeasureCondition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reviewer_edits_the_departments_condition(live_server, page, settings, artifacts):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    approval = Department.objects.create(code="approval", name="示范县行政审批局")
    measures_load_fixtures(as_of=dt.date(2026, 6, 15))
    operator = User.objects.create_user(username="op", password=PASSWORD, role=Role.OPERATOR)
    User.objects.create_user(username="rv", password=PASSWORD, role=Role.REVIEWER, department=approval)
    draft = rulebook_draft_create(actor=operator, note="增加审批局条件")
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))

    sign_in(page, live_server.url, "rv")
    menu_follow(page, "奖惩措施")
    page.get_by_role("heading", name="奖惩措施清单").wait_for()
    page.goto(f"{live_server.url}/console/jrp/measures/rulebooks/{draft.number}/measures/CD-04/")
    page.get_by_role("link", name="编辑本部门条件").click()
    page.get_by_role("heading", name="部门适用条件：CD-04").wait_for()
    assert page.get_by_test_id("current-condition").inner_text() == "无附加条件"

    page.get_by_label("第 1 行条件项").select_option("amount")
    page.get_by_label("第 1 行运算").select_option("gte")
    page.get_by_label("第 1 行值").fill("很多")
    page.get_by_role("button", name="增加一行").click()
    page.get_by_label("第 2 行条件项").select_option("level")
    page.get_by_role("button", name="增加一行").click()
    page.get_by_label("第 3 行条件项").select_option("subject_kind")
    page.get_by_role("button", name="删除此行").nth(1).click()  # the level row goes
    assert page.get_by_label("第 3 行条件项").count() == 0
    page.get_by_label("第 2 行运算").select_option("in")
    page.get_by_label("第 2 行值").fill("organisation，individual_business")
    page.get_by_role("button", name="保存条件").click()
    page.get_by_role("alert").filter(has_text="涉及金额（元）").wait_for()  # "很多" is no number
    assert not MeasureCondition.objects.exists()

    page.get_by_label("第 1 行值").fill("100,000")
    page.get_by_label("条件说明").fill("金额十万元以上才从严审核")
    page.get_by_role("button", name="保存条件").click()
    page.get_by_text("已保存").wait_for()
    current = page.get_by_test_id("current-condition").inner_text()
    assert current == "涉及金额不少于 100,000 元；且主体类型属于法人及非法人组织、个体工商户"
    saved = MeasureCondition.objects.get(rulebook=draft, department=approval)
    assert saved.expression["all"][0] == {"pred": "amount", "op": "gte", "value": 100000}
    page.screenshot(path=str(artifacts / "condition-editor.png"), full_page=True)
    assert [p for p in problems if "Content Security Policy" in p or "Refused" in p or "Error" in p] == []
