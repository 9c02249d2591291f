"""What every app's API endpoints share: the error body, the stated purpose of a query, date parameters.

Errors: endpoints return ``error(status, code, message)`` for the failures they foresee, documented with the
``ErrorOut`` schema; ``xinyong.api.errors`` renders every other failure with the same body
``{"code": <stable snake_case code>, "message": <zh-hans message>}``. The purpose of a query of non-public
data (查询目的) is read by :func:`request_purpose`, because every app's endpoints ask for it the same way.

Dates: pydantic reads a bare number as a Unix timestamp (``decision_to=0`` would mean 1970-01-01); the API's
documented date format is ISO 8601, so a number given for a date or a date-time is refused with 422 like any
other parameter that does not match the document.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from typing import Annotated
from urllib.parse import unquote

from django.http import HttpRequest
from ninja import Schema, Status
from pydantic import BeforeValidator

PURPOSE_MAX_LENGTH = 200

PURPOSE_REQUIRED = (
    "purpose_required",
    "查询非公开信息须说明查询目的：请在请求头 X-Purpose（UTF-8，可百分号编码）或查询参数 purpose 中填写",
)


class ErrorOut(Schema):
    code: str
    message: str


def error(status: int, code: str, message: str) -> Status:
    """A ninja response carrying the platform's error body."""
    return Status(status, {"code": code, "message": message})


def request_purpose(request: HttpRequest) -> str:
    """The stated purpose of a request: ``X-Purpose`` header or ``purpose`` query parameter."""
    raw = request.GET.get("purpose") or ""
    if not raw.strip():
        header = request.headers.get("X-Purpose", "")
        # WSGI hands header bytes over as latin-1; a client sending raw UTF-8 gets it back intact.
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            header = header.encode("latin-1").decode("utf-8")
        raw = unquote(header)
    return raw.strip()[:PURPOSE_MAX_LENGTH]


_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _not_a_number(value: object) -> object:
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError(
            "日期须写作 YYYY-MM-DD（日期时间写作 ISO 8601，如 2026-06-15T08:00:00+08:00），不能是数字"
        )
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_not_a_number)]
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_not_a_number)]
