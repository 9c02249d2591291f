"""我的信用 in chromium: an operator issues a link code in the console; an enterprise registers on the portal,
links its account with the code and reads its full archive (shared records too), on a desktop and a phone."""

from __future__ import annotations

import pytest

from tests.browser.test_console_pages import VIEWPORTS, sign_in, watch_errors
from tests.dueprocess.subject_support import ACCOUNT_PASSWORD, company, records_for
from tests.subjects.factories import PASSWORD
from xinyong.accounts.models import Role, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def data(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    User.objects.create_user(username="operator", password=PASSWORD, role=Role.OPERATOR, last_name="王")
    subject = company(name="甲市我的信用有限公司")
    records_for(subject)
    return {"subject": subject}


def test_register_link_and_read_the_archive(live_server, browser, page, data, artifacts):
    errors: list[str] = []
    watch_errors(page, errors)
    base = live_server.url
    subject = data["subject"]

    # The operator issues the code (shown once).
    sign_in(page, base, "operator")
    page.goto(f"{base}/console/dueprocess/accounts/")
    page.get_by_label("主体的统一社会信用代码或身份证号码").fill(subject.uscc)
    page.get_by_role("button", name="核对证件后核发").click()
    code = page.locator("#issued-code").inner_text().strip()
    page.screenshot(path=artifacts / "console-link-code.png", full_page=True)
    assert len(code) == 19

    # The enterprise, in a browser of its own.
    context = browser.new_context(locale="zh-CN", viewport=VIEWPORTS["desktop"])
    mine = context.new_page()
    mine.set_default_timeout(15_000)
    watch_errors(mine, errors)
    mine.goto(f"{base}/")
    mine.get_by_role("link", name="我的信用").click()
    mine.get_by_role("heading", name="登录我的信用").wait_for()
    mine.get_by_role("link", name="没有账号？注册").click()
    mine.get_by_label("登录名（手机号码或电子邮箱）").fill("138 0013 8000")
    mine.get_by_label("联系人姓名").fill("李经办")
    mine.get_by_label("密码", exact=True).fill(ACCOUNT_PASSWORD)
    mine.get_by_label("再次输入密码").fill(ACCOUNT_PASSWORD)
    mine.get_by_role("button", name="注册").click()
    mine.get_by_role("heading", name="绑定主体").wait_for()
    mine.get_by_role("textbox", name="统一社会信用代码或身份证号码", exact=True).fill(subject.uscc)
    mine.get_by_label("绑定码").fill(code)
    mine.screenshot(path=artifacts / "my-link.png", full_page=True)
    mine.get_by_role("button", name="绑定").click()
    mine.get_by_role("heading", name="甲市我的信用有限公司").wait_for()
    mine.get_by_role("heading", name="甲市监查〔2026〕8号").wait_for()  # shared: never on the public site
    archive_url = mine.url

    problems = []
    for label, size in VIEWPORTS.items():
        mine.set_viewport_size(size)
        mine.goto(archive_url)
        width = mine.evaluate("document.documentElement.scrollWidth")
        if label == "phone" and width > size["width"]:
            problems.append(f"archive page is {width}px wide on a {size['width']}px phone")
        mine.screenshot(path=artifacts / f"my-archive-{label}.png", full_page=True)

    mine.set_viewport_size(VIEWPORTS["desktop"])
    mine.get_by_role("link", name="查阅记录").click()
    mine.get_by_role("heading", name="谁查阅了本主体的信用信息").wait_for()
    mine.get_by_role("button", name="退出登录").click()
    mine.get_by_role("heading", name="登录我的信用").wait_for()
    context.close()
    assert not problems, problems
    assert not errors, errors


def test_withdraw_an_authorisation_change_the_password_and_unlink(live_server, page, data, artifacts):
    import datetime as dt

    from django.utils import timezone

    from tests.dueprocess.subject_support import MOBILE, linked_account
    from xinyong.dueprocess.subject_accounts.services import subject_authorisation_grant

    errors: list[str] = []
    watch_errors(page, errors)
    base = live_server.url
    subject = data["subject"]
    account = linked_account(subject)
    today = timezone.localdate()
    subject_authorisation_grant(
        account=account,
        subject=subject,
        grantee_kind="third_party",
        grantee_name="甲市某银行",
        purpose="贷款审批",
        scope=["credit_report"],
        valid_from=today,
        valid_until=today + dt.timedelta(days=30),
    )
    page.goto(f"{base}/my/login/")
    page.get_by_label("登录名（手机号码或电子邮箱）").fill(MOBILE)
    page.get_by_label("密码").fill(ACCOUNT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="我的信用").wait_for()

    # Withdraw the authorisation, on a phone.
    page.set_viewport_size(VIEWPORTS["phone"])
    page.get_by_role("link", name="甲市我的信用有限公司").click()
    page.get_by_role("link", name="当事人授权").click()
    page.get_by_role("link", name="撤销授权").click()
    page.get_by_role("heading", name="撤销授权").wait_for()
    page.get_by_label("撤销原因").fill("贷款已办结")
    page.get_by_label("我确认撤销该项授权", exact=False).check()
    width = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=artifacts / "my-authorisation-withdraw-phone.png", full_page=True)
    assert width <= VIEWPORTS["phone"]["width"], width
    page.get_by_role("button", name="撤销授权").click()
    page.get_by_text("已撤销对“甲市某银行”的授权").wait_for()
    assert page.get_by_role("cell", name="已撤销").is_visible()

    # Change the password.
    page.set_viewport_size(VIEWPORTS["desktop"])
    page.get_by_role("link", name="修改密码").first.click()
    page.get_by_label("当前密码").fill(ACCOUNT_PASSWORD)
    page.get_by_label("新密码", exact=True).fill("Xy-portal-new-2027")
    page.get_by_label("再次输入新密码").fill("Xy-portal-new-2027")
    page.get_by_role("button", name="修改密码").click()
    page.get_by_text("密码已修改").wait_for()

    # Give up the link: the subject's pages close.
    page.get_by_role("link", name="解除绑定").click()
    page.get_by_label("我确认解除本账号与该主体的绑定", exact=False).check()
    page.screenshot(path=artifacts / "my-unlink-desktop.png", full_page=True)
    page.get_by_role("button", name="解除绑定").click()
    page.get_by_text("已解除与“甲市我的信用有限公司”的绑定").wait_for()
    page.get_by_text("您的账号还没有绑定主体").wait_for()
    assert not errors, errors
