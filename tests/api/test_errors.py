"""The API's one error body, for failures raised anywhere below an endpoint."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client as DjangoClient
from ninja import NinjaAPI
from ninja.testing import TestClient

from xinyong.api.errors import install_error_handlers, validation_message
from xinyong.core.identifiers import IdIssue
from xinyong.records.rules import RecordError
from xinyong.subjects.services import SubjectError

api = NinjaAPI(urls_namespace="errors-test-api")
install_error_handlers(api)


@api.get("/service")
def service_error(request):
    raise RecordError("document_number_required", "文书号不能为空，请填写决定文书号")


@api.get("/subject")
def subject_error(request):
    raise SubjectError([IdIssue("ric_checksum", "身份证号码校验码不正确"), IdIssue("x", "其他问题")])


@api.get("/denied")
def denied(request):
    raise PermissionDenied("只能变更本部门报送的信用记录")


@api.get("/missing")
def missing(request):
    raise Http404


@api.get("/typed")
def typed(request, page: int, day: str = ""):
    return {"page": page}


@pytest.fixture
def client():
    return TestClient(api)


@pytest.mark.parametrize(
    ("path", "status", "code", "words"),
    [
        ("/service", 400, "document_number_required", "文书号不能为空"),
        ("/subject", 400, "ric_checksum", "校验码不正确；其他问题"),
        ("/denied", 403, "permission_denied", "本部门"),
        ("/missing", 404, "not_found", "未找到"),
        ("/typed?page=abc", 422, "request_invalid", "page"),
        ("/typed", 422, "request_invalid", "page"),
    ],
)
def test_failures_answer_code_and_message(client, path, status, code, words):
    response = client.get(path)
    body = response.json()
    assert response.status_code == status
    assert set(body) == {"code", "message"} and body["code"] == code and words in body["message"]


def test_validation_message_names_parameters_once_and_counts_the_rest():
    errors = [{"loc": ["query", f"p{i}"]} for i in range(7)] + [{"loc": ["query", "p0"]}]
    message = validation_message(errors)
    assert message.count("p0") == 1 and "等 7 项" in message and "/api/docs" in message


# The platform API itself (/api/): unknown addresses, readable bodies, documented errors.


@pytest.fixture
def site():
    return DjangoClient()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/api/nothing-here", "/api/records/not-a-number", "/api/subjects/-1", "/api/public/lists/red/extra"],
)
def test_an_unknown_api_address_answers_the_error_body(site, path):
    response = site.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "not_found" and "/api/docs" in body["message"]
    posted = DjangoClient(enforce_csrf_checks=True).post(path, "{}", content_type="application/json")
    assert posted.status_code == 404 and posted.json()["code"] == "not_found"


@pytest.mark.django_db
def test_error_bodies_are_readable_utf8(site):
    response = site.get("/api/records/", HTTP_X_API_KEY="xy_bad_key")
    assert response.status_code == 401
    text = response.content.decode("utf-8")
    assert "\\u" not in text and "密钥" in text
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "\\u" not in site.get("/api/nothing-here").content.decode("utf-8")


def test_the_openapi_document_lists_the_shared_errors(site):
    paths = site.get("/api/openapi.json").json()["paths"]
    records = paths["/api/records/"]["get"]["responses"]
    # Authenticated: 401 and 403; parameters: 422.
    assert {"401", "403", "422"} <= set(records)
    assert records["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorOut"
    }
    # Public, rate-limited: 429; no key, so no 401.
    public = paths["/api/public/licenses"]["get"]["responses"]
    assert {"422", "429"} <= set(public) and "401" not in public
    # A path parameter: 404.
    assert "404" in paths["/api/collection/batches/{batch_id}"]["get"]["responses"]


def test_response_schemas_have_one_name_each():
    """ninja keys components by class name: two output schemas with one name would replace each other."""
    from ninja import Schema

    seen: dict[str, str] = {}

    def walk(cls):
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("xinyong."):
                where = f"{sub.__module__}.{sub.__qualname__}"
                assert seen.setdefault(sub.__name__, where) == where, f"{where} and {seen[sub.__name__]}"
            walk(sub)

    walk(Schema)
