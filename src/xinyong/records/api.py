"""Read API of credit records: ``GET /api/records/`` and ``GET /api/records/{id}``.

Visibility is that of ``records_visible_to`` for the calling API client (its own department's records plus
public and 政务共享 ones); a record the client may not see answers 404, exactly like one that does not exist.

Purpose (查询目的): every response that contains non-public data (a record whose disclosure scope is not
公开) is written to the audit log with the client as actor and the purpose the client states, in the
``X-Purpose`` header (UTF-8, percent-encoding allowed) or the ``purpose`` query parameter. Without a
purpose such a request is refused with 400 ``purpose_required``; requests answered with public data only
need none. Errors are ``{"code": ..., "message": ...}`` with a zh-hans message (``xinyong.core.api``).

Change feed: ``GET /api/records/changes?changed_since=<cursor>&limit=`` returns, oldest first, the record
versions written and the publication changes (纳入公示 / 停止公示, recorded by the nightly sweep) of the records
visible to the client since the cursor, and ``next_cursor`` to pass next time. The cursor is opaque; start
without one. Rows become visible to the feed ``XINYONG_CHANGE_FEED_SETTLE_SECONDS`` (default 30) seconds
after they were written, so that a write still being committed is never skipped by a cursor that moved on.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re

from django.conf import settings
from django.utils import timezone
from ninja import Router, Schema

from xinyong.accounts.api_auth import ApiKeyAuth
from xinyong.core.api import PURPOSE_REQUIRED, ErrorOut, IsoDate, IsoDateTime, error, request_purpose
from xinyong.records.models import CreditRecord, CreditRecordVersion, PublicationChange
from xinyong.records.permissions import can_read_old_versions
from xinyong.records.selectors import (
    record_changes_since,
    record_effective_status,
    record_is_public,
    record_versions_visible_to,
    record_visible_get,
    records_find,
)
from xinyong.records.services import records_audit_view

router = Router(tags=["信用记录"])

MAX_PAGE_SIZE = 200
MAX_FEED_LIMIT = 1000
DEFAULT_SETTLE_SECONDS = 30


class VersionOut(Schema):
    number: int
    status: str
    status_date: dt.date | None
    change_reason: str
    decision_date: dt.date
    channel: str
    batch_ref: str
    received_at: dt.datetime
    content_hash: str
    item_version: int


class RecordOut(Schema):
    id: int
    item: str
    item_name: str
    item_version: int
    disclosure_scope: str
    department: str
    department_name: str
    document_number: str
    subject_id: int
    subject_name: str
    subject_kind: str
    subject_code: str
    decision_date: dt.date
    severity: str
    polarity: str
    status: str
    effective_status: str
    publish_from: dt.date | None
    publish_until: dt.date | None
    publishable: bool
    window_rule: str
    repair_from: dt.date | None
    no_early_stop: bool
    status_date: dt.date | None
    withdrawal_due: dt.date | None
    version: int
    updated_at: dt.datetime


class RecordDetailOut(RecordOut):
    fields: dict
    versions: list[VersionOut]


class RecordPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[RecordOut]


class FeedVersionOut(Schema):
    number: int
    status: str
    status_date: dt.date | None
    change_reason: str
    decision_date: dt.date
    severity: str
    publish_from: dt.date | None
    publish_until: dt.date | None
    publishable: bool
    window_rule: str
    channel: str
    batch_ref: str
    received_at: dt.datetime
    content_hash: str
    item_version: int
    fields: dict | None  # null for an old version of another department's record


class FeedPublicationOut(Schema):
    change: str
    change_label: str
    on_date: dt.date
    reason: str
    reason_label: str


class ChangeOut(Schema):
    kind: str  # "version" | "publication"
    at: dt.datetime
    record_id: int
    item: str
    department: str
    version: FeedVersionOut | None = None
    publication: FeedPublicationOut | None = None


class ChangeFeedOut(Schema):
    next_cursor: str
    has_more: bool
    changes: list[ChangeOut]


_CURSOR_RE = re.compile(r"v(\d+)p(\d+)")


def encode_cursor(version_id: int, change_id: int) -> str:
    """Opaque cursor: the last version id and publication change id delivered."""
    return base64.urlsafe_b64encode(f"v{version_id}p{change_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int] | None:
    """The ids in a cursor, or None when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    match = _CURSOR_RE.fullmatch(text)
    return (int(match[1]), int(match[2])) if match else None


def _record_out(record: CreditRecord, *, as_of: dt.date) -> dict:
    subject = record.subject
    return {
        "id": record.pk,
        "item": record.item.code,
        "item_name": record.item.name,
        "item_version": record.item_version.number,
        # The record's own scope: a natural person's record may have a narrower one than its item.
        "disclosure_scope": record.disclosure_scope,
        "department": record.department.code,
        "department_name": record.department.name,
        "document_number": record.document_number,
        "subject_id": subject.pk,
        "subject_name": subject.name,
        "subject_kind": subject.kind,
        # USCC or the masked 身份证 number; the full number never leaves through the API.
        "subject_code": subject.display_code,
        "decision_date": record.decision_date,
        "severity": record.severity,
        "polarity": record.polarity,
        "status": record.status,
        "effective_status": record_effective_status(version=record, as_of=as_of),
        "publish_from": record.publish_from,
        "publish_until": record.publish_until,
        "publishable": record.publishable,
        "window_rule": record.window_rule,
        "repair_from": record.repair_from,
        "no_early_stop": record.no_early_stop,
        "status_date": record.status_date,
        "withdrawal_due": record.withdrawal_due,
        "version": record.current_version.number,
        "updated_at": record.updated_at,
    }


@router.get(
    "/",
    auth=ApiKeyAuth("records:read"),
    response={200: RecordPageOut, 400: ErrorOut},
    summary="信用记录列表",
)
def list_records(
    request,
    item: str | None = None,
    department: str | None = None,
    subject_uscc: str | None = None,
    decision_from: IsoDate | None = None,
    decision_to: IsoDate | None = None,
    changed_since: IsoDateTime | None = None,
    page: int = 1,
    page_size: int = 50,
    purpose: str | None = None,
):
    """Records visible to the client, newest decision first; ``changed_since`` for incremental pulls."""
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        return error(400, "page_invalid", f"页码从 1 开始，每页条数应在 1 到 {MAX_PAGE_SIZE} 之间")
    count, rows = records_find(
        principal=request.auth,
        item=item or "",
        department=department or "",
        subject_uscc=subject_uscc or "",
        decision_from=decision_from,
        decision_to=decision_to,
        changed_since=changed_since,
        page=page,
        page_size=page_size,
    )
    stated = request_purpose(request)
    if any(not record_is_public(record=r) for r in rows):
        if not stated:
            return error(400, *PURPOSE_REQUIRED)
        records_audit_view(actor=request.auth, records=rows, purpose=stated, via="api", request=request)
    as_of = timezone.localdate()
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "results": [_record_out(r, as_of=as_of) for r in rows],
    }


def _version_change(client, version: CreditRecordVersion) -> dict:
    record = version.record
    readable = version.pk == record.current_version_id or can_read_old_versions(client, record)
    return {
        "kind": "version",
        "at": version.created_at,
        "record_id": record.pk,
        "item": record.item.code,
        "department": record.department.code,
        "version": {
            "number": version.number,
            "status": version.status,
            "status_date": version.status_date,
            "change_reason": version.change_reason,
            "decision_date": version.decision_date,
            "severity": version.severity,
            "publish_from": version.publish_from,
            "publish_until": version.publish_until,
            "publishable": version.publishable,
            "window_rule": version.window_rule,
            "channel": version.channel,
            "batch_ref": version.batch_ref,
            "received_at": version.received_at,
            "content_hash": version.content_hash,
            "item_version": version.item_version.number,
            "fields": version.fields if readable else None,
        },
    }


def _publication_change(change: PublicationChange) -> dict:
    record = change.record
    return {
        "kind": "publication",
        "at": change.recorded_at,
        "record_id": record.pk,
        "item": record.item.code,
        "department": record.department.code,
        "publication": {
            "change": change.change,
            "change_label": change.get_change_display(),
            "on_date": change.on_date,
            "reason": change.reason,
            "reason_label": change.get_reason_display(),
        },
    }


@router.get(
    "/changes",
    auth=ApiKeyAuth("records:read"),
    response={200: ChangeFeedOut, 400: ErrorOut},
    summary="信用记录变更订阅（增量）",
)
def record_changes(request, changed_since: str | None = None, limit: int = 100, purpose: str | None = None):
    """Versions written and publication changes since the cursor, oldest first, with the next cursor."""
    if not 1 <= limit <= MAX_FEED_LIMIT:
        return error(400, "limit_invalid", f"每次返回条数应在 1 到 {MAX_FEED_LIMIT} 之间")
    after = (0, 0)
    if changed_since:
        after = decode_cursor(changed_since.strip())
        if after is None:
            return error(
                400,
                "cursor_invalid",
                "changed_since 不是有效的游标：请使用上次返回的 next_cursor，首次订阅不填",
            )
    settle = getattr(settings, "XINYONG_CHANGE_FEED_SETTLE_SECONDS", DEFAULT_SETTLE_SECONDS)
    feed = record_changes_since(
        principal=request.auth,
        version_after=after[0],
        change_after=after[1],
        horizon=timezone.now() - dt.timedelta(seconds=settle),
        limit=limit,
    )
    merged = feed.rows
    records = [row.record for row in merged]
    if any(not record_is_public(record=r) for r in records):
        stated = request_purpose(request)
        if not stated:
            return error(400, *PURPOSE_REQUIRED)
        records_audit_view(actor=request.auth, records=records, purpose=stated, via="api", request=request)
    client = request.auth
    return {
        "next_cursor": encode_cursor(feed.version_after, feed.change_after),
        "has_more": feed.has_more,
        "changes": [
            _version_change(client, row) if isinstance(row, CreditRecordVersion) else _publication_change(row)
            for row in merged
        ],
    }


@router.get(
    "/{int:record_id}",
    auth=ApiKeyAuth("records:read"),
    response={200: RecordDetailOut, 400: ErrorOut, 404: ErrorOut},
    summary="信用记录详情",
)
def get_record(request, record_id: int, purpose: str | None = None):
    """One record with its current content; its version list when the client's department owns it."""
    record = record_visible_get(principal=request.auth, record_id=record_id)
    if record is None:
        return error(404, "record_not_found", "未找到该信用记录，或本接口客户端无权查看")
    if not record_is_public(record=record):
        stated = request_purpose(request)
        if not stated:
            return error(400, *PURPOSE_REQUIRED)
        records_audit_view(actor=request.auth, records=[record], purpose=stated, via="api", request=request)
    as_of = timezone.localdate()
    versions = [
        {
            "number": v.number,
            "status": v.status,
            "status_date": v.status_date,
            "change_reason": v.change_reason,
            "decision_date": v.decision_date,
            "channel": v.channel,
            "batch_ref": v.batch_ref,
            "received_at": v.received_at,
            "content_hash": v.content_hash,
            "item_version": v.item_version.number,
        }
        for v in record_versions_visible_to(principal=request.auth, record=record)
    ]
    return {
        **_record_out(record, as_of=as_of),
        "fields": record.current_version.fields,
        "versions": versions,
    }
