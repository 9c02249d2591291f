# ruff: noqa: F811  (fixtures imported from tests.lists.decided_support)
"""Console screens of lists: who sees what, the steps through the screens, filters and the CSV export."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.lists.decided_support import (  # noqa: F401
    catalog,
    company,
    decided_type,
    fast_password_hashing,
    list_type_make,
    penalty,
    samr,
    tax,
    user_make,
    work_calendar,
)
from xinyong.accounts.models import AuditEntry, Role
from xinyong.lists.lifecycle import entry_propose
from xinyong.lists.models import EntryState, ListEntry
from xinyong.reports.models import ReportKind
from xinyong.reports.notices import notice_for_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(samr, tax):
    return {
        "operator": user_make("op", Role.OPERATOR),
        "officer": user_make("do_samr", Role.DATA_OFFICER, samr),
        "reviewer": user_make("rv_samr", Role.REVIEWER, samr),
        "clerk": user_make("wc_samr", Role.WINDOW_CLERK, samr),
        "auditor": user_make("au", Role.AUDITOR),
        "other": user_make("do_tax", Role.DATA_OFFICER, tax),
        "nobody": user_make("nobody", ""),
    }


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def entry(catalog, company, samr, decided_type, users):
    record = penalty(company, samr, on=dt.date(2026, 5, 1))
    return entry_propose(
        list_type=decided_type,
        subject=company,
        reason='=HYPERLINK("http://x")发生较大生产安全责任事故',
        basis_record_ids=[record.pk],
        on_date=dt.date(2026, 5, 20),
        actor=users["officer"],
    )


def test_list_screens_by_role(entry, users):
    for name in ("operator", "officer", "reviewer", "clerk", "auditor", "other"):
        client = client_for(users[name])
        page = client.get("/console/lists/")
        assert page.status_code == 200, name
        assert "甲市某某化工有限公司" in page.content.decode()
        assert client.get(f"/console/lists/entries/{entry.pk}/").status_code == 200
        assert client.get("/console/lists/types/").status_code == 200
        assert client.get(f"/console/lists/types/{entry.list_type.code}/").status_code == 200
    assert client_for(users["nobody"]).get("/console/lists/").status_code == 403
    for name in ("clerk", "auditor"):
        assert client_for(users[name]).get("/console/lists/review/").status_code == 403
    assert "红黑名单" in client_for(users["clerk"]).get("/console/").content.decode()


def test_buttons_only_for_those_deciding(entry, users):
    url = f"/console/lists/entries/{entry.pk}/"
    for name in ("operator", "officer", "reviewer"):
        assert "出具失信惩戒告知书" in client_for(users[name]).get(url).content.decode(), name
    for name in ("clerk", "auditor", "other"):
        assert "出具失信惩戒告知书" not in client_for(users[name]).get(url).content.decode(), name


def test_review_queue_shows_decidable_proposals_only(entry, users):
    assert (
        "甲市某某化工有限公司" in client_for(users["reviewer"]).get("/console/lists/review/").content.decode()
    )
    assert "没有待审核的拟列入" in client_for(users["other"]).get("/console/lists/review/").content.decode()


def test_other_department_cannot_notify_or_decline(entry, users):
    client = client_for(users["other"])
    client.post(f"/console/reports/notices/{entry.pk}/issue/")
    client.post(f"/console/lists/entries/{entry.pk}/decline/", {"reason": "不予列入"})
    entry.refresh_from_db()
    assert entry.state == EntryState.PROPOSED
    clerk = client_for(users["clerk"])
    assert clerk.post(f"/console/reports/notices/{entry.pk}/issue/").status_code == 403


def test_notify_decline_and_refused_steps_through_the_screens(entry, users, work_calendar):
    client = client_for(users["reviewer"])
    response = client.post(f"/console/reports/notices/{entry.pk}/issue/", follow=True)
    page = response.content.decode()
    assert "已出具失信惩戒告知书" in page and "失信惩戒告知书" in page
    entry.refresh_from_db()
    assert entry.state == EntryState.NOTIFIED
    notice = notice_for_entry(entry_id=entry.pk)
    assert notice.kind == ReportKind.NOTICE and notice.number in page
    # Too early: the objection window is open.
    response = client.post(f"/console/lists/entries/{entry.pk}/make-effective/", follow=True)
    assert "异议期尚未届满" in response.content.decode()
    entry.refresh_from_db()
    assert entry.state == EntryState.NOTIFIED
    # Declining needs a reason, then works.
    response = client.post(f"/console/lists/entries/{entry.pk}/decline/", {"reason": ""}, follow=True)
    assert "请填写不予列入的理由" in response.content.decode()
    client.post(f"/console/lists/entries/{entry.pk}/decline/", {"reason": "当事人陈述申辩理由成立"})
    entry.refresh_from_db()
    assert entry.state == EntryState.DECLINED
    detail = client.get(f"/console/lists/entries/{entry.pk}/").content.decode()
    assert "当事人陈述申辩理由成立" in detail and "查看失信惩戒告知书" in detail
    assert client.get(f"/console/reports/notices/{entry.pk}/").status_code == 200


def test_due_queue_and_make_effective(entry, users, work_calendar):
    ListEntry.objects.filter(pk=entry.pk).update(
        state=EntryState.NOTIFIED, notified_on=dt.date(2026, 1, 5), objection_due=dt.date(2026, 1, 12)
    )
    client = client_for(users["officer"])
    assert "甲市某某化工有限公司" in client.get("/console/lists/due/").content.decode()
    response = client.post(f"/console/lists/entries/{entry.pk}/make-effective/", {"next": "due"}, follow=True)
    assert "已列入名单" in response.content.decode()
    entry.refresh_from_db()
    assert entry.state == EntryState.EFFECTIVE and entry.effective_from == timezone.localdate()
    assert entry.record.item.code == "serious_dishonesty"


def test_propose_through_the_screen(catalog, company, samr, decided_type, users):
    record = penalty(company, samr, on=dt.date(2026, 5, 1))
    client = client_for(users["officer"])
    found = client.get("/console/lists/propose/", {"q": company.uscc}).content.decode()
    assert f"?subject={company.pk}" in found
    form = client.get("/console/lists/propose/", {"subject": company.pk}).content.decode()
    assert record.document_number in form and decided_type.name in form
    response = client.post(
        f"/console/lists/propose/?subject={company.pk}",
        {"list_type": decided_type.code, "basis": [record.pk], "reason": "未按规定整改重大事故隐患"},
    )
    entry = ListEntry.objects.get()
    assert response.status_code == 302 and entry.department == samr and entry.state == EntryState.PROPOSED
    # The tax officer may not propose on a type that names samr only.
    other = (
        client_for(users["other"]).get("/console/lists/propose/", {"subject": company.pk}).content.decode()
    )
    assert f'value="{decided_type.code}"' not in other
    client_for(users["other"]).post(
        f"/console/lists/propose/?subject={company.pk}",
        {"list_type": decided_type.code, "basis": [record.pk], "reason": "事由"},
    )
    assert ListEntry.objects.count() == 1
    assert client_for(users["clerk"]).get("/console/lists/propose/").status_code == 403


def test_filters_pagination_and_export(entry, users):
    client = client_for(users["auditor"])
    assert "甲市某某化工有限公司" in client.get("/console/lists/", {"state": "proposed"}).content.decode()
    assert "没有符合条件的名单条目" in client.get("/console/lists/", {"state": "effective"}).content.decode()
    assert "甲市某某化工有限公司" in client.get("/console/lists/", {"q": "某某化工"}).content.decode()
    assert "甲市某某化工有限公司" in client.get("/console/lists/", {"department": "samr"}).content.decode()
    assert "没有符合条件" in client.get("/console/lists/", {"colour": "red"}).content.decode()
    assert client.get("/console/lists/", {"page": "99", "q": "\u200b某某"}).status_code == 200
    response = client.get("/console/lists/export.csv", {"type": entry.list_type.code})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff条目编号,名单类型")
    assert "'=HYPERLINK" in body and "\n=HYPERLINK" not in body and ",=HYPERLINK" not in body
    assert AuditEntry.objects.filter(action="export").exists()


def test_an_operator_proposes_for_a_department(catalog, company, samr, decided_type, users):
    record = penalty(company, samr, on=dt.date(2026, 5, 1))
    client = client_for(users["operator"])
    url = f"/console/lists/propose/?subject={company.pk}"
    data = {"list_type": decided_type.code, "basis": [record.pk], "reason": "事故"}
    assert "请选择认定部门" in client.post(url, data).content.decode()
    client.post(url, {**data, "department": "samr"})
    assert ListEntry.objects.get().department == samr
