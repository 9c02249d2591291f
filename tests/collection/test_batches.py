"""Upload → preview → mapping → loading → rejection file → re-upload, with counts that always add up."""

from __future__ import annotations

import datetime as dt
import os
import signal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.collection.batch_support import (
    AS_OF,
    DB_QUEUE,
    HEADERS,
    RECEIVED,
    assert_counts_add_up,
    bad_rows,
    penalty_row,
    pilot_uscc,
    read_csv,
    rejection_copy,
    run_db_worker,
    valid_rows,
    write_csv,
)
from tests.collection.test_resume import counts
from tests.support import make_user
from xinyong.accounts.models import AuditEntry, Role
from xinyong.collection.entry import record_submit_form
from xinyong.collection.errors import CollectionError, DuplicateUpload
from xinyong.collection.intake import batch_create_from_file
from xinyong.collection.lifecycle import batch_confirm_mapping, batch_resume, batch_start
from xinyong.collection.loading import engine
from xinyong.collection.loading.run import batch_process
from xinyong.collection.mapping import batch_preview
from xinyong.collection.models import Batch, BatchChannel, BatchStatus, ColumnMapping
from xinyong.collection.rejections import rejected_row_values
from xinyong.collection.selectors import batch_progress, batches_visible_to, quality_by_department
from xinyong.core.identifiers import IdIssue
from xinyong.core.stopping import StopRequested, stop_at_safe_point
from xinyong.records.models import CreditRecord, CreditRecordVersion
from xinyong.records.rules import RecordError
from xinyong.subjects.services import confirmed_code_add

pytestmark = pytest.mark.django_db

N_VALID = 10


def upload(path, *, department, actor, **kwargs) -> Batch:
    data = path.read_bytes()
    return batch_create_from_file(
        department=department,
        item_code="penalty",
        uploaded_file=SimpleUploadedFile(path.name, data),
        actor=actor,
        as_of=AS_OF,
        received_at=RECEIVED,
        **kwargs,
    )


def load(batch: Batch, actor) -> Batch:
    batch = batch_confirm_mapping(batch=batch, mapping=batch.mapping, actor=actor)
    return batch_start(batch=batch, actor=actor)


@pytest.fixture
def mixed_csv(tmp_path, db):
    """10 valid rows (one with a confirmed early USCC: a warning), a blank line, one row per kind of mistake."""
    rows = valid_rows(N_VALID)
    rows[3]["统一社会信用代码"] = pilot_uscc(rows[3]["统一社会信用代码"])
    confirmed_code_add(uscc=rows[3]["统一社会信用代码"], reason="已核对登记证书原件", actor=None)
    rows += [dict.fromkeys(HEADERS, "")] + list(bad_rows().values())
    return write_csv(tmp_path / "处罚2026年6月.csv", rows)


@pytest.fixture
def processed(catalog, officer_a, dept_a, mixed_csv) -> Batch:
    return load(upload(mixed_csv, department=dept_a, actor=officer_a), officer_a)


def test_upload_preview_confirm_and_load_a_mixed_file(catalog, officer_a, dept_a, mixed_csv):
    batch = upload(mixed_csv, department=dept_a, actor=officer_a)
    assert batch.status == BatchStatus.UPLOADED and batch.channel == BatchChannel.FILE
    assert batch.format == "csv" and batch.encoding.startswith("utf-8")
    assert batch.headers == HEADERS and batch.file_size == mixed_csv.stat().st_size
    assert batch.mapping["行政处罚决定书文号"] == "CF_WSH" and batch.mapping["罚款金额（万元）"] == "CF_NR_FK"
    assert batch.rows_total and batch.rows_total >= N_VALID

    preview = batch_preview(batch=batch, rows=5)
    assert preview.headers == HEADERS and len(preview.sample_rows) == 5
    assert preview.sample_rows[0].number == 2  # the header is line 1
    assert all(result.ok for result in preview.results[:5])
    # Validation goes beyond the rows shown: the whole small file, with its warnings by row number.
    assert len(preview.results) == N_VALID + len(bad_rows())
    assert [r.number for r in preview.results if r.warnings] == [5]
    assert sum(not r.ok for r in preview.results) == len(bad_rows())
    assert not preview.proposal.missing_required

    batch = load(batch, officer_a)
    assert batch.status == BatchStatus.DONE
    assert_counts_add_up(batch)
    bad = bad_rows()
    assert (batch.rows_read, batch.created, batch.new_version, batch.duplicate, batch.rejected) == (
        N_VALID + len(bad),
        N_VALID,
        0,
        0,
        len(bad),
    )
    assert batch.rows_committed == N_VALID + len(bad)  # the blank line is neither read nor counted
    assert batch.warnings == {"uscc_check_digit_confirmed": 1}
    # Every warning is kept with its row, column, value and message.
    (warning,) = batch.row_warnings.all()
    assert (warning.number, warning.code, warning.column) == (
        5,
        "uscc_check_digit_confirmed",
        "统一社会信用代码",
    )
    assert warning.value and warning.value in warning.message and warning.message.startswith("第 5 行")
    # Every bad row is kept with its line number and what is wrong with it.
    rejected = {r.number: r for r in batch.rejected_rows.all()}
    first_bad_line = 2 + N_VALID + 1
    assert sorted(rejected) == list(range(first_bad_line, first_bad_line + len(bad)))
    codes = {number: {e["code"] for e in r.errors} for number, r in rejected.items()}
    assert "uscc_check_digit" in codes[first_bad_line]
    assert "ric_check_digit" in codes[first_bad_line + 6]
    for r in rejected.values():
        assert r.errors and all(e["message"] and e["code"] for e in r.errors)
    assert rejected[first_bad_line].errors[0]["column"] == "统一社会信用代码"
    assert sum(batch.errors.values()) >= len(bad)

    records = CreditRecord.objects.filter(department=dept_a)
    assert records.count() == N_VALID
    assert set(CreditRecordVersion.objects.values_list("batch_ref", flat=True)) == {str(batch.pk)}
    assert AuditEntry.objects.filter(object_id=str(batch.pk), action="import", detail__stage="done").exists()


def test_personal_id_numbers_of_rejected_rows_are_encrypted(processed):
    row = next(
        r for r in processed.rejected_rows.all() if any(e["code"] == "ric_check_digit" for e in r.errors)
    )
    assert "*" in row.values["证件号码"] and row.values_protected
    full = rejected_row_values(row=row)["证件号码"]
    assert "*" not in full and len(full) == 18
    assert all(
        "*" in str(e["value"]) or e["value"] in (None, "") for e in row.errors if e["field"] == "CF_XDR_ZJHM"
    )


def test_rejection_file_fixed_and_uploaded_again_loads_only_the_fixed_rows(
    processed, officer_a, dept_a, tmp_path
):
    path = rejection_copy(processed, tmp_path, actor=officer_a)
    rows = read_csv(path)
    assert len(rows) == processed.rejected
    assert list(rows[0])[: len(HEADERS)] == HEADERS
    assert {"错误代码", "错误说明"} <= set(rows[0])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel opens it correctly
    by_number = {r["行政处罚决定书文号"]: r for r in rows}

    # The officer fixes three rows and leaves the rest as they were.
    bad = bad_rows()
    fixes = {
        "uscc_check_digit": {"统一社会信用代码": penalty_row(900)["统一社会信用代码"]},
        "date_invalid": {"处罚决定日期": "2026-05-12"},
        "code_unknown": {"处罚类别": "警告;罚款"},
    }
    fixed_rows = []
    for kind, original in bad.items():
        row = dict(by_number[original["行政处罚决定书文号"]])
        row.update(fixes.get(kind, {}))
        fixed_rows.append(row)
    fixed = write_csv(tmp_path / "退回修正.csv", fixed_rows, encoding="utf-8-sig", headers=list(rows[0]))

    again = upload(fixed, department=dept_a, actor=officer_a, parent=processed)
    assert again.parent_id == processed.pk
    again = load(again, officer_a)
    assert_counts_add_up(again)
    assert (again.rows_read, again.created, again.duplicate, again.rejected) == (len(bad), 3, 0, len(bad) - 3)
    assert CreditRecord.objects.filter(department=dept_a).count() == N_VALID + 3
    # Still-wrong rows are rejected again, with the same reasons.
    assert {e["code"] for r in again.rejected_rows.all() for e in r.errors} >= {"ric_check_digit"}


def test_gbk_upload_gets_a_gb18030_rejection_file(catalog, officer_a, dept_a, tmp_path):
    path = write_csv(tmp_path / "gbk.csv", valid_rows(2) + [bad_rows()["code_unknown"]], encoding="gbk")
    batch = load(upload(path, department=dept_a, actor=officer_a), officer_a)
    assert batch.encoding in ("gbk", "gb18030") and (batch.created, batch.rejected) == (2, 1)
    rows = read_csv(rejection_copy(batch, tmp_path), encoding="gb18030")
    assert rows[0]["处罚类别"] == "打板子" and rows[0]["错误代码"]


def test_the_same_file_again_is_refused_then_all_duplicates_when_confirmed(
    processed, officer_a, dept_a, mixed_csv
):
    with pytest.raises(DuplicateUpload) as caught:
        upload(mixed_csv, department=dept_a, actor=officer_a)
    assert caught.value.code == "file_already_uploaded"
    assert "上传过" in caught.value.message and str(processed.pk) in caught.value.message
    assert Batch.objects.count() == 1

    again = load(upload(mixed_csv, department=dept_a, actor=officer_a, allow_duplicate=True), officer_a)
    assert again.duplicate_of_id == processed.pk
    assert_counts_add_up(again)
    assert (again.created, again.new_version, again.duplicate, again.rejected) == (
        0,
        0,
        N_VALID,
        processed.rejected,
    )
    assert CreditRecord.objects.filter(department=dept_a).count() == N_VALID


def test_another_department_may_upload_the_same_file(processed, mixed_csv, dept_b, operator):
    batch = upload(mixed_csv, department=dept_b, actor=operator)
    assert batch.duplicate_of_id is None


def test_a_changed_record_becomes_a_new_version(catalog, officer_a, dept_a, tmp_path):
    first = load(
        upload(write_csv(tmp_path / "v1.csv", valid_rows(3)), department=dept_a, actor=officer_a), officer_a
    )
    assert first.created == 3
    changed = valid_rows(3)
    changed[1]["处罚内容"] = "警告，并处罚款人民币六千元"
    changed[1]["罚款金额（万元）"] = "0.6"
    second = load(
        upload(write_csv(tmp_path / "v2.csv", changed), department=dept_a, actor=officer_a), officer_a
    )
    assert_counts_add_up(second)
    assert (second.created, second.new_version, second.duplicate, second.rejected) == (0, 1, 2, 0)
    record = CreditRecord.objects.get(document_number=changed[1]["行政处罚决定书文号"])
    assert record.current_version.number == 2 and record.current_version.batch_ref == str(second.pk)


def test_unknown_columns_are_mapped_once_and_remembered(catalog, officer_a, dept_a, tmp_path):
    rows = [{("当事人全称" if k == "行政相对人名称" else k): v for k, v in r.items()} for r in valid_rows(2)]
    headers = ["当事人全称", *HEADERS[1:]]
    path = write_csv(tmp_path / "a.csv", rows, headers=headers)
    batch = upload(path, department=dept_a, actor=officer_a)
    assert batch.status == BatchStatus.MAPPING
    with pytest.raises(CollectionError) as caught:
        batch_start(batch=batch, actor=officer_a)
    assert caught.value.code == "mapping_missing_required" and "行政相对人名称" in caught.value.message

    batch = batch_confirm_mapping(
        batch=batch, mapping={**batch.mapping, "当事人全称": "CF_XDR_MC"}, actor=officer_a
    )
    assert ColumnMapping.objects.get(department=dept_a).mapping["当事人全称"] == "CF_XDR_MC"
    assert batch_start(batch=batch, actor=officer_a).created == 2

    # The next file with the same header is mapped by the saved mapping.
    rows = [
        {("当事人全称" if k == "行政相对人名称" else k): v for k, v in r.items()}
        for r in valid_rows(2, start=50)
    ]
    nxt = upload(write_csv(tmp_path / "b.csv", rows, headers=headers), department=dept_a, actor=officer_a)
    assert nxt.status == BatchStatus.UPLOADED and nxt.mapping["当事人全称"] == "CF_XDR_MC"
    assert any(c.via == "saved" for c in batch_preview(batch=nxt).proposal.columns)


def test_a_field_in_two_columns_is_refused(catalog, officer_a, dept_a, tmp_path):
    batch = upload(write_csv(tmp_path / "a.csv", valid_rows(1)), department=dept_a, actor=officer_a)
    with pytest.raises(CollectionError) as caught:
        batch_confirm_mapping(
            batch=batch, mapping={**batch.mapping, "处罚机关": "CF_XDR_MC"}, actor=officer_a
        )
    assert caught.value.code == "mapping_field_repeated"
    with pytest.raises(CollectionError) as caught:
        batch_confirm_mapping(batch=batch, mapping={"不存在的列": "CF_WSH"}, actor=officer_a)
    assert caught.value.code == "mapping_unknown_column"


@pytest.mark.parametrize(
    "name, content, code_hint",
    [("broken.csv", b"", "empty"), ("broken.xlsx", b"PK\x03\x04 not really a workbook", "xlsx")],
    ids=["empty", "broken-xlsx"],
)
def test_an_unreadable_file_fails_the_batch_with_a_reason(
    catalog, officer_a, dept_a, tmp_path, name, content, code_hint
):
    path = tmp_path / name
    path.write_bytes(content)
    batch = upload(path, department=dept_a, actor=officer_a)
    assert batch.status == BatchStatus.FAILED and batch.error_code and batch.error_message
    assert code_hint in batch.error_code
    # A failed upload does not block uploading the (same) file again.
    assert upload(path, department=dept_a, actor=officer_a).status == BatchStatus.FAILED
    with pytest.raises(CollectionError):
        batch_start(batch=batch, actor=officer_a)


def test_xlsx_upload_with_numbers_and_dates(catalog, officer_a, dept_a, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "处罚"
    ws.append(HEADERS)
    for row in valid_rows(3):
        row["处罚决定日期"] = dt.date(2026, 6, 1)
        row["罚款金额（万元）"] = 0.5
        ws.append([row[h] for h in HEADERS])
    bad = penalty_row(99, 处罚类别="打板子")
    ws.append([bad[h] for h in HEADERS])
    path = tmp_path / "处罚.xlsx"
    wb.save(path)
    batch = upload(path, department=dept_a, actor=officer_a)
    assert batch.format == "xlsx" and batch.sheet == "处罚" and batch.rows_total == 4
    batch = load(batch, officer_a)
    assert (batch.created, batch.rejected) == (3, 1)
    rejection = rejection_copy(batch, tmp_path)
    assert rejection.suffix == ".xlsx"
    from openpyxl import load_workbook

    sheet = load_workbook(rejection, read_only=True).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][: len(HEADERS)] == tuple(HEADERS) and len(values) == 2


# ---------------------------------------------------------------------------------------------------
# Permissions


def test_an_officer_uploads_only_for_their_own_department(catalog, officer_b, dept_a, mixed_csv):
    with pytest.raises(PermissionDenied) as caught:
        upload(mixed_csv, department=dept_a, actor=officer_b)
    assert "本部门" in str(caught.value)
    assert not Batch.objects.exists()
    denied = AuditEntry.objects.filter(actor_user=officer_b, outcome="denied").latest("seq")
    assert denied.detail["department"] == dept_a.code


def test_other_department_roles_cannot_upload(catalog, reviewer_a, dept_a, mixed_csv):
    with pytest.raises(PermissionDenied):
        upload(mixed_csv, department=dept_a, actor=reviewer_a)


def test_an_officer_cannot_touch_another_departments_batch(
    processed, officer_b, dept_a, mixed_csv, officer_a
):
    batch = upload(mixed_csv, department=dept_a, actor=officer_a, allow_duplicate=True)
    with pytest.raises(PermissionDenied):
        batch_confirm_mapping(batch=batch, mapping=batch.mapping, actor=officer_b)
    with pytest.raises(PermissionDenied):
        batch_start(batch=batch, actor=officer_b)


def test_operators_upload_for_any_department(catalog, operator, dept_b, mixed_csv):
    batch = load(upload(mixed_csv, department=dept_b, actor=operator), operator)
    assert batch.department == dept_b and batch.uploaded_by == operator and batch.created == N_VALID


def test_batches_are_visible_to_their_department_and_platform_roles(
    processed, officer_a, officer_b, operator
):
    auditor = make_user("auditor", Role.AUDITOR)
    assert list(batches_visible_to(user=officer_a)) == [processed]
    assert not batches_visible_to(user=officer_b).exists()
    assert batches_visible_to(user=operator).count() == batches_visible_to(user=auditor).count() == 1


# ---------------------------------------------------------------------------------------------------
# Background processing, progress, quality


def test_start_queues_the_batch_for_the_database_worker(
    catalog, officer_a, dept_a, mixed_csv, settings, monkeypatch
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_QUEUE
    batch = load(upload(mixed_csv, department=dept_a, actor=officer_a), officer_a)
    assert batch.status == BatchStatus.QUEUED and batch.task_id
    assert DBTaskResult.objects.filter(pk=batch.task_id, status="READY").exists()
    assert batch_progress(batch=batch)["processed"] == 0

    run_db_worker(monkeypatch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.created == N_VALID
    assert DBTaskResult.objects.get(pk=batch.task_id).status == "SUCCESSFUL"


def test_progress_reports_rate_and_time_left(processed):
    done = batch_progress(batch=processed)
    assert done["percent"] == 100.0 and done["total"] == done["processed"] == processed.rows_committed
    assert done["eta_seconds"] == 0.0

    half = Batch(
        status=BatchStatus.LOADING,
        rows_committed=4000,
        rows_read=4000,
        rows_total=10_000,
        run_start_rows=0,
        run_started_at=RECEIVED,
        progress_at=RECEIVED + dt.timedelta(seconds=2),
    )
    p = batch_progress(batch=half)
    assert p["rows_per_second"] == 2000.0 and p["eta_seconds"] == 3.0 and p["percent"] == 40.0
    assert p["total_exact"] is False


def test_quality_by_department(catalog, officer_a, dept_a, tmp_path):
    rows = valid_rows(4)
    for row in rows[2:]:
        row["处罚决定日期"] = "2026/06/10"  # 3 working days before receipt: on time
    rows.append(penalty_row(98, 处罚类别="打板子"))
    rows.append(penalty_row(99, 处罚类别="打板子"))
    load(upload(write_csv(tmp_path / "q.csv", rows), department=dept_a, actor=officer_a), officer_a)
    load(
        upload(write_csv(tmp_path / "q2.csv", rows[:2]), department=dept_a, actor=officer_a), officer_a
    )  # two duplicates
    (entry,) = quality_by_department(date_from=AS_OF, date_to=AS_OF)
    assert entry["department_code"] == dept_a.code
    assert (entry["rows_read"], entry["rejected"], entry["duplicate"], entry["created"]) == (8, 2, 2, 4)
    assert entry["acceptance_rate"] == 0.75 and entry["duplicate_rate"] == 0.25
    assert entry["records"] == 4 and entry["late"] == 2 and entry["late_rate"] == 0.5
    assert entry["top_errors"][0]["rows"] == 2
    assert (
        quality_by_department(date_from=AS_OF + dt.timedelta(days=1), date_to=AS_OF + dt.timedelta(days=9))
        == []
    )


# ---------------------------------------------------------------------------------------------------
# Form entry


def form_values(i: int) -> dict:
    row = penalty_row(i)
    from xinyong.catalog.selectors import catalog_item_current_version, catalog_version_schema

    schema = catalog_version_schema(version=catalog_item_current_version(code="penalty"))
    by_name = {spec.name: spec.code for spec in schema.fields}
    return {by_name[header]: value for header, value in row.items()}


def test_form_entry_stores_one_record(catalog, officer_a, dept_a):
    result = record_submit_form(
        department=dept_a,
        item_code="penalty",
        values=form_values(1),
        actor=officer_a,
        as_of=AS_OF,
        received_at=RECEIVED,
    )
    assert result.ok and result.outcome == "created" and result.record.department == dept_a
    assert result.batch.channel == BatchChannel.FORM and result.batch.created == 1
    assert_counts_add_up(result.batch)
    assert result.record.current_version.channel == "form"


def test_form_entry_with_mistakes_stores_nothing(catalog, officer_a, dept_a):
    values = form_values(2) | {"CF_XDR_ZJHM": "", "CF_XDR_LB": "自然人", "CF_XDR_SHXYM": ""}
    values["CF_JDRQ"] = "2026/07/30"
    result = record_submit_form(
        department=dept_a,
        item_code="penalty",
        values=values,
        actor=officer_a,
        as_of=AS_OF,
        received_at=RECEIVED,
    )
    assert not result.ok and result.record is None and len(result.errors) >= 2
    assert {e.field for e in result.errors} >= {"CF_JDRQ"}
    assert not Batch.objects.exists() and not CreditRecord.objects.exists()


def test_form_entry_for_another_department_is_refused(catalog, officer_b, dept_a):
    with pytest.raises(PermissionDenied):
        record_submit_form(department=dept_a, item_code="penalty", values=form_values(3), actor=officer_b)


@pytest.fixture
def sigterm_noted():
    """SIGTERM owned by a handler that only notes it (a worker's, say), whatever an earlier test left."""
    before = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    yield
    signal.signal(signal.SIGTERM, before)


def test_a_batch_stopped_after_one_chunk_resumes_and_loads_every_row_once(
    catalog, officer_a, dept_a, dept_b, operator, mixed_csv, sigterm_noted
):
    """Asked to stop (SIGTERM) while its first chunk loads, a run stops after that chunk; resuming the batch
    loads the rest: every row once, with the counts of a run that was never stopped."""
    clean = load(upload(mixed_csv, department=dept_b, actor=operator), operator)
    assert clean.status == BatchStatus.DONE
    batch = upload(mixed_csv, department=dept_a, actor=officer_a)
    batch = batch_confirm_mapping(batch=batch, mapping=batch.mapping, actor=officer_a)

    def stop_requested(progress: Batch) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # as a service manager stops the process
        stop.check(progress)

    with stop_at_safe_point() as stop, pytest.raises(StopRequested):
        batch_process(batch_id=batch.pk, chunk_size=4, progress=stop_requested)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and batch.error_code == "interrupted"
    assert batch.rows_committed == 4 and batch.rows_read == 4
    assert_counts_add_up(batch)
    assert CreditRecord.objects.filter(department=dept_a).count() == batch.created == 4

    resumed = batch_resume(batch=batch, actor=officer_a)  # the immediate task backend runs it now
    assert resumed.status == BatchStatus.DONE
    assert_counts_add_up(resumed)
    assert counts(resumed) == counts(clean)
    assert (resumed.new_version, resumed.duplicate) == (0, 0)
    records = CreditRecord.objects.filter(department=dept_a)
    assert records.count() == clean.created == N_VALID
    assert CreditRecordVersion.objects.filter(record__in=records).count() == N_VALID
    assert sorted(resumed.rejected_rows.values_list("number", flat=True)) == sorted(
        clean.rejected_rows.values_list("number", flat=True)
    )
    assert resumed.errors == clean.errors and resumed.warnings == clean.warnings


# ---------------------------------------------------------------------------------------------------
# Admin (read-only)


def test_admin_lists_own_department_batches_read_only(client, processed, officer_a, officer_b, operator):
    client.force_login(officer_a)
    response = client.get("/admin/collection/batch/", {"status__exact": "done"})
    assert response.status_code == 200 and processed.original_filename in response.text
    detail = client.get(f"/admin/collection/batch/{processed.pk}/change/")
    assert detail.status_code == 200
    full_id = bad_rows()["ric_check_digit"]["证件号码"]
    assert "uscc_check_digit" in detail.text and full_id not in detail.text  # personal IDs stay masked
    assert client.get("/admin/collection/batch/add/").status_code == 403
    assert AuditEntry.objects.filter(
        actor_user=officer_a, action="view", object_id=str(processed.pk)
    ).exists()

    client.force_login(officer_b)
    assert processed.original_filename not in client.get("/admin/collection/batch/").text
    # Another department's batch does not exist for this officer: the admin goes back to its index.
    assert client.get(f"/admin/collection/batch/{processed.pk}/change/").status_code == 302

    client.force_login(operator)
    assert processed.original_filename in client.get("/admin/collection/batch/").text
    assert client.get("/admin/collection/columnmapping/").status_code == 200


def test_row_count_estimates_for_progress(catalog, officer_a, dept_a, tmp_path):
    """A large text file's total is estimated from its first MiB at upload, refined from the bytes read while
    it loads, and exact once it is done."""
    path = write_csv(tmp_path / "big.csv", valid_rows(10) * 400)  # about 2 MB: past the 1 MiB sample
    batch = upload(path, department=dept_a, actor=officer_a)
    assert not batch.rows_total_exact and abs(batch.rows_total - 4000) <= 200
    batch = batch_confirm_mapping(batch=batch, mapping=batch.mapping, actor=officer_a)
    seen: list[tuple[int, int]] = []
    done = batch_process(
        batch_id=batch.pk, chunk_size=500, progress=lambda b: seen.append((b.rows_committed, b.rows_total))
    )
    assert len(seen) == 8
    for committed, total in seen:
        assert total >= committed and abs(total - 4000) <= 200
    assert (done.rows_total, done.rows_total_exact) == (4000, True)


def test_rows_refused_while_loading_are_rejected_with_their_code(
    catalog, officer_a, dept_a, tmp_path, monkeypatch
):
    real_ingest, real_resolve = engine.records_bulk_ingest, engine.subjects_resolve_bulk

    def picky_ingest(**kwargs):
        if any(record.document_number == "甲市监罚〔2026〕2号" for record, _ in kwargs["rows"]):
            raise RecordError(
                "subject_kind_not_allowed", "第 3 行：目录项不适用于该类主体，请核对行政相对人类别"
            )
        return real_ingest(**kwargs)

    def picky_resolve(*, inputs, **kwargs):
        outcomes = real_resolve(inputs=inputs, **kwargs)
        for subject, outcome in zip(inputs, outcomes, strict=True):
            if subject.name == "甲市第4贸易有限公司":
                outcome.subject_id = None
                outcome.errors = [IdIssue("uscc_kind_mismatch", "统一社会信用代码与主体类别不符")]
        return outcomes

    monkeypatch.setattr(engine, "records_bulk_ingest", picky_ingest)
    monkeypatch.setattr(engine, "subjects_resolve_bulk", picky_resolve)
    batch = load(
        upload(write_csv(tmp_path / "p.csv", valid_rows(4)), department=dept_a, actor=officer_a), officer_a
    )
    assert_counts_add_up(batch)
    assert (batch.created, batch.rejected) == (2, 2)
    errors = {r.number: r.errors[0] for r in batch.rejected_rows.all()}
    assert errors[3]["code"] == "subject_kind_not_allowed"
    assert errors[5]["code"] == "uscc_kind_mismatch" and errors[5]["column"] == "统一社会信用代码"
