"""The console agrees with itself: one definition per figure and per time, labels for codes, one style.

- the home page and 质量与及时性 count the same batches (received in the same local days) the same way;
- the batch list and the batch page show the same 接收时间 (``received_at``, Asia/Shanghai);
- error and warning codes carry Chinese labels, and every code the validation can emit has one;
- a refused re-upload in the console speaks of the console's checkbox, not of ``--force``;
- counts carry thousands separators and dates one style (2026-06-12 / 2026-06-12 09:15).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.collection.batch_support import AS_OF, bad_rows, valid_rows
from tests.console.test_collection_views import csv_bytes, loaded_batch, post_upload, upload_file
from xinyong.collection.issue_labels import ISSUE_LABELS, issue_label
from xinyong.collection.lifecycle import batch_confirm_mapping, batch_start
from xinyong.collection.models import Batch
from xinyong.collection.readers import READ_ERROR_MESSAGES
from xinyong.collection.validation import ROW_ISSUE_MESSAGES, WARNING_CODES
from xinyong.core.identifiers import MESSAGES as ID_MESSAGES

pytestmark = pytest.mark.django_db

HOME = reverse("console:home")
QUALITY = reverse("collection:quality")


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A local (Asia/Shanghai) time of ``day``."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def received_batch(department, officer, rows, *, received_at: dt.datetime, name: str) -> Batch:
    """A batch loaded through the services, received at ``received_at`` (the demo backdates its files so)."""
    return loaded_batch(department, officer, rows, name=name, received_at=received_at, as_of=AS_OF)


@pytest.fixture
def today(monkeypatch) -> dt.date:
    """Both screens compute their period for AS_OF, whatever the wall clock says (dates of given times
    are still converted as usual)."""
    convert = timezone.localdate

    def localdate(value=None, timezone=None):
        return AS_OF if value is None else convert(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    return AS_OF


@pytest.fixture
def spread(catalog, users, dept_a, dept_b, today) -> list[Batch]:
    """Batches stored today but received over two months, one just after local midnight (16:30 UTC)."""
    officer = users["data_officer"]
    bad = bad_rows()
    return [
        received_batch(dept_a, officer, valid_rows(3, start=1), received_at=at(today, 0, 30), name="a.csv"),
        received_batch(
            dept_a,
            officer,
            [*valid_rows(2, start=10), bad["date_invalid"]],
            received_at=at(today - dt.timedelta(days=5), 9, 15),
            name="b.csv",
        ),
        # The first day of the 30-day period, and the day before it (outside on both screens).
        received_batch(
            dept_a,
            officer,
            valid_rows(4, start=20),
            received_at=at(today - dt.timedelta(days=29), 8),
            name="c.csv",
        ),
        received_batch(
            dept_a,
            officer,
            valid_rows(5, start=30),
            received_at=at(today - dt.timedelta(days=30), 23, 59),
            name="d.csv",
        ),
        received_batch(
            dept_b,
            users["data_officer_b"],
            valid_rows(2, start=40),
            received_at=at(today - dt.timedelta(days=100), 10),
            name="e.csv",
        ),
    ]


def figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="([a-z_]+)">([^<]*)<', html))


@pytest.mark.parametrize("role", ["operator", "data_officer"])
def test_home_and_quality_give_the_same_figures(login, spread, role):
    client = login(role)
    home = figures(client.get(HOME).content.decode())
    quality = figures(client.get(QUALITY).content.decode())
    # a, b and c: 3 + 3 + 4 rows read, one rejected; d is a minute before the period, e long before.
    assert home["batches"] == quality["batches"] == "3"
    assert home["rows_read"] == quality["rows_read"] == "10"
    assert home["accepted"] == quality["accepted"] == "9"
    assert home["rejected"] == quality["rejected"] == "1"
    if role == "operator":
        assert home["acceptance_rate"] == quality["acceptance_rate"] == "90.0%"


def test_list_and_batch_page_show_the_same_receipt_time(login, spread):
    client = login("operator")
    batch = spread[1]
    assert timezone.localdate(batch.created_at) != timezone.localdate(batch.received_at)
    expected = (AS_OF - dt.timedelta(days=5)).strftime("%Y-%m-%d") + " 09:15"
    listing = client.get(reverse("collection:batch_list")).content.decode()
    row = re.search(r"<tr>\s*<td[^>]*>([^<]*)</td>(?:(?!</tr>).)*?b\.csv", listing, re.S)
    assert row is not None and row.group(1) == expected
    detail = client.get(reverse("collection:batch_detail", args=[batch.pk])).content.decode()
    assert re.search(r"<dt>接收时间</dt><dd>([^<]*)</dd>", detail).group(1) == expected


def test_batch_list_is_ordered_by_receipt(login, spread):
    listing = login("operator").get(reverse("collection:batch_list")).content.decode()
    names = re.findall(r">([a-e])\.csv</a>", listing)
    assert names == ["a", "b", "c", "d", "e"]


def test_home_recent_batches_are_the_last_received(login, spread):
    html = login("data_officer").get(HOME).content.decode()
    assert re.findall(r">([a-e])\.csv</a>", html)[:2] == ["a", "b"]


# ---------------------------------------------------------------------------------------------------
# Labels of error and warning codes


def test_every_code_that_can_be_emitted_has_a_label():
    emitted = set(ROW_ISSUE_MESSAGES) | set(WARNING_CODES) | set(ID_MESSAGES) | set(READ_ERROR_MESSAGES)
    missing = sorted(code for code in emitted if code not in ISSUE_LABELS)
    assert missing == []
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in ISSUE_LABELS.values())
    assert issue_label("amount_unit_yuan") == "金额应以万元为单位"
    assert issue_label("no_such_code") == "no_such_code"


def test_batch_page_and_quality_name_codes_in_chinese(login, catalog, users, dept_a, today):
    bad = bad_rows()
    batch = received_batch(
        dept_a,
        users["data_officer"],
        [*valid_rows(2), bad["date_invalid"], bad["uscc_check_digit"]],
        received_at=at(today, 9),
        name="bad.csv",
    )
    client = login("data_officer")
    detail = client.get(reverse("collection:batch_detail", args=[batch.pk])).content.decode()
    assert "日期无效" in detail
    assert "统一社会信用代码校验位错误" in detail
    # The code stays beside its label, in small type, for the rejection file's 错误代码 column.
    assert re.search(
        r'class="badge badge-err"[^>]*>日期无效</span> <span class="mono small muted">date_invalid', detail
    )
    quality = client.get(QUALITY).content.decode()
    assert "日期无效 1" in quality
    assert ">date_invalid 1<" not in quality


# ---------------------------------------------------------------------------------------------------
# Re-uploading the same file


def test_console_refusal_of_the_same_file_speaks_of_the_checkbox(login, catalog, users, dept_a):
    client = login("data_officer")
    content = csv_bytes(valid_rows(2))
    post_upload(client, content)
    first = Batch.objects.get()
    batch_confirm_mapping(batch=first, mapping=dict(first.mapping), actor=users["data_officer"])
    batch_start(batch=first, actor=users["data_officer"])
    html = post_upload(client, content).content.decode()
    assert "--force" not in html
    assert "命令行" not in html
    assert "勾选“确认重新处理同一文件”" in html
    assert 'name="allow_duplicate"' in html


def test_reupload_refusal_offers_the_checkbox_on_the_batch_page(login, catalog, users, dept_a, today):
    bad = bad_rows()
    parent = received_batch(
        dept_a,
        users["data_officer"],
        [*valid_rows(2), bad["date_invalid"]],
        received_at=at(today, 9),
        name="p.csv",
    )
    client = login("data_officer")
    fixed = csv_bytes(valid_rows(3))
    url = reverse("collection:batch_reupload", args=[parent.pk])
    client.post(url, {"file": upload_file("fixed.csv", fixed)})
    child = Batch.objects.get(parent=parent)
    batch_confirm_mapping(batch=child, mapping=dict(child.mapping), actor=users["data_officer"])
    batch_start(batch=child, actor=users["data_officer"])
    page = client.post(url, {"file": upload_file("fixed.csv", fixed)}, follow=True).content.decode()
    assert "--force" not in page
    assert "勾选“确认重新处理同一文件”" in page
    assert 'name="allow_duplicate"' in page


# ---------------------------------------------------------------------------------------------------
# Number and date style


def test_counts_have_thousands_separators_and_dates_one_style(login, catalog, dept_a, today):
    batch = _big_batch(dept_a, today)
    client = login("operator")
    home = client.get(HOME).content.decode()
    assert figures(home)["rows_read"] == "22,549"
    assert (today - dt.timedelta(days=2)).isoformat() + " 08:48" in home
    assert today.isoformat() in home  # the page's date, not 2026年6月15日
    assert "年" not in re.sub(r"<[^>]+>", "", home.split("<main", 1)[-1])
    listing = client.get(reverse("collection:batch_list")).content.decode()
    assert ">22,549<" in listing
    detail = client.get(reverse("collection:batch_detail", args=[batch.pk])).content.decode()
    assert 'data-count="rows_read">22,549<' in detail
    quality = client.get(QUALITY).content.decode()
    assert figures(quality)["rows_read"] == "22,549"
    assert f"统计 {(today - dt.timedelta(days=29)).isoformat()} 至 {today.isoformat()} 接收的数据" in quality


def _big_batch(department, today: dt.date) -> Batch:
    from xinyong.catalog.selectors import catalog_item_current_version

    version = catalog_item_current_version(code="penalty", on=today)
    return Batch.objects.create(
        department=department,
        item_id=version.item_id,
        item_version=version,
        channel="file",
        original_filename="big.csv",
        rows_read=22549,
        created=22000,
        duplicate=500,
        rejected=49,
        status="done",
        received_at=at(today - dt.timedelta(days=2), 8, 48),
        finished_at=at(today - dt.timedelta(days=2), 8, 50),
        as_of=today,
    )
