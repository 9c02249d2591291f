"""The embeddable credit check widget on the demo acceptance page in chromium: the page (a department's own
system) embeds the widget with a token its server obtained; the widget shows a hit with its list and
measures, and a clean subject; no script or CSP errors. Screenshots under test-artifacts/."""

from __future__ import annotations

import pytest

from tests.jrp.check import conftest as check_world
from tests.jrp.check.conftest import CLEAN_USCC, LISTED_USCC
from tests.support import catalog, fast_password_hashing  # noqa: F401 - fixtures
from xinyong.demo.acceptance import demo_acceptance_setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

world = check_world.world
_fresh_rulebook_cache = check_world._fresh_rulebook_cache


@pytest.fixture
def acceptance(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.XINYONG_DEMO_ACCEPTANCE = True
    settings.JRP_WIDGET_FRAME_ANCESTORS = []
    demo_acceptance_setup(departments={"samr": world.samr}, now=None)
    return world


def test_the_demo_acceptance_page_shows_a_hit_and_a_clean_subject(live_server, page, acceptance, artifacts):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{live_server.url}/demo/acceptance/?applicant=hit")
    page.get_by_role("heading", name="行政许可申请受理").wait_for()
    assert page.locator("#applicant-code").inner_text() == LISTED_USCC
    widget = page.frame_locator("iframe.xinyong-check-widget")
    card = widget.locator(".xw-card[data-outcome='hit']")
    card.wait_for()
    assert "命中名单" in card.locator("h2").inner_text()
    assert "市场监督管理严重违法失信名单" in card.inner_text()
    assert "依法限制其申请食品经营许可" in card.inner_text()
    assert "强制应用" in card.inner_text()
    page.screenshot(path=artifacts / "check-widget-hit.png", full_page=True)

    page.goto(f"{live_server.url}/demo/acceptance/?applicant=clean")
    assert page.locator("#applicant-code").inner_text() == CLEAN_USCC
    clean = page.frame_locator("iframe.xinyong-check-widget").locator(".xw-card[data-outcome='clean']")
    clean.wait_for()
    assert "未发现失信记录" in clean.inner_text()
    page.screenshot(path=artifacts / "check-widget-clean.png", full_page=True)

    # The clerk may check another applicant in the widget with the same token (three checks per token).
    frame = page.frame_locator("iframe.xinyong-check-widget")
    frame.get_by_label("申请人统一社会信用代码、身份证号码或名称").fill(LISTED_USCC)
    frame.get_by_role("button", name="核查").click()
    frame.locator(".xw-card[data-outcome='hit']").wait_for()
    assert [e for e in errors if "Content Security Policy" in e or "Refused" in e] == []
    # (The demo page has no favicon: the browser's request for /favicon.ico is the only 404.)
    assert [e for e in errors if "404" not in e] == []


def test_the_widget_refuses_a_page_without_a_token(live_server, page, acceptance):
    page.goto(f"{live_server.url}/jrp/widget/")
    page.get_by_label("申请人统一社会信用代码、身份证号码或名称").fill(LISTED_USCC)
    page.get_by_role("button", name="核查").click()
    assert "缺少核查令牌" in page.locator("#xw-status").inner_text()
