"""Admin changelist search that keeps 身份证 numbers out of URLs.

Django's changelist search is a GET form (``?q=``), so a full ID number typed into it would end up in the
address bar, the browser history, the access log and the ``Referer`` of the next request. With
``PostedSearchMixin`` the search box posts instead. A term that may carry an ID number
(``looks_like_id_number``: six digits or more) is searched at once; the matching primary keys and the
masked term are kept in the user's session under a random token, and the browser is sent to
``?st=<token>`` — pages, sorting, filters and actions then work as usual with the token, and the number
itself is stored nowhere. Any other term goes to the ordinary ``?q=`` address. A ``?q=`` address typed by
hand with an ID-like term is turned into a token the same way. Tokens live as long as the session.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.admin.views.main import ERROR_FLAG, PAGE_VAR, SEARCH_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect

from xinyong.core.masking import looks_like_id_number, mask_ric

SEARCH_TOKEN_VAR = "st"
POSTED_SEARCH_FIELD = "_posted_search"
SESSION_KEY = "xinyong_admin_searches"
# Searches kept per session (the oldest is dropped first) and primary keys kept per search.
MAX_STORED_SEARCHES = 20
MAX_STORED_IDS = 1000


def stored_search(request: HttpRequest) -> dict[str, Any] | None:
    """The search the request's ``?st=`` token names: ``{"ids": [...], "shown": masked term}``, or None."""
    token = request.GET.get(SEARCH_TOKEN_VAR)
    if not token:
        return None
    return request.session.get(SESSION_KEY, {}).get(token)


class StoredSearchChangeList(ChangeList):
    """A changelist that reads its search from the session token instead of ``?q=``."""

    def __init__(self, request, *args, **kwargs) -> None:
        self.stored_search = stored_search(request)
        super().__init__(request, *args, **kwargs)

    def get_filters_params(self, params=None):
        lookup = super().get_filters_params(params)
        lookup.pop(SEARCH_TOKEN_VAR, None)  # not a field lookup
        return lookup

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        if self.stored_search is not None:
            queryset = queryset.filter(pk__in=self.stored_search["ids"])
        return queryset


class PostedSearchMixin:
    """ModelAdmin mixin: the changelist search posts, and ID-like terms never reach a URL."""

    change_list_template = "admin/subjects/posted_search_change_list.html"

    def get_changelist(self, request, **kwargs):
        return StoredSearchChangeList

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and POSTED_SEARCH_FIELD in request.POST:
            return self._search_redirect(request, request.POST.get(SEARCH_VAR, ""))
        typed = request.GET.get(SEARCH_VAR, "")
        if looks_like_id_number(typed):
            return self._search_redirect(request, typed)
        if request.GET.get(SEARCH_TOKEN_VAR) and stored_search(request) is None:
            messages.warning(request, "该查询已失效（查询结果只在本次登录期间保存），请重新输入查询内容")
            return self._redirect(request, _base_params(request))
        context = {
            **(extra_context or {}),
            "posted_search": stored_search(request),
            "search_box_value": typed,
        }
        return super().changelist_view(request, context)

    def _search_redirect(self, request: HttpRequest, term: str) -> HttpResponseRedirect:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        term = term.strip()[:200]
        params = _base_params(request)
        if term and looks_like_id_number(term):
            found, _duplicates = self.get_search_results(request, self.get_queryset(request), term)
            ids = list(found.order_by().values_list("pk", flat=True).distinct()[:MAX_STORED_IDS])
            searches = dict(request.session.get(SESSION_KEY, {}))
            while len(searches) >= MAX_STORED_SEARCHES:
                searches.pop(next(iter(searches)))
            token = secrets.token_urlsafe(12)
            searches[token] = {"ids": ids, "shown": mask_ric(term)}
            request.session[SESSION_KEY] = searches
            params[SEARCH_TOKEN_VAR] = token
        elif term:
            params[SEARCH_VAR] = term
        return self._redirect(request, params)

    @staticmethod
    def _redirect(request: HttpRequest, params) -> HttpResponseRedirect:
        response = HttpResponseRedirect(f"{request.path}?{params.urlencode()}" if params else request.path)
        response.status_code = 303  # See Other: the browser fetches the list with GET
        return response


def _base_params(request: HttpRequest):
    """The changelist's filters and ordering, without any search or page."""
    params = request.GET.copy()
    for name in (SEARCH_VAR, SEARCH_TOKEN_VAR, PAGE_VAR, ERROR_FLAG):
        params.pop(name, None)
    return params
