"""API of 信用档案: ``GET /api/archive/subjects/{id}`` — key and scope, purpose required, the audit entry, the
department limits of the calling client, and no full 身份证 number in the answer."""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import quote

import pytest

from tests.subjects.factories import RIC, RIC_MASKED, api_client
from xinyong.accounts.models import ApiScope, AuditEntry
from xinyong.core.identifiers import check_ric
from xinyong.records.services import record_change_status

pytestmark = pytest.mark.django_db

ID_LIKE = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
AS_OF = "2026-06-15"


def full_ids(text: str) -> list[str]:
    return [c for c in ID_LIKE.findall(text) if check_ric(c, as_of=dt.date(2026, 6, 15)).ok]


def url(subject) -> str:
    return f"/api/archive/subjects/{subject.pk}"


def get(client, api_key, path, **params):
    return client.get(path, {"as_of": AS_OF, **params}, HTTP_AUTHORIZATION=f"Bearer {api_key}")


def test_key_and_scope_are_required(client, records, company, dept_a):
    assert client.get(url(company), {"purpose": "信用核查"}).status_code == 401
    _, subjects_only = api_client(dept_a, [ApiScope.SUBJECTS_READ])
    refused = get(client, subjects_only, url(company), purpose="信用核查")
    assert refused.status_code == 403 and set(refused.json()) == {"code", "message"}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "purpose_required"),
        ({"purpose": "随便看看"}, "purpose_invalid"),
        ({"purpose": "其他"}, "purpose_note_required"),
        ({"purpose": "信用核查", "page_size": 0}, "page_size_invalid"),
    ],
)
def test_a_purpose_from_the_list_is_required(client, records, company, client_a, params, code):
    response = get(client, client_a.key, url(company), **params)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not AuditEntry.objects.filter(object_type="subjects.subject", action="view").exists()


def test_archive_answer_and_its_audit_entry(client, records, company, client_a, officer_b):
    record_change_status(
        record=records["b-public"],
        status="revoked",
        actor=officer_b,
        reason="复议撤销",
        as_of=dt.date(2026, 6, 10),
    )
    response = get(client, client_a.key, url(company), purpose="执法检查")
    assert response.status_code == 200
    body = response.json()
    assert body["subject"]["code"] == company.uscc and body["purpose"] == "执法检查"
    documents = {r["document_number"]: r for r in body["records"]}
    assert set(documents) == {
        records[k].document_number
        for k in ("a-public", "a-shared", "a-authorised", "a-none", "b-public", "b-shared")
    }
    revoked = documents[records["b-public"].document_number]
    assert revoked["effective_status"] == "revoked" and not revoked["in_publication"]
    assert documents[records["b-shared"].document_number]["scope_label"] == "政务共享"
    assert body["counts"]["records"] == 6 and body["counts"]["revoked"] == 1
    assert any(e["kind"] == "status" and e["detail"] == "复议撤销" for e in body["timeline"])
    entry = AuditEntry.objects.get(object_type="subjects.subject", object_id=str(company.pk), action="view")
    assert entry.actor_api_client_id == client_a.pk and entry.purpose == "执法检查"
    assert entry.detail["via"] == "api"
    assert [(v["actor"], v["purpose"]) for v in body["views"]] == [(client_a.name, "执法检查")]


def test_purpose_in_the_header_and_other_with_a_note(client, records, company, client_a):
    header = client.get(
        url(company),
        HTTP_AUTHORIZATION=f"Bearer {client_a.key}",
        HTTP_X_PURPOSE=quote("异议处理"),
    )
    assert header.status_code == 200 and header.json()["purpose"] == "异议处理"
    other = get(client, client_a.key, url(company), purpose="other", purpose_note="核对举报线索")
    assert other.json()["purpose"] == "其他：核对举报线索"


def test_pages(client, records, company, client_a):
    first = get(client, client_a.key, url(company), purpose="信用核查", page_size=4).json()
    second = get(client, client_a.key, url(company), purpose="信用核查", page_size=4, page=2).json()
    assert first["num_pages"] == 2 and len(first["records"]) == 4 and len(second["records"]) == 2
    assert not {r["id"] for r in first["records"]} & {r["id"] for r in second["records"]}


def test_person_archive_is_masked_and_limited_to_departments_holding_a_record(
    client, items, ingest, dept_a, person, client_a, client_b
):
    ingest(
        items["authorised"],
        dept_a,
        "甲授9号",
        subject=person,
        fields={"CF_XDR_MC": person.name, "CF_XDR_ZJHM": RIC, "CF_NR": f"身份证号{RIC}"},
    )
    response = get(client, client_a.key, url(person), purpose="信用核查")
    assert response.status_code == 200
    text = response.content.decode()
    assert full_ids(text) == [] and RIC_MASKED in text
    assert response.json()["subject"]["code"] == RIC_MASKED
    assert full_ids(json.dumps(list(AuditEntry.objects.values_list("detail", "object_repr")))) == []
    missing = get(client, client_b.key, url(person), purpose="信用核查")
    assert missing.status_code == 404 and missing.json()["code"] == "subject_not_found"
    assert get(client, client_a.key, "/api/archive/subjects/999999", purpose="信用核查").status_code == 404


def test_documented_in_openapi(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/archive/subjects/{subject_id}" in schema["paths"]
