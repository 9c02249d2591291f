# ruff: noqa: F811  (fixtures imported from tests.lists.decided_support)
"""Decided lists in chromium: an operator reviews an escalation proposal, issues the 失信惩戒告知书 and reads it;
no script or CSP errors; screenshots under test-artifacts/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser.test_console_pages import menu_follow, sign_in
from tests.lists.decided_support import (  # noqa: F401
    catalog,
    company,
    escalation_rules,
    fast_password_hashing,
    operator,
    penalty,
    samr,
)
from xinyong.lists.escalation import escalation_evaluate
from xinyong.lists.models import EntryState, ListEntry
from xinyong.reports.notices import notice_for_entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_reviews_a_proposal_notifies_and_sees_the_notice(
    live_server, page, catalog, company, samr, operator, escalation_rules, artifacts
):
    errors: list[str] = []
    # Failed loads are checked by address (the browser's own /favicon.ico request is not the page's).
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    today = timezone.localdate()
    penalty(company, samr, on=today - dt.timedelta(days=60))
    penalty(company, samr, on=today - dt.timedelta(days=30))
    [entry_id] = escalation_evaluate(as_of=today).proposed
    base = live_server.url

    sign_in(page, base, operator.username)
    menu_follow(page, "红黑名单")
    page.get_by_role("link", name="待审核的拟列入").click()
    page.get_by_role("heading", name="待审核的拟列入").wait_for()
    row = page.get_by_role("row").filter(has_text=company.name)
    assert "较重失信" in row.inner_text() and "升级规则提出" in row.inner_text()
    page.screenshot(path=artifacts / "lists-review.png", full_page=True)
    row.get_by_role("button", name="出具告知书").click()

    page.get_by_role("heading", name="失信惩戒告知书").wait_for()
    notice = notice_for_entry(entry_id=entry_id)
    assert page.get_by_text(notice.number).first.is_visible()
    assert page.get_by_text("企业失信行为等级认定名单").first.is_visible()
    page.screenshot(path=artifacts / "lists-notice.png", full_page=True)
    assert ListEntry.objects.get(pk=entry_id).state == EntryState.NOTIFIED

    page.get_by_role("link", name=f"名单条目 {entry_id}").click()
    page.get_by_role("link", name="查看失信惩戒告知书").wait_for()
    assert page.get_by_text("已告知").first.is_visible()
    assert not errors, errors
