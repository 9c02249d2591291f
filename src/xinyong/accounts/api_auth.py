"""API key authentication for django-ninja routers.

Usage in an app's router::

    from xinyong.accounts.api_auth import ApiKeyAuth

    @router.get("/records/", auth=ApiKeyAuth("records:read"))
    def list_records(request):
        client = request.auth  # the ApiClient, with .department and .scopes

The key is accepted in ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. Failures answer with the
API's error body ``{"code": <stable code>, "message": <zh-hans message>}``: 401 for a missing, unknown,
revoked or expired key, 403 when the client lacks the scope. ``install_api_error_handler(api)`` renders
them (``xinyong.api.errors.install_error_handlers`` calls it for the platform API); without it ninja still
answers with the status and message.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja.errors import HttpError
from ninja.security import APIKeyHeader

from xinyong.accounts.models import ApiScope, AuditAction, AuditOutcome
from xinyong.accounts.services import ApiKeyError, apiclient_authenticate, audit_log

logger = logging.getLogger(__name__)


class ApiAuthError(HttpError):
    """An authentication (401) or authorisation (403) failure with a stable code and a zh message."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(status_code, message)
        self.code = code


def api_auth_error_response(request: HttpRequest, exc: ApiAuthError, *, api) -> HttpResponse:
    """Render an ApiAuthError as the API's error body ``{"code": ..., "message": ...}``."""
    response = api.create_response(
        request, {"code": exc.code, "message": exc.message}, status=exc.status_code
    )
    if exc.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="xinyong"'
    return response


def install_api_error_handler(api) -> None:
    """Register the handler that adds the stable error code to authentication failures of ``api``."""
    api.add_exception_handler(
        ApiAuthError, lambda request, exc: api_auth_error_response(request, exc, api=api)
    )


class ApiKeyAuth(APIKeyHeader):
    """Authenticates an ``ApiClient`` by key and requires ``scope``; ``request.auth`` is the client."""

    param_name = "X-API-Key"

    def __init__(self, scope: str) -> None:
        if scope not in ApiScope.values:
            raise ValueError(f"unknown API scope {scope!r}; declare it in xinyong.accounts.models.ApiScope")
        self.scope = scope
        super().__init__()

    def _get_key(self, request: HttpRequest) -> str | None:
        authorization = request.headers.get("Authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
        return request.headers.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        try:
            client = apiclient_authenticate(key=key)
        except ApiKeyError as exc:
            if exc.client is not None:
                # A known client using a revoked or expired key is worth an audit entry.
                audit_log(
                    actor=exc.client,
                    action=AuditAction.LOGIN_FAILED,
                    outcome=AuditOutcome.DENIED,
                    detail={"reason": exc.code, "path": request.path},
                    request=request,
                )
            else:
                logger.info(
                    "API authentication failed: %s from %s", exc.code, request.META.get("REMOTE_ADDR")
                )
            raise ApiAuthError(exc.status, exc.code, exc.message) from exc
        if self.scope not in client.scopes:
            audit_log(
                actor=client,
                action=AuditAction.QUERY,
                outcome=AuditOutcome.DENIED,
                detail={"reason": "api_scope_missing", "scope": self.scope, "path": request.path},
                request=request,
            )
            raise ApiAuthError(
                403,
                "api_scope_missing",
                f"该接口客户端没有“{ApiScope(self.scope).label}”（{self.scope}）权限：请向平台管理员申请",
            )
        return client
