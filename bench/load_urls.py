"""The platform's URLs plus ``/bench/bare/``: a trivial Django view (no database, no template) that goes
through the same server, middleware and URL resolver, as the baseline of ``bench/load.py``."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from xinyong.urls import handler403, handler404  # noqa: F401
from xinyong.urls import urlpatterns as site_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), *site_urlpatterns]
