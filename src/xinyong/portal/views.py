"""Pages of the public portal (信用网站). Thin: they read through ``portal.selectors``, format through
``portal.presenters`` and render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from xinyong.core.masking import looks_like_id_number, mask_ric
from xinyong.portal import guidance
from xinyong.portal.forms import DisclosureFilterForm
from xinyong.portal.presenters import (
    portal_disclosures,
    portal_list,
    portal_recent,
    portal_search_rows,
    portal_subject_profile,
)
from xinyong.portal.selectors import (
    LICENSE,
    PENALTY,
    PUBLIC_LISTS,
    portal_list_types,
    portal_public_record_counts,
    portal_public_subject,
    portal_search,
)
from xinyong.portal.templatetags.portal import optional_url

SEARCH_LIMIT = 100
# A name search whose best hit scores this is a full name typed exactly (subjects.search: 100 for the same
# name, 99 for the same name with another legal form): it needs no “more complete name”.
EXACT_NAME_SCORE = 99.0
SEARCH_PAGE_SIZE = 20
LIST_PAGE_SIZE = 20

DISCLOSURES = {
    LICENSE: {
        "title": "行政许可信息公示",
        "short": "行政许可",
        "kind_label": "许可类别",
        "number_label": "行政许可决定文书号",
        "summary_label": "许可决定文书名称",
        "authority_label": "许可机关",
        "date_label": "许可决定日期",
        "url_name": "portal:licenses",
        "intro": "行政机关作出的行政许可决定，自作出决定之日起 7 个工作日内在本网站公示。",
    },
    PENALTY: {
        "title": "行政处罚信息公示",
        "short": "行政处罚",
        "kind_label": "处罚类别",
        "number_label": "行政处罚决定书文号",
        "summary_label": "违法行为类型",
        "authority_label": "处罚机关",
        "date_label": "处罚决定日期",
        "url_name": "portal:penalties",
        "intro": (
            "行政机关作出的行政处罚决定，自作出决定之日起 7 个工作日内在本网站公示；公示期满、依法修复或"
            "决定被撤销的，停止公示。仅受警告等轻微处罚的不予公示。"
        ),
    },
}


def today():
    """The day pages are computed for (every selector takes it as ``as_of``)."""
    return timezone.localdate()


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "portal/not_found.html", {"message": message}, status=404)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    as_of = today()
    context = {
        "as_of": as_of,
        "recent": [
            {
                "slug": slug,
                "short": DISCLOSURES[code]["short"],
                "url_name": DISCLOSURES[code]["url_name"],
                "rows": portal_recent(as_of=as_of, item_code=code),
            }
            for slug, code in (("licenses", LICENSE), ("penalties", PENALTY))
        ],
        "lists": PUBLIC_LISTS.values(),
    }
    return render(request, "portal/home.html", context)


# Read-only and public, so no CSRF token: the forms post only to keep a typed 身份证 number out of the URL.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """Search page. The search forms post: a query that may carry a 身份证 number, whole or in part (six or
    more digits, ``looks_like_id_number``), is answered here and so never appears in a URL, the browser
    history or an access log; other queries are redirected to ``?q=`` (links, pages)."""
    as_of = today()
    params = request.POST if request.method == "POST" else request.GET
    query = (params.get("q") or "").strip()[:100]
    is_id = looks_like_id_number(query)
    if request.method == "POST" and query and not is_id:
        response = redirect(f"{reverse('portal:search')}?{urlencode({'q': query})}")
        response.status_code = 303  # See Other: the browser fetches the results with GET
        return response
    page = None
    exact = capped = False
    if query:
        hits = portal_search(query=query, as_of=as_of, limit=SEARCH_LIMIT)
        exact = bool(hits) and hits[0].score >= EXACT_NAME_SCORE
        capped = len(hits) >= SEARCH_LIMIT
        # An answer in place has no address to page with: it lists every hit (at most SEARCH_LIMIT) at once.
        size = SEARCH_LIMIT if request.method == "POST" else SEARCH_PAGE_SIZE
        page = Paginator(hits, size).get_page(params.get("page"))
        ids = [hit.subject.pk for hit in page.object_list]
        counts = portal_public_record_counts(subject_ids=ids, as_of=as_of)
        page.object_list = portal_search_rows(hits=page.object_list, counts=counts)
    # An ID number, even a mistyped or partial one, is never echoed back: shown masked, the box left empty.
    context = {
        "query": mask_ric(query) if is_id else query,
        "box_value": "" if is_id else query,
        "page": page,
        "exact": exact,
        "capped": capped,
        "querystring": _query_without_page(request) if request.method == "GET" else "",
        "as_of": as_of,
    }
    return render(request, "portal/search.html", context)


@require_GET
def subject(request: HttpRequest, subject_id: int) -> HttpResponse:
    as_of = today()
    found = portal_public_subject(subject_id=subject_id, as_of=as_of)
    if found is None:
        return not_found(
            request, "未找到该主体的公示信息。信息可能已过公示期、已依法修复，或该主体没有公开的信用信息。"
        )
    profile = portal_subject_profile(subject=found, as_of=as_of)
    context = {
        "profile": profile,
        "as_of": as_of,
        "report_url": optional_url("reports:public_create"),
    }
    return render(request, "portal/subject.html", context)


def _disclosures(request: HttpRequest, item_code: str) -> HttpResponse:
    as_of = today()
    meta = DISCLOSURES[item_code]
    form = DisclosureFilterForm(request.GET or None, item_code=item_code, kind_label=meta["kind_label"])
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = portal_disclosures(
        item_code=item_code,
        as_of=as_of,
        department=filters.get("department"),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        kind=filters.get("kind") or "",
        page=_page_number(request),
        page_size=LIST_PAGE_SIZE,
    )
    context = {
        "meta": meta,
        "form": form,
        "page": page,
        "querystring": _query_without_page(request) if request.method == "GET" else "",
        "as_of": as_of,
    }
    return render(request, "portal/disclosures.html", context)


@require_GET
def licenses(request: HttpRequest) -> HttpResponse:
    return _disclosures(request, LICENSE)


@require_GET
def penalties(request: HttpRequest) -> HttpResponse:
    return _disclosures(request, PENALTY)


def _list(request: HttpRequest, slug: str) -> HttpResponse:
    as_of = today()
    public_list = PUBLIC_LISTS[slug]
    types = portal_list_types(public_list=public_list)
    chosen = request.GET.get("type", "")[:60]
    chosen = chosen if any(t.code == chosen for t in types) else ""
    page = portal_list(
        public_list=public_list,
        as_of=as_of,
        page=_page_number(request),
        page_size=LIST_PAGE_SIZE,
        list_type=chosen,
    )
    context = {
        "list": public_list,
        "page": page,
        "types": types,
        "chosen": chosen,
        "querystring": _query_without_page(request),
        "as_of": as_of,
    }
    return render(request, "portal/list.html", context)


@require_GET
def red_list(request: HttpRequest) -> HttpResponse:
    return _list(request, "red")


@require_GET
def black_list(request: HttpRequest) -> HttpResponse:
    return _list(request, "black")


@require_GET
def abnormal_list(request: HttpRequest) -> HttpResponse:
    return _list(request, "abnormal")


@require_GET
def guidance_page(request: HttpRequest) -> HttpResponse:
    periods = guidance.publication_periods(as_of=timezone.localdate())
    context = {
        "periods": periods.periods,
        "period_basis": periods.basis,
        "period_transition": periods.transition,
        "no_early_stop": guidance.NO_EARLY_STOP_KINDS,
        "deadlines": guidance.deadlines(as_of=timezone.localdate()),
        "withdrawal_days": guidance.WITHDRAWAL_DAYS,
    }
    return render(request, "portal/guidance.html", context)
