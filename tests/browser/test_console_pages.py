"""Every console page in chromium, on a desktop and on a phone: it renders without script errors, nothing
overflows a phone's width, and a screenshot of each is kept under test-artifacts/ for review."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.collection.batch_support import AS_OF, AUTHORITY, AUTHORITY_USCC, IMMEDIATE, bad_rows, valid_rows
from tests.console.test_collection_views import csv_bytes
from tests.subjects.factories import PASSWORD
from xinyong.accounts.models import Department, Role, User
from xinyong.catalog.services import catalog_load_fixtures
from xinyong.collection.intake import batch_create_from_file
from xinyong.collection.lifecycle import batch_confirm_mapping, batch_start

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def data(settings, tmp_path):
    settings.TASKS = IMMEDIATE
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    catalog_load_fixtures(as_of=AS_OF)
    samr = Department.objects.create(code="samr", name=AUTHORITY, uscc=AUTHORITY_USCC)
    env = Department.objects.create(code="env", name="甲市生态环境局")
    officer = User.objects.create_user(
        username="officer",
        password=PASSWORD,
        role=Role.DATA_OFFICER,
        department=samr,
        last_name="李",
        first_name="明",
    )
    env_officer = User.objects.create_user(
        username="env_officer", password=PASSWORD, role=Role.DATA_OFFICER, department=env
    )
    User.objects.create_user(username="operator", password=PASSWORD, role=Role.OPERATOR, last_name="王")

    def load(department, user, rows, name):
        upload = SimpleUploadedFile(name, csv_bytes(rows))
        batch = batch_create_from_file(
            department=department, item_code="penalty", uploaded_file=upload, actor=user
        )
        batch = batch_confirm_mapping(batch=batch, mapping=dict(batch.mapping), actor=user)
        return batch_start(batch=batch, actor=user)

    bad = list(bad_rows().values())
    done = load(samr, officer, [*valid_rows(12), *bad], "2026年6月行政处罚.csv")
    load(env, env_officer, [*valid_rows(6, start=300), bad[0]], "环境处罚.csv")
    pending = batch_create_from_file(
        department=samr,
        item_code="penalty",
        uploaded_file=SimpleUploadedFile("7月行政处罚.csv", csv_bytes(valid_rows(5, start=600))),
        actor=officer,
    )
    return {"done": done, "pending": pending}


def watch_errors(page, errors: list[str] | None = None) -> list[str]:
    """Collect the page's script errors and failed loads in ``errors`` (a new list by default).

    The browser asks for /favicon.ico on its own; the console has none, so that one is not counted.
    """
    errors = [] if errors is None else errors
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "favicon" not in msg.location.get("url", "")
            else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/console/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="工作台首页").wait_for()


def menu_follow(page, label: str) -> None:
    """Follow an entry of the console menu, opening its group first when it sits in one."""
    nav = page.get_by_role("navigation", name="主导航")
    link = nav.get_by_role("link", name=label, exact=True)
    if not link.is_visible():
        entry = page.get_by_role("link", name=label, exact=True, include_hidden=True)
        nav.locator("details").filter(has=entry).locator("summary").click()
    link.click()


def visit(page, url: str, shot, name: str, problems: list[str]) -> None:
    for label, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        response = page.goto(url)
        assert response.status == 200, url
        width = page.evaluate("document.documentElement.scrollWidth")
        if label == "phone" and width > size["width"]:
            problems.append(f"{name}: page is {width}px wide on a {size['width']}px phone")
        page.screenshot(path=shot / f"console-{name}-{label}.png", full_page=True)


def test_every_page_renders_on_desktop_and_phone(live_server, page, data, artifacts):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    problems: list[str] = []
    base = live_server.url

    page.goto(f"{base}/console/login/")
    page.screenshot(path=artifacts / "console-login-desktop.png", full_page=True)
    sign_in(page, base, "officer")
    done, pending = data["done"].pk, data["pending"].pk
    for name, path in [
        ("home-officer", "/console/"),
        ("batches", "/console/collection/"),
        ("upload", "/console/collection/upload/"),
        ("mapping", f"/console/collection/batches/{pending}/mapping/"),
        ("result", f"/console/collection/batches/{done}/"),
        ("form-entry", "/console/collection/form/penalty/"),
        ("quality-officer", "/console/collection/quality/"),
    ]:
        visit(page, base + path, artifacts, name, problems)

    # Form entry with errors shown next to the fields.
    page.set_viewport_size(VIEWPORTS["desktop"])
    page.goto(f"{base}/console/collection/form/penalty/")
    page.get_by_label("行政相对人名称").fill("甲市某某餐饮店")
    page.get_by_label("处罚决定日期").fill("2030-01-01")
    page.get_by_role("button", name="提交入库").click()
    page.get_by_text("记录未入库").wait_for()
    page.screenshot(path=artifacts / "console-form-entry-errors-desktop.png", full_page=True)

    page.get_by_role("button", name="退出").click()
    page.get_by_role("heading", name="登录工作台").wait_for()
    sign_in(page, base, "operator")
    for name, path in [("home-operator", "/console/"), ("quality-operator", "/console/collection/quality/")]:
        visit(page, base + path, artifacts, name, problems)

    assert not errors, errors
    assert not problems, problems


def test_the_menu_opens_by_keyboard_and_fits_a_phone(live_server, page, settings, artifacts):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    User.objects.create_user(username="operator", password=PASSWORD, role=Role.OPERATOR)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = live_server.url
    sign_in(page, base, "operator")
    nav = page.get_by_role("navigation", name="主导航")
    quality = nav.get_by_role("link", name="质量与及时性")
    assert not quality.is_visible()

    # Keyboard: Tab to the group's title, Enter opens it, Escape closes it and leaves the focus on the title.
    summary = nav.locator("summary", has_text="数据归集")
    summary.focus()
    page.keyboard.press("Enter")
    quality.wait_for(state="visible")
    page.keyboard.press("Escape")
    quality.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.textContent").startswith("数据归集")

    # One group open at a time; following an entry marks its group as the current one.
    summary.click()
    nav.locator("summary", has_text="联合奖惩").click()
    quality.wait_for(state="hidden")
    page.screenshot(path=artifacts / "console-menu-open-desktop.png")
    menu_follow(page, "质量与及时性")
    page.wait_for_url("**/console/collection/quality/")
    assert nav.locator(".nav-group.is-current summary").inner_text().startswith("数据归集")

    page.set_viewport_size(VIEWPORTS["phone"])
    menu_follow(page, "信用核查")
    page.wait_for_url("**/console/jrp/check/**")
    nav.locator("summary", has_text="联合奖惩").click()
    nav.get_by_role("link", name="联合奖惩统计").wait_for(state="visible")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS["phone"]["width"], width
    page.screenshot(path=artifacts / "console-menu-open-phone.png", full_page=True)
    assert not errors, errors
