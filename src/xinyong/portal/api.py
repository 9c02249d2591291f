"""Public read API of the portal, mounted at ``/api/public/``: no key, rate-limited per client address.

- ``GET /api/public/subjects?q=`` — subject search (name, USCC, legacy code, complete 身份证 number);
  ``POST /api/public/subjects/search`` the same with the query in a JSON body, so that a 身份证 number stays
  out of URLs and access logs;
- ``GET /api/public/subjects/{id}`` — a subject's public information, grouped by catalog category;
- ``GET /api/public/licenses`` and ``GET /api/public/penalties`` — 双公示, filtered and paged;
- ``GET /api/public/lists/{red|black|abnormal}`` — 红名单, 黑名单, 经营异常名录, paged.

Everything comes from ``records_public`` (through ``portal.selectors`` and ``portal.presenters``), the same as
the portal's pages, with the same masking: a natural person's name and ID number are masked, and a person
appears only with a public record. Lists page by ``has_next`` without a total count. Errors are ``{"code", "message"}``, a refused
request ``429 rate_limited``.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Query, Router, Schema

from xinyong.accounts.selectors import department_by_code
from xinyong.core.api import ErrorOut, IsoDate, error
from xinyong.core.throttling import public_throttles
from xinyong.portal.presenters import (
    RecordRow,
    Slice,
    portal_disclosures,
    portal_list,
    portal_subject_profile,
    subject_display_code,
    subject_display_name,
)
from xinyong.portal.selectors import LICENSE, PENALTY, PUBLIC_LISTS, portal_public_subject, portal_search

router = Router(tags=["信用信息公开查询"], throttle=public_throttles())

MAX_PAGE_SIZE = 50
MAX_SEARCH = 50


def today() -> dt.date:
    """The day public answers are computed for."""
    return timezone.localdate()


class HitOut(Schema):
    id: int
    name: str
    kind: str
    kind_name: str
    code: str
    match: str
    matched: str
    score: float


class SearchOut(Schema):
    count: int
    results: list[HitOut]


class FieldOut(Schema):
    name: str
    value: str


class PublicRecordOut(Schema):
    id: int
    item: str
    item_name: str
    category: str
    document_number: str
    decision_date: dt.date
    department: str
    authority: str
    summary: str
    kinds: str
    severity: str
    polarity: str
    publish_until: dt.date | None
    window_rule: str
    fields: list[FieldOut]


class PublicListRecordOut(PublicRecordOut):
    subject_id: int
    subject_name: str
    subject_code: str


class CategoryOut(Schema):
    code: str
    name: str
    records: list[PublicRecordOut]


class CodeOut(Schema):
    kind_name: str
    value: str


class PublicSubjectOut(Schema):
    id: int
    name: str
    kind: str
    kind_name: str
    code: str
    category_name: str
    former_names: list[str]
    legacy_codes: list[CodeOut]
    legal_representatives: list[str]
    as_of: dt.date
    record_count: int
    truncated: bool
    categories: list[CategoryOut]


class PageOut(Schema):
    page: int
    page_size: int
    has_next: bool
    results: list[PublicListRecordOut]


def _record(row: RecordRow, *, with_subject: bool = False) -> dict:
    record = row.record
    out = {
        "id": record.pk,
        "item": record.item.code,
        "item_name": record.item.name,
        "category": record.item.category,
        "document_number": record.document_number,
        "decision_date": record.decision_date,
        "department": record.department.name,
        "authority": row.authority,
        "summary": row.summary,
        "kinds": row.kinds,
        "severity": record.severity,
        "polarity": record.polarity,
        "publish_until": record.publish_until,
        "window_rule": record.window_rule,
        "fields": [{"name": name, "value": value} for name, value in row.fields],
    }
    if with_subject:
        out.update(subject_id=record.subject_id, subject_name=row.subject_name, subject_code=row.subject_code)
    return out


def _page(page: Slice) -> dict:
    return {
        "page": page.number,
        "page_size": page.page_size,
        "has_next": page.has_next,
        "results": [_record(row, with_subject=True) for row in page.rows],
    }


def _page_args(page: int, page_size: int):
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        return error(400, "page_invalid", f"页码从 1 开始，每页条数应在 1 到 {MAX_PAGE_SIZE} 之间")
    return None


class SearchIn(Schema):
    q: str = ""
    limit: int = 20


def _search(q: str, limit: int):
    query = q.strip()
    if not query:
        return error(400, "query_required", "请输入主体名称、统一社会信用代码或完整的身份证号码")
    if not 1 <= limit <= MAX_SEARCH:
        return error(400, "limit_invalid", f"返回条数 limit 应在 1 到 {MAX_SEARCH} 之间")
    hits = portal_search(query=query[:100], as_of=today(), limit=limit)
    results = [
        {
            "id": hit.subject.pk,
            "name": subject_display_name(hit.subject),
            "kind": hit.subject.kind,
            "kind_name": hit.subject.get_kind_display(),
            "code": subject_display_code(hit.subject),
            "match": hit.match,
            "matched": hit.matched if hit.match != "name" else subject_display_name(hit.subject),
            "score": hit.score,
        }
        for hit in hits
    ]
    return {"count": len(results), "results": results}


@router.get("/subjects", response={200: SearchOut, 400: ErrorOut}, summary="主体查询")
def search_subjects(request, q: str = "", limit: int = 20):
    """Subjects by name (fuzzy), USCC or legacy code (exact), or complete 身份证 number (exact)."""
    return _search(q, limit)


@router.post(
    "/subjects/search", response={200: SearchOut, 400: ErrorOut}, summary="主体查询（查询条件在请求体中）"
)
def search_subjects_body(request, body: SearchIn):
    """The same search with ``{"q": ..., "limit": ...}`` in the body: use it for 身份证 numbers, which then
    appear in no URL, browser history or access log."""
    return _search(body.q, body.limit)


@router.get(
    "/subjects/{int:subject_id}", response={200: PublicSubjectOut, 404: ErrorOut}, summary="主体公开信用信息"
)
def subject_detail(request, subject_id: int):
    """A subject's public credit information on today's date, grouped by catalog category."""
    as_of = today()
    subject = portal_public_subject(subject_id=subject_id, as_of=as_of)
    if subject is None:
        return error(404, "subject_not_found", "未找到该主体的公示信息")
    profile = portal_subject_profile(subject=subject, as_of=as_of)
    return {
        "id": subject.pk,
        "name": profile.name,
        "kind": subject.kind,
        "kind_name": profile.kind_label,
        "code": profile.code,
        "category_name": profile.category_name,
        "former_names": profile.former_names,
        "legacy_codes": [{"kind_name": k, "value": v} for k, v in profile.legacy_codes],
        "legal_representatives": profile.legal_representatives,
        "as_of": as_of,
        "record_count": profile.record_count,
        "truncated": profile.truncated,
        "categories": [
            {"code": g.code, "name": g.label, "records": [_record(row) for row in g.rows]}
            for g in profile.groups
        ],
    }


def _disclosures(item_code, *, department, date_from, date_to, kind, page, page_size):
    invalid = _page_args(page, page_size)
    if invalid is not None:
        return invalid
    dept = None
    if department:
        dept = department_by_code(code=department)
        if dept is None:
            return error(400, "department_unknown", f"没有代码为“{department}”的数据来源单位")
    if date_from and date_to and date_from > date_to:
        return error(400, "date_range_invalid", "决定日期的起始日期不能晚于截止日期")
    return _page(
        portal_disclosures(
            item_code=item_code,
            as_of=today(),
            department=dept,
            date_from=date_from,
            date_to=date_to,
            kind=(kind or "").strip(),
            page=page,
            page_size=page_size,
        )
    )


class DisclosureFilters(Schema):
    """Filters of the 双公示 lists (query parameters)."""

    department: str | None = None
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    kind: str | None = None
    page: int = 1
    page_size: int = 20


@router.get("/licenses", response={200: PageOut, 400: ErrorOut}, summary="行政许可公示（双公示）")
def licenses(request, filters: Query[DisclosureFilters]):
    """Public licences, newest decision first; ``kind`` is a 许可类别 (普通、特许、认可、核准、登记、其他)."""
    return _disclosures(LICENSE, **filters.dict())


@router.get("/penalties", response={200: PageOut, 400: ErrorOut}, summary="行政处罚公示（双公示）")
def penalties(request, filters: Query[DisclosureFilters]):
    """Public penalties, newest decision first; ``kind`` is a 处罚类别 (罚款、警告 …)."""
    return _disclosures(PENALTY, **filters.dict())


@router.get("/lists/{slug}", response={200: PageOut, 400: ErrorOut, 404: ErrorOut}, summary="红黑名单")
def public_list(request, slug: str, page: int = 1, page_size: int = 20):
    """红名单 (``red``), 黑名单 (``black``) or 经营异常名录 (``abnormal``), newest decision first."""
    found = PUBLIC_LISTS.get(slug)
    if found is None:
        return error(
            404, "list_not_found", "名单应为 red（红名单）、black（黑名单）或 abnormal（经营异常名录）"
        )
    invalid = _page_args(page, page_size)
    if invalid is not None:
        return invalid
    return _page(portal_list(public_list=found, as_of=today(), page=page, page_size=page_size))
