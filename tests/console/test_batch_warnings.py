"""Warnings are traceable: every warning of a batch with its row, column, value and Chinese message on the
batch page (paginated), as a downloadable list, and in the preview beyond the first ten rows."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from tests.collection.batch_support import penalty_row
from tests.console.test_collection_views import csv_bytes, loaded_batch, post_upload
from xinyong.accounts.models import AuditEntry
from xinyong.collection.models import Batch
from xinyong.collection.storage import batch_dir, batch_files_purge
from xinyong.collection.views import WARNING_ROWS_PER_PAGE

pytestmark = pytest.mark.django_db

SUSPECT = {"罚款金额（万元）": "200000"}  # 20 亿元: probably entered in 元 (warning amount_unit_suspect)


def rows_with_warnings(total: int, warned: set[int]) -> list[dict]:
    return [penalty_row(i, **(SUSPECT if i in warned else {})) for i in range(1, total + 1)]


@pytest.fixture
def warned(catalog, users, dept_a) -> Batch:
    """30 rows, 22 of them with a warning (more than one page of the warnings table)."""
    return loaded_batch(dept_a, users["data_officer"], rows_with_warnings(30, set(range(5, 27))))


def test_the_batch_page_lists_every_warning_with_its_row_and_chinese_message(login, warned):
    client = login("reviewer")  # reads the batch, may not submit: warnings are for every reader
    url = reverse("collection:batch_detail", args=[warned.pk])
    html = client.get(url).content.decode()
    assert "amount_unit_suspect" in html and "22 行" in html
    # Row 5 of the data is line 6 of the file (the header is line 1).
    assert "第 6 行“罚款金额（万元）”为 200000 万元（20 亿元），金额异常偏大" in html
    assert "共 22 条提示" in html and "第 1 / 2 页" in html
    assert "第 27 行" not in html  # on the second page
    second = client.get(url, {"wpage": 2}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="row-warnings")
    fragment = second.content.decode()
    assert fragment.startswith('<div id="row-warnings">')
    assert fragment.count('<th scope="row"') == 22 - WARNING_ROWS_PER_PAGE
    assert "第 27 行“罚款金额（万元）”" in fragment


def test_the_warning_list_downloads_like_the_rejection_file(login, warned):
    response = login("data_officer").get(reverse("collection:batch_warning_file", args=[warned.pk]))
    assert response.status_code == 200
    assert "penalties_%E6%8F%90%E7%A4%BA%E6%B8%85%E5%8D%95.csv" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, as the rejection files, for Excel
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert lines[0] == ["行号", "列", "值", "提示代码", "提示说明"]
    assert len(lines) == 1 + 22
    assert lines[1][:4] == ["6", "罚款金额（万元）", "200000", "amount_unit_suspect"]
    assert lines[1][4].startswith("第 6 行")
    assert AuditEntry.objects.filter(object_id=str(warned.pk), detail__stage="warning_file").exists()


def test_after_the_purge_the_page_still_lists_the_warnings_but_offers_no_file(login, warned, settings):
    received = warned.received_at.date()
    assert (
        len(
            batch_files_purge(
                as_of=received + dt.timedelta(days=settings.XINYONG_UPLOAD_RETENTION_DAYS + 1)
            ).batches
        )
        == 1
    )
    client = login("data_officer")
    html = client.get(reverse("collection:batch_detail", args=[warned.pk])).content.decode()
    assert "第 6 行“罚款金额（万元）”为 200000 万元" in html  # the warnings are in the database
    assert reverse("collection:batch_warning_file", args=[warned.pk]) not in html
    assert "提示清单文件已随本批次的文件按保存期限清除" in html
    response = client.get(reverse("collection:batch_warning_file", args=[warned.pk]), follow=True)
    assert "保存期限清除" in response.content.decode()
    assert not batch_dir(batch_id=warned.pk).exists()  # nothing written back after the purge


def test_a_batch_without_warnings_has_no_warning_list(login, catalog, users, dept_a):
    batch = loaded_batch(dept_a, users["data_officer"], rows_with_warnings(2, set()))
    html = login("data_officer").get(reverse("collection:batch_detail", args=[batch.pk])).content.decode()
    assert "提示清单" not in html
    assert (
        login("data_officer").get(reverse("collection:batch_warning_file", args=[batch.pk])).status_code
        == 404
    )


def test_the_preview_validates_beyond_the_rows_it_shows(login, catalog):
    client = login("data_officer")
    response = post_upload(client, csv_bytes(rows_with_warnings(40, {35})))
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "已预检文件前 40 行：0 行有错误（不会入库），1 行有提示（会入库，请核对）" in html
    assert "第 36 行" in html and "金额异常偏大" in html
