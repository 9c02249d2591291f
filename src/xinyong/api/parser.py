"""The JSON body parser of the API: bounded nesting depth, errors with a code and a zh-hans message.

django-ninja parses bodies with ``json.loads``, which recurses once per level (``[`` × 100,000 raises
``RecursionError``) and reports any failure as "Cannot parse request body". Here the depth is checked on
the text first (``XINYONG_API_BODY_MAX_DEPTH``), and both refusals carry the platform's error code;
``install_error_handlers`` answers them as ``{"code", "message"}`` with status 400.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.parser import Parser

from xinyong.core.errors import CodedError
from xinyong.core.jsondepth import json_depth_exceeds


class BodyRefused(CodedError):
    """A request body that is not JSON, or nests deeper than the API accepts."""


class BoundedJsonParser(Parser):
    """``json.loads`` behind a depth check."""

    def parse_body(self, request: HttpRequest) -> Any:
        body = request.body
        limit = settings.XINYONG_API_BODY_MAX_DEPTH
        if json_depth_exceeds(body, limit):
            raise BodyRefused(
                "json_too_deep",
                f"请求体 JSON 的嵌套层级超过 {limit} 层；请按接口文档（/api/docs）提交请求体",
            )
        try:
            return json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise BodyRefused(
                "json_invalid", f"请求体不是有效的 JSON（{_where(exc)}）；请按接口文档（/api/docs）提交请求体"
            ) from exc


def _where(exc: BaseException) -> str:
    """Where and why the body is not JSON, in words for the caller (the parser's own text is English)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"第 {exc.lineno} 行第 {exc.colno} 列附近格式有误"
    if isinstance(exc, UnicodeDecodeError):
        return f"第 {exc.start + 1} 个字节起不是 UTF-8 编码，请以 UTF-8 编码提交"
    return "格式有误"
