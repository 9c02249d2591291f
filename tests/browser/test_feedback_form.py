"""The feedback form in chromium: the queue shows the overdue item first, "not applied" needs a reason, an
"applied" answer issues the notice to the subject, and the earlier answer stays on the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.jrp.feedback.conftest import World
from tests.subjects.factories import PASSWORD
from xinyong.jrp.models import MeasureFeedback

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return World()


def test_feedback_form(page, live_server, world, artifacts):
    today = timezone.localdate()
    world.check(on=today)
    (late,) = world.check(on=today - dt.timedelta(days=30))
    base = live_server.url
    page.goto(f"{base}/console/login/")
    page.get_by_label("用户名").fill("do_a")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="工作台首页").wait_for()
    page.goto(f"{base}/console/jrp/feedback/")
    first = page.locator("tbody tr").first
    assert first.get_attribute("data-overdue") == "1"
    assert "逾期" in first.inner_text()
    first.get_by_role("link", name="反馈").click()

    page.get_by_label("未实施（须说明原因）").check()
    page.get_by_role("button", name="保存反馈").click()
    assert page.get_by_text("请填写原因说明").is_visible()
    page.get_by_label("未实施（须说明原因）").check()
    page.get_by_label("原因说明").fill("窗口系统故障，改为人工审核")
    page.get_by_role("button", name="保存反馈").click()
    assert page.get_by_text("反馈已保存").is_visible()

    page.get_by_label("已实施").check()
    page.get_by_label("原因说明").fill("")
    page.get_by_role("button", name="保存反馈").click()
    assert page.get_by_text("已向主体出具措施实施告知书").is_visible()
    assert page.get_by_role("heading", name="此前的反馈").is_visible()
    assert page.get_by_text("窗口系统故障，改为人工审核").first.is_visible()
    page.screenshot(path=str(artifacts / "feedback-form.png"), full_page=True)
    late.refresh_from_db()
    assert late.state == "applied" and late.subject_notified_at is not None

    notice_link = page.locator("a[href*='/reports/notices/']")
    notice_link.click()
    assert page.get_by_role("heading", name="联合惩戒措施实施告知书").is_visible()
    assert page.get_by_text("核验通过").is_visible()
    assert MeasureFeedback.objects.filter(state="pending").count() == 1
