"""In chromium: an ID number typed into the portal's search boxes or the admin's subject search never reaches
the address bar (nor any link of the page), in whatever shape it is typed; the person is still found."""

from __future__ import annotations

import pytest

from tests.portal.conftest import fixed_today, world  # noqa: F401 - fixtures: the public world, fixed "today"
from tests.subjects.factories import PASSWORD, RIC, RIC_MASKED, user
from xinyong.accounts.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHAPES = [RIC, f"身份证{RIC}", f"{RIC[:6]}/{RIC[6:]}", f"{RIC[:6]},{RIC[6:]}", RIC[:6]]


def _no_number_in(page, typed: str) -> None:
    seen = [page.url, *page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")]
    assert not [url for url in seen if RIC[:6] in url or RIC[6:14] in url], typed
    assert typed not in page.content() and RIC not in page.content()


def test_portal_search_keeps_id_numbers_out_of_urls(live_server, page, world):  # noqa: F811
    for typed in SHAPES:
        page.goto(f"{live_server.url}/")
        page.get_by_label("主体名称、统一社会信用代码或身份证号码").fill(typed)
        page.get_by_role("button", name="查询").click()
        page.get_by_role("heading", name="查询结果").wait_for()
        _no_number_in(page, typed)
    # The header box of any other page posts too.
    page.goto(f"{live_server.url}/guide/")
    page.locator("#header-q").fill(f"身份证{RIC}")
    page.locator("#header-q").press("Enter")
    page.get_by_role("heading", name="查询结果").wait_for()
    _no_number_in(page, RIC)


def test_admin_subject_search_finds_the_person_without_the_number_in_any_url(live_server, page, world):  # noqa: F811
    user("operator-b", Role.OPERATOR)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "operator-b")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    for typed in SHAPES:
        page.goto(f"{live_server.url}/admin/subjects/subject/")
        page.fill("#searchbar", typed)
        page.press("#searchbar", "Enter")
        page.wait_for_url("**/admin/subjects/subject/?st=*")
        _no_number_in(page, typed)
    page.goto(f"{live_server.url}/admin/subjects/subject/")
    page.fill("#searchbar", RIC)
    page.press("#searchbar", "Enter")
    page.wait_for_url("**/admin/subjects/subject/?st=*")
    assert page.get_by_text(RIC_MASKED).first.is_visible()
    # Sorting keeps the search and still carries only the token.
    page.get_by_role("link", name="名称").first.click()
    page.wait_for_url("**st=*")
    assert page.get_by_text(RIC_MASKED).first.is_visible()
    _no_number_in(page, RIC)
