"""POST /api/collection/{item}/records: JSON and NDJSON, idempotency, background batches, permissions."""

from __future__ import annotations

import json

import pytest

from tests.collection.batch_support import (
    DB_QUEUE,
    CrashOnCall,
    bad_rows,
    ndjson,
    penalty_row,
    rejection_copy,
    run_db_worker,
    valid_rows,
)
from xinyong.accounts.models import AuditEntry
from xinyong.collection.loading import engine, run
from xinyong.collection.models import Batch, BatchChannel
from xinyong.records.models import CreditRecord

pytestmark = pytest.mark.django_db

URL = "/api/collection/penalty/records"


def post(client, api, body, *, content_type="application/json", key=None, url=URL):
    # CONTENT_TYPE too: the test client leaves it out for an empty body.
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api.key}", "CONTENT_TYPE": content_type}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return client.generic("POST", url, data, content_type=content_type, **headers)


def get(client, api, path, **params):
    return client.get(path, params, HTTP_AUTHORIZATION=f"Bearer {api.key}")


def by_code(row: dict) -> dict:
    """The same row keyed by field code (CF_…) instead of Chinese header."""
    from xinyong.catalog.selectors import catalog_item_current_version, catalog_version_schema

    schema = catalog_version_schema(version=catalog_item_current_version(code="penalty"))
    names = {spec.name: spec.code for spec in schema.fields}
    return {names[k]: v for k, v in row.items()}


@pytest.fixture
def body(catalog):
    return valid_rows(3) + [bad_rows()["uscc_check_digit"]]


def test_json_array_is_loaded_at_once_with_row_errors(client, client_a, dept_a, body):
    response = post(client, client_a, body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["rows_read"], data["created"], data["duplicate"], data["rejected"]) == (4, 3, 0, 1)
    assert data["status"] == "done" and data["progress"]["percent"] == 100.0
    (err,) = [e for e in data["errors"] if e["code"] == "uscc_check_digit"]
    assert err["row"] == 4 and err["field"] == "CF_XDR_SHXYM" and err["message"]
    batch = Batch.objects.get(pk=data["batch_id"])
    assert batch.channel == BatchChannel.API and batch.api_client == client_a and batch.department == dept_a
    assert CreditRecord.objects.filter(department=dept_a).count() == 3
    assert CreditRecord.objects.first().current_version.channel == "api"


def test_ndjson_keyed_by_field_codes(client, client_a, dept_a, catalog):
    rows = [by_code(r) for r in valid_rows(2)] + [penalty_row(50)]  # codes and Chinese headers both work
    rows[0]["CF_WSHH"] = "typo"
    response = post(client, client_a, ndjson(rows), content_type="application/x-ndjson")
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 3 and response.json()["rejected"] == 0
    assert response.json()["ignored_columns"] == ["CF_WSHH"]


def test_a_retry_with_the_same_idempotency_key_returns_the_first_answer(client, client_a, dept_a, body):
    first = post(client, client_a, body, key="req-0001")
    again = post(client, client_a, body, key="req-0001")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    one, two = first.json(), again.json()
    assert one["batch_id"] == two["batch_id"]
    assert {k: one[k] for k in ("created", "duplicate", "rejected", "errors")} == {
        k: two[k] for k in ("created", "duplicate", "rejected", "errors")
    }
    assert Batch.objects.count() == 1 and CreditRecord.objects.count() == 3
    # Without a key, sending the same body again is a new batch of duplicates.
    third = post(client, client_a, body).json()
    assert third["batch_id"] != one["batch_id"] and third["duplicate"] == 3 and third["created"] == 0


def test_the_same_key_with_another_body_is_refused(client, client_a, body):
    post(client, client_a, body, key="req-0002")
    response = post(client, client_a, body[:2], key="req-0002")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused" and "幂等键" in response.json()["message"]


def test_keys_belong_to_their_client(client, client_a, client_b, body):
    a = post(client, client_a, body, key="shared-key").json()
    b = post(client, client_b, body, key="shared-key").json()
    assert a["batch_id"] != b["batch_id"]


def test_a_retry_after_a_crash_finishes_the_batch_once(client, client_a, dept_a, catalog, monkeypatch):
    monkeypatch.setattr(run, "CHUNK_SIZE", 2)
    monkeypatch.setattr(engine, "records_bulk_ingest", CrashOnCall(engine.records_bulk_ingest, 2))
    rows = valid_rows(6)
    with pytest.raises(RuntimeError):
        post(client, client_a, rows, key="req-crash")
    assert CreditRecord.objects.count() == 2
    response = post(client, client_a, rows, key="req-crash")
    assert response.status_code == 200
    assert response.json()["created"] == 6 and CreditRecord.objects.count() == 6
    assert Batch.objects.count() == 1


def test_large_requests_are_loaded_in_the_background(client, client_a, body, settings, monkeypatch):
    settings.XINYONG_API_SYNC_MAX_ROWS = 2
    settings.TASKS = DB_QUEUE
    response = post(client, client_a, body)
    assert response.status_code == 202
    data = response.json()
    assert data["status"] == "queued" and response["Location"] == data["status_url"]
    assert data["progress"]["total"] == 4 and data["progress"]["total_exact"] is True

    run_db_worker(monkeypatch)
    status = get(client, client_a, data["status_url"]).json()
    assert status["status"] == "done" and (status["created"], status["rejected"]) == (3, 1)
    page = get(client, client_a, data["rejections_url"], page_size=1).json()
    assert page["count"] == 1 and page["results"][0]["row"] == 4
    assert page["results"][0]["errors"][0]["code"] == "uscc_check_digit"
    assert AuditEntry.objects.filter(actor_api_client=client_a, action="view").exists()


def test_another_department_cannot_see_a_batch(client, client_a, client_b, body):
    data = post(client, client_a, body).json()
    assert get(client, client_b, data["status_url"]).status_code == 404
    assert get(client, client_b, data["rejections_url"]).status_code == 404
    assert get(client, client_a, data["status_url"]).status_code == 200


def test_records_go_to_the_clients_own_department(client, client_b, dept_a, dept_b, body):
    post(client, client_b, body)
    assert CreditRecord.objects.filter(department=dept_b).count() == 3
    assert not CreditRecord.objects.filter(department=dept_a).exists()


def test_write_scope_and_key_are_required(client, reader_a, body):
    response = post(client, reader_a, body)
    assert response.status_code == 403 and response.json()["code"] == "api_scope_missing"
    response = client.post(URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 401
    assert not Batch.objects.exists()


@pytest.mark.parametrize(
    "payload, content_type, status, code",
    [
        (b'[{"a": 1', "application/json", 400, None),
        (b"[]", "application/json", 400, "body_empty"),
        (b"", "application/json", 400, "body_empty"),
        (b"a,b\n1,2\n", "text/csv", 415, "content_type_unsupported"),
    ],
    ids=["broken-json", "empty-array", "empty-body", "csv"],
)
def test_unusable_bodies_are_refused_with_a_reason(
    client, client_a, catalog, payload, content_type, status, code
):
    response = post(client, client_a, payload, content_type=content_type)
    assert response.status_code == status
    data = response.json()
    assert data["message"] and (code is None or data["code"] == code)
    assert not CreditRecord.objects.exists()


def test_missing_required_fields_are_refused(client, client_a, catalog):
    rows = [{k: v for k, v in r.items() if k != "行政处罚决定书文号"} for r in valid_rows(2)]
    response = post(client, client_a, rows)
    assert response.status_code == 400
    assert response.json()["code"] == "mapping_missing_required"
    assert "行政处罚决定书文号" in response.json()["message"]


def test_an_unknown_item_is_refused(client, client_a, body):
    response = post(client, client_a, body, url="/api/collection/nosuchitem/records")
    assert response.status_code == 400 and response.json()["code"] == "item_unknown"


def test_a_body_over_the_limit_is_refused(client, client_a, body, settings):
    settings.XINYONG_API_MAX_BODY_BYTES = 200
    response = post(client, client_a, body)
    assert response.status_code == 413 and response.json()["code"] == "body_too_large"
    assert not Batch.objects.exists()


def test_the_api_docs_describe_the_body_and_the_idempotency_key(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    post_doc = paths["/api/collection/{item_code}/records"]["post"]
    assert set(post_doc["requestBody"]["content"]) == {"application/json", "application/x-ndjson"}
    assert "Idempotency-Key" in {p["name"] for p in post_doc["parameters"]}
    assert "/api/collection/batches/{batch_id}/rejections" in paths


def test_a_line_that_is_not_json_is_one_rejected_row(client, client_a, catalog, tmp_path):
    person = valid_rows(5)[4]  # about a natural person: 证件号码 is personal
    person["处罚类别"] = "打板子"
    body = ndjson(valid_rows(2)) + b"{not json\n" + ndjson([person])
    data = post(client, client_a, body, content_type="application/x-ndjson").json()
    assert (data["created"], data["rejected"]) == (2, 2)
    assert {(e["row"], e["code"]) for e in data["errors"]} == {(3, "json_line_invalid"), (4, "code_invalid")}
    batch = Batch.objects.get(pk=data["batch_id"])
    stored = batch.rejected_rows.get(number=4)
    assert "*" in stored.values["证件号码"] and person["证件号码"] not in json.dumps(stored.values)

    lines = rejection_copy(batch, tmp_path).read_text(encoding="utf-8").splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first["_raw"] == "{not json" and first["_errors"][0]["code"] == "json_line_invalid"
    assert second["证件号码"] == person["证件号码"]  # the officer gets the original back to fix it
    assert second["_errors"][0]["code"] == "code_invalid"
