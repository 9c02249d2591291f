"""Widget tokens: issued to an acceptance system's server with its API key (check:query), short-lived, bound
to department, client, matter and purpose, limited in checks; expired, forged, reused and foreign-subject
tokens are refused with clear codes. The widget page may be framed only from the configured origins."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.test import Client

from tests.jrp.channels.conftest import CLEAN_USCC, HIT_USCC, MATTER
from xinyong.accounts.models import ApiClient, AuditEntry
from xinyong.accounts.services import apiclient_revoke
from xinyong.jrp.channels.tokens import SALT
from xinyong.jrp.models import WidgetToken

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/jrp/channels/widget-token"
CHECK_URL = "/api/jrp/channels/widget/check"


def _issue(key: str, **body) -> dict:
    payload = {"matter_code": MATTER, "purpose": "行政许可受理前信用核查", **body}
    response = Client(headers={"X-API-Key": key}).post(TOKEN_URL, payload, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def _check(token: str, query: str, **extra):
    return Client().post(
        CHECK_URL,
        {"query": query, **extra},
        content_type="application/json",
        headers={"X-Widget-Token": token},
    )


def test_a_token_is_issued_to_a_check_query_key_only(keys, matter, scripted_check):
    issued = _issue(keys["a"])
    assert issued["max_checks"] == 3 and issued["widget_url"].endswith("/jrp/widget/")
    assert issued["script_url"].endswith("/static/jrp/widget-embed.js")
    assert keys["a"] not in issued["token"]
    row = WidgetToken.objects.get()
    assert row.api_client == ApiClient.objects.get(name="甲 核查") and row.matter_code == MATTER
    assert AuditEntry.objects.filter(detail__stage="widget_token_issued").count() == 1
    assert Client().post(TOKEN_URL, {}, content_type="application/json").status_code == 401
    refused = Client(headers={"X-API-Key": keys["a_read"]}).post(
        TOKEN_URL, {"matter_code": MATTER, "purpose": "核查"}, content_type="application/json"
    )
    assert refused.status_code == 403 and refused.json()["code"] == "api_scope_missing"
    unknown = Client(headers={"X-API-Key": keys["a"]}).post(
        TOKEN_URL, {"matter_code": "NOPE", "purpose": "核查"}, content_type="application/json"
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == "matter_unknown"
    too_many = Client(headers={"X-API-Key": keys["a"]}).post(
        TOKEN_URL,
        {"matter_code": MATTER, "purpose": "核查", "max_checks": 99},
        content_type="application/json",
    )
    assert too_many.json()["code"] == "max_checks_invalid"


def test_the_widget_checks_as_the_token_says_until_its_checks_are_used(keys, matter, scripted_check):
    token = _issue(keys["a"], max_checks=2)["token"]
    hit = _check(token, HIT_USCC)
    assert hit.status_code == 200
    card = hit.json()
    assert card["outcome"] == "hit" and card["title"] == "命中名单"
    assert card["hits"][0]["list_name"] == "失信被执行人名单"
    assert [m["suspended"] for m in card["measures"]] == [False, True]
    assert card["measures"][0]["application"] == "强制应用"
    run = scripted_check.runs[0]
    assert run["channel"] == "widget" and run["matter"] == MATTER
    assert run["requester"].api_client_id == ApiClient.objects.get(name="甲 核查").pk
    assert _check(token, CLEAN_USCC).json()["outcome"] == "clean"
    reused = _check(token, CLEAN_USCC)
    assert reused.status_code == 401 and reused.json()["code"] == "widget_token_used"
    assert len(scripted_check.runs) == 2


def test_forged_expired_missing_and_revoked_tokens_are_refused(keys, matter, scripted_check, monkeypatch):
    token = _issue(keys["a"])["token"]
    payload = signing.loads(token, salt=SALT)
    forged = signing.dumps({**payload, "d": payload["d"] + 1}, salt="another-salt", compress=True)
    assert _check(forged, HIT_USCC).json()["code"] == "widget_token_invalid"
    assert _check(token[:-2] + "xx", HIT_USCC).json()["code"] == "widget_token_invalid"
    assert _check("", HIT_USCC).json()["code"] == "widget_token_missing"
    # A token signed with the platform's key for a department it was never issued to.
    replayed_elsewhere = signing.dumps({**payload, "d": payload["d"] + 1}, salt=SALT, compress=True)
    assert _check(replayed_elsewhere, HIT_USCC).json()["code"] == "widget_token_invalid"
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + 301)
    expired = _check(token, HIT_USCC)
    assert expired.status_code == 401 and expired.json()["code"] == "widget_token_expired"
    monkeypatch.setattr(signing.time, "time", real_time)
    apiclient_revoke(client=ApiClient.objects.get(name="甲 核查"))
    assert _check(token, HIT_USCC).json()["code"] == "widget_token_revoked"
    assert scripted_check.runs == []


def test_a_token_for_one_subject_checks_that_subject_once(keys, matter, scripted_check):
    issued = _issue(keys["a"], subject=HIT_USCC.lower())
    assert issued["max_checks"] == 1
    other = _check(issued["token"], CLEAN_USCC)
    assert other.status_code == 403 and other.json()["code"] == "widget_token_subject_mismatch"
    assert _check(issued["token"], f" {HIT_USCC} ").json()["outcome"] == "hit"
    assert _check(issued["token"], HIT_USCC).json()["code"] == "widget_token_used"


def test_name_queries_give_candidates_to_confirm(keys, matter, scripted_check):
    token = _issue(keys["a"])["token"]
    card = _check(token, "恒信").json()
    assert card["outcome"] == "candidates" and card["candidates"][0]["id"] == 7 and card["measures"] == []


def test_the_widget_page_may_be_framed_only_by_configured_origins(client, settings):
    settings.JRP_WIDGET_FRAME_ANCESTORS = ["https://shouli.example.gov.cn"]
    settings.XINYONG_DEMO_ACCEPTANCE = False
    response = client.get("/jrp/widget/")
    assert response.status_code == 200
    policy = dict(
        p.strip().split(" ", 1) for p in response["Content-Security-Policy"].split(";") if p.strip()
    )
    assert policy["frame-ancestors"] == "https://shouli.example.gov.cn"
    assert policy["script-src"] == "'self'" and "unsafe-inline" not in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response
    settings.JRP_WIDGET_FRAME_ANCESTORS = []
    policy = client.get("/jrp/widget/")["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    settings.XINYONG_DEMO_ACCEPTANCE = True
    assert "frame-ancestors 'self'" in client.get("/jrp/widget/")["Content-Security-Policy"]
    # Every other page keeps refusing to be framed.
    login = client.get("/console/login/")
    assert "frame-ancestors 'none'" in login["Content-Security-Policy"] and login["X-Frame-Options"] == "DENY"
