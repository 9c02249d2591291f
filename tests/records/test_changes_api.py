"""Change feed GET /api/records/changes: cursor, limit, visibility, purpose, settle delay, OpenAPI."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from unittest import mock

import pytest
from django.utils import timezone

from tests.subjects.factories import api_client
from xinyong.accounts.models import ApiScope, AuditEntry
from xinyong.accounts.services import apiclient_revoke
from xinyong.records.api import decode_cursor, encode_cursor
from xinyong.records.models import CreditRecordVersion
from xinyong.records.services import record_publication_sweep

pytestmark = pytest.mark.django_db

PURPOSE = "数据同步"
URL = "/api/records/changes"


@pytest.fixture(autouse=True)
def no_settle_delay(settings):
    settings.XINYONG_CHANGE_FEED_SETTLE_SECONDS = 0


def feed(client, api, *, purpose=PURPOSE, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api.key}"}
    if purpose is not None:
        headers["HTTP_X_PURPOSE"] = urllib.parse.quote(purpose)
    return client.get(URL, params, **headers)


def pull_all(client, api, *, limit=3, cursor=None):
    """Follow next_cursor until the feed is exhausted; returns every change and the last cursor."""
    changes = []
    for _ in range(100):
        params = {"limit": limit}
        if cursor:
            params["changed_since"] = cursor
        body = feed(client, api, **params).json()
        changes += body["changes"]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return changes, cursor
    raise AssertionError("feed did not end")


def visible_keys(records, *names):
    return {records[name].pk for name in names}


def test_versions_of_visible_records_in_pages(client, records, client_b):
    changes, cursor = pull_all(client, client_b, limit=3)
    assert {c["record_id"] for c in changes} == visible_keys(
        records, "b-public", "b-shared", "b-authorised", "b-none", "a-public", "a-shared"
    )
    assert all(c["kind"] == "version" and c["version"]["number"] == 1 for c in changes)
    assert len(changes) == len({(c["record_id"], c["version"]["number"]) for c in changes}) == 6
    # Nothing new: the same cursor again returns nothing and stays put.
    body = feed(client, client_b, changed_since=cursor).json()
    assert body == {"next_cursor": cursor, "has_more": False, "changes": []}


def test_new_versions_and_publication_changes_after_the_cursor(
    client, records, client_b, ingest, dept_a, officer_a
):
    _, cursor = pull_all(client, client_b)
    # A correction of a department A public record (visible to B) and one of a non-visible record.
    ingest(records["a-public"].item_version, dept_a, records["a-public"].document_number, severity="serious")
    ingest(records["a-none"].item_version, dept_a, records["a-none"].document_number, severity="serious")
    record_publication_sweep(as_of=dt.date(2026, 6, 15))
    changes, _ = pull_all(client, client_b, cursor=cursor)
    versions = [c for c in changes if c["kind"] == "version"]
    publications = [c for c in changes if c["kind"] == "publication"]
    assert [(c["record_id"], c["version"]["number"]) for c in versions] == [(records["a-public"].pk, 2)]
    assert versions[0]["version"]["fields"]  # the current version: content included
    assert versions[0]["item"] == "penalty" and versions[0]["department"] == "dept-a"
    assert {c["record_id"] for c in publications} == visible_keys(records, "a-public", "b-public")
    assert publications[0]["publication"] == {
        "change": "entered",
        "change_label": "纳入公示",
        "on_date": "2026-06-15",
        "reason": "window_started",
        "reason_label": "进入公示期",
    }
    # Oldest first across both kinds.
    times = [c["at"] for c in changes]
    assert times == sorted(times)


def test_old_versions_of_other_departments_come_without_content(
    client, records, client_a, client_b, ingest, dept_a
):
    ingest(records["a-public"].item_version, dept_a, records["a-public"].document_number, severity="serious")
    for api, owner in ((client_b, False), (client_a, True)):
        changes, _ = pull_all(client, api, limit=50)
        mine = {
            c["version"]["number"]: c["version"] for c in changes if c["record_id"] == records["a-public"].pk
        }
        assert set(mine) == {1, 2}
        assert mine[2]["fields"]
        assert (mine[1]["fields"] is not None) is owner


def test_purpose_required_for_non_public_records_and_audited(client, records, client_b):
    response = feed(client, client_b, purpose=None)
    assert response.status_code == 400 and response.json()["code"] == "purpose_required"
    response = feed(client, client_b, limit=50)
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action="view", actor_api_client=client_b).latest("seq")
    assert entry.purpose == PURPOSE
    assert set(entry.detail["record_ids"]) == visible_keys(
        records, "b-shared", "b-authorised", "b-none", "a-shared"
    )


def test_public_only_pages_need_no_purpose(client, records, client_b):
    # Versions are delivered in id order: the first record written is a-public.
    first = CreditRecordVersion.objects.order_by("pk").first()
    assert first.record_id == records["a-public"].pk
    response = feed(client, client_b, purpose=None, limit=1)
    assert response.status_code == 200 and response.json()["changes"][0]["record_id"] == first.record_id


def test_rows_are_served_after_the_settle_delay(client, records, client_b, settings):
    settings.XINYONG_CHANGE_FEED_SETTLE_SECONDS = 30
    assert feed(client, client_b).json()["changes"] == []
    later = timezone.now() + dt.timedelta(seconds=31)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert len(feed(client, client_b, limit=50).json()["changes"]) == 6


def test_bad_cursor_and_limit(client, records, client_b):
    for cursor in ("nonsense", "!!", encode_cursor(1, 2)[:-2] + "zz"):
        response = feed(client, client_b, changed_since=cursor)
        assert response.status_code == 400 and response.json()["code"] == "cursor_invalid"
        assert "next_cursor" in response.json()["message"]
    for limit in (0, 1001):
        response = feed(client, client_b, limit=limit)
        assert response.status_code == 400 and response.json()["code"] == "limit_invalid"


def test_cursor_round_trip():
    assert decode_cursor(encode_cursor(12, 0)) == (12, 0)
    assert decode_cursor(encode_cursor(0, 987654321)) == (0, 987654321)
    assert decode_cursor("") is None


def test_authentication_scope_and_revoked_client(client, records, dept_b, client_b):
    assert client.get(URL).status_code == 401
    subjects_only, key = api_client(dept_b, [ApiScope.SUBJECTS_READ])
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 403 and response.json()["code"] == "api_scope_missing"
    apiclient_revoke(client=client_b)
    assert feed(client, client_b).status_code == 401


def test_documented_in_openapi(client):
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/records/changes"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"changed_since", "limit"} <= names
    assert operation["summary"] == "信用记录变更订阅（增量）"
