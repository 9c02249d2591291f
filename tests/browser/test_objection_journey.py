"""An objection in chromium: the subject registers on the portal and links its account with a link code, files
an objection with an evidence file, the operator accepts and forwards it, the source department decides it, the
operator notifies, and the subject signs in again, sees the outcome and downloads the notice as a PDF."""

from __future__ import annotations

import pytest

from tests.browser.test_console_pages import menu_follow
from tests.dueprocess.objections.conftest import PDF
from tests.dueprocess.subject_support import ACCOUNT_PASSWORD
from tests.jrp.check.conftest import LISTED_USCC, _fresh_rulebook_cache, world  # noqa: F401
from tests.subjects.factories import PASSWORD
from tests.support import catalog, make_user  # noqa: F401
from xinyong.accounts.models import Role
from xinyong.dueprocess.objections.models import Objection
from xinyong.dueprocess.profiles.services import profiles_load
from xinyong.dueprocess.subject_accounts.services import link_code_issue
from xinyong.records.models import CreditRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DUEPROCESS_EVIDENCE_DIR = tmp_path / "evidence"


LOGIN_NAME = "13800138000"


def console_login(page, base: str, username: str) -> None:
    page.goto(f"{base}/console/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="工作台首页").wait_for()


def test_objection_journey(browser, page, live_server, world, artifacts):  # noqa: F811
    profiles_load()
    operator = make_user("op", role=Role.OPERATOR)
    make_user("samr_do", role=Role.DATA_OFFICER, department=world.samr)
    _, code = link_code_issue(subject=world.listed, actor=operator)  # handed to the company at the counter
    base = live_server.url

    # The company registers on the portal and links its account with the code.
    page.goto(f"{base}/my/objections/")
    page.get_by_role("heading", name="登录我的信用").wait_for()
    page.get_by_role("link", name="没有账号？注册").click()
    page.get_by_label("登录名（手机号码或电子邮箱）").fill(LOGIN_NAME)
    page.get_by_label("联系人姓名").fill("李经办")
    page.get_by_label("密码", exact=True).fill(ACCOUNT_PASSWORD)
    page.get_by_label("再次输入密码").fill(ACCOUNT_PASSWORD)
    page.get_by_role("button", name="注册").click()
    page.get_by_role("heading", name="绑定主体").wait_for()
    page.get_by_role("textbox", name="统一社会信用代码或身份证号码", exact=True).fill(LISTED_USCC)
    page.get_by_label("绑定码").fill(code)
    page.get_by_role("button", name="绑定").click()
    page.get_by_role("heading", name=world.listed.name).wait_for()

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
    menu_follow(op, "异议处理")
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
    # 异议统计 counts it (filed and decided today: 0 working days), on a desktop and on a phone.
    op.goto(f"{base}/console/dueprocess/objections/stats/")
    op.get_by_role("heading", name="异议统计").wait_for()
    assert op.locator('[data-figure="filed"]').inner_text() == "1"
    assert op.locator('[data-figure="decided"]').inner_text() == "1"
    assert op.locator("svg.chart").count() == 5
    op.screenshot(path=str(artifacts / "objection-stats-desktop.png"), full_page=True)
    op.set_viewport_size({"width": 390, "height": 844})
    op.reload()
    assert op.evaluate("document.documentElement.scrollWidth") <= 390
    op.screenshot(path=str(artifacts / "objection-stats-phone.png"), full_page=True)
    console.close()

    # The subject, on another device, signs in through the sign-in page and is taken back to the objection.
    portal = browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = portal.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/my/objections/{objection.number}/")
    page.get_by_role("heading", name="登录我的信用").wait_for()
    page.get_by_label("登录名（手机号码或电子邮箱）").fill(LOGIN_NAME)
    page.get_by_label("密码").fill(ACCOUNT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name=f"异议申请 {objection.number}").wait_for()
    assert page.get_by_role("heading", name="异议处理决定告知书").is_visible()
    assert page.get_by_text("已告知办结").first.is_visible()
    assert page.get_by_text("原处罚决定已被复议撤销，该信息撤回").first.is_visible()
    page.screenshot(path=str(artifacts / "objection-journey.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="下载告知书（PDF）").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    portal.close()
    record = CreditRecord.objects.get(pk=world.record.pk)
    assert record.status == "withdrawn" and not record.disputed
