"""The objections API: a department's systems read the objections about its own records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from xinyong.accounts.models import ApiScope
from xinyong.accounts.services import apiclient_create
from xinyong.dueprocess.objections.services import objection_file

pytestmark = pytest.mark.django_db


def api(key: str) -> Client:
    return Client(headers={"X-API-Key": key, "X-Purpose": "异议跟踪"})


def test_department_reads_its_objections(world, people, account):
    objection = objection_file(
        filer=account, on_date=dt.date(2026, 6, 1), statement="有误", record=world.record
    )
    own = apiclient_create(name="市监", department=world.samr, scopes=[ApiScope.RECORDS_READ])[1]
    other = apiclient_create(name="税务", department=world.other, scopes=[ApiScope.RECORDS_READ])[1]
    writer = apiclient_create(name="市监报送", department=world.samr, scopes=[ApiScope.RECORDS_WRITE])[1]
    body = api(own).get("/api/dueprocess/objections/").json()
    (row,) = body["results"]
    assert row["number"] == objection.number and row["state"] == "marked" and row["overdue"] is True
    assert row["document_number"] == world.record.document_number and body["next_after"] is None
    assert (
        api(own).get(f"/api/dueprocess/objections/{objection.number}").json()["state_label"] == "已异议标注"
    )
    assert api(other).get("/api/dueprocess/objections/").json()["results"] == []
    response = api(other).get(f"/api/dueprocess/objections/{objection.number}")
    assert response.status_code == 404 and response.json()["code"] == "objection_not_found"
    assert api(writer).get("/api/dueprocess/objections/").status_code == 403
    assert Client().get("/api/dueprocess/objections/").status_code == 401
