"""The console shell: login and logout, the header and the menu per role, the home page, error pages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.subjects.factories import PASSWORD
from xinyong.accounts.models import AuditEntry
from xinyong.workdays.models import CalendarYear

pytestmark = pytest.mark.django_db

HOME = "/console/"


def test_root_is_the_public_portal(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.resolver_match.view_name == "portal:home"


def test_anonymous_user_is_sent_to_the_console_login(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == "/console/login/?next=/console/"


def test_login_page_is_accessible(client):
    response = client.get(reverse("console:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-Hans">' in html
    assert '<label for="id_username">用户名</label>' in html
    assert '<label for="id_password">密码</label>' in html
    assert 'name="viewport"' in html


def test_failed_login_shows_a_message_and_is_audited(client, users):
    response = client.post(reverse("console:login"), {"username": "do_a", "password": "wrong"})
    assert response.status_code == 200
    assert (
        "请输入一个正确的" in response.content.decode() or "正确的用户名和密码" in response.content.decode()
    )
    assert AuditEntry.objects.filter(action="login_failed", detail__username="do_a").exists()


def test_login_leads_home_and_is_audited(client, users):
    response = client.post(reverse("console:login"), {"username": "do_a", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert AuditEntry.objects.filter(action="login", actor_user=users["data_officer"]).exists()


def test_login_follows_next(client, users):
    response = client.post(
        reverse("console:login"), {"username": "do_a", "password": PASSWORD, "next": "/console/collection/"}
    )
    assert response["Location"] == "/console/collection/"


def test_logout_needs_post_and_returns_to_login(login):
    client = login("data_officer")
    assert client.get(reverse("console:logout")).status_code == 405
    response = client.post(reverse("console:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("console:login")
    assert client.get(HOME).status_code == 302
    assert AuditEntry.objects.filter(action="logout").exists()


def nav_labels(html: str) -> list[str]:
    """The menu's entries (links) in order, whatever their group."""
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S)
    return re.findall(r">([^<>]+)</a>", nav.group(0)) if nav else []


def nav_structure(html: str) -> list[str | tuple[str, list[str]]]:
    """The menu's top level: a plain link as its label, a group as (its title, its entries)."""
    nav = re.search(r'<ul class="nav-bar">(.*)</ul>\s*</nav>', html, re.S).group(1)
    items: list[str | tuple[str, list[str]]] = []
    for group, link in re.findall(
        r'<li class="nav-group[^"]*">\s*<details>(.*?)</details>\s*</li>|<li><a [^>]*>([^<>]+)</a></li>',
        nav,
        re.S,
    ):
        if group:
            title = re.search(r"<summary>([^<>]+)", group).group(1)
            items.append((title, re.findall(r">([^<>]+)</a>", group)))
        else:
            items.append(link)
    return items


COLLECTION_ALL = ("数据归集", ["批次", "上传文件", "单条录入", "质量与及时性"])
COLLECTION_READ = ("数据归集", ["批次", "质量与及时性"])
JRP_ALL = (
    "联合奖惩",
    ["红黑名单", "信用核查", "批量核查", "奖惩措施", "措施反馈", "典型案例", "联合奖惩统计"],
)
JRP_DEPARTMENT = ("联合奖惩", ["红黑名单", "批量核查", "奖惩措施", "措施反馈", "典型案例", "联合奖惩统计"])
ARCHIVE_ALL = ("档案与报告", ["信用档案", "信用报告", "已确认代码"])
DUE_DEPARTMENT = ("异议与修复", ["异议处理", "异议统计", "信用修复", "修复统计", "信用承诺"])
DUE_ALL = ("异议与修复", ["异议处理", "异议统计", "信用修复", "修复统计", "信用承诺", "主体绑定码"])

# Who sees what, per role: the same entries as before the menu was grouped (the entry of the batch list is
# now called 批次 inside the group 数据归集); a group with one visible entry is a plain link.
MENUS = {
    "data_officer": ["首页", COLLECTION_ALL, "信用档案", JRP_DEPARTMENT, DUE_DEPARTMENT, "管理控制台"],
    "operator": ["首页", COLLECTION_ALL, ARCHIVE_ALL, JRP_ALL, DUE_ALL, "管理控制台"],
    "reviewer": ["首页", COLLECTION_READ, "信用档案", JRP_DEPARTMENT, DUE_DEPARTMENT, "管理控制台"],
    "auditor": [
        "首页",
        COLLECTION_READ,
        ("档案与报告", ["信用档案", "信用报告"]),
        ("联合奖惩", ["红黑名单", "奖惩措施", "措施反馈", "典型案例", "联合奖惩统计"]),
        DUE_DEPARTMENT,
        "审计",
        "管理控制台",
    ],
    "window_clerk": [
        "首页",
        "信用报告",
        ("联合奖惩", ["红黑名单", "信用核查", "批量核查", "奖惩措施", "措施反馈", "联合奖惩统计"]),
        ("异议与修复", ["修复通知", "信用承诺"]),
        "管理控制台",
    ],
    "superuser": ["首页", COLLECTION_ALL, ARCHIVE_ALL, JRP_ALL, DUE_ALL, "审计", "管理控制台"],
}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            "data_officer",
            [
                "首页",
                "批次",
                "上传文件",
                "单条录入",
                "质量与及时性",
                "信用档案",
                "红黑名单",
                "批量核查",
                "奖惩措施",
                "措施反馈",
                "典型案例",
                "联合奖惩统计",
                "异议处理",
                "异议统计",
                "信用修复",
                "修复统计",
                "信用承诺",
                "管理控制台",
            ],
        ),
        (
            "operator",
            [
                "首页",
                "批次",
                "上传文件",
                "单条录入",
                "质量与及时性",
                "信用档案",
                "信用报告",
                "已确认代码",
                "红黑名单",
                "信用核查",
                "批量核查",
                "奖惩措施",
                "措施反馈",
                "典型案例",
                "联合奖惩统计",
                "异议处理",
                "异议统计",
                "信用修复",
                "修复统计",
                "信用承诺",
                "主体绑定码",
                "管理控制台",
            ],
        ),
        (
            "reviewer",
            [
                "首页",
                "批次",
                "质量与及时性",
                "信用档案",
                "红黑名单",
                "批量核查",
                "奖惩措施",
                "措施反馈",
                "典型案例",
                "联合奖惩统计",
                "异议处理",
                "异议统计",
                "信用修复",
                "修复统计",
                "信用承诺",
                "管理控制台",
            ],
        ),
        (
            "auditor",
            [
                "首页",
                "批次",
                "质量与及时性",
                "信用档案",
                "信用报告",
                "红黑名单",
                "奖惩措施",
                "措施反馈",
                "典型案例",
                "联合奖惩统计",
                "异议处理",
                "异议统计",
                "信用修复",
                "修复统计",
                "信用承诺",
                "审计",
                "管理控制台",
            ],
        ),
        (
            "window_clerk",
            [
                "首页",
                "信用报告",
                "红黑名单",
                "信用核查",
                "批量核查",
                "奖惩措施",
                "措施反馈",
                "联合奖惩统计",
                "修复通知",
                "信用承诺",
                "管理控制台",
            ],
        ),
        (
            "superuser",
            [
                "首页",
                "批次",
                "上传文件",
                "单条录入",
                "质量与及时性",
                "信用档案",
                "信用报告",
                "已确认代码",
                "红黑名单",
                "信用核查",
                "批量核查",
                "奖惩措施",
                "措施反馈",
                "典型案例",
                "联合奖惩统计",
                "异议处理",
                "异议统计",
                "信用修复",
                "修复统计",
                "信用承诺",
                "主体绑定码",
                "审计",
                "管理控制台",
            ],
        ),
    ],
)
def test_menu_follows_the_role(login, role, expected):
    response = login(role).get(HOME)
    assert response.status_code == 200
    html = response.content.decode()
    assert nav_labels(html) == expected
    assert nav_structure(html) == MENUS[role]


def test_menu_groups_open_without_script(login):
    """Groups are <details> elements: they open by mouse, touch and keyboard (Enter, Space) with no script."""
    html = login("operator").get(HOME).content.decode()
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)
    assert nav.count("<details>") == 4 and nav.count("<summary>") == 4
    assert "<script" not in nav and not re.search(r"\son[a-z]+=", nav)


def test_an_entry_is_added_with_one_line(login, monkeypatch):
    from xinyong.console.templatetags import console

    entries = [
        *console.NAV_ENTRIES,
        console.NavEntry("异议与修复", "新入口", "/console/elsewhere/", console.can_issue_link_codes),
    ]
    monkeypatch.setattr(console, "NAV_ENTRIES", entries)
    assert nav_structure(login("operator").get(HOME).content.decode())[4] == (
        "异议与修复",
        [*DUE_ALL[1], "新入口"],
    )
    assert "新入口" not in nav_labels(login("window_clerk").get(HOME).content.decode())


def test_a_group_with_one_entry_is_a_plain_link(login):
    html = login("data_officer").get(HOME).content.decode()
    assert f'<li><a href="{reverse("console:archive_search")}">信用档案</a></li>' in html
    assert "<summary>档案与报告" not in html


def test_header_names_user_department_and_role(login):
    html = login("data_officer").get(HOME).content.decode()
    header = re.search(r'<header class="site-header">.*?</header>', html, re.S).group(0)
    assert "公共信用信息共享平台" in header
    assert "李报送" in header
    assert "甲市市场监督管理局" in header
    assert "部门数据报送员" in header
    assert "退出" in header
    assert 'action="/console/logout/"' in header


def test_current_menu_entry_and_its_group_are_marked(login):
    html = login("data_officer").get(reverse("collection:batch_list")).content.decode()
    assert '<a href="/console/collection/" aria-current="page">批次</a>' in html
    assert 'href="/console/" aria-current' not in html
    current = re.findall(r'<li class="nav-group is-current">\s*<details>\s*<summary>([^<>]+)', html)
    assert current == ["数据归集"]
    assert "（当前栏目）" in html
    home = login("data_officer").get(HOME).content.decode()
    assert "is-current" not in home and '<a href="/console/" aria-current="page">首页</a>' in home


def test_user_without_role_has_no_console(login):
    response = login("no_role").get(HOME)
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_data_officer_home_shows_the_department(login):
    html = login("data_officer").get(HOME).content.decode()
    assert "甲市市场监督管理局 · 近 30 天归集情况" in html
    assert "最近的批次" in html
    assert "全平台" not in html
    assert "工作日历提醒" not in html


def test_operator_home_shows_platform_figures_and_calendar_alerts(login):
    CalendarYear.objects.all().delete()
    html = login("operator").get(HOME).content.decode()
    assert "全平台 · 近 30 天归集情况" in html
    assert "工作日历提醒" in html
    assert 'data-code="calendar_year_missing"' in html


def test_calendar_alerts_are_for_operators_only(login):
    CalendarYear.objects.all().delete()
    assert "工作日历提醒" not in login("data_officer").get(HOME).content.decode()


def test_auditor_home_is_platform_wide(login):
    html = login("auditor").get(HOME).content.decode()
    assert "全平台 · 近 30 天归集情况" in html


def test_window_clerk_home_is_a_welcome(login):
    response = login("window_clerk").get(HOME)
    assert response.status_code == 200
    assert "欢迎使用" in response.content.decode()


@pytest.mark.parametrize("role", ["data_officer", "operator"])
def test_pages_carry_no_inline_script(login, role):
    """Pages work under a strict Content-Security-Policy: every script is a file, no inline handlers."""
    html = login(role).get(HOME).content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all("src=" in s for s in scripts)
    assert not re.search(r"\son[a-z]+=", html)
    assert " style=" not in html
    assert "/static/console/htmx.min.js" in html
    assert '"allowEval": false' in html


def test_htmx_is_vendored_with_its_version_and_licence():
    from pathlib import Path

    import xinyong.console

    static = Path(xinyong.console.__file__).parent / "static" / "console"
    head = (static / "htmx.min.js").read_text(encoding="utf-8")[:200]
    assert "htmx 2.0.11" in head and "0BSD" in head
    assert "htmx.org@2.0.11" in (static / "README.txt").read_text(encoding="utf-8")


def test_unknown_console_page_is_a_console_404(login):
    response = login("data_officer").get("/console/nothing-here/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
