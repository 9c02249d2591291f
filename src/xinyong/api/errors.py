"""One error body for the whole API: ``{"code": <stable snake_case code>, "message": <zh-hans message>}``.

Endpoints return ``xinyong.core.api.error(status, code, message)`` for the failures they foresee;
``install_error_handlers`` renders everything else the same way — API key failures (401/403), parameters
that do not validate (422), ``CodedError`` raised by services (400), refused permissions (403) and unknown
objects (404) — and ``install_throttle_error_handler`` the refused requests of rate-limited endpoints (429),
so a client reads ``code`` whatever went wrong.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import HttpError, Throttled, ValidationError

from xinyong.accounts.api_auth import install_api_error_handler
from xinyong.core.errors import CodedError

# Validation messages name at most this many parameters; the rest are counted.
MAX_NAMED_PARAMETERS = 5


def error_response(api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    """The platform's error body as a finished response (for exception handlers)."""
    return api.create_response(request, {"code": code, "message": message}, status=status)


UNKNOWN_PATH_MESSAGE = "接口地址不存在：请按接口文档（/api/docs）核对请求路径（包括末尾的“/”）和路径参数"


@csrf_exempt  # nothing is done here; a POST to a wrong address gets the same answer as a GET
def unknown_path(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any /api/ address no endpoint matches: the API's error body, not the site's HTML 404 page."""
    return JsonResponse(
        {"code": "not_found", "message": UNKNOWN_PATH_MESSAGE},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )


def _parameter_name(error_item: dict) -> str:
    # ninja reports locations such as ["query", "page"] or ["body", "payload", "fields"].
    loc = [str(part) for part in error_item.get("loc", ()) if part not in ("query", "path", "body", "header")]
    return ".".join(loc) or "请求"


def validation_message(errors: list[dict]) -> str:
    """A zh-hans message naming the parameters that did not validate."""
    names = list(dict.fromkeys(_parameter_name(e) for e in errors))
    shown = "、".join(names[:MAX_NAMED_PARAMETERS])
    if len(names) > MAX_NAMED_PARAMETERS:
        shown += f" 等 {len(names)} 项"
    return f"请求参数不正确：{shown}。请按接口文档（/api/docs）填写参数的类型和格式"


def install_error_handlers(api: NinjaAPI) -> None:
    """Make every failure of ``api`` answer with ``{"code": ..., "message": ...}``."""
    install_api_error_handler(api)

    def on_validation(request, exc: ValidationError):
        return error_response(api, request, 422, "request_invalid", validation_message(exc.errors))

    def on_http_error(request, exc: HttpError):
        if isinstance(exc.__cause__, CodedError):
            # ninja wraps what the body parser raises ("Cannot parse request body"): answer the cause.
            cause = exc.__cause__
            return error_response(api, request, cause.status, cause.code, cause.message)
        code = getattr(exc, "code", None) or f"http_{exc.status_code}"
        return error_response(api, request, exc.status_code, code, exc.message)

    def on_not_found(request, exc: Http404):
        return error_response(api, request, 404, "not_found", "未找到请求的对象，或本接口客户端无权查看")

    def on_permission_denied(request, exc: PermissionDenied):
        message = str(exc) or "本接口客户端无权执行该操作：请向平台管理员申请相应权限"
        return error_response(api, request, 403, "permission_denied", message)

    def on_coded_error(request, exc: CodedError):
        return error_response(api, request, exc.status, exc.code, exc.message)

    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(PermissionDenied, on_permission_denied)
    api.add_exception_handler(CodedError, on_coded_error)


def install_throttle_error_handler(api: NinjaAPI) -> None:
    """Answer refused requests with ``429 {"code": "rate_limited", "message": ...}``."""

    def on_throttled(request, exc: Throttled):
        message = "请求过于频繁，已超过公开接口对每个访问地址的频率限制，请稍后再试"
        if exc.wait:
            message += f"；约 {max(1, round(exc.wait))} 秒后可再次请求"
        return api.create_response(request, {"code": "rate_limited", "message": message}, status=429)

    api.add_exception_handler(Throttled, on_throttled)
