"""Rate limits of the public (unauthenticated) API endpoints, built on django-ninja's throttling.

``public_throttles()`` gives the throttles to pass as ``throttle=`` to a router or an operation: requests are
counted per client address (behind a reverse proxy set ``NINJA_NUM_PROXIES`` so that the address comes from
``X-Forwarded-For``) in Django's cache, per scope, so every router using the same scope shares one budget.
The rate is read from the setting named by ``rate_setting`` (default ``XINYONG_PUBLIC_API_RATE``,
e.g. ``"120/m"``) on every request, so it can be changed without restarting the throttles' owners.

A refused request answers like every other API error (``xinyong.api.errors.install_throttle_error_handler``):
``429 {"code": "rate_limited", "message": ...}`` with a ``Retry-After`` header.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import AnonRateThrottle, BaseThrottle

DEFAULT_PUBLIC_RATE = "120/m"


class SettingRateThrottle(AnonRateThrottle):
    """Counts requests per client address; the rate comes from a setting, read per request."""

    def __init__(self, *, scope: str, rate_setting: str, default: str) -> None:
        self.scope = scope
        self.rate_setting = rate_setting
        self.default = default
        super().__init__(rate=self.current_rate())

    def current_rate(self) -> str:
        return getattr(settings, self.rate_setting, None) or self.default

    def get_cache_key(self, request: HttpRequest) -> str | None:
        # Public endpoints count every caller by address, also one that happens to send credentials.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request: HttpRequest) -> bool:
        rate = self.current_rate()
        if rate != self.rate:
            self.rate = rate
            self.num_requests, self.duration = self.parse_rate(rate)
        return super().allow_request(request)


def public_throttles(
    *,
    scope: str = "public",
    rate_setting: str = "XINYONG_PUBLIC_API_RATE",
    default: str = DEFAULT_PUBLIC_RATE,
) -> list[BaseThrottle]:
    """Throttles for public endpoints (``Router(throttle=public_throttles())``)."""
    return [SettingRateThrottle(scope=scope, rate_setting=rate_setting, default=default)]
