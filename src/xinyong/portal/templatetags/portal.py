"""Template tags of the public portal: the site name, the main navigation and optional links to other apps."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse

register = template.Library()


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool


def optional_url(name: str, *args) -> str | None:
    """The URL of ``name``, or None when no installed app provides it (e.g. before reports exist)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def nav_links(path: str) -> list[NavLink]:
    """The portal menu; the entry whose URL is the longest prefix of ``path`` is current."""
    entries = [
        ("首页", optional_url("portal:home")),
        ("信用信息查询", optional_url("portal:search")),
        ("行政许可", optional_url("portal:licenses")),
        ("行政处罚", optional_url("portal:penalties")),
        ("红名单", optional_url("portal:red_list")),
        ("黑名单", optional_url("portal:black_list")),
        ("经营异常名录", optional_url("portal:abnormal_list")),
        ("信用修复与异议", optional_url("portal:guidance")),
        ("报告核验", optional_url("reports:verify")),
    ]
    links = [(label, url) for label, url in entries if url]
    best = max((url for _, url in links if url != "/" and path.startswith(url)), key=len, default=None)
    if best is None and path == "/":
        best = "/"
    return [NavLink(label, url, url == best) for label, url in links]


@register.simple_tag
def portal_name() -> str:
    return settings.XINYONG_PORTAL_NAME


@register.inclusion_tag("portal/_nav.html", takes_context=True)
def portal_nav(context) -> dict:
    request = context.get("request")
    return {"links": nav_links(request.path if request is not None else "")}
