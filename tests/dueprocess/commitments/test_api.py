"""The API of commitments: a department's system records commitments, reads its queue and follows up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.dueprocess.commitments.test_services import sign
from xinyong.accounts.services import apiclient_create
from xinyong.dueprocess.models import Commitment, CommitmentState
from xinyong.records.models import CreditRecord

pytestmark = pytest.mark.django_db
BASE = "/api/dueprocess/commitments/"


def client_for(department, *scopes) -> Client:
    key = apiclient_create(name=f"{department.name}审批系统", department=department, scopes=list(scopes))[1]
    return Client(headers={"X-API-Key": key})


def test_a_department_system_records_and_follows_up(company, approval, work_calendar):
    api = client_for(approval, "records:read", "records:write")
    today = timezone.localdate()
    created = api.post(
        BASE,
        {
            "subject_code": company.uscc,
            "kind": "accept_with_missing_documents",
            "matter_name": "食品经营许可",
            "signatory": "王五",
            "signed_on": (today - dt.timedelta(days=20)).isoformat(),
            "fulfilment_due": (today - dt.timedelta(days=1)).isoformat(),
            "missing_documents": ["从业人员健康证明"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["overdue"] is True and body["record_document_number"] == body["number"]
    listing = api.get(BASE, {"state": "overdue"}).json()
    assert listing["count"] == 1 and listing["results"][0]["id"] == body["id"]
    broken = api.post(
        f"{BASE}{body['id']}/break",
        {"checked_on": today.isoformat(), "reason": "逾期未补齐从业人员健康证明"},
        content_type="application/json",
    )
    assert broken.status_code == 200 and broken.json()["state"] == CommitmentState.BROKEN
    assert broken.json()["broken_record_document_number"] == f"{body['number']}-WN"
    record = CreditRecord.objects.get(item__code="commitment_breach")
    assert record.current_version.api_client is not None


def test_errors_and_other_departments(company, approval, other_department, clerk):
    mine = sign(company, approval, clerk)
    theirs = client_for(other_department, "records:read", "records:write")
    assert theirs.get(f"{BASE}{mine.pk}").status_code == 404
    fulfil = theirs.post(
        f"{BASE}{mine.pk}/fulfil", {"checked_on": "2026-06-20"}, content_type="application/json"
    )
    assert fulfil.status_code == 404 and fulfil.json()["code"] == "commitment_not_found"
    reader = client_for(approval, "records:read")
    assert reader.get(f"{BASE}{mine.pk}").json()["number"] == mine.number
    assert reader.post(BASE, {}, content_type="application/json").status_code == 403
    writer = client_for(approval, "records:write")
    unknown = writer.post(
        BASE,
        {
            "subject_code": "91110000000000000X",
            "kind": "notify_and_commit",
            "matter_name": "x",
            "signatory": "王五",
            "signed_on": "2026-06-15",
        },
        content_type="application/json",
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == "subject_not_found"
    empty = writer.post(
        BASE,
        {
            "subject_code": company.uscc,
            "kind": "notify_and_commit",
            "matter_name": "x",
            "signatory": "王五",
            "signed_on": "2026-06-15",
        },
        content_type="application/json",
    )
    assert empty.status_code == 400 and empty.json()["code"] == "commitment_text_required"
    assert Commitment.objects.count() == 1
