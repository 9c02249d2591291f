"""The collection screens: permissions by role, department isolation, the upload → preview → confirm → result
flow, the rejection file and its re-upload, the batch list, form entry and the quality page with its CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.collection.batch_support import (
    HEADERS,
    bad_rows,
    org_uscc,
    penalty_row,
    valid_rows,
)
from xinyong.accounts.models import AuditEntry, Department
from xinyong.collection.intake import batch_create_from_file
from xinyong.collection.models import Batch, BatchStatus, ColumnMapping
from xinyong.collection.storage import batch_files_purge
from xinyong.core.spreadsheet import formula_safe
from xinyong.records.models import CreditRecord

pytestmark = pytest.mark.django_db


def csv_bytes(rows, *, headers=None, encoding="utf-8") -> bytes:
    headers = headers or HEADERS
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row.get(h) for h in headers])
    return buffer.getvalue().encode(encoding)


def upload_file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def mixed_rows():
    bad = bad_rows()
    return [
        *valid_rows(4),
        bad["uscc_check_digit"],
        bad["date_invalid"],
        bad["required_missing"],
    ]


def post_upload(client, content: bytes, *, name="penalties.csv", item="penalty", **extra):
    return client.post(
        reverse("collection:upload"), {"item": item, "file": upload_file(name, content), **extra}
    )


def confirm(client, batch: Batch, mapping: dict[str, str] | None = None):
    """Post the mapping form as proposed (or with ``mapping`` {header: field code})."""
    html = client.get(reverse("collection:batch_mapping", args=[batch.pk])).content.decode()
    data = {}
    for index, header in enumerate(batch.headers):
        selected = re.search(rf'<select name="col_{index}"[^>]*>.*?</select>', html, re.S).group(0)
        chosen = re.search(r'<option value="([^"]*)" selected>', selected)
        data[f"col_{index}"] = chosen.group(1) if chosen else ""
        if mapping is not None and header in mapping:
            data[f"col_{index}"] = mapping[header]
    return client.post(reverse("collection:batch_mapping", args=[batch.pk]), data)


def loaded_batch(department, officer, rows, *, name="penalties.csv", **kwargs) -> Batch:
    """A batch uploaded and loaded through the services (for pages that show finished batches);
    ``kwargs`` go to ``batch_create_from_file`` (``received_at``, ``as_of``)."""
    from xinyong.collection.lifecycle import batch_confirm_mapping, batch_start

    batch = batch_create_from_file(
        department=department,
        item_code="penalty",
        uploaded_file=upload_file(name, csv_bytes(rows)),
        filename=name,
        actor=officer,
        **kwargs,
    )
    batch = batch_confirm_mapping(batch=batch, mapping=dict(batch.mapping), actor=officer)
    batch = batch_start(batch=batch, actor=officer)
    batch.refresh_from_db()
    return batch


@pytest.fixture
def finished(catalog, users, dept_a) -> Batch:
    return loaded_batch(dept_a, users["data_officer"], mixed_rows())


# ---------------------------------------------------------------------------------------------------
# Permissions


READ_PAGES = ["collection:batch_list", "collection:quality", "collection:quality_export"]
WRITE_PAGES = ["collection:upload", "collection:form_entry"]


@pytest.mark.parametrize("name", READ_PAGES + WRITE_PAGES)
def test_anonymous_users_are_sent_to_login(client, name, catalog):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/?next=")


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("data_officer", 200, 200),
        ("operator", 200, 200),
        ("superuser", 200, 200),
        ("reviewer", 200, 403),
        ("auditor", 200, 403),
        ("window_clerk", 403, 403),
        ("no_role", 403, 403),
    ],
)
def test_pages_by_role(login, catalog, role, read, write):
    client = login(role)
    for name in READ_PAGES:
        assert client.get(reverse(name)).status_code == read, name
    for name in WRITE_PAGES:
        assert client.get(reverse(name)).status_code == write, name


@pytest.mark.parametrize("role", ["reviewer", "auditor", "window_clerk"])
def test_roles_that_do_not_submit_cannot_post_an_upload(login, catalog, role):
    response = post_upload(login(role), csv_bytes(valid_rows(1)))
    assert response.status_code == 403
    assert not Batch.objects.exists()


BATCH_PAGES = ["batch_detail", "batch_mapping", "batch_progress", "batch_rejection_file"]


@pytest.mark.parametrize("page", BATCH_PAGES)
def test_another_departments_batch_is_not_found(login, finished, page):
    response = login("data_officer_b").get(reverse(f"collection:{page}", args=[finished.pk]))
    assert response.status_code == 404


def test_another_departments_batch_cannot_be_reuploaded_or_resumed(login, finished):
    client = login("data_officer_b")
    reupload = client.post(
        reverse("collection:batch_reupload", args=[finished.pk]),
        {"file": upload_file("fixed.csv", csv_bytes(valid_rows(1)))},
    )
    assert reupload.status_code == 404
    assert client.post(reverse("collection:batch_resume", args=[finished.pk])).status_code == 404
    assert client.post(reverse("collection:batch_mapping_check", args=[finished.pk])).status_code == 404


def test_other_departments_batches_are_not_listed(login, finished):
    html = login("data_officer_b").get(reverse("collection:batch_list")).content.decode()
    assert "penalties.csv" not in html
    assert "共 0 个批次" in html


def test_reviewer_reads_the_result_but_cannot_download_or_reupload(login, finished):
    client = login("reviewer")
    html = client.get(reverse("collection:batch_detail", args=[finished.pk])).content.decode()
    assert "归集结果" in html
    assert "下载退回文件" not in html
    assert "上传修改后的文件" not in html
    assert client.get(reverse("collection:batch_rejection_file", args=[finished.pk])).status_code == 403
    assert client.get(reverse("collection:batch_mapping", args=[finished.pk])).status_code == 403


@pytest.mark.parametrize("role", ["operator", "auditor"])
def test_platform_roles_see_batch_figures_but_not_rows_or_the_rejection_file(login, finished, role):
    client = login(role)
    response = client.get(reverse("collection:batch_rejection_file", args=[finished.pk]))
    assert response.status_code == 403
    assert "只有该批次所属部门的数据报送员可以下载" in response.content.decode()
    html = client.get(reverse("collection:batch_detail", args=[finished.pk])).content.decode()
    assert re.search(r'data-count="rejected">3<', html) and "uscc_check_digit" in html
    assert "只有该批次所属部门的数据报送员和审核员可以查看" in html
    assert "2026-13-45" not in html and "下载退回文件（" not in html  # no row content, no download button


def test_the_departments_reviewer_reads_the_rejected_rows(login, finished):
    html = login("reviewer").get(reverse("collection:batch_detail", args=[finished.pk])).content.decode()
    assert "2026-13-45" in html and "可以查看；此处只显示" not in html


def test_auditor_and_operator_see_every_department(login, finished):
    for role in ("auditor", "operator"):
        html = login(role).get(reverse("collection:batch_list")).content.decode()
        assert "penalties.csv" in html
        assert "甲市市场监督管理局" in html  # the department column of platform-wide lists


# ---------------------------------------------------------------------------------------------------
# Upload → preview → confirm → result


def test_upload_page_lists_the_items_the_department_may_submit(login, catalog):
    html = login("data_officer").get(reverse("collection:upload")).content.decode()
    assert '<option value="penalty">行政处罚</option>' in html
    assert 'name="department"' not in html  # an officer always submits for their own department
    assert 'accept=".csv,.txt,.xlsx,.json,.ndjson,.jsonl"' in html


def test_operator_chooses_the_department(login, catalog, dept_a):
    client = login("operator")
    assert 'name="department"' in client.get(reverse("collection:upload")).content.decode()
    response = post_upload(client, csv_bytes(valid_rows(2)), department=dept_a.pk)
    batch = Batch.objects.get()
    assert response.status_code == 302
    assert batch.department == dept_a


def test_upload_preview_confirm_result(login, catalog, users):
    client = login("data_officer")
    response = post_upload(client, csv_bytes(mixed_rows()))
    batch = Batch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("collection:batch_mapping", args=[batch.pk])
    assert batch.uploaded_by == users["data_officer"]

    preview = client.get(response["Location"])
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "预览与列映射" in html
    assert "行政处罚决定书文号" in html
    assert "识别方式：表头" in html
    assert html.count('<select name="col_') == len(HEADERS)
    assert "甲市第1贸易有限公司" in html  # the first rows are shown
    assert "uscc_check_digit" in html  # the sample rows are pre-checked

    confirmed = confirm(client, batch)
    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("collection:batch_detail", args=[batch.pk])
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert (batch.rows_read, batch.created, batch.rejected) == (7, 4, 3)
    assert ColumnMapping.objects.filter(department=batch.department, item=batch.item).exists()

    result = client.get(confirmed["Location"])
    html = result.content.decode()
    assert "归集结果" in html
    assert re.search(r'data-count="rows_read">7<', html)
    assert re.search(r'data-count="created">4<', html)
    assert re.search(r'data-count="rejected">3<', html)
    for code in ("uscc_check_digit", "date_invalid"):
        assert code in html
    assert "下载退回文件（3 行）" in html
    assert "上传修改后的文件" in html
    assert CreditRecord.objects.filter(department=batch.department).count() == 4


def test_preview_masks_identity_numbers(login, catalog):
    client = login("data_officer")
    rows = [penalty_row(5, person=True)]
    post_upload(client, csv_bytes(rows))
    batch = Batch.objects.get()
    html = client.get(reverse("collection:batch_mapping", args=[batch.pk])).content.decode()
    ric = rows[0]["证件号码"]
    assert ric not in html
    assert ric[:6] in html and ric[-4:] in html


def test_rejection_file_holds_the_rejected_rows_with_their_errors(login, finished):
    response = login("data_officer").get(reverse("collection:batch_rejection_file", args=[finished.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel opens it correctly
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) == 3
    assert set(HEADERS) <= set(rows[0])
    assert "错误代码" in rows[0] and "错误说明" in rows[0]
    codes = {r["错误代码"] for r in rows}
    assert any("uscc_check_digit" in c for c in codes)
    assert any("date_invalid" in c for c in codes)
    assert AuditEntry.objects.filter(action="export", object_id=str(finished.pk)).exists()


def test_fixed_rejection_file_loads_only_the_fixed_rows(login, finished):
    client = login("data_officer")
    fixed = [*valid_rows(4), penalty_row(900), penalty_row(901), penalty_row(902)]
    response = client.post(
        reverse("collection:batch_reupload", args=[finished.pk]),
        {"file": upload_file("penalties_fixed.csv", csv_bytes(fixed))},
    )
    child = Batch.objects.exclude(pk=finished.pk).get()
    assert response["Location"] == reverse("collection:batch_mapping", args=[child.pk])
    assert child.parent == finished
    assert "已保存" in client.get(response["Location"]).content.decode()  # the confirmed mapping is reused
    confirm(client, child)
    child.refresh_from_db()
    assert (child.rows_read, child.created, child.duplicate, child.rejected) == (7, 3, 4, 0)
    html = client.get(reverse("collection:batch_detail", args=[finished.pk])).content.decode()
    assert "penalties_fixed.csv" in html  # the original batch links to its correction


def test_wrong_file_type_shows_the_reader_message(login, catalog):
    response = post_upload(login("data_officer"), b"\x89PNG\r\n\x1a\n\x00\x00binary", name="photo.png")
    html = response.content.decode()
    assert response.status_code == 200
    batch = Batch.objects.get()
    assert batch.status == BatchStatus.FAILED
    assert batch.error_message in html
    assert batch.error_code in html


def test_empty_file_is_refused(login, catalog):
    response = post_upload(login("data_officer"), b"")
    assert "所提交的是空文件" in response.content.decode()
    assert not Batch.objects.exists()


def test_file_over_the_limit_is_refused_with_a_clear_message(login, catalog, settings):
    settings.XINYONG_UPLOAD_MAX_BYTES = 100
    response = post_upload(login("data_officer"), csv_bytes(valid_rows(3)))
    html = response.content.decode()
    assert "上传上限" in html and "拆分" in html
    assert not Batch.objects.exists()


def test_oversized_request_is_refused_before_its_body_is_read(login, catalog, settings):
    settings.XINYONG_UPLOAD_MAX_BYTES = 100
    client = login("data_officer")
    big = csv_bytes(valid_rows(1)) + b"#" * (1024 * 1024 + 200)
    response = post_upload(client, big)
    assert response.status_code == 413
    assert "上传上限" in response.content.decode()
    assert not Batch.objects.exists()


def test_upload_still_checks_the_csrf_token(users, catalog):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["data_officer"])
    assert post_upload(client, csv_bytes(valid_rows(1))).status_code == 403
    assert not Batch.objects.exists()


def test_same_file_twice_asks_for_confirmation(login, catalog):
    client = login("data_officer")
    content = csv_bytes(valid_rows(2))
    post_upload(client, content)
    first = Batch.objects.get()
    # A file left at the mapping step does not count; once loaded, the same file needs a confirmation.
    assert post_upload(client, content).status_code == 302
    Batch.objects.exclude(pk=first.pk).delete()
    confirm(client, first)
    again = post_upload(client, content)
    html = again.content.decode()
    assert again.status_code == 200
    assert "file_already_uploaded" in html
    assert reverse("collection:batch_detail", args=[first.pk]) in html
    assert 'name="allow_duplicate"' in html
    forced = post_upload(client, content, allow_duplicate="on")
    assert forced.status_code == 302
    assert Batch.objects.count() == 2
    forced_batch = Batch.objects.exclude(pk=first.pk).get()
    confirm(client, forced_batch)
    forced_batch.refresh_from_db()
    assert (forced_batch.created, forced_batch.duplicate) == (0, 2)  # nothing is loaded twice


def test_mapping_check_reports_missing_required_fields(login, catalog):
    client = login("data_officer")
    post_upload(client, csv_bytes(valid_rows(1)))
    batch = Batch.objects.get()
    document_column = batch.headers.index("行政处罚决定书文号")
    data = {f"col_{i}": batch.mapping.get(h, "") for i, h in enumerate(batch.headers)}
    data[f"col_{document_column}"] = ""
    response = client.post(
        reverse("collection:batch_mapping_check", args=[batch.pk]), data, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "列映射还不能确认" in html
    assert "CF_WSH" in html
    # Confirming such a mapping is refused and nothing is loaded.
    confirmed = client.post(reverse("collection:batch_mapping", args=[batch.pk]), data)
    assert confirmed.status_code == 200
    assert "mapping_missing_required" in confirmed.content.decode()
    batch.refresh_from_db()
    assert batch.status in (BatchStatus.UPLOADED, BatchStatus.MAPPING)


def test_mapping_flags_a_field_chosen_for_two_columns(login, catalog):
    client = login("data_officer")
    post_upload(client, csv_bytes(valid_rows(1)))
    batch = Batch.objects.get()
    data = {f"col_{i}": batch.mapping.get(h, "") for i, h in enumerate(batch.headers)}
    data[f"col_{batch.headers.index('违法事实')}"] = "CF_WSH"
    html = client.post(reverse("collection:batch_mapping_check", args=[batch.pk]), data).content.decode()
    assert "对应了多列" in html


def test_a_column_left_out_stays_out_on_the_next_upload(login, catalog):
    client = login("data_officer")
    post_upload(client, csv_bytes(valid_rows(2)))
    first = Batch.objects.get()
    confirm(client, first, {"违法事实": "CF_SY", "法定代表人": ""})
    first.refresh_from_db()
    assert "法定代表人" not in first.mapping
    post_upload(client, csv_bytes(valid_rows(2, start=50)))
    second = Batch.objects.exclude(pk=first.pk).get()
    html = client.get(reverse("collection:batch_mapping", args=[second.pk])).content.decode()
    column = batch_column_select(html, second.headers.index("法定代表人"))
    assert '<option value="CF_FRDB" selected>' not in column
    assert '<option value="" selected>' in column


def batch_column_select(html: str, index: int) -> str:
    return re.search(rf'<select name="col_{index}"[^>]*>.*?</select>', html, re.S).group(0)


def test_unknown_headers_are_left_unmapped_and_shown(login, catalog):
    client = login("data_officer")
    headers = [*HEADERS, "内部备注"]
    rows = [{**penalty_row(1), "内部备注": "仅供内部"}]
    post_upload(client, csv_bytes(rows, headers=headers))
    batch = Batch.objects.get()
    html = client.get(reverse("collection:batch_mapping", args=[batch.pk])).content.decode()
    assert "内部备注" in html
    assert "识别方式：未识别" in html


# ---------------------------------------------------------------------------------------------------
# Progress


def test_progress_fragment_while_loading_and_refresh_when_done(login, finished):
    client = login("data_officer")
    done = client.get(reverse("collection:batch_progress", args=[finished.pk]), HTTP_HX_REQUEST="true")
    assert done.status_code == 204
    assert done["HX-Refresh"] == "true"

    Batch.objects.filter(pk=finished.pk).update(
        status=BatchStatus.LOADING,
        rows_total=100,
        rows_committed=40,
        run_started_at=timezone.now() - dt.timedelta(seconds=10),
        progress_at=timezone.now(),
    )
    running = client.get(reverse("collection:batch_progress", args=[finished.pk]), HTTP_HX_REQUEST="true")
    html = running.content.decode()
    assert running.status_code == 200
    assert 'hx-trigger="every 2s"' in html
    assert "<progress" in html and 'value="40.0"' in html
    assert "行/秒" in html and "预计剩余" in html
    for label in ("已读取", "已入库", "新版本", "重复", "退回"):
        assert label in html
    page = client.get(reverse("collection:batch_detail", args=[finished.pk])).content.decode()
    assert 'hx-get="/console/collection/batches/' in page


def test_rejected_rows_are_paginated(login, catalog, users, dept_a):
    bad = [penalty_row(100 + i, 处罚决定日期="2026-13-45") for i in range(25)]
    batch = loaded_batch(dept_a, users["data_officer"], bad)
    client = login("data_officer")
    first = client.get(reverse("collection:batch_detail", args=[batch.pk])).content.decode()
    assert "第 1 / 2 页" in first
    fragment = client.get(
        reverse("collection:batch_detail", args=[batch.pk]) + "?page=2",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="rejected",
    ).content.decode()
    assert fragment.lstrip().startswith('<div id="rejected">')
    assert "第 2 / 2 页" in fragment
    assert "<html" not in fragment


# ---------------------------------------------------------------------------------------------------
# Batch list


def test_batch_list_filters_and_search(login, catalog, users, dept_a):
    officer = users["data_officer"]
    good = loaded_batch(dept_a, officer, valid_rows(2), name="good.csv")
    broken = batch_create_from_file(
        department=dept_a,
        item_code="penalty",
        uploaded_file=upload_file("broken.png", b"\x89PNG\r\n\x1a\n\x00"),
        filename="broken.png",
        actor=officer,
    )
    client = login("data_officer")
    url = reverse("collection:batch_list")

    def listed(**params) -> set[str]:
        html = client.get(url, params).content.decode()
        return {name for name in ("good.csv", "broken.png") if name in html}

    assert listed() == {"good.csv", "broken.png"}
    assert listed(status="failed") == {"broken.png"}
    assert listed(status="done", item="penalty") == {"good.csv"}
    assert listed(channel="api") == set()
    assert listed(q="GOOD") == {"good.csv"}
    assert listed(q=str(broken.pk)[:8]) == {"broken.png"}
    assert listed(q=str(good.pk)) == {"good.csv"}
    today = timezone.localdate()
    assert listed(date_from=today.isoformat(), date_to=today.isoformat()) == {"good.csv", "broken.png"}
    assert listed(date_to=(today - dt.timedelta(days=1)).isoformat()) == set()
    bad_range = client.get(url, {"date_from": "2026-02-01", "date_to": "2026-01-01"}).content.decode()
    assert "起始日期不能晚于截止日期" in bad_range


def test_batch_list_pagination(login, catalog, users, dept_a):
    for i in range(27):
        batch_create_from_file(
            department=dept_a,
            item_code="penalty",
            uploaded_file=upload_file(f"file{i:02d}.csv", csv_bytes([penalty_row(i)])),
            filename=f"file{i:02d}.csv",
            actor=users["data_officer"],
        )
    client = login("data_officer")
    first = client.get(reverse("collection:batch_list")).content.decode()
    assert "第 1 / 2 页" in first and "共 27 个批次" in first
    second = client.get(reverse("collection:batch_list"), {"page": 2}).content.decode()
    assert second.count("file") >= 2 and "第 2 / 2 页" in second


# ---------------------------------------------------------------------------------------------------
# Form entry


def form_url(code="penalty") -> str:
    return reverse("collection:form_entry_item", args=[code])


def test_form_is_generated_from_the_catalog_item(login, catalog):
    client = login("data_officer")
    choose = client.get(reverse("collection:form_entry")).content.decode()
    assert '<option value="penalty">行政处罚</option>' in choose
    assert client.get(reverse("collection:form_entry"), {"item": "penalty"})["Location"] == form_url()
    html = client.get(form_url()).content.decode()
    assert re.search(r'<label for="id_CF_XDR_MC">行政相对人名称<span class="required-mark"', html)
    assert re.search(r'<select name="CF_XDR_LB"[^>]*required', html)
    assert '<option value="法人及非法人组织">' in html
    assert re.search(r'<input type="date" name="CF_JDRQ"', html)
    assert 'type="checkbox" name="CF_CFLB" value="罚款"' in html
    assert "<legend" in html  # the ticked values are grouped under their field name


def form_values(i: int = 1, **overrides) -> dict:
    row = penalty_row(i)
    values = {
        "CF_XDR_MC": row["行政相对人名称"],
        "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": org_uscc(i),
        "CF_FRDB": "王五",
        "CF_WSH": row["行政处罚决定书文号"],
        "CF_WFXW": row["违法行为类型"],
        "CF_SY": row["违法事实"],
        "CF_YJ": row["处罚依据"],
        "CF_CFLB": ["警告", "罚款"],
        "CF_NR": row["处罚内容"],
        "CF_NR_FK": "0.5",
        "CF_JDRQ": "2026-06-01",
        "CF_YXQ": "2027-06-01",
        "CF_CFJG": row["处罚机关"],
        "CF_CFJGDM": row["处罚机关统一社会信用代码"],
        "CF_SJLY": row["数据来源单位"],
        "CF_SJLYDM": row["数据来源单位统一社会信用代码"],
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def test_form_entry_shows_errors_next_to_the_fields(login, catalog):
    client = login("data_officer")
    response = client.post(form_url(), form_values(CF_XDR_SHXYM=org_uscc(1)[:15], CF_JDRQ="2030-01-01"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "记录未入库" in html

    def field_errors(code: str) -> str:
        found = re.search(rf'<ul class="errorlist" id="id_{code}_error">(.*?)</ul>', html, re.S)
        return found.group(1) if found else ""

    assert "统一社会信用代码" in field_errors("CF_XDR_SHXYM") and "（uscc_" in field_errors("CF_XDR_SHXYM")
    assert "（date_future）" in field_errors("CF_JDRQ")
    assert 'value="甲市第1贸易有限公司"' in html  # what was entered stays in the form
    assert not CreditRecord.objects.exists()
    missing = client.post(form_url(), form_values(CF_WSH="")).content.decode()
    assert re.search(r'id="id_CF_WSH_error"><li>[^<]*（required_missing）', missing)


def test_form_entry_stores_the_record(login, catalog):
    client = login("data_officer")
    response = client.post(form_url(), form_values())
    assert response.status_code == 302, response.content.decode()[:3000]
    record = CreditRecord.objects.get()
    assert record.document_number == penalty_row(1)["行政处罚决定书文号"]
    assert "记录已提交：新增入库" in client.get(response["Location"]).content.decode()
    again = client.post(form_url(), form_values())
    assert "计为重复" in client.get(again["Location"]).content.decode()


def test_operator_enters_a_record_for_a_chosen_department(login, catalog, dept_a):
    client = login("operator")
    assert (
        "请选择以哪个部门的名义录入"
        in client.get(reverse("collection:form_entry"), {"item": "penalty"}).content.decode()
    )
    chosen = client.get(reverse("collection:form_entry"), {"item": "penalty", "department": dept_a.pk})
    assert chosen["Location"] == f"{form_url()}?department={dept_a.pk}"
    response = client.post(chosen["Location"], form_values())
    assert response.status_code == 302
    assert CreditRecord.objects.get().department == dept_a
    assert client.get(form_url()).status_code == 404  # an operator's form needs the department


def test_form_entry_refuses_an_unknown_item(login, catalog):
    assert login("data_officer").get(form_url("no-such-item")).status_code == 404


# ---------------------------------------------------------------------------------------------------
# Quality and timeliness


def test_quality_page_has_charts_and_figures(login, finished):
    html = login("operator").get(reverse("collection:quality")).content.decode()
    assert html.count('<svg class="chart"') == 5
    assert "甲市市场监督管理局" in html
    assert "uscc_check_digit" in html
    assert '<option value="' in html and "全部部门" in html  # operators may choose the department


def test_officer_sees_only_their_department_in_quality(login, finished, users, dept_b, catalog):
    loaded_batch(dept_b, users["data_officer_b"], valid_rows(2, start=500))
    html = login("data_officer").get(reverse("collection:quality")).content.decode()
    assert "甲市市场监督管理局" in html
    assert "甲市生态环境局" not in html
    assert "全部部门" not in html
    # A department parameter does not widen an officer's scope.
    other = login("data_officer").get(
        reverse("collection:quality"),
        {"date_from": "2020-01-01", "date_to": "2030-12-31", "department": dept_b.pk},
    )
    assert "甲市生态环境局" not in other.content.decode()


def test_quality_csv_opens_in_excel(login, finished):
    today = timezone.localdate().isoformat()
    response = login("operator").get(
        reverse("collection:quality_export"), {"date_from": today, "date_to": today}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["数据来源单位"] == "甲市市场监督管理局"
    assert (row["读取行数"], row["新增"], row["退回"]) == ("7", "4", "3")
    assert row["入库率(%)"] == "57.1"
    assert "uscc_check_digit" in row["主要错误代码（行数）"]
    assert AuditEntry.objects.filter(action="export", detail__stage="quality_csv").exists()


def test_quality_filters_by_date(login, finished):
    html = (
        login("operator")
        .get(reverse("collection:quality"), {"date_from": "2020-01-01", "date_to": "2020-01-31"})
        .content.decode()
    )
    assert "所选期间没有归集数据" in html


# ---------------------------------------------------------------------------------------------------
# Files at rest: formulas neutralised in exports, retention on the batch page


def test_quality_csv_carries_no_formula(login, catalog, users):
    evil = Department.objects.create(code="evil", name='=HYPERLINK("http://evil.example","甲市某局")')
    officer = users["data_officer"]
    officer.department = evil
    officer.save(update_fields=["department"])
    loaded_batch(evil, officer, valid_rows(1))
    today = timezone.localdate().isoformat()
    response = login("operator").get(
        reverse("collection:quality_export"), {"date_from": today, "date_to": today}
    )
    cells = [cell for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) for cell in row]
    assert "'" + evil.name in cells
    assert all(formula_safe(cell) for cell in cells)


def test_batch_page_tells_how_long_files_are_kept_and_when_they_were_purged(login, finished):
    client = login("data_officer")
    url = reverse("collection:batch_detail", args=[finished.pk])
    kept_until = timezone.localdate(finished.received_at) + dt.timedelta(days=90)
    html = client.get(url).content.decode()
    assert f"文件保存至 {kept_until.isoformat()}" in html
    assert reverse("collection:batch_rejection_file", args=[finished.pk]) in html

    batch_files_purge(as_of=kept_until)
    finished.refresh_from_db()
    purged_on = timezone.localdate(finished.files_purged_at).isoformat()
    html = client.get(url).content.decode()
    assert f"已于 {purged_on} 按保存期限（90 天）清除" in html
    assert reverse("collection:batch_rejection_file", args=[finished.pk]) not in html
    response = client.get(reverse("collection:batch_rejection_file", args=[finished.pk]), follow=True)
    assert "batch_files_purged" in response.content.decode()
