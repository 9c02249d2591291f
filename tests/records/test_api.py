import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.utils import timezone

from tests.subjects.factories import RIC, RIC_MASKED, api_client
from xinyong.accounts.models import ApiScope, AuditEntry

pytestmark = pytest.mark.django_db

PURPOSE = "行政许可审查"


def get(client, api, path, *, purpose=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api.key}"}
    if purpose is not None:
        headers["HTTP_X_PURPOSE"] = urllib.parse.quote(purpose)
    return client.get(path, params, **headers)


def doc_numbers(response):
    return {row["document_number"] for row in response.json()["results"]}


def test_list_shows_own_and_shared_records_only(client, records, client_a):
    response = get(client, client_a, "/api/records/", purpose=PURPOSE, page_size=100)
    assert response.status_code == 200
    body = response.json()
    expected = {
        records[k].document_number
        for k in ("a-public", "a-shared", "a-authorised", "a-none", "b-public", "b-shared")
    }
    assert doc_numbers(response) == expected and body["count"] == 6


def test_non_public_data_needs_a_purpose_and_is_audited(client, records, client_a):
    response = get(client, client_a, "/api/records/")
    assert response.status_code == 400
    assert response.json()["code"] == "purpose_required" and "查询目的" in response.json()["message"]
    response = get(client, client_a, "/api/records/", purpose=PURPOSE)
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action="view", actor_api_client=client_a).latest("seq")
    assert entry.purpose == PURPOSE and entry.actor_kind == "api_client"
    assert set(entry.detail["record_ids"]) == {
        records[k].pk for k in ("a-shared", "a-authorised", "a-none", "b-shared")
    }
    # The purpose may also come as a query parameter.
    response = client.get(
        "/api/records/", {"purpose": "执法检查"}, HTTP_AUTHORIZATION=f"Bearer {client_a.key}"
    )
    assert response.status_code == 200
    assert AuditEntry.objects.filter(actor_api_client=client_a).latest("seq").purpose == "执法检查"


def test_public_only_answers_need_no_purpose(client, records, client_a):
    response = get(client, client_a, "/api/records/", item="penalty")
    assert response.status_code == 200
    assert doc_numbers(response) == {records["a-public"].document_number, records["b-public"].document_number}


def test_filters(client, records, client_a, company, ingest, items, dept_a):
    ingest(
        items["public"], dept_a, "晚1号", decision_date=records["a-public"].decision_date.replace(year=2027)
    )
    response = get(client, client_a, "/api/records/", purpose=PURPOSE, department="dept-b")
    assert doc_numbers(response) == {records["b-public"].document_number, records["b-shared"].document_number}
    response = get(
        client, client_a, "/api/records/", purpose=PURPOSE, subject_uscc=company.uscc.lower(), page_size=100
    )
    assert response.json()["count"] == 7
    response = get(client, client_a, "/api/records/", decision_from="2027-01-01")
    assert doc_numbers(response) == {"晚1号"}
    response = get(
        client, client_a, "/api/records/", purpose=PURPOSE, decision_to="2026-12-31", page_size=100
    )
    assert "晚1号" not in doc_numbers(response) and response.json()["count"] == 6


def test_changed_since_and_pagination(client, records, client_a, ingest, items, dept_a):
    mark = timezone.now()
    ingest(items["public"], dept_a, "A罚〔2026〕public号", fields={"CF_NR": "更正"})
    response = get(client, client_a, "/api/records/", changed_since=mark.isoformat())
    assert doc_numbers(response) == {records["a-public"].document_number}
    first = get(client, client_a, "/api/records/", purpose=PURPOSE, page_size=4).json()
    second = get(client, client_a, "/api/records/", purpose=PURPOSE, page_size=4, page=2).json()
    assert first["count"] == second["count"] == 6
    assert len(first["results"]) == 4 and len(second["results"]) == 2
    assert get(client, client_a, "/api/records/", page_size=1000).json()["code"] == "page_invalid"


def test_detail_404_for_other_departments_non_shared_record(client, records, client_a):
    for key in ("b-none", "b-authorised"):
        response = get(client, client_a, f"/api/records/{records[key].pk}", purpose=PURPOSE)
        assert response.status_code == 404
        assert response.json()["code"] == "record_not_found"
    assert get(client, client_a, "/api/records/999999", purpose=PURPOSE).status_code == 404


def test_detail_with_versions_for_owner_only(client, records, client_a, client_b, ingest, items, dept_b):
    ingest(items["shared"], dept_b, "B罚〔2026〕shared号", fields={"CF_NR": "更正后的处罚内容"})
    record = records["b-shared"]
    own = get(client, client_b, f"/api/records/{record.pk}", purpose=PURPOSE).json()
    assert [v["number"] for v in own["versions"]] == [2, 1]
    assert own["fields"]["CF_NR"] == "更正后的处罚内容" and own["version"] == 2
    other = get(client, client_a, f"/api/records/{record.pk}", purpose=PURPOSE).json()
    assert [v["number"] for v in other["versions"]] == [2]
    assert get(client, client_a, f"/api/records/{record.pk}").status_code == 400  # shared: purpose needed
    entry = AuditEntry.objects.filter(actor_api_client=client_a, action="view").latest("seq")
    assert entry.object_id == str(record.pk) and entry.purpose == PURPOSE


def test_personal_ids_are_masked(client, client_a, ingest, items, dept_a, person):
    record = ingest(items["public"], dept_a, "罚5号", subject=person, fields={"CF_XDR_ZJHM": RIC}).record
    response = get(client, client_a, f"/api/records/{record.pk}", purpose=PURPOSE)
    body = response.json()
    assert body["subject_code"] == RIC_MASKED and body["fields"]["CF_XDR_ZJHM"] == RIC_MASKED
    assert RIC not in response.content.decode()


def test_authentication_and_scope(client, records, dept_a):
    assert client.get("/api/records/").status_code == 401
    assert client.get("/api/records/", HTTP_AUTHORIZATION="Bearer xy_bad_key").status_code == 401
    subjects_only, key = api_client(dept_a, [ApiScope.SUBJECTS_READ])
    response = client.get("/api/records/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 403


@pytest.mark.django_db(transaction=True)
def test_real_http_round_trip(live_server, records, client_a):
    query = urllib.parse.urlencode({"item": "inspection", "purpose": PURPOSE})
    request = urllib.request.Request(
        f"{live_server.url}/api/records/?{query}", headers={"Authorization": f"Bearer {client_a.key}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        body = json.loads(response.read().decode("utf-8"))
    assert {row["document_number"] for row in body["results"]} == {
        records["a-shared"].document_number,
        records["b-shared"].document_number,
    }
    missing = urllib.request.Request(
        f"{live_server.url}/api/records/{records['b-none'].pk}?{query}",
        headers={"Authorization": f"Bearer {client_a.key}"},
    )
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(missing, timeout=10)
    assert excinfo.value.code == 404
    assert json.loads(excinfo.value.read().decode("utf-8"))["code"] == "record_not_found"


def test_every_api_error_has_one_shape(client, records, dept_a, client_a):
    """Auth, scope, parameter, purpose and not-found failures of both routers answer {code, message}."""
    subjects_only, subjects_key = api_client(dept_a, [ApiScope.SUBJECTS_READ])
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {client_a.key}"}
    cases = [
        (client.get("/api/records/"), 401, "api_key_missing"),
        (client.get("/api/subjects/", {"uscc": "x"}, HTTP_X_API_KEY="xy_bad"), 401, "api_key_invalid"),
        (client.get("/api/records/", HTTP_X_API_KEY=subjects_key), 403, "api_scope_missing"),
        (client.get("/api/records/", {"page": "第一页"}, **bearer), 422, "request_invalid"),
        (client.get("/api/records/", {"decision_from": "2026-13-45"}, **bearer), 422, "request_invalid"),
        (client.get("/api/records/", {"page_size": 0}, **bearer), 400, "page_invalid"),
        (client.get(f"/api/records/{records['a-none'].pk}", **bearer), 400, "purpose_required"),
        (
            client.get(f"/api/records/{records['b-none'].pk}", {"purpose": PURPOSE}, **bearer),
            404,
            "record_not_found",
        ),
        (client.get("/api/subjects/", HTTP_X_API_KEY=subjects_key), 400, "query_required"),
        (client.get("/api/subjects/999999", HTTP_X_API_KEY=subjects_key), 404, "subject_not_found"),
    ]
    for response, status, code in cases:
        body = response.json()
        assert (response.status_code, body.get("code")) == (status, code), body
        assert set(body) == {"code", "message"}, body
        assert body["message"] and body["message"].isascii() is False  # a zh-hans message
    invalid = client.get("/api/records/", {"page": "第一页"}, **bearer).json()
    assert "page" in invalid["message"]


def test_natural_person_record_reports_its_own_narrower_scope(
    client, client_b, ingest, items, dept_a, person
):
    record = ingest(items["public"], dept_a, "罚6号", subject=person, fields={"CF_XDR_ZJHM": RIC}).record
    assert record.disclosure_scope == "shared"  # the item is public, its natural-person scope is shared
    response = get(client, client_b, f"/api/records/{record.pk}", purpose=PURPOSE)
    assert response.json()["disclosure_scope"] == "shared"
    listed = get(client, client_b, "/api/records/", purpose=PURPOSE, item="penalty").json()["results"]
    assert [row["disclosure_scope"] for row in listed if row["id"] == record.pk] == ["shared"]
