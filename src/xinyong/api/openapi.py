"""The platform API object: readable UTF-8 JSON and an OpenAPI document that lists every error it can answer.

django-ninja documents only the statuses an endpoint declares in ``response=``. The failures rendered by
``xinyong.api.errors`` for every endpoint alike — 401/403 for API keys, 404 for a path parameter that
matches nothing, 422 for parameters that do not validate, 429 for rate limits — are added here to each
operation they can happen to, all with the ``ErrorOut`` body, so clients (and contract tests) know them.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.renderers import JSONRenderer

from xinyong.core.api import ErrorOut

ERROR_DESCRIPTIONS = {
    401: "未提供接口密钥，或密钥无效、已吊销、已过期（code 说明原因）",
    403: "接口客户端没有该接口所需的权限范围（api_scope_missing）或无权操作该对象",
    404: "路径参数指向的对象不存在，或本接口客户端无权查看",
    422: "请求参数或请求体不符合接口文档（request_invalid）",
    429: "超过公开接口对每个访问地址的频率限制（rate_limited），响应头 Retry-After 给出等待秒数",
}


class ReadableJSONRenderer(JSONRenderer):
    """JSON with Chinese text as UTF-8 characters, not ``\\u4fe1``-style escapes (the body is declared UTF-8)."""

    json_dumps_params = {"ensure_ascii": False}


def error_statuses(operation: Operation) -> list[int]:
    """The shared error statuses ``operation`` can answer besides those it declares itself."""
    statuses = []
    if operation.auth_callbacks:
        statuses += [401, 403]
    if "{" in operation.path:
        statuses.append(404)
    if operation.models:
        statuses.append(422)
    if operation.throttle_objects:
        statuses.append(429)
    return statuses


class PlatformOpenAPISchema(OpenAPISchema):
    def responses(self, operation: Operation) -> dict[int, Any]:
        result = super().responses(operation)
        wrapped = operation._create_response_model(ErrorOut)
        schema = self._create_schema_from_model(wrapped, mode="serialization")[0]
        for status in error_statuses(operation):
            if status in result:
                continue
            result[status] = {
                "description": ERROR_DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
                "content": {self.api.renderer.media_type: {"schema": schema}},
            }
        return dict(sorted(result.items()))


class PlatformAPI(NinjaAPI):
    """NinjaAPI with the platform's renderer and error documentation."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("renderer", ReadableJSONRenderer())
        super().__init__(**kwargs)

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return PlatformOpenAPISchema(self, path_prefix)
