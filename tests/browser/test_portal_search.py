"""The public portal in chromium: search a subject by a variant of its name (traditional characters, no legal
form), open its page, on a desktop and on a phone (no script or CSP errors, nothing wider than the phone);
search by a complete ID number, which never reaches the address bar; screenshots of the home and subject
pages kept under test-artifacts/."""

from __future__ import annotations

import pytest

from tests.browser.test_console_pages import VIEWPORTS
from tests.portal.conftest import fixed_today, world  # noqa: F401 - fixtures: the public world, fixed "today"
from tests.subjects.factories import RIC, RIC_MASKED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_by_name_variant_and_open_the_subject(live_server, page, world, artifacts):  # noqa: F811
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = live_server.url
    too_wide: list[str] = []

    for label, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        page.goto(f"{base}/")
        page.get_by_role("heading", name="信用信息查询").wait_for()
        if page.evaluate("document.documentElement.scrollWidth") > size["width"]:
            too_wide.append(f"home ({label})")
        page.screenshot(path=artifacts / f"portal-home-{label}.png", full_page=True)

        # Traditional characters, without region and legal form: 恒信商贸 → 甲市恒信商贸有限公司.
        page.get_by_label("主体名称、统一社会信用代码或身份证号码").fill("恆信商貿")
        page.get_by_role("button", name="查询").click()
        page.get_by_role("heading", name="查询结果").wait_for()
        page.screenshot(path=artifacts / f"portal-search-{label}.png", full_page=True)
        page.get_by_role("link", name="甲市恒信商贸有限公司").first.click()

        page.get_by_role("heading", name="甲市恒信商贸有限公司", level=1).wait_for()
        assert page.get_by_text(world.company.uscc).first.is_visible()
        page.get_by_role("heading", name="行政管理信息").wait_for()
        assert page.get_by_text("甲市监罚〔2026〕1号").first.is_visible()
        if page.evaluate("document.documentElement.scrollWidth") > size["width"]:
            too_wide.append(f"subject ({label})")
        page.screenshot(path=artifacts / f"portal-subject-{label}.png", full_page=True)

    page.set_viewport_size(VIEWPORTS["desktop"])
    # A complete ID number: found and shown masked, and the address bar never holds it.
    page.goto(f"{base}/")
    page.get_by_label("主体名称、统一社会信用代码或身份证号码").fill(RIC)
    page.get_by_role("button", name="查询").click()
    page.get_by_role("heading", name="查询结果").wait_for()
    assert page.get_by_text(RIC_MASKED).first.is_visible()
    assert RIC not in page.url and RIC not in page.content()

    page.goto(f"{base}/shuanggongshi/chufa/")
    page.get_by_role("heading", name="行政处罚信息公示").wait_for()
    page.screenshot(path=artifacts / "portal-penalties-desktop.png", full_page=True)

    assert not errors, errors
    assert not too_wide, too_wide
