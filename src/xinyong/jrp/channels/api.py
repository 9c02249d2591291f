"""Ways to run a check besides the API and the clerk page: batch checks and the embeddable widget.

- ``POST /api/jrp/channels/batch`` (scope ``check:query``): a JSON array of codes or plain text (one code
  per line), at most ``JRP_BATCH_MAX_CODES`` codes and ``JRP_BATCH_MAX_BODY_BYTES`` bytes; ``matter_code``
  and ``purpose`` (or ``X-Purpose``) as query parameters. Answers 202 with the batch; the check runs in the
  background. ``GET …/batch/{ref}`` reports progress and counts, ``GET …/batch/{ref}/result`` downloads the
  result file (CSV or XLSX) — the client's own department's batches only.
- ``POST /api/jrp/channels/widget-token`` (scope ``check:query``): the acceptance system's server obtains a
  short-lived token for its page; ``POST /api/jrp/channels/widget/check`` is called by the widget with that
  token (no API key) and answers the check's result card.

Errors are ``{"code", "message"}`` with a zh-hans message. See docs/check-channels.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema, Status

from xinyong.accounts.api_auth import ApiKeyAuth
from xinyong.core.api import ErrorOut, error, request_purpose
from xinyong.core.errors import CodedError
from xinyong.jrp.channels import presenters
from xinyong.jrp.channels.selectors import batch_check_counts, batch_check_for_client
from xinyong.jrp.channels.services import (
    batch_check_submit,
    widget_check_run,
    widget_token_issue,
)
from xinyong.jrp.models import BatchCheck

router = Router(tags=["联合奖惩"])

CONTENT_SUFFIXES = {"application/json": ".json", "text/plain": ".txt"}
_COPY = 1024 * 1024

BATCH_BODY_DOC = {
    "requestBody": {
        "required": True,
        "description": "代码数组（JSON），或纯文本每行一个代码；统一社会信用代码或身份证号码",
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "string"}}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}


class BodyTooLarge(CodedError):
    status = 413


def _too_large() -> BodyTooLarge:
    limit = int(settings.JRP_BATCH_MAX_BODY_BYTES)
    return BodyTooLarge(
        "body_too_large",
        f"请求体超过 {limit // (1024 * 1024)} MB 的上限；请拆分为多批提交，或在控制台上传文件",
    )


class CountsOut(Schema):
    total: int | None
    done: int
    hits: int
    clean: int
    not_found: int
    invalid: int
    duplicates: int


class BatchCheckOut(Schema):
    ref: str
    status: str
    status_label: str
    purpose: str
    matter_code: str
    as_of: dt.date
    counts: CountsOut
    created_at: dt.datetime
    finished_at: dt.datetime | None
    error_code: str
    error_message: str
    status_url: str
    result_url: str | None


def _batch_out(batch: BatchCheck) -> dict[str, Any]:
    base = f"/api/jrp/channels/batch/{batch.ref}"
    return {
        "ref": batch.ref,
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "purpose": batch.purpose,
        "matter_code": batch.matter_code,
        "as_of": batch.as_of,
        "counts": batch_check_counts(batch=batch),
        "created_at": batch.created_at,
        "finished_at": batch.finished_at,
        "error_code": batch.error_code,
        "error_message": batch.error_message,
        "status_url": base,
        "result_url": f"{base}/result" if batch.status == BatchCheck.Status.DONE else None,
    }


def _chunks(request: HttpRequest):
    while chunk := request.read(_COPY):
        yield chunk


@router.post(
    "/batch",
    auth=ApiKeyAuth("check:query"),
    response={202: BatchCheckOut, 400: ErrorOut, 413: ErrorOut, 415: ErrorOut},
    summary="批量核查：提交代码清单",
    openapi_extra=BATCH_BODY_DOC,
)
def submit_batch(request: HttpRequest, response: HttpResponse, matter_code: str = "", purpose: str = ""):
    """Submit up to 1,000,000 codes for a batch check of the client's department; runs in the background."""
    suffix = CONTENT_SUFFIXES.get((request.content_type or "").lower())
    if suffix is None:
        return error(
            415,
            "content_type_unsupported",
            "请求体格式不支持：请使用 Content-Type: application/json（代码数组）或 text/plain（每行一个代码）",
        )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > int(settings.JRP_BATCH_MAX_BODY_BYTES):
        exc = _too_large()
        return error(413, exc.code, exc.message)
    client = request.auth
    try:
        batch = batch_check_submit(
            department=client.department,
            actor=client,
            purpose=purpose or request_purpose(request),
            matter_code=matter_code,
            as_of=timezone.localdate(),
            chunks=_chunks(request),
            filename=f"api{suffix}",
            suffix=suffix,
            limit=int(settings.JRP_BATCH_MAX_BODY_BYTES),
            too_large=_too_large(),
            count_first=True,
        )
    except CodedError as exc:
        return error(exc.status, exc.code, exc.message)
    response["Location"] = f"/api/jrp/channels/batch/{batch.ref}"
    return Status(202, _batch_out(batch))


@router.get(
    "/batch/{batch_id}",
    auth=ApiKeyAuth("check:query"),
    response={200: BatchCheckOut, 404: ErrorOut},
    summary="批量核查：进度与结果统计",
)
def get_batch(request: HttpRequest, batch_id: str):
    """Status, progress and counts of a batch check of the client's department."""
    batch = batch_check_for_client(client=request.auth, ref=batch_id)
    if batch is None:
        return error(404, "batch_not_found", "未找到该批量核查，或本接口客户端无权查看")
    return Status(200, _batch_out(batch))


@router.get(
    "/batch/{batch_id}/result",
    auth=ApiKeyAuth("check:query"),
    response={200: None, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="批量核查：下载结果文件（CSV 或 XLSX）",
)
def get_batch_result(request: HttpRequest, batch_id: str, format: str = "csv"):
    """The result file of a finished batch check of the client's department."""
    if format not in ("csv", "xlsx"):
        return error(400, "format_invalid", "结果文件格式应为 csv 或 xlsx")
    batch = batch_check_for_client(client=request.auth, ref=batch_id)
    if batch is None:
        return error(404, "batch_not_found", "未找到该批量核查，或本接口客户端无权查看")
    try:
        handle, name = presenters.result_open(batch=batch, fmt=format, actor=request.auth)
    except CodedError as exc:
        return error(exc.status, exc.code, exc.message)
    return FileResponse(handle, as_attachment=True, filename=name)


# ---------------------------------------------------------------------------------------------------
# Widget


class WidgetTokenIn(Schema):
    matter_code: str
    purpose: str
    subject: str = ""
    max_checks: int | None = None


class WidgetTokenOut(Schema):
    token: str
    expires_at: dt.datetime
    max_checks: int
    widget_url: str
    script_url: str


@router.post(
    "/widget-token",
    auth=ApiKeyAuth("check:query"),
    response={201: WidgetTokenOut, 400: ErrorOut},
    summary="嵌入组件：受理系统服务端申请核查令牌",
)
def issue_widget_token(request: HttpRequest, payload: WidgetTokenIn):
    """A short-lived, single-purpose token for the widget on the acceptance page (never the API key)."""
    try:
        issued = widget_token_issue(
            api_client=request.auth,
            purpose=payload.purpose,
            matter_code=payload.matter_code,
            subject=payload.subject,
            max_checks=payload.max_checks,
        )
    except CodedError as exc:
        return error(exc.status, exc.code, exc.message)
    return Status(
        201,
        {
            "token": issued.token,
            "expires_at": issued.expires_at,
            "max_checks": issued.max_checks,
            "widget_url": request.build_absolute_uri(presenters.WIDGET_PATH),
            "script_url": request.build_absolute_uri(presenters.widget_script_url()),
        },
    )


class WidgetCheckIn(Schema):
    query: str
    confirm_subject_id: int | None = None


@router.post(
    "/widget/check",
    auth=None,
    response={200: dict, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    summary="嵌入组件：凭令牌核查（请求头 X-Widget-Token）",
)
def widget_check(request: HttpRequest, payload: WidgetCheckIn):
    """One check with a widget token: the result card's content (lists, measures, suspended, candidates)."""
    token = request.headers.get("X-Widget-Token", "")
    try:
        answer = widget_check_run(
            token=token,
            query=payload.query,
            as_of=timezone.localdate(),
            confirm_subject_id=payload.confirm_subject_id,
        )
    except CodedError as exc:  # token refused, query or request not answerable
        return error(exc.status, exc.code, exc.message)
    return Status(200, presenters.widget_card(answer))
