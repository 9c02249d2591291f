"""The measures API for departments' systems (scope ``check:query``).

``GET /api/jrp/measures/`` the published measure list (filters, pages); ``GET /api/jrp/measures/changes``
a change cursor like ``GET /api/records/changes``: without a cursor the published list in full, then the
changes of each later publication (added / changed / removed), with the client department's own
conditions; ``GET /api/jrp/measures/matters`` the matter register. Errors ``{"code", "message"}``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re

from ninja import Router, Schema

from xinyong.accounts.api_auth import ApiKeyAuth
from xinyong.core.api import ErrorOut, error
from xinyong.jrp.measures.presenters import matter_as_dict, measure_as_dict
from xinyong.jrp.measures.selectors import (
    matters_list,
    measure_changes_page,
    measures_list,
    rulebook_published,
)
from xinyong.jrp.models import MeasureCondition

router = Router(tags=["联合奖惩"])

MAX_PAGE_SIZE = 500
MAX_FEED_LIMIT = 1000


class MeasureOut(Schema):
    code: str
    rulebook: int
    kind: str
    kind_label: str
    family: str
    family_label: str
    content: str
    legal_basis: str
    memorandum: str
    memorandum_title: str
    memorandum_document_number: str
    target: str
    list_type_codes: list[str]
    matter_name: str
    matter_codes: list[str]
    responsible_office: str
    implementing_department: str
    implementing_department_name: str
    implementation: str
    stage: str
    stage_label: str
    application: str
    application_label: str
    condition: dict
    condition_text: str
    department_condition: dict | None
    department_condition_text: str
    extends_to_responsible_persons: bool
    source: str


class MeasurePageOut(Schema):
    rulebook: int | None
    published_at: dt.datetime | None
    count: int
    page: int
    page_size: int
    results: list[MeasureOut]


class MeasureChangeOut(Schema):
    rulebook: int
    published_at: dt.datetime | None
    change: str
    code: str
    measure: MeasureOut | None


class MeasureChangeFeedOut(Schema):
    next_cursor: str
    has_more: bool
    changes: list[MeasureChangeOut]


class MatterOut(Schema):
    code: str
    name: str
    department: str
    department_name: str
    kind: str
    stage: str
    stage_label: str
    active: bool
    updated_at: dt.datetime


class MatterPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[MatterOut]


_CURSOR_RE = re.compile(r"(f?)r(\d+)o(\d+)")


def encode_cursor(number: int, offset: int, full: bool) -> str:
    """Opaque cursor: the rulebook number and how many of its changes were delivered."""
    text = f"{'f' if full else ''}r{number}o{offset}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int, bool] | None:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    match = _CURSOR_RE.fullmatch(text)
    return (int(match[2]), int(match[3]), bool(match[1])) if match else None


def _page_invalid():
    return error(400, "page_invalid", f"页码从 1 开始，每页条数应在 1 到 {MAX_PAGE_SIZE} 之间")


@router.get(
    "/",
    auth=ApiKeyAuth("check:query"),
    response={200: MeasurePageOut, 400: ErrorOut},
    summary="已公布的奖惩措施清单",
)
def list_measures(
    request,
    q: str | None = None,
    kind: str | None = None,
    family: str | None = None,
    list_type: str | None = None,
    stage: str | None = None,
    application: str | None = None,
    page: int = 1,
    page_size: int = 100,
):
    """Measures of the published rulebook, with the client department's own conditions."""
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        return _page_invalid()
    rulebook = rulebook_published()
    if rulebook is None:
        return {
            "rulebook": None,
            "published_at": None,
            "count": 0,
            "page": page,
            "page_size": page_size,
            "results": [],
        }
    qs = measures_list(
        rulebook=rulebook,
        q=(q or "")[:100],
        kind=kind or "",
        family=family or "",
        list_type=(list_type or "")[:100],
        stage=stage or "",
        application=application or "",
    )
    count = qs.count()
    rows = list(qs[(page - 1) * page_size : page * page_size])
    conditions = dict(
        MeasureCondition.objects.filter(
            rulebook=rulebook,
            department_id=request.auth.department_id,
            measure_code__in=[m.code for m in rows],
        ).values_list("measure_code", "expression")
    )
    return {
        "rulebook": rulebook.number,
        "published_at": rulebook.published_at,
        "count": count,
        "page": page,
        "page_size": page_size,
        "results": [measure_as_dict(m, department_condition=conditions.get(m.code)) for m in rows],
    }


@router.get(
    "/changes",
    auth=ApiKeyAuth("check:query"),
    response={200: MeasureChangeFeedOut, 400: ErrorOut},
    summary="奖惩措施变更订阅（增量）",
)
def measure_changes(request, cursor: str | None = None, limit: int = 200):
    """The published list in full, then each publication's changes, oldest first, with the next cursor."""
    if not 1 <= limit <= MAX_FEED_LIMIT:
        return error(400, "limit_invalid", f"每次返回条数应在 1 到 {MAX_FEED_LIMIT} 之间")
    after = (0, 0, False)
    if cursor:
        decoded = decode_cursor(cursor.strip()[:200])
        if decoded is None:
            return error(
                400, "cursor_invalid", "cursor 不是有效的游标：请使用上次返回的 next_cursor，首次订阅不填"
            )
        after = decoded
    page = measure_changes_page(
        after_number=after[0],
        after_offset=after[1],
        full=after[2],
        department_id=request.auth.department_id,
        limit=limit,
    )
    return {
        "next_cursor": encode_cursor(page.next_number, page.next_offset, page.next_full),
        "has_more": page.has_more,
        "changes": [
            {
                "rulebook": c.rulebook.number,
                "published_at": c.rulebook.published_at,
                "change": c.change,
                "code": c.code,
                "measure": measure_as_dict(c.measure, department_condition=c.department_condition)
                if c.measure is not None
                else None,
            }
            for c in page.changes
        ],
    }


@router.get(
    "/matters",
    auth=ApiKeyAuth("check:query"),
    response={200: MatterPageOut, 400: ErrorOut},
    summary="事项清单",
)
def list_matters(
    request, q: str | None = None, department: str | None = None, page: int = 1, page_size: int = 100
):
    """The matter register (事项), searchable by code or name, filtered by department code."""
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        return _page_invalid()
    qs = matters_list(q=(q or "")[:100], active=True)
    if department:
        qs = qs.filter(department__code=department[:40])
    count = qs.count()
    rows = qs[(page - 1) * page_size : page * page_size]
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "results": [matter_as_dict(m) for m in rows],
    }
