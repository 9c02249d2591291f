"""The channels with the real credit check: a listed company, its legal representative and a clean company
(the check tests' world), through the batch API, the widget and the demo acceptance page."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from tests.jrp.check.conftest import (  # noqa: F401 - fixtures
    CLEAN_USCC,
    LISTED_USCC,
    MATTER,
    PERSON_RIC,
    _fresh_rulebook_cache,
    world,
)
from tests.subjects.factories import uscc
from tests.support import catalog  # noqa: F401 - fixture
from xinyong.accounts.models import ApiScope
from xinyong.accounts.services import apiclient_create
from xinyong.demo.acceptance import acceptance_applicants, demo_acceptance_setup, key_file
from xinyong.jrp.models import BatchCheck, CheckLog, MeasureFeedback, WidgetToken

pytestmark = pytest.mark.django_db

UNKNOWN = uscc(777)


def _key(world) -> str:
    return apiclient_create(name="受理系统", department=world.samr, scopes=[ApiScope.CHECK_QUERY])[1]


def test_batch_api_with_the_real_check(world):
    client = Client(headers={"X-API-Key": _key(world), "X-Purpose": "行政许可受理前信用核查"})
    codes = [LISTED_USCC, CLEAN_USCC, UNKNOWN, PERSON_RIC, LISTED_USCC, "91350100ABC", "=cmd|' /C calc'!A0"]
    response = client.post(
        f"/api/jrp/channels/batch?matter_code={MATTER}", codes, content_type="application/json"
    )
    assert response.status_code == 202, response.content
    body = response.json()
    counts = body["counts"]
    assert body["status"] == "done"
    assert counts["total"] == 7 == counts["hits"] + counts["clean"] + counts["not_found"] + counts["invalid"]
    assert (counts["hits"], counts["clean"], counts["not_found"], counts["invalid"]) == (3, 1, 1, 2)
    assert counts["duplicates"] == 1
    batch = BatchCheck.objects.get(ref=body["ref"])
    # One log row per distinct valid code, all carrying the batch's reference, no full ID number.
    logs = CheckLog.objects.filter(batch_ref=batch.ref)
    assert logs.count() == 4 and set(logs.values_list("channel", flat=True)) == {"batch"}
    assert not logs.filter(query_text=PERSON_RIC).exists()
    assert MeasureFeedback.objects.filter(check_id__in=logs.values("id")).exists()
    text = b"".join(client.get(body["result_url"]).streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    listed = rows[1]
    assert listed[3] == "命中名单" and "市场监督管理严重违法失信名单" in listed[4]
    assert "依法限制其申请食品经营许可" in listed[5] and listed[7].isdigit()
    assert rows[4][3] == "命中名单" and PERSON_RIC not in text
    assert rows[7][1].startswith("'=") and rows[7][3] == "代码有误"


def test_widget_with_the_real_check(world):
    key = _key(world)
    issued = (
        Client(headers={"X-API-Key": key})
        .post(
            "/api/jrp/channels/widget-token",
            {"matter_code": MATTER, "purpose": "行政许可受理前信用核查"},
            content_type="application/json",
        )
        .json()
    )
    headers = {"X-Widget-Token": issued["token"]}
    hit = Client().post(
        "/api/jrp/channels/widget/check",
        {"query": LISTED_USCC},
        content_type="application/json",
        headers=headers,
    )
    card = hit.json()
    assert card["outcome"] == "hit" and card["subject"]["name"] == "甲市示例食品有限公司"
    assert [h["list_name"] for h in card["hits"]] == ["市场监督管理严重违法失信名单"]
    assert "依法限制其申请食品经营许可" in [m["content"] for m in card["measures"]]
    log = CheckLog.objects.get(pk=card["check_id"])
    assert log.channel == "widget" and log.api_client_id == WidgetToken.objects.get().api_client_id
    clean = Client().post(
        "/api/jrp/channels/widget/check",
        {"query": CLEAN_USCC},
        content_type="application/json",
        headers=headers,
    )
    assert clean.json()["outcome"] == "clean" and clean.json()["measures"] == []
    name = Client().post(
        "/api/jrp/channels/widget/check",
        {"query": "甲市示例食品"},
        content_type="application/json",
        headers=headers,
    )
    assert name.json()["outcome"] == "candidates" and name.json()["measures"] == []


def test_demo_acceptance_page_embeds_the_widget_without_the_key(world, settings):
    settings.XINYONG_DEMO_ACCEPTANCE = True
    client = Client()
    page = client.get("/demo/acceptance/")
    assert page.status_code == 200 and "xinyong demo" in page.content.decode()
    demo_acceptance_setup(departments={"samr": world.samr}, now=None)
    key = key_file().read_text().strip()
    assert oct(key_file().stat().st_mode & 0o777) == "0o600"
    applicants = acceptance_applicants(as_of=world.record.decision_date)
    assert [a.key for a in applicants] == ["hit", "clean"] and applicants[0].code == LISTED_USCC
    html = client.get("/demo/acceptance/?applicant=clean").content.decode()
    assert "widget-embed.js" in html and 'data-token="' in html and key not in html
    assert "行政许可受理系统（演示）" in html and CLEAN_USCC in html
    settings.XINYONG_DEMO_ACCEPTANCE = False
    assert client.get("/demo/acceptance/").status_code == 404
