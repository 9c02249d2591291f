"""An objection in chromium: the subject files it with an evidence file on the portal, the operator accepts
and forwards it, the source department decides it, the operator notifies, and the subject sees the outcome."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.conf import settings

from tests.dueprocess.objections.conftest import PDF, account_create
from tests.jrp.check.conftest import _fresh_rulebook_cache, world  # noqa: F401
from tests.subjects.factories import PASSWORD
from tests.support import catalog, make_user  # noqa: F401
from xinyong.accounts.models import Role
from xinyong.dueprocess.objections.models import Objection
from xinyong.dueprocess.profiles.services import profiles_load
from xinyong.dueprocess.subject_accounts.auth import SESSION_HASH_KEY, SESSION_KEY, _password_fingerprint
from xinyong.records.models import CreditRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DUEPROCESS_EVIDENCE_DIR = tmp_path / "evidence"


def portal_session(account) -> str:
    """A portal session of the subject account (what the portal's sign-in stores)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = account.pk
    store[SESSION_HASH_KEY] = _password_fingerprint(account)
    store.save()
    return store.session_key


def console_login(page, base: str, username: str) -> None:
    page.goto(f"{base}/console/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="工作台首页").wait_for()


def test_objection_journey(browser, page, live_server, world, artifacts):  # noqa: F811
    profiles_load()
    make_user("op", role=Role.OPERATOR)
    make_user("samr_do", role=Role.DATA_OFFICER, department=world.samr)
    account = account_create(world.listed)
    base = live_server.url
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": portal_session(account), "url": base}]
    )

    # The subject files an objection with a file.
    page.goto(f"{base}/my/objections/")
    page.get_by_role("link", name="提出异议").first.click()
    page.get_by_label("异议的事实和理由").fill("该处罚决定已被复议机关撤销，请撤回该信息")
    page.get_by_label("证明材料").set_input_files(
        files=[{"name": "复议决定书.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="提交异议").click()
    assert page.get_by_text("异议申请已提交").is_visible()
    assert page.get_by_text("已异议标注").first.is_visible()
    assert page.get_by_role("link", name="复议决定书.pdf").is_visible()
    objection = Objection.objects.get()
    assert CreditRecord.objects.get(pk=world.record.pk).disputed

    # The operator accepts and forwards it to the source department.
    console = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    op = console.new_page()
    op.set_default_timeout(15_000)
    console_login(op, base, "op")
    op.get_by_role("link", name="异议处理").click()
    op.get_by_role("link", name=objection.number).click()
    op.screenshot(path=str(artifacts / "objection-console-detail.png"), full_page=True)
    op.get_by_role("button", name="予以受理").click()
    assert op.get_by_text("已受理").first.is_visible()
    op.get_by_role("combobox", name="数据来源单位").select_option(label=world.samr.name)
    op.get_by_role("button", name="转办").click()
    assert op.get_by_text("已转数据来源单位核查").first.is_visible()
    console.close()

    # The department decides: withdrawn, with reasons.
    console = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    dept = console.new_page()
    dept.set_default_timeout(15_000)
    console_login(dept, base, "samr_do")
    dept.goto(f"{base}/console/dueprocess/objections/{objection.number}/")
    dept.get_by_label("撤销（撤回）").check()
    dept.get_by_label("处理理由").fill("原处罚决定已被复议撤销，该信息撤回")
    dept.get_by_role("button", name="保存处理决定").click()
    assert dept.get_by_text("已作出处理决定").first.is_visible()
    console.close()

    # The operator notifies the subject.
    console = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    op = console.new_page()
    op.set_default_timeout(15_000)
    console_login(op, base, "op")
    op.goto(f"{base}/console/dueprocess/objections/{objection.number}/")
    op.get_by_role("button", name="出具异议处理决定告知书并办结").click()
    assert op.get_by_text("办结").first.is_visible()
    console.close()

    # The subject sees the outcome and the notice.
    page.goto(f"{base}/my/objections/{objection.number}/")
    assert page.get_by_role("heading", name="异议处理决定告知书").is_visible()
    assert page.get_by_text("已告知办结").first.is_visible()
    assert page.get_by_text("原处罚决定已被复议撤销，该信息撤回").first.is_visible()
    page.screenshot(path=str(artifacts / "objection-journey.png"), full_page=True)
    record = CreditRecord.objects.get(pk=world.record.pk)
    assert record.status == "withdrawn" and not record.disputed
