"""The portal page of published typical cases of joint reward and punishment (典型案例), 10 per page.

Organisations appear by name; natural persons' names are masked, in the text too (docs/feedback.md).
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from xinyong.jrp.feedback.presenters import case_public
from xinyong.jrp.feedback.selectors import typical_cases_published

CASES_PAGE_SIZE = 10


@require_GET
def typical_cases(request: HttpRequest) -> HttpResponse:
    page = Paginator(typical_cases_published(), CASES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/typical_cases.html",
        {"page": page, "cases": [case_public(c) for c in page.object_list], "querystring": ""},
    )
