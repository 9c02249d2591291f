"""The window clerks' credit check page in chromium: a listed company (a hit with its 黑 badge and measures)
and a clean company, on desktop and phone, without script or CSP errors; screenshots under test-artifacts/."""

from __future__ import annotations

import pytest

from tests.browser.test_console_pages import VIEWPORTS, menu_follow, sign_in, watch_errors
from tests.jrp.check.conftest import (  # noqa: F401 - fixtures
    CLEAN_USCC,
    LISTED_USCC,
    _fresh_rulebook_cache,
    catalog,
    clerk,
    fast_password_hashing,
    world,
)
from xinyong.jrp.models import CheckLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk_checks_a_listed_and_a_clean_company(live_server, page, world, clerk, artifacts):  # noqa: F811
    errors = watch_errors(page)
    base = live_server.url
    sign_in(page, base, clerk.username)
    menu_follow(page, "信用核查")
    page.get_by_role("heading", name="信用核查").wait_for()
    too_wide: list[str] = []

    for label, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        page.goto(f"{base}/console/jrp/check/")
        page.get_by_label("统一社会信用代码、身份证号码或名称").fill(LISTED_USCC)
        page.get_by_label("办理事项").select_option("SAMR-XK-001")
        page.get_by_label("核查用途").fill("受理食品经营许可申请")
        page.get_by_role("button", name="核查", exact=True).click()
        page.get_by_role("heading", name="核查结果：命中名单").wait_for()
        assert page.url.removeprefix(base) == "/console/jrp/check/"  # the code never in the URL
        result = page.locator("section[data-outcome=hit]")
        assert result.get_by_text("黑", exact=True).is_visible()
        assert result.get_by_text("市场监督管理严重违法失信名单").first.is_visible()
        assert result.get_by_text("依法限制其申请食品经营许可").first.is_visible()
        assert result.get_by_text("强制", exact=True).first.is_visible()
        if page.evaluate("document.documentElement.scrollWidth") > size["width"]:
            too_wide.append(f"hit ({label})")
        page.screenshot(path=artifacts / f"check-hit-{label}.png", full_page=True)

        page.get_by_label("统一社会信用代码、身份证号码或名称").fill(CLEAN_USCC)
        page.get_by_role("button", name="核查", exact=True).click()
        page.get_by_role("heading", name="核查结果：未命中名单").wait_for()
        assert page.get_by_text("未被列入任何有效的红黑名单", exact=False).first.is_visible()
        if page.evaluate("document.documentElement.scrollWidth") > size["width"]:
            too_wide.append(f"clean ({label})")
        page.screenshot(path=artifacts / f"check-clean-{label}.png", full_page=True)

    assert CheckLog.objects.filter(channel="console").count() == 4
    assert not errors, errors
    assert not too_wide, too_wide
