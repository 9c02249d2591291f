"""The feedback API: scope check:query, own department only, errors as {code, message}."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from xinyong.jrp.models import FeedbackState, MeasureFeedback


def _client(key: str | None) -> Client:
    return Client(headers={"X-API-Key": key} if key else {})


def test_pending_lists_the_departments_items_only(world):
    mine = world.check(on=dt.date(2026, 5, 4), measures=("M-BID", "M-INSPECT"))
    world.check(department=world.dept_b)
    body = _client(world.key_a).get("/api/jrp/feedback/pending").json()
    assert [r["id"] for r in body["results"]] == [f.pk for f in mine]
    assert all(r["overdue"] for r in body["results"]) and body["next_after"] is None
    page = _client(world.key_a).get("/api/jrp/feedback/pending", {"limit": 1}).json()
    assert len(page["results"]) == 1 and page["next_after"] == mine[0].pk
    rest = _client(world.key_a).get("/api/jrp/feedback/pending", {"after": page["next_after"]}).json()
    assert [r["id"] for r in rest["results"]] == [mine[1].pk]


def test_scope_and_key_are_required(world):
    assert _client(None).get("/api/jrp/feedback/pending").status_code == 401
    response = _client(world.key_a_records).get("/api/jrp/feedback/pending")
    assert response.status_code == 403 and response.json()["code"]


def test_post_records_and_returns_the_notice(world):
    (item,) = world.check()
    response = _client(world.key_a).post(
        f"/api/jrp/feedback/{item.pk}", {"state": "applied"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "applied" and body["changed"] and body["notice_number"].startswith("XYGZ")
    assert MeasureFeedback.objects.get(pk=item.pk).channel == "api"


def test_post_refuses_another_department_and_a_missing_reason(world):
    (item,) = world.check()
    other = _client(world.key_b).post(
        f"/api/jrp/feedback/{item.pk}", {"state": "applied"}, content_type="application/json"
    )
    assert other.status_code == 404 and other.json()["code"] == "feedback_not_found"
    missing = _client(world.key_a).post(
        f"/api/jrp/feedback/{item.pk}", {"state": "not_applied"}, content_type="application/json"
    )
    assert missing.status_code == 400 and missing.json()["code"] == "feedback_reason_required"
    assert MeasureFeedback.objects.get(pk=item.pk).state == FeedbackState.PENDING
