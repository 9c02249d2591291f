"""The measures API: the published list, the change cursor, the matters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tests.support import make_user
from xinyong.accounts.models import ApiScope, Department, Role
from xinyong.accounts.services import apiclient_create
from xinyong.jrp.measures.services import (
    matter_save,
    measure_condition_set,
    measures_load_fixtures,
    rulebook_draft_create,
    rulebook_preview,
    rulebook_publish,
)
from xinyong.jrp.models import Measure

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 15)


@pytest.fixture
def world(db):
    approval = Department.objects.create(code="approval", name="行政审批局")
    measures_load_fixtures(as_of=AS_OF)
    key = apiclient_create(name="审批系统", department=approval, scopes=[ApiScope.CHECK_QUERY])[1]
    return {
        "approval": approval,
        "client": Client(headers={"X-API-Key": key}),
        "operator": make_user("op", Role.OPERATOR),
    }


def test_the_published_list_with_filters(world):
    client = world["client"]
    body = client.get("/api/jrp/measures/", {"kind": "incentive", "page_size": 5}).json()
    assert body["rulebook"] == 1 and body["count"] >= 5 and len(body["results"]) == 5
    assert {m["kind"] for m in body["results"]} == {"incentive"}
    one = client.get("/api/jrp/measures/", {"q": "CD-04"}).json()["results"][0]
    assert one["application_label"] == "强制应用" and one["stage_label"] == "事前"
    assert client.get("/api/jrp/measures/", {"page_size": 0}).json()["code"] == "page_invalid"
    assert Client().get("/api/jrp/measures/").status_code == 401


def test_the_change_cursor_gives_the_list_then_each_publication(world):
    client, operator, approval = world["client"], world["operator"], world["approval"]
    total = Measure.objects.filter(rulebook__number=1).count()
    seen, cursor = [], None
    while True:
        body = client.get(
            "/api/jrp/measures/changes", {"limit": 10, **({"cursor": cursor} if cursor else {})}
        ).json()
        seen.extend(body["changes"])
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    assert len(seen) == total and {c["change"] for c in seen} == {"added"}
    assert client.get("/api/jrp/measures/changes", {"cursor": cursor}).json()["changes"] == []
    draft = rulebook_draft_create(actor=operator, note="修订")
    Measure.objects.filter(rulebook=draft, code="CD-05").delete()
    measure_condition_set(
        rulebook=draft,
        measure_code="CD-04",
        department=approval,
        expression={"pred": "amount", "op": "gte", "value": 1},
        actor=operator,
    )
    rulebook_preview(rulebook=draft, as_of=dt.date(2026, 6, 15), actor=operator)
    rulebook_publish(rulebook=draft, actor=operator)
    body = client.get("/api/jrp/measures/changes", {"cursor": cursor}).json()
    changes = {(c["code"], c["change"]) for c in body["changes"]}
    assert changes == {("CD-04", "changed"), ("CD-05", "removed")}
    changed = next(c for c in body["changes"] if c["code"] == "CD-04")
    assert changed["measure"]["department_condition_text"] == "涉及金额不少于 1 元"
    bad = client.get("/api/jrp/measures/changes", {"cursor": "nonsense!"})
    assert bad.status_code == 400 and bad.json()["code"] == "cursor_invalid"


def test_matters(world):
    matter_save(
        actor=world["operator"],
        code="XK-1",
        name="食品经营许可",
        stage="before",
        department=world["approval"],
    )
    body = world["client"].get("/api/jrp/measures/matters", {"department": "approval"}).json()
    assert body["count"] == 1 and body["results"][0]["stage_label"] == "事前"
