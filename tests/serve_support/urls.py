"""The platform's URLs plus ``/_test/slow/?seconds=N`` (a request that stays busy)."""

import time

from django.http import HttpRequest, HttpResponse
from django.urls import path

from xinyong.urls import handler403, handler404  # noqa: F401
from xinyong.urls import urlpatterns as site_urlpatterns


def slow(request: HttpRequest) -> HttpResponse:
    time.sleep(float(request.GET.get("seconds", "30")))
    return HttpResponse("done")


urlpatterns = [path("_test/slow/", slow), *site_urlpatterns]
