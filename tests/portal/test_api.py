"""The public API at /api/public/: search, subject information, 双公示, lists, errors and rate limiting."""

from __future__ import annotations

import pytest

from tests.portal.conftest import OTHER_RIC
from tests.subjects.factories import RIC, RIC_MASKED

pytestmark = pytest.mark.django_db

API = "/api/public"


def get(client, path: str, status: int = 200) -> dict:
    response = client.get(API + path)
    assert response.status_code == status, (path, response.content[:300])
    return response.json()


def test_search_by_name_variant(client, world):
    body = get(client, "/subjects?q=恆信商貿")  # traditional characters, no legal form, no region
    assert body["count"] >= 1
    first = body["results"][0]
    assert first["id"] == world.company.pk
    assert first["name"] == "甲市恒信商贸有限公司"
    assert first["code"] == world.company.uscc
    assert first["match"] == "name"


def test_search_by_uscc_and_legacy_code(client, world):
    assert get(client, f"/subjects?q={world.tech.uscc.lower()}")["results"][0]["match"] == "uscc"
    hit = get(client, "/subjects?q=350100400012345")["results"][0]
    assert hit["id"] == world.tech.pk and hit["match"] == "code"


def test_search_of_a_person_is_exact_and_masked(client, world):
    body = get(client, f"/subjects?q={RIC}")
    assert [r["id"] for r in body["results"]] == [world.person.pk]
    assert body["results"][0]["code"] == RIC_MASKED
    assert body["results"][0]["name"] == "张**"
    assert get(client, f"/subjects?q={RIC[:-1]}")["count"] == 0
    assert get(client, f"/subjects?q={OTHER_RIC}")["count"] == 0  # no public record
    assert get(client, "/subjects?q=张三丰")["count"] == 0


def test_search_with_the_query_in_the_body(client, world):
    """POST /subjects/search: a 身份证 number in the body, never in a URL; same answers and checks."""
    response = client.post(API + "/subjects/search", {"q": RIC}, content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert [r["id"] for r in body["results"]] == [world.person.pk] and body["results"][0][
        "code"
    ] == RIC_MASKED
    assert RIC not in response.content.decode()
    by_name = client.post(
        API + "/subjects/search", {"q": "恆信商貿", "limit": 5}, content_type="application/json"
    )
    assert by_name.json()["results"][0]["id"] == world.company.pk
    empty = client.post(API + "/subjects/search", {"q": " "}, content_type="application/json")
    assert empty.status_code == 400 and empty.json()["code"] == "query_required"


def test_search_parameters_are_checked(client, world):
    assert get(client, "/subjects?q=", status=400)["code"] == "query_required"
    assert get(client, "/subjects?q=恒信&limit=500", status=400)["code"] == "limit_invalid"


def test_subject_information_grouped_by_category(client, world):
    body = get(client, f"/subjects/{world.company.pk}")
    assert body["name"] == "甲市恒信商贸有限公司"
    categories = {c["code"]: c for c in body["categories"]}
    assert {"administrative", "abnormal", "serious_dishonesty"} <= set(categories)
    penalty = categories["administrative"]["records"][0]
    assert penalty["document_number"] == "甲市监罚〔2026〕1号"
    assert penalty["kinds"] == "罚款"
    names = [f["name"] for f in penalty["fields"]]
    assert "违法行为类型" in names and "失信严重程度" not in names
    assert body["record_count"] == sum(len(c["records"]) for c in body["categories"])


def test_subject_information_of_people(client, world):
    body = get(client, f"/subjects/{world.person.pk}")
    assert body["code"] == RIC_MASKED and body["name"] == "张**"
    assert get(client, f"/subjects/{world.other_person.pk}", status=404)["code"] == "subject_not_found"
    assert get(client, "/subjects/999999", status=404)["code"] == "subject_not_found"


def test_disclosures_with_filters(client, world):
    body = get(client, "/licenses")
    assert {r["document_number"] for r in body["results"]} == {"甲审批许〔2026〕7号", "甲审批许〔2026〕8号"}
    assert body["has_next"] is False and body["page"] == 1
    body = get(client, "/licenses?kind=特许")
    assert [r["document_number"] for r in body["results"]] == ["甲审批许〔2026〕7号"]
    assert body["results"][0]["subject_id"] == world.tech.pk
    assert get(client, "/licenses?department=samr")["results"] == []
    body = get(client, "/penalties")
    assert [r["document_number"] for r in body["results"]] == ["甲市监罚〔2026〕1号"]
    assert get(client, "/penalties?department=nowhere", status=400)["code"] == "department_unknown"
    assert get(client, "/penalties?date_from=2026-06-01&date_to=2026-01-01", status=400)["code"] == (
        "date_range_invalid"
    )
    assert get(client, "/penalties?page_size=500", status=400)["code"] == "page_invalid"
    assert get(client, "/penalties?date_from=yesterday", status=422)["code"] == "request_invalid"


def test_lists(client, world):
    assert [r["summary"] for r in get(client, "/lists/red")["results"]] == ["诚信示范个人"]
    assert [r["summary"] for r in get(client, "/lists/black")["results"]] == ["拒不履行生效法律文书"]
    assert [r["summary"] for r in get(client, "/lists/abnormal")["results"]] == ["未按照规定期限公示年度报告"]
    assert get(client, "/lists/grey", status=404)["code"] == "list_not_found"


def test_public_api_is_rate_limited(client, world, settings):
    settings.XINYONG_PUBLIC_API_RATE = "3/m"
    for _ in range(3):
        get(client, "/lists/red")
    response = client.get(API + "/subjects?q=恒信")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "rate_limited" and "请求过于频繁" in body["message"]
    assert int(response["Retry-After"]) > 0
    # Another address has its own budget.
    assert client.get(API + "/lists/red", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_public_api_is_documented(client, world):
    schema = client.get("/api/openapi.json").json()
    paths = set(schema["paths"])
    for path in (
        "/api/public/subjects",
        "/api/public/subjects/search",
        "/api/public/subjects/{subject_id}",
        "/api/public/licenses",
    ):
        assert path in paths
