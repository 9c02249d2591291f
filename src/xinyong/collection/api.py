"""Submission API (接口报送): ``POST /api/collection/{item_code}/records`` and batch status.

The body is a JSON array (``Content-Type: application/json``) or NDJSON (``application/x-ndjson``, one
object per line) of records, each an object keyed by field code (``CF_WSH``) or Chinese header
(``行政处罚决定书文号``). The department is the API client's department; the scope is ``records:write``.

- Up to ``XINYONG_API_SYNC_MAX_ROWS`` rows (5,000 by default) are loaded in the request: 200 with the
  counts and every rejected row's errors (row = 1-based position of the object in the body).
- Larger requests answer 202 with the batch id; ``GET /api/collection/batches/{id}`` reports progress and
  counts, ``GET /api/collection/batches/{id}/rejections`` the rejected rows (paginated).
- ``Idempotency-Key`` header (up to 200 characters): a retried request with the same key is answered with
  the first request's batch and counts (header ``Idempotent-Replayed: true``) and loads nothing twice; the
  same key with a different body answers 409 ``idempotency_key_reused``.
- Bodies above ``XINYONG_API_MAX_BODY_BYTES`` (64 MB by default) answer 413 ``body_too_large``.

Errors are ``{"code": ..., "message": ...}`` with a zh-hans message.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema, Status

from xinyong.accounts.api_auth import ApiKeyAuth
from xinyong.collection.errors import CollectionError
from xinyong.collection.lifecycle import batch_submit_api
from xinyong.collection.models import Batch, BatchStatus
from xinyong.collection.permissions import can_read_batch_rows
from xinyong.collection.rejections import batch_rejections_read_audit
from xinyong.collection.selectors import (
    batch_progress,
    batch_rejected_errors,
    batch_rejected_page,
    batch_visible_get,
)
from xinyong.core.api import ErrorOut, error

router = Router(tags=["数据归集"])

CONTENT_FORMATS = {
    "application/json": "json",
    "application/x-ndjson": "ndjson",
    "application/ndjson": "ndjson",
    "application/jsonl": "ndjson",
    "application/x-jsonlines": "ndjson",
}
IDEMPOTENCY_KEY_MAX_LENGTH = 200
MAX_PAGE_SIZE = 500
MAX_ERRORS_IN_ANSWER = 50_000

REQUEST_BODY_DOC = {
    "requestBody": {
        "required": True,
        "description": "记录数组（JSON）或每行一个 JSON 对象（NDJSON）；键为字段代码（如 CF_WSH）或中文列名",
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    },
    "parameters": [
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": False,
            "schema": {"type": "string", "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH},
            "description": "幂等键：重试同一请求时原样携带，平台只入库一次并返回首次的结果",
        }
    ],
}


class RowErrorOut(Schema):
    row: int
    code: str
    field: str
    column: str
    message: str


class ProgressOut(Schema):
    processed: int
    total: int | None
    total_exact: bool
    rows_per_second: float | None
    eta_seconds: float | None
    percent: float | None


class BatchOut(Schema):
    batch_id: uuid.UUID
    item: str
    status: str
    status_label: str
    rows_read: int
    created: int
    new_version: int
    duplicate: int
    rejected: int
    warnings: dict[str, int]
    ignored_columns: list[str]
    progress: ProgressOut
    received_at: dt.datetime
    finished_at: dt.datetime | None
    error_code: str
    error_message: str
    status_url: str
    rejections_url: str


class SubmissionOut(BatchOut):
    errors: list[RowErrorOut]


class RejectionOut(Schema):
    row: int
    values: dict
    errors: list[dict]


class RejectionPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[RejectionOut]


def _batch_out(batch: Batch) -> dict:
    progress = batch_progress(batch=batch)
    base = f"/api/collection/batches/{batch.pk}"
    return {
        "batch_id": batch.pk,
        "item": batch.item.code,
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "rows_read": batch.rows_read,
        "created": batch.created,
        "new_version": batch.new_version,
        "duplicate": batch.duplicate,
        "rejected": batch.rejected,
        "warnings": batch.warnings or {},
        # Keys that name no field of the item (a typo?): their values were not loaded.
        "ignored_columns": [h for h in batch.headers if not (batch.mapping or {}).get(h)],
        "progress": progress,
        "received_at": batch.received_at,
        "finished_at": batch.finished_at,
        "error_code": batch.error_code,
        "error_message": batch.error_message,
        "status_url": base,
        "rejections_url": f"{base}/rejections",
    }


def _row_errors(batch: Batch) -> list[dict]:
    out = []
    for number, errors in batch_rejected_errors(batch=batch):
        for e in errors:
            out.append(
                {
                    "row": number,
                    "code": e.get("code", ""),
                    "field": e.get("field", ""),
                    "column": e.get("column", ""),
                    "message": e.get("message", ""),
                }
            )
            if len(out) >= MAX_ERRORS_IN_ANSWER:
                return out
    return out


@router.post(
    "/{item_code}/records",
    auth=ApiKeyAuth("records:write"),
    response={200: SubmissionOut, 202: BatchOut, 400: ErrorOut, 409: ErrorOut, 413: ErrorOut, 415: ErrorOut},
    summary="报送信用记录（JSON 数组或 NDJSON）",
    openapi_extra=REQUEST_BODY_DOC,
)
def submit_records(request: HttpRequest, item_code: str, response: HttpResponse):
    """Submit records of one catalog item for the client's department; small requests load at once."""
    content_type = (request.content_type or "").lower()
    content_format = CONTENT_FORMATS.get(content_type)
    if content_format is None:
        return error(
            415,
            "content_type_unsupported",
            "请求体格式不支持：请使用 Content-Type: application/json（JSON 数组）"
            "或 application/x-ndjson（每行一个 JSON 对象）",
        )
    limit = settings.XINYONG_API_MAX_BODY_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        # Refused before reading: the body is not even received.
        return error(
            413,
            "body_too_large",
            f"请求体超过 {limit // (1024 * 1024)} MB 的上限；请分多次提交，或改用文件上传",
        )
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        return error(400, "idempotency_key_invalid", f"幂等键不能超过 {IDEMPOTENCY_KEY_MAX_LENGTH} 个字符")
    received_at = timezone.now()
    try:
        submission = batch_submit_api(
            api_client=request.auth,
            item_code=item_code,
            stream=request,
            content_format=content_format,
            idempotency_key=key,
            received_at=received_at,
        )
    except CollectionError as exc:
        return error(exc.status, exc.code, exc.message)
    batch = submission.batch
    if submission.replayed:
        response["Idempotent-Replayed"] = "true"
    if batch.status == BatchStatus.FAILED and not batch.rows_read:
        return error(400, batch.error_code or "request_invalid", batch.error_message or "请求无法处理")
    if submission.background or batch.status in (BatchStatus.QUEUED, BatchStatus.LOADING):
        response["Location"] = f"/api/collection/batches/{batch.pk}"
        return Status(202, _batch_out(batch))
    return Status(200, {**_batch_out(batch), "errors": _row_errors(batch)})


def _visible_batch(request, batch_id: uuid.UUID) -> Batch | None:
    return batch_visible_get(user=request.auth, batch_id=batch_id)


@router.get(
    "/batches/{uuid:batch_id}",
    auth=ApiKeyAuth("records:write"),
    response={200: BatchOut, 404: ErrorOut},
    summary="批次状态与进度",
)
def get_batch(request: HttpRequest, batch_id: uuid.UUID):
    """Status, progress and counts of a batch of the client's department."""
    batch = _visible_batch(request, batch_id)
    if batch is None:
        return error(404, "batch_not_found", "未找到该批次，或本接口客户端无权查看")
    return Status(200, _batch_out(batch))


@router.get(
    "/batches/{uuid:batch_id}/rejections",
    auth=ApiKeyAuth("records:write"),
    response={200: RejectionPageOut, 400: ErrorOut, 404: ErrorOut},
    summary="批次退回行",
)
def get_rejections(request: HttpRequest, batch_id: uuid.UUID, page: int = 1, page_size: int = 100):
    """The rejected rows of a batch with their errors, by row number (personal ID numbers masked)."""
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        return error(400, "page_invalid", f"页码从 1 开始，每页条数应在 1 到 {MAX_PAGE_SIZE} 之间")
    batch = _visible_batch(request, batch_id)
    if batch is None or not can_read_batch_rows(request.auth, batch):
        return error(404, "batch_not_found", "未找到该批次，或本接口客户端无权查看")
    rows = batch_rejected_page(batch=batch, page=page, page_size=page_size)
    results = [{"row": r.number, "values": r.values, "errors": r.errors} for r in rows]
    batch_rejections_read_audit(
        batch=batch, actor=request.auth, page=page, rows=len(results), request=request
    )
    return Status(200, {"count": batch.rejected, "page": page, "page_size": page_size, "results": results})
