"""A data officer uploads a mixed-quality file in the console, confirms the mapping, sees the counts and
downloads the rejection file (Debian chromium through Playwright)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from playwright.sync_api import expect

from tests.collection.batch_support import (
    AS_OF,
    AUTHORITY,
    AUTHORITY_USCC,
    IMMEDIATE,
    bad_rows,
    valid_rows,
    write_csv,
)
from tests.subjects.factories import PASSWORD
from xinyong.accounts.models import Department, Role, User
from xinyong.catalog.services import catalog_load_fixtures
from xinyong.collection.models import Batch, BatchStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def officer(settings, tmp_path):
    settings.TASKS = IMMEDIATE
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    catalog_load_fixtures(as_of=AS_OF)
    department = Department.objects.create(code="samr", name=AUTHORITY, uscc=AUTHORITY_USCC)
    return User.objects.create_user(
        username="officer",
        password=PASSWORD,
        role=Role.DATA_OFFICER,
        department=department,
        last_name="李",
        first_name="明",
    )


@pytest.fixture
def mixed_file(tmp_path):
    bad = bad_rows()
    rows = [*valid_rows(5), bad["uscc_check_digit"], bad["date_invalid"], bad["required_missing"]]
    return write_csv(tmp_path / "2026年6月行政处罚.csv", rows)


def test_officer_uploads_sees_counts_and_downloads_rejections(
    live_server, page, officer, mixed_file, artifacts
):
    page.goto(f"{live_server.url}/console/collection/upload/")
    # Not signed in: the console's login page, then back to the upload page.
    page.get_by_label("用户名").fill("officer")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="上传文件").wait_for()
    assert "李明" in page.locator("header").inner_text()

    page.get_by_label("目录项").select_option("penalty")
    page.get_by_label("数据文件").set_input_files(str(mixed_file))
    page.screenshot(path=artifacts / "collection-upload.png", full_page=True)
    page.get_by_role("button", name="上传并预览").click()

    page.get_by_role("heading", name="预览与列映射").wait_for()
    assert page.locator("select[name^=col_]").count() == len(Batch.objects.get().headers)
    status = page.locator("#mapping-status")
    assert "列映射完整" in status.inner_text()
    # Un-mapping a required column is reported at once (htmx re-checks the mapping on every change).
    document_number = page.get_by_label("行政处罚决定书文号", exact=True)
    document_number.select_option("")
    expect(status).to_contain_text("还不能确认")
    assert "CF_WSH" in status.inner_text()
    document_number.select_option("CF_WSH")
    expect(status).to_contain_text("列映射完整")
    page.screenshot(path=artifacts / "collection-preview.png", full_page=True)
    page.get_by_role("button", name="确认映射并开始入库").click()

    page.get_by_role("heading", name="归集结果", exact=True).wait_for()
    batch = Batch.objects.get()
    assert batch.status == BatchStatus.DONE
    counts = {
        key: int(page.locator(f'[data-count="{key}"]').first.inner_text())
        for key in ("rows_read", "created", "new_version", "duplicate", "rejected")
    }
    assert counts == {"rows_read": 8, "created": 5, "new_version": 0, "duplicate": 0, "rejected": 3}
    rejected_table = page.locator("#rejected").inner_text()
    for code in ("uscc_check_digit", "date_invalid"):
        assert code in rejected_table
    page.screenshot(path=artifacts / "collection-result.png", full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载退回文件").click()
    download = download_info.value
    assert download.suggested_filename.endswith("_退回.csv")
    content = download.path().read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) == 3
    assert {"行政相对人名称", "统一社会信用代码", "错误代码", "错误说明"} <= set(rows[0])
    by_name = {r["行政相对人名称"]: r for r in rows}
    assert "uscc_check_digit" in by_name["甲市第900贸易有限公司"]["错误代码"]
    assert "date_invalid" in by_name["甲市第902贸易有限公司"]["错误代码"]
    assert by_name["甲市第901贸易有限公司"]["行政处罚决定书文号"] == ""
    assert all(r["错误说明"] for r in rows)

    # The same result page on a phone: nothing may overflow the viewport.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.get_by_role("heading", name="归集结果", exact=True).wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=artifacts / "collection-result-phone.png", full_page=True)


def test_batch_page_polls_progress_until_the_batch_is_done(live_server, page, officer, mixed_file, artifacts):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from xinyong.collection.intake import batch_create_from_file
    from xinyong.collection.lifecycle import batch_confirm_mapping, batch_start

    upload = SimpleUploadedFile(mixed_file.name, mixed_file.read_bytes())
    batch = batch_create_from_file(
        department=officer.department, item_code="penalty", uploaded_file=upload, actor=officer
    )
    batch = batch_start(
        batch=batch_confirm_mapping(batch=batch, mapping=dict(batch.mapping), actor=officer), actor=officer
    )
    done = {f: getattr(batch, f) for f in ("rows_read", "created", "rejected", "rows_committed")}
    # Show it as half-way through loading: 4 of 8 rows in 2 seconds.
    started = timezone.now() - dt.timedelta(seconds=2)
    Batch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.LOADING,
        rows_read=4,
        created=4,
        rejected=0,
        rows_committed=4,
        rows_total=8,
        run_started_at=started,
        run_start_rows=0,
        progress_at=started + dt.timedelta(seconds=2),
        finished_at=None,
    )
    page.goto(f"{live_server.url}/console/login/?next=/console/collection/batches/{batch.pk}/")
    page.get_by_label("用户名").fill("officer")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="入库进度").wait_for()
    text = page.locator("#progress-text").inner_text()
    assert "已处理 4 / 8 行（50.0%）" in text and "2 行/秒" in text and "预计剩余 2 秒" in text
    page.screenshot(path=artifacts / "collection-progress.png", full_page=True)

    # The loading finishes: within one polling interval the page shows the result.
    Batch.objects.filter(pk=batch.pk).update(status=BatchStatus.DONE, finished_at=timezone.now(), **done)
    page.get_by_role("heading", name="归集结果", exact=True).wait_for(timeout=6000)
    assert page.locator('[data-count="rejected"]').first.inner_text() == "3"
