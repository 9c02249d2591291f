"""Template tags of the console: the navigation for the user's role and server-rendered SVG bar charts."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join

from xinyong.accounts.models import Role
from xinyong.accounts.permissions import can_read_audit_log, effective_role
from xinyong.collection.issue_labels import issue_label as _issue_label
from xinyong.collection.permissions import can_read_collection, can_submit_collection
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
class NavLink:
    label: str
    url: str
    current: bool


def _url(name: str) -> str | None:
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
    """The console menu for ``user``'s role; the entry whose URL is the longest prefix of ``path`` is current."""
    entries: list[tuple[str, str | None]] = [("首页", _url("console:home"))]
    if can_read_collection(user):
        entries.append(("数据归集", _url("collection:batch_list")))
    if can_submit_collection(user):
        entries.append(("上传文件", _url("collection:upload")))
        entries.append(("单条录入", _url("collection:form_entry")))
    if can_read_collection(user):
        entries.append(("质量与及时性", _url("collection:quality")))
    if archive_can_open(user):
        entries.append(("信用档案", _url("console:archive_search")))
    if can_read_reports(user):
        entries.append(("信用报告", _url("reports_console:list")))
    if can_read_objections(user):
        entries.append(("异议处理", _url("dueprocess:objection_queue")))
        entries.append(("异议统计", _url("dueprocess:objection_stats")))
    # Joint reward and punishment, in the order of the work: lists, checks, measures, feedback, results.
    if can_read_lists(user):
        entries.append(("红黑名单", _url("lists:entry_list")))
    if can_use_check_page(user):
        entries.append(("信用核查", _url("jrp:check_page")))
    if can_open_batch_checks(user):
        entries.append(("批量核查", _url("jrp:channels_batch_list")))
    if can_read_measures(user):
        entries.append(("奖惩措施", _url("jrp:measures:list")))
    if can_read_feedback(user):
        entries.append(("措施反馈", _url("jrp:feedback_queue")))
    if can_read_typical_cases(user):
        entries.append(("典型案例", _url("jrp:feedback_cases")))
    if can_read_statistics(user):
        entries.append(("联合奖惩统计", _url("jrp:feedback_stats")))
    # Credit repair (信用修复): the deciding departments' queue and statistics; the implementing departments'
    # notifications are a tab of the queue, or their own entry for those who do not decide.
    if can_read_repairs(user):
        entries.append(("信用修复", _url("dueprocess:repair_list")))
        entries.append(("修复统计", _url("dueprocess:repair_stats")))
    elif can_read_repair_notifications(user):
        entries.append(("修复通知", _url("dueprocess:repair_notifications")))
    if can_manage_confirmed_codes(user):
        entries.append(("已确认代码", _url("identifiers_console:list")))
    if can_issue_link_codes(user):
        entries.append(("主体绑定码", _url("dueprocess:link_codes")))
    if can_read_audit_log(user):
        entries.append(("审计", _url("admin:accounts_auditentry_changelist")))
    if user.is_staff:
        entries.append(("管理控制台", "/admin/"))
    links = [(label, url) for label, url in entries if url]
    best = max(
        (url for _, url in links if path.startswith(url) and url != "/admin/"),
        key=len,
        default=None,
    )
    return [NavLink(label, url, url == best) for label, url in links]


@register.inclusion_tag("console/_header.html", takes_context=True)
def console_header(context) -> dict:
    request = context["request"]
    user = request.user
    role = effective_role(user)
    return {
        "platform_name": platform_name(),
        "user": user,
        "role_label": Role(role).label if role else "",
        "links": nav_links(user, request.path) if role else [],
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
