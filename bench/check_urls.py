"""The platform's URLs plus ``/bench/bare.json``: a trivial Django JSON view (no database, no template) that
goes through the same server, middleware and URL resolver, as the ceiling of bench/check.py's HTTP run."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from xinyong.urls import handler403, handler404  # noqa: F401
from xinyong.urls import urlpatterns as site_urlpatterns


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"outcome": "clean", "hits": [], "measures": []})


urlpatterns = [path("bench/bare.json", bare), *site_urlpatterns]
