"""我的信用 in chromium: an operator issues a link code in the console; an enterprise registers on the portal,
links its account with the code and reads its full archive (shared records too), on a desktop and a phone."""

from __future__ import annotations

import pytest

from tests.browser.test_console_pages import VIEWPORTS, sign_in
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


def _watch(page, errors: list[str]) -> None:
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "favicon" not in msg.location.get("url", "")
            else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))


def test_register_link_and_read_the_archive(live_server, browser, page, data, artifacts):
    errors: list[str] = []
    _watch(page, errors)
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
    _watch(mine, errors)
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
