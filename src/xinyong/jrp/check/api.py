"""The credit check API, mounted at /api/jrp/check/ (scope ``check:query``).

- ``POST /api/jrp/check/`` — body ``{purpose, matter_code, query, query_kind?, as_of?}``: checks one subject
  (USCC, 身份证 number or name) and returns the answer (docs/credit-check.md). The query travels in the body,
  never in a URL. A name returns candidates only; confirm one with ``confirm_subject_id``.
- ``GET /api/jrp/check/{check_id}`` — a check logged for the client's own department, as answered.

Errors are ``{"code": ..., "message": ...}`` (``xinyong.core.api``): 400 for a request that cannot be
answered (no purpose, unknown matter, invalid code — the latter is logged like every check).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema

from xinyong.accounts.api_auth import ApiKeyAuth
from xinyong.core.api import ErrorOut, IsoDate, error
from xinyong.jrp.check.log import answer_expanded, answer_json_bytes
from xinyong.jrp.check.permissions import check_log_department_for
from xinyong.jrp.check.selectors import check_log_get
from xinyong.jrp.check.services import CheckError, check_run, requester_for
from xinyong.jrp.models import CheckChannel

router = Router(tags=["联合奖惩"])


class CheckIn(Schema):
    purpose: str = Field(..., max_length=200, description="核查用途，如办理的业务")
    matter_code: str = Field("", max_length=80, description="事项编码（事项清单中的编码）")
    query: str = Field(..., max_length=300, description="统一社会信用代码、身份证号码或名称")
    query_kind: str | None = Field(None, description="uscc、ric 或 name；不填时自动识别")
    as_of: IsoDate | None = Field(None, description="核查依据日期，默认今天")
    confirm_subject_id: int | None = Field(None, description="按名称查询后确认的主体编号")


class CheckOut(Schema):
    check_id: int | None
    outcome: str
    as_of: dt.date
    subject: dict[str, Any] | None
    candidates: list[dict[str, Any]]
    hits: list[dict[str, Any]]
    measures: list[dict[str, Any]]
    rulebook_number: int | None
    facts: dict[str, Any] | None
    explanation: list[str]
    error_code: str
    error_message: str


@router.post(
    "/",
    auth=ApiKeyAuth("check:query"),
    response={200: CheckOut, 400: ErrorOut},
    summary="信用核查",
)
def check(request, payload: CheckIn):
    """Check one subject for a matter: hits in force, measures with basis, suspended ones, explanation."""
    try:
        answer = check_run(
            requester=requester_for(principal=request.auth),
            purpose=payload.purpose,
            matter_code=payload.matter_code,
            query=payload.query,
            query_kind=payload.query_kind,
            as_of=payload.as_of or timezone.localdate(),
            channel=CheckChannel.API,
            confirm_subject_id=payload.confirm_subject_id,
        )
    except CheckError as exc:
        return error(400, exc.code, exc.message)
    if answer.error_code:
        return error(400, answer.error_code, answer.error_message)
    # The answer is already the response's shape (``CheckOut``): written once by orjson, not validated again.
    return HttpResponse(answer_json_bytes(answer), content_type="application/json; charset=utf-8")


@router.get(
    "/{check_id}",
    auth=ApiKeyAuth("check:query"),
    response={200: CheckOut, 404: ErrorOut},
    summary="核查记录",
)
def check_get(request, check_id: int):
    """A check logged for the client's own department, with the answer as returned."""
    log = check_log_get(check_id=check_id, department_id=check_log_department_for(request.auth))
    if log is None:
        return error(404, "check_not_found", "未找到该核查记录，或该记录不是本部门的核查")
    return {**answer_expanded(log.answer, query_kind=log.query_kind), "check_id": log.pk}
