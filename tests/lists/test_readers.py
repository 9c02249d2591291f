"""Who reads the entries: the portal's list pages, credit reports and the lists API (types, entries, the change
cursor), with natural persons masked everywhere."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.lists.conftest import abnormal, dishonesty, honour
from tests.subjects.factories import RIC, RIC_MASKED
from xinyong.accounts.models import ApiScope
from xinyong.accounts.services import apiclient_create
from xinyong.lists.services import list_entries_sync
from xinyong.reports.content import report_content_build
from xinyong.reports.models import ReportKind

DAY = dt.date(2026, 6, 15)
pytestmark = pytest.mark.usefixtures("shipped")


@pytest.fixture
def listed(depts, company, other_company, person, monkeypatch):
    monkeypatch.setattr("xinyong.portal.views.today", lambda: DAY)
    records = {
        "court": dishonesty(depts["court"], company, dt.date(2026, 3, 2), "失信被执行人名单", number="执1"),
        "person": dishonesty(depts["court"], person, dt.date(2026, 4, 2), "失信被执行人", number="执2"),
        "tax": dishonesty(
            depts["tax"], other_company, dt.date(2026, 5, 2), "重大税收违法失信主体名单", number="税1"
        ),
        "old": dishonesty(
            depts["court"], other_company, dt.date(2020, 1, 2), "失信被执行人名单", number="执3"
        ),
        "abnormal": abnormal(depts["samr"], company, dt.date(2026, 1, 5), number="异1"),
        "red": honour(depts["samr"], other_company, dt.date(2026, 1, 5), "守合同重信用企业", number="荣1"),
    }
    list_entries_sync(record_ids=[r.pk for r in records.values()], as_of=DAY)
    return records


def _html(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_black_list_page_shows_entries_in_force(client, listed):
    html = _html(client, reverse("portal:black_list"))
    assert re.search(
        r"共 <strong>3</strong> 条", html
    )  # the expired 2020 listing and the abnormal one are not here
    assert "失信被执行人" in html and "重大税收违法失信主体" in html
    assert "测试县人民法院" in html and "2028-03-01" in html  # deciding department and 有效期至
    assert "张*" in html and RIC_MASKED in html and RIC not in html and "张三丰" not in html
    filtered = _html(client, reverse("portal:black_list") + "?type=tax_major_violation")
    assert re.search(r"共 <strong>1</strong> 条", filtered)
    assert "测试县瑞丰科技有限公司" in filtered and "测试县恒信商贸有限公司" not in filtered


def test_red_and_abnormal_pages(client, listed):
    assert "守合同重信用企业" in _html(client, reverse("portal:red_list"))
    html = _html(client, reverse("portal:abnormal_list"))
    assert re.search(r"共 <strong>1</strong> 条", html) and "至移出之日" in html


def test_removed_entries_leave_the_page(client, listed, depts, company):
    dishonesty(
        depts["court"],
        company,
        dt.date(2026, 3, 2),
        "失信被执行人名单",
        number="执1",
        SX_YCRQ="2026-06-01",
        SX_YCYY="已履行",
    )
    list_entries_sync(record_ids=[listed["court"].pk], as_of=DAY)
    assert re.search(r"共 <strong>2</strong> 条", _html(client, reverse("portal:black_list")))


def test_report_sections_read_entries(listed, company, other_company, depts):
    content, _ = report_content_build(subject=company, kind=ReportKind.PUBLIC, as_of=DAY)
    section = next(s for s in content["sections"] if s["code"] == "serious_dishonesty")
    details = dict(section["groups"][0]["rows"][0]["details"])
    assert (details["名单类型"], details["有效期至"]) == ("失信被执行人", "2028-03-01")
    # an expired listing is not reported; nor is a red entry the subject left
    other, _ = report_content_build(subject=other_company, kind=ReportKind.PUBLIC, as_of=DAY)
    dishonest = next(s for s in other["sections"] if s["code"] == "serious_dishonesty")
    assert [dict(r["details"])["名单类型"] for g in dishonest["groups"] for r in g["rows"]] == [
        "重大税收违法失信主体"
    ]
    red = next(s for s in other["sections"] if s["code"] == "honour")
    assert red["count"] == 1
    dishonesty(depts["samr"], other_company, dt.date(2026, 6, 1), "严重违法失信名单", number="市监严1")
    list_entries_sync(record_ids=[r.pk for r in other_company.credit_records.all()], as_of=DAY)
    again, _ = report_content_build(subject=other_company, kind=ReportKind.PUBLIC, as_of=DAY)
    assert next(s for s in again["sections"] if s["code"] == "honour")["count"] == 0


# ---------------------------------------------------------------------------------------------------- API


@pytest.fixture
def api(depts):
    def client_with(*scopes):
        _, key = apiclient_create(name="名单接口", department=depts["samr"], scopes=list(scopes))
        return Client(headers={"X-API-Key": key})

    return client_with


def test_api_types(api, listed):
    body = api(ApiScope.CHECK_QUERY).get("/api/lists/types").json()
    court = next(t for t in body if t["code"] == "court_dishonest_debtor")
    assert court["listing_mode"] == "mirrored" and court["memorandum"].startswith("《关于对失信被执行人")


def test_api_scope(api, listed):
    assert api(ApiScope.RECORDS_READ).get("/api/lists/entries").status_code == 200
    denied = api(ApiScope.SUBJECTS_READ).get("/api/lists/entries")
    assert denied.status_code == 403 and denied.json()["code"] == "api_scope_missing"
    assert Client().get("/api/lists/entries").status_code == 401


def test_api_entries_filters_and_masking(api, listed, other_company):
    client = api(ApiScope.CHECK_QUERY)
    body = client.get("/api/lists/entries", {"as_of": DAY.isoformat()}).json()
    assert body["count"] == 5
    person = next(e for e in body["results"] if e["subject_kind"] == "natural_person")
    assert person["subject_code"] == RIC_MASKED and RIC not in str(body)
    only = client.get("/api/lists/entries", {"type": "tax_major_violation", "as_of": DAY.isoformat()}).json()
    assert [e["subject_code"] for e in only["results"]] == [other_company.uscc]
    by_code = client.get(
        "/api/lists/entries", {"subject_code": other_company.uscc, "state": "expired"}
    ).json()
    assert [e["list_type"] for e in by_code["results"]] == ["court_dishonest_debtor"]
    bad = client.get("/api/lists/entries", {"state": "maybe"})
    assert bad.status_code == 400 and bad.json()["code"] == "state_invalid"
    assert client.get("/api/lists/entries", {"type": "nope"}).json()["code"] == "list_type_unknown"
    assert client.get("/api/lists/entries", {"subject_code": "12"}).json()["code"] == "subject_code_invalid"


def test_api_change_cursor(api, listed, depts, company, settings):
    settings.XINYONG_CHANGE_FEED_SETTLE_SECONDS = 0
    client = api(ApiScope.RECORDS_READ)
    first = client.get("/api/lists/changes", {"limit": 3}).json()
    assert len(first["changes"]) == 3 and first["has_more"]
    seen = [c["id"] for c in first["changes"]]
    cursor = first["next_cursor"]
    while True:
        page = client.get("/api/lists/changes", {"cursor": cursor, "limit": 3}).json()
        seen += [c["id"] for c in page["changes"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen))
    # a removal later shows up after the cursor
    dishonesty(
        depts["court"], company, dt.date(2026, 3, 2), "失信被执行人名单", number="执1", SX_YCRQ="2026-06-01"
    )
    list_entries_sync(record_ids=[listed["court"].pk], as_of=DAY)
    later = client.get("/api/lists/changes", {"cursor": cursor}).json()
    assert [(c["from_state"], c["to_state"]) for c in later["changes"]] == [("effective", "removed")]
    assert later["changes"][0]["entry"]["state"] == "removed"
    bad = client.get("/api/lists/changes", {"cursor": "???"})
    assert bad.status_code == 400 and bad.json()["code"] == "cursor_invalid"
