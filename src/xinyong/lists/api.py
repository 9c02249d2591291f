"""API of the lists, mounted at ``/api/lists/``, for API clients with the ``check:query`` or ``records:read`` scope.

- ``GET /api/lists/types`` — the active list types (红/黑, listing mode, domain, legal basis, memorandum …);
- ``GET /api/lists/entries`` — list entries, in force on a day by default (``state=in_force``, ``as_of``), or
  by stored state; filters ``type`` (list type code) and ``subject_code`` (USCC); paginated;
- ``GET /api/lists/changes?cursor=`` — every step of every entry (列入、移出、期满、修复 …) since the cursor,
  oldest first, and ``next_cursor``: each department pulls its lists incrementally, like
  ``GET /api/records/changes``. Rows become visible ``XINYONG_CHANGE_FEED_SETTLE_SECONDS`` (default 30) after
  they were written, so that a write still being committed is never skipped.

Lists serve joint reward and punishment: every department's client may read them. A natural person's 身份证
number never leaves in full (the masked form only). Errors are ``{"code", "message"}`` in zh-hans.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from xinyong.accounts.api_auth import ApiAuthError, ApiKeyAuth
from xinyong.accounts.models import ApiScope, AuditAction, AuditOutcome
from xinyong.accounts.services import ApiKeyError, apiclient_authenticate, audit_log
from xinyong.core.api import ErrorOut, IsoDate, error
from xinyong.lists.models import EntryState, ListEntry, ListType
from xinyong.lists.selectors import list_entries_find, list_entry_changes_since, list_types_active
from xinyong.subjects.models import Subject

router = Router(tags=["红黑名单"])
router.add_router("/ftm/", "xinyong.lists.interop.api.router")  # FollowTheMoney export

MAX_PAGE_SIZE = 200
MAX_FEED_LIMIT = 1000
DEFAULT_SETTLE_SECONDS = 30
SCOPES = (ApiScope.CHECK_QUERY.value, ApiScope.RECORDS_READ.value)


class ListsAuth(ApiKeyAuth):
    """An API client with either of ``SCOPES``."""

    def __init__(self) -> None:
        super().__init__(SCOPES[0])

    def authenticate(self, request: HttpRequest, key: str | None):
        try:
            client = apiclient_authenticate(key=key)
        except ApiKeyError:
            return super().authenticate(request, key)  # the same 401 answer and audit entry
        if any(scope in client.scopes for scope in SCOPES):
            return client
        audit_log(
            actor=client,
            action=AuditAction.QUERY,
            outcome=AuditOutcome.DENIED,
            detail={"reason": "api_scope_missing", "scope": "|".join(SCOPES), "path": request.path},
            request=request,
        )
        raise ApiAuthError(
            403,
            "api_scope_missing",
            "该接口客户端没有“信用核查”（check:query）或“读取信用记录”（records:read）权限：请向平台管理员申请",
        )


class ListTypeOut(Schema):
    code: str
    name: str
    colour: str
    listing_mode: str
    domain: str
    nature: str
    initiating_department: str
    department_codes: list[str]
    legal_basis: str
    memorandum: str
    criteria: str
    validity_months: int | None
    objection_working_days: int | None
    subject_kinds: list[str]
    synonyms: list[str]
    item_code: str
    version: int
    valid_from: dt.date


class EntryOut(Schema):
    id: int
    list_type: str
    list_type_name: str
    colour: str
    state: str
    state_label: str
    origin: str
    subject_id: int
    subject_name: str
    subject_kind: str
    subject_code: str
    record_id: int | None
    department: str
    department_name: str
    reason: str
    level: str
    decided_on: dt.date | None
    effective_from: dt.date | None
    effective_until: dt.date | None
    ended_on: dt.date | None
    end_reason: str
    disputed: bool
    updated_at: dt.datetime


class EntryPageOut(Schema):
    count: int
    page: int
    page_size: int
    as_of: dt.date
    results: list[EntryOut]


class EventOut(Schema):
    id: int
    at: dt.datetime
    from_state: str
    to_state: str
    on_date: dt.date
    actor: str
    reason: str
    entry: EntryOut


class ChangesOut(Schema):
    next_cursor: str
    has_more: bool
    changes: list[EventOut]


def _entry_out(entry: ListEntry) -> dict:
    subject = entry.subject
    department = entry.department
    return {
        "id": entry.pk,
        "list_type": entry.list_type.code,
        "list_type_name": entry.list_type.name,
        "colour": entry.list_type.colour,
        "state": entry.state,
        "state_label": entry.get_state_display(),
        "origin": entry.origin,
        "subject_id": subject.pk,
        "subject_name": subject.name,
        "subject_kind": subject.kind,
        # USCC or the masked 身份证 number; the full number never leaves through the API.
        "subject_code": subject.display_code,
        "record_id": entry.record_id,
        "department": department.code if department else "",
        "department_name": department.name if department else "",
        "reason": entry.reason,
        "level": entry.level,
        "decided_on": entry.decided_on,
        "effective_from": entry.effective_from,
        "effective_until": entry.effective_until,
        "ended_on": entry.ended_on,
        "end_reason": entry.end_reason,
        "disputed": entry.disputed,
        "updated_at": entry.updated_at,
    }


@router.get("/types", auth=ListsAuth(), response={200: list[ListTypeOut]}, summary="名单类型")
def list_types(request):
    """The active list types, black before red, by domain."""
    return [
        {**{f: getattr(t, f) for f in ListTypeOut.model_fields}, "department_codes": list(t.department_codes)}
        for t in list_types_active()
    ]


@router.get("/entries", auth=ListsAuth(), response={200: EntryPageOut, 400: ErrorOut}, summary="名单条目")
def list_entries(
    request,
    type: str | None = None,
    state: str = "in_force",
    subject_code: str | None = None,
    as_of: IsoDate | None = None,
    page: int = 1,
    page_size: int = 50,
):
    """Entries in force on ``as_of`` (default today), or of a stored ``state``; newest listing first."""
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        return error(400, "page_invalid", f"页码从 1 开始，每页条数应在 1 到 {MAX_PAGE_SIZE} 之间")
    if state != "in_force" and state not in EntryState.values:
        return error(
            400, "state_invalid", f"state 应为 in_force（当日有效）或 {'、'.join(EntryState.values)} 之一"
        )
    code = (type or "").strip()[:60]
    if type is not None and not ListType.objects.filter(code=code).exists():
        return error(400, "list_type_unknown", "type 不是已有的名单类型代码：请先调用 /api/lists/types 查询")
    day = as_of or timezone.localdate()
    subject_ids = None
    if subject_code is not None:
        uscc = subject_code.strip().upper()
        if not _USCC_RE.fullmatch(uscc):
            return error(400, "subject_code_invalid", "subject_code 应为 18 位统一社会信用代码")
        subject_ids = list(Subject.objects.filter(uscc=uscc).values_list("id", flat=True))
    entries = list_entries_find(as_of=day, list_type=code, state=state, subject_ids=subject_ids)
    start = (page - 1) * page_size
    rows = list(entries[start : start + page_size])
    return {
        "count": entries.order_by().count(),
        "page": page,
        "page_size": page_size,
        "as_of": day,
        "results": [_entry_out(e) for e in rows],
    }


_CURSOR_RE = re.compile(r"e(\d+)")
_USCC_RE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")


def encode_cursor(event_id: int) -> str:
    return base64.urlsafe_b64encode(f"e{event_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    match = _CURSOR_RE.fullmatch(text)
    return int(match[1]) if match else None


@router.get(
    "/changes", auth=ListsAuth(), response={200: ChangesOut, 400: ErrorOut}, summary="名单变更订阅（增量）"
)
def list_changes(request, cursor: str | None = None, limit: int = 100):
    """Entry steps written since the cursor, oldest first, each with the entry as it is now."""
    if not 1 <= limit <= MAX_FEED_LIMIT:
        return error(400, "limit_invalid", f"每次返回条数应在 1 到 {MAX_FEED_LIMIT} 之间")
    after = 0
    if cursor:
        after = decode_cursor(cursor.strip()[:100])
        if after is None:
            return error(
                400, "cursor_invalid", "cursor 不是有效的游标：请使用上次返回的 next_cursor，首次订阅不填"
            )
    settle = getattr(settings, "XINYONG_CHANGE_FEED_SETTLE_SECONDS", DEFAULT_SETTLE_SECONDS)
    events, has_more = list_entry_changes_since(
        event_after=after, horizon=timezone.now() - dt.timedelta(seconds=settle), limit=limit
    )
    return {
        "next_cursor": encode_cursor(events[-1].pk if events else after),
        "has_more": has_more,
        "changes": [
            {
                "id": e.pk,
                "at": e.at,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "on_date": e.on_date,
                "actor": e.actor_name,
                "reason": e.reason,
                "entry": _entry_out(e.entry),
            }
            for e in events
        ],
    }
