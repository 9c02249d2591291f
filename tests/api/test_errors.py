"""The API's one error body, for failures raised anywhere below an endpoint."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.testing import TestClient

from xinyong.api.errors import install_error_handlers, validation_message
from xinyong.core.identifiers import IdIssue
from xinyong.records.services import RecordError
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
