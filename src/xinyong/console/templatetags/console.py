"""Template tags of the console: the navigation for the user's role and server-rendered SVG bar charts."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join

from xinyong.accounts.models import Role
from xinyong.accounts.permissions import can_read_audit_log, effective_role
from xinyong.collection.issue_labels import issue_label as _issue_label
from xinyong.collection.permissions import can_read_collection, can_submit_collection
from xinyong.dueprocess.commitments.permissions import can_read_commitments
from xinyong.dueprocess.objections.permissions import can_file_objection, can_read_objections
from xinyong.dueprocess.repairs.permissions import can_read_repair_notifications, can_read_repairs
from xinyong.dueprocess.subject_accounts.permissions import can_issue_link_codes
from xinyong.jrp.channels.permissions import can_open_batch_checks
from xinyong.jrp.check.permissions import can_use_check_page
from xinyong.jrp.feedback.permissions import can_read_feedback, can_read_statistics, can_read_typical_cases
from xinyong.jrp.measures.permissions import can_read_measures
from xinyong.lists.permissions import can_read_lists
from xinyong.records.archive.permissions import archive_can_open
from xinyong.reports.permissions import can_read_reports
from xinyong.subjects.permissions import can_manage_confirmed_codes

register = template.Library()

DEFAULT_PLATFORM_NAME = "公共信用信息共享平台"


@dataclass(frozen=True)
class NavEntry:
    """One menu entry: its group ("" for a top-level link), label, URL name (or a path) and who sees it."""

    group: str
    label: str
    target: str
    allowed: Callable[[Any], bool]


def _anyone(user) -> bool:
    return True


def _staff(user) -> bool:
    return user.is_staff


def _repair_notifications_only(user) -> bool:
    # Those who read the repair queue find the notifications there; the others get their own entry.
    return not can_read_repairs(user) and can_read_repair_notifications(user)


# The console menu, one line per entry: (group, label, URL name or path, who sees it). Top-level links (group
# "") keep their place; a group sits where its first entry is listed and holds its entries in the order of
# the lines. A group with one visible entry shows as a plain link; entries whose URL name does not resolve
# are left out. To add an entry, add one line with its group's name next to the group's other lines.
NAV_ENTRIES: list[NavEntry] = [
    NavEntry("", "首页", "console:home", _anyone),
    NavEntry("数据归集", "批次", "collection:batch_list", can_read_collection),
    NavEntry("数据归集", "上传文件", "collection:upload", can_submit_collection),
    NavEntry("数据归集", "单条录入", "collection:form_entry", can_submit_collection),
    NavEntry("数据归集", "质量与及时性", "collection:quality", can_read_collection),
    NavEntry("档案与报告", "信用档案", "console:archive_search", archive_can_open),
    NavEntry("档案与报告", "信用报告", "reports_console:list", can_read_reports),
    NavEntry("档案与报告", "已确认代码", "identifiers_console:list", can_manage_confirmed_codes),
    # Joint reward and punishment, in the order of the work: lists, checks, measures, feedback, results.
    NavEntry("联合奖惩", "红黑名单", "lists:entry_list", can_read_lists),
    NavEntry("联合奖惩", "信用核查", "jrp:check_page", can_use_check_page),
    NavEntry("联合奖惩", "批量核查", "jrp:channels_batch_list", can_open_batch_checks),
    NavEntry("联合奖惩", "奖惩措施", "jrp:measures:list", can_read_measures),
    NavEntry("联合奖惩", "措施反馈", "jrp:feedback_queue", can_read_feedback),
    NavEntry("联合奖惩", "典型案例", "jrp:feedback_cases", can_read_typical_cases),
    NavEntry("联合奖惩", "联合奖惩统计", "jrp:feedback_stats", can_read_statistics),
    # Objections, repair and commitments (异议处理, 信用修复, 信用承诺) and the subjects' link codes.
    NavEntry("异议与修复", "异议处理", "dueprocess:objection_queue", can_read_objections),
    NavEntry("异议与修复", "异议统计", "dueprocess:objection_stats", can_read_objections),
    NavEntry("异议与修复", "信用修复", "dueprocess:repair_list", can_read_repairs),
    NavEntry("异议与修复", "修复统计", "dueprocess:repair_stats", can_read_repairs),
    NavEntry("异议与修复", "修复通知", "dueprocess:repair_notifications", _repair_notifications_only),
    NavEntry("异议与修复", "信用承诺", "dueprocess:commitment_queue", can_read_commitments),
    NavEntry("异议与修复", "主体绑定码", "dueprocess:link_codes", can_issue_link_codes),
    NavEntry("", "审计", "admin:accounts_auditentry_changelist", can_read_audit_log),
    NavEntry("", "管理控制台", "/admin/", _staff),
]


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool


@dataclass(frozen=True)
class NavItem:
    """A top-level item of the menu: a plain link (``link``) or a group of links (``label``, ``links`` and
    ``key``, the id of the group's list)."""

    label: str
    link: NavLink | None = None
    links: tuple[NavLink, ...] = ()
    key: str = ""

    @property
    def is_group(self) -> bool:
        return self.link is None

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links) if self.is_group else self.link.current


def _url(name: str) -> str | None:
    if name.startswith("/"):
        return name
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@register.simple_tag
def objection_new_url(user, *, subject_id: int, record) -> str:
    """The objection registration form for an archive record (登记异议), or "" when the user may not file one
    or the record already has an objection in progress (it carries the 异议标注)."""
    if getattr(record, "disputed", False):
        return ""
    if not can_file_objection(
        user, subject_id=subject_id, department_id=getattr(record, "department_id", None)
    ):
        return ""
    url = _url("dueprocess:objection_console_new")
    return f"{url}?record={record.id}" if url else ""


def nav_links(user, path: str) -> list[NavLink]:
    """The console menu for ``user``'s role, flat; the entry whose URL is the longest prefix of ``path`` is
    current."""
    return [link for _, link in _nav_visible(user, path)]


def _nav_visible(user, path: str) -> list[tuple[str, NavLink]]:
    entries = [(e.group, e.label, _url(e.target)) for e in NAV_ENTRIES if e.allowed(user)]
    entries = [(group, label, url) for group, label, url in entries if url]
    best = max(
        (url for _, _, url in entries if path.startswith(url) and url != "/admin/"),
        key=len,
        default=None,
    )
    return [(group, NavLink(label, url, url == best)) for group, label, url in entries]


def nav_menu(user, path: str) -> list[NavItem]:
    """The console menu for ``user``'s role, grouped: top-level links and groups in the order of
    NAV_ENTRIES; a group with a single visible entry becomes a plain link."""
    grouped: dict[str, list[NavLink]] = {}
    order: list[tuple[str, NavLink | None]] = []
    for group, link in _nav_visible(user, path):
        if not group:
            order.append(("", link))
        else:
            if group not in grouped:
                grouped[group] = []
                order.append((group, None))
            grouped[group].append(link)
    items = []
    for group, link in order:
        if not group:
            items.append(NavItem(label=link.label, link=link))
        elif len(grouped[group]) == 1:
            only = grouped[group][0]
            items.append(NavItem(label=only.label, link=only))
        else:
            items.append(NavItem(label=group, links=tuple(grouped[group]), key=f"nav-group-{len(items)}"))
    return items


@register.inclusion_tag("console/_header.html", takes_context=True)
def console_header(context) -> dict:
    request = context["request"]
    user = request.user
    role = effective_role(user)
    return {
        "platform_name": platform_name(),
        "user": user,
        "role_label": Role(role).label if role else "",
        "menu": nav_menu(user, request.path) if role else [],
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def platform_name() -> str:
    return getattr(settings, "PLATFORM_NAME", DEFAULT_PLATFORM_NAME)


# ---------------------------------------------------------------------------------------------------
# Charts: horizontal bars drawn as inline SVG, so the page needs no chart library and no script. Positions
# along the bars are percentages of the drawing's width, so the bars follow the panel's width while the
# text keeps its size (readable on a phone as on a desktop).

ROW_HEIGHT = 44
LABEL_BASELINE = 16
BAR_TOP = 23
BAR_HEIGHT = 12


@register.simple_tag
def bar_chart(rows, *, title: str, unit: str = "", tone: str = "", maximum: float | None = None):
    """Render ``rows`` (``(label, value, text)`` tuples; text is the shown figure) as an SVG bar chart.

    ``maximum`` fixes the scale (e.g. 100 for percentages); otherwise the largest value fills the width.
    The chart carries a title and a description for screen readers; the same figures are in a table.
    """
    rows = list(rows)
    top = maximum if maximum else max((float(r[1] or 0) for r in rows), default=0) or 1
    height = max(len(rows), 1) * ROW_HEIGHT
    parts = []
    for i, (label, value, text) in enumerate(rows):
        y = i * ROW_HEIGHT
        share = 0 if not value else max(0.5, round(100 * min(float(value), top) / top, 2))
        parts.append(
            format_html(
                '<g><text x="0" y="{}">{}</text><text class="value" x="100%" y="{}" text-anchor="end">{}{}</text>'
                '<rect class="track" x="0" y="{}" width="100%" height="{}" rx="2"></rect>'
                '<rect class="bar {}" x="0" y="{}" width="{}%" height="{}" rx="2"></rect></g>',
                y + LABEL_BASELINE,
                label,
                y + LABEL_BASELINE,
                text,
                unit,
                y + BAR_TOP,
                BAR_HEIGHT,
                tone,
                y + BAR_TOP,
                share,
                BAR_HEIGHT,
            )
        )
    if not rows:
        parts.append(format_html('<text x="0" y="20">{}</text>', "所选期间没有数据"))
    description = "；".join(f"{label}：{text}{unit}" for label, _, text in rows) or "没有数据"
    chart_id = _chart_id(title)
    return format_html(
        '<svg class="chart" width="100%" height="{}" role="img" aria-labelledby="{}-t {}-d">'
        '<title id="{}-t">{}</title><desc id="{}-d">{}</desc>{}</svg>',
        height,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        description,
        format_html_join("", "{}", ((p,) for p in parts)),
    )


def _chart_id(title: str) -> str:
    return f"chart-{zlib.crc32(title.encode()):08x}"


STATUS_TONES = {
    "uploaded": "badge-warn",
    "mapping": "badge-warn",
    "queued": "badge-info",
    "loading": "badge-info",
    "done": "badge-ok",
    "failed": "badge-err",
}


@register.simple_tag
def batch_status_badge(batch):
    """The batch's status as a coloured badge; a finished batch with rejected rows says so."""
    tone = STATUS_TONES.get(batch.status, "")
    label = batch.get_status_display()
    if batch.status == "done" and batch.rejected:
        tone, label = "badge-warn", f"{label}（有退回）"
    return format_html('<span class="badge {}">{}</span>', tone, label)


@register.filter
def issue_label(code) -> str:
    """The short zh-hans name of an error or warning code (``amount_unit_yuan`` → 金额应以万元为单位)."""
    return _issue_label(str(code or ""))


@register.simple_tag
def issue_badge(code, tone: str = "err"):
    """An error or warning code as its Chinese name in a badge, the stable code beside it in small type."""
    code = str(code or "")
    if not code:
        return ""
    return format_html(
        '<span class="badge badge-{}" title="{}">{}</span> <span class="mono small muted">{}</span>',
        tone,
        code,
        _issue_label(code),
        code,
    )


@register.filter
def duration(seconds) -> str:
    """Seconds as a short zh-hans duration: “约 1 小时 5 分”, “3 分 20 秒”, “8 秒”."""
    if seconds is None:
        return ""
    total = max(0, round(float(seconds)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"约 {hours} 小时 {minutes} 分"
    if minutes:
        return f"{minutes} 分 {secs} 秒"
    return f"{secs} 秒"


@register.filter
def percent(rate) -> str:
    """A rate between 0 and 1 as “12.5%”; “—” when there is nothing to divide by."""
    if rate is None or rate == "":
        return "—"
    return f"{float(rate) * 100:.1f}%"


@register.filter
def display_name(user) -> str:
    """A user's name in Chinese order (姓 then 名), or the username when no name is entered."""
    if user is None:
        return ""
    name = f"{user.last_name or ''}{user.first_name or ''}".strip()
    return name or user.get_username()
