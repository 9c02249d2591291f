"""Files at rest: uploads and rejection files are stored encrypted, read transparently, refused when altered,
and purged (audited, idempotent) after the retention period."""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
import threading
import time
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from tests.collection.batch_support import (
    AS_OF,
    HEADERS,
    RECEIVED,
    bad_rows,
    confirm_and_load,
    ndjson,
    penalty_row,
    read_csv,
    rejection_copy,
    upload_penalties,
    valid_rows,
    write_csv,
)
from xinyong.accounts.models import AuditEntry
from xinyong.collection import readers, rejections
from xinyong.collection import row_warnings as row_warnings_module
from xinyong.collection.lifecycle import batch_confirm_mapping, batch_submit_api
from xinyong.collection.loading.run import batch_process
from xinyong.collection.mapping import batch_preview
from xinyong.collection.models import Batch, BatchStatus, RowWarning
from xinyong.collection.rejections import batch_rejection_file, batch_rejection_file_export
from xinyong.collection.row_warnings import batch_warning_file
from xinyong.collection.source import batch_file_path
from xinyong.collection.storage import (
    StoredFilesPurged,
    batch_dir,
    batch_files_purge,
    open_stored,
    store_generated,
)
from xinyong.core.filecrypt import MAGIC, is_encrypted
from xinyong.records.models import CreditRecord

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch) -> Path:
    """The temporary directory of this test, to check that no plaintext copy is left behind."""
    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


def rows_with_id_numbers() -> list[dict]:
    """Valid rows (every fifth about a person) and rejected rows about persons with their full 身份证 number."""
    return [
        *valid_rows(10),
        penalty_row(950, person=True, 处罚类别="打板子"),
        penalty_row(951, person=True, 处罚决定日期="2026-13-45"),
        bad_rows()["ric_check_digit"],
    ]


def id_numbers(rows: list[dict]) -> set[str]:
    return {row["证件号码"] for row in rows if row.get("证件号码")}


def media_files(settings) -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_no_stored_file_holds_an_id_number_or_the_uploaded_bytes(
    catalog, dept_a, officer_a, client_a, settings, tmp_path, private_tmp
):
    rows = rows_with_id_numbers()
    originals = []
    csv_path = write_csv(tmp_path / "处罚.csv", rows)
    gbk_path = write_csv(tmp_path / "处罚gbk.csv", rows, encoding="gbk")
    xlsx_path = tmp_path / "处罚.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(HEADERS)
    for row in rows:
        wb.active.append([row[h] for h in HEADERS])
    wb.save(xlsx_path)
    batches = []
    for index, path in enumerate((csv_path, gbk_path, xlsx_path)):
        # Each file under its own decision numbers, so that none of them is a mere repeat.
        batch = confirm_and_load(
            upload_penalties(path, department=dept_a, actor=officer_a, allow_duplicate=True), officer_a
        )
        assert batch.status == BatchStatus.DONE and batch.rejected == 3, (index, batch.error_message)
        batch_rejection_file(batch=batch, actor=officer_a)
        batches.append(batch)
        originals.append(path.read_bytes())
    body = ndjson(rows)
    submission = batch_submit_api(
        api_client=client_a, item_code="penalty", stream=io.BytesIO(body), content_format="ndjson"
    )
    assert submission.batch.rejected == 3
    batch_rejection_file(batch=submission.batch)
    originals.append(body)

    stored = media_files(settings)
    assert len(stored) == 8  # four uploads and their four rejection files
    ids = id_numbers(rows)
    for path in stored:
        data = path.read_bytes()
        assert data.startswith(MAGIC), path
        for number in ids:
            for encoding in ("ascii", "utf-16-le", "utf-16-be"):
                assert number.encode(encoding) not in data, (path, number)
        for original in originals:
            for start in range(0, len(original) - 32, 997):
                assert original[start : start + 32] not in data, path
    assert list(private_tmp.iterdir()) == []  # the readers' plaintext copies are gone

    # Every reader still gets the plaintext: the department's rejection file has the full numbers back.
    rejected = read_csv(rejection_copy(batches[0], tmp_path / "out"))
    assert id_numbers(rows) - {r["证件号码"].strip() for r in rejected} == id_numbers(valid_rows(10))


def test_an_altered_upload_is_refused_with_a_clear_error(catalog, dept_a, officer_a, tmp_path):
    batch = upload_penalties(
        write_csv(tmp_path / "处罚.csv", valid_rows(6)), department=dept_a, actor=officer_a
    )
    batch = batch_confirm_mapping(batch=batch, mapping=batch.mapping, actor=officer_a)
    stored = batch_file_path(batch=batch)
    data = bytearray(stored.read_bytes())
    data[-5] ^= 0x20
    stored.write_bytes(bytes(data))
    batch = batch_process(batch_id=batch.pk)
    assert batch.status == BatchStatus.FAILED and batch.error_code == "stored_file_tampered"
    assert "已损坏或被改动" in batch.error_message and "重新上传" in batch.error_message
    assert CreditRecord.objects.count() == 0


def test_files_stored_before_encryption_are_still_read_and_can_be_encrypted(
    catalog, dept_a, officer_a, tmp_path
):
    source = write_csv(tmp_path / "处罚.csv", valid_rows(3))
    batch = upload_penalties(source, department=dept_a, actor=officer_a)
    batch_file_path(batch=batch).write_bytes(source.read_bytes())  # as an earlier version stored it
    assert len(batch_preview(batch=batch, rows=2).sample_rows) == 2
    call_command("batches", "encrypt", stdout=(out := _Out()))
    assert "已加密 1 个" in out.text and is_encrypted(batch_file_path(batch=batch))
    assert AuditEntry.objects.filter(detail__stage="files_encrypted").exists()
    assert confirm_and_load(batch, officer_a).created == 3


class _Out:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


# ---------------------------------------------------------------------------------------------------
# Retention


@pytest.fixture
def rejected_batch(catalog, dept_a, officer_a, tmp_path) -> Batch:
    batch = confirm_and_load(
        upload_penalties(
            write_csv(tmp_path / "处罚.csv", rows_with_id_numbers()), department=dept_a, actor=officer_a
        ),
        officer_a,
    )
    batch_rejection_file(batch=batch, actor=officer_a)
    return batch


def purge_entries():
    return AuditEntry.objects.filter(action="delete", detail__stage="files_purged")


def test_files_are_kept_for_the_retention_period(rejected_batch):
    received = RECEIVED.date()
    result = batch_files_purge(as_of=received + dt.timedelta(days=89))
    assert result.batches == [] and not purge_entries().exists()
    assert batch_dir(batch_id=rejected_batch.pk).is_dir()
    assert batch_rejection_file(batch=rejected_batch).is_file()  # still downloadable


@pytest.mark.parametrize("generate", [batch_rejection_file, batch_warning_file])
def test_a_file_generated_while_the_batch_is_purged_is_not_left_behind(rejected_batch, generate, monkeypatch):
    """A download that regenerates a file while the daily purge deletes the batch's files: the purge wins,
    nothing is left in the batch directory after the retention period, and the download says why."""
    RowWarning.objects.create(batch=rejected_batch, number=2, code="amount_unit_suspect", message="提示")
    original = readers.write_rejection_file

    def write_then_purge(*args, **kwargs):
        original(*args, **kwargs)
        assert len(batch_files_purge(as_of=RECEIVED.date() + dt.timedelta(days=91)).batches) == 1

    monkeypatch.setattr(rejections, "write_rejection_file", write_then_purge)
    monkeypatch.setattr(row_warnings_module, "write_rejection_file", write_then_purge)
    rejected_batch.refresh_from_db()
    with pytest.raises(StoredFilesPurged):
        generate(batch=rejected_batch)
    assert not batch_dir(batch_id=rejected_batch.pk).exists()


def test_purge_after_the_retention_period_is_audited_and_idempotent(rejected_batch, officer_a):
    as_of = RECEIVED.date() + dt.timedelta(days=90)
    dry = batch_files_purge(as_of=as_of, dry_run=True)
    assert [b.pk for b in dry.batches] == [rejected_batch.pk] and dry.bytes > 0
    assert batch_dir(batch_id=rejected_batch.pk).is_dir() and not purge_entries().exists()

    result = batch_files_purge(as_of=as_of)
    assert [b.pk for b in result.batches] == [rejected_batch.pk]
    assert not batch_dir(batch_id=rejected_batch.pk).exists()
    rejected_batch.refresh_from_db()
    assert rejected_batch.files_purged_at is not None
    (entry,) = purge_entries()
    assert entry.object_id == str(rejected_batch.pk)
    assert entry.detail["as_of"] == as_of.isoformat() and entry.detail["retention_days"] == 90
    assert sorted(entry.detail["files"]) == ["rejected.csv", "upload.csv"]

    again = batch_files_purge(as_of=as_of + dt.timedelta(days=1))
    assert again.batches == [] and purge_entries().count() == 1
    # The batch and its records stay; the rejection file is gone with a message that says when.
    assert rejected_batch.created == 10 and CreditRecord.objects.count() == 10
    with pytest.raises(StoredFilesPurged) as caught:
        batch_rejection_file(batch=rejected_batch, actor=officer_a)
    assert caught.value.code == "batch_files_purged" and "保存期限清除" in caught.value.message


def test_retention_is_a_setting_and_batches_in_progress_are_left(
    rejected_batch, settings, catalog, dept_a, officer_a, tmp_path
):
    settings.XINYONG_UPLOAD_RETENTION_DAYS = 30
    loading = upload_penalties(
        write_csv(tmp_path / "另一个.csv", valid_rows(2, start=500)), department=dept_a, actor=officer_a
    )
    Batch.objects.filter(pk=loading.pk).update(status=BatchStatus.LOADING)
    result = batch_files_purge(as_of=RECEIVED.date() + dt.timedelta(days=30))
    assert [b.pk for b in result.batches] == [rejected_batch.pk]
    assert batch_dir(batch_id=loading.pk).is_dir()


def test_purge_command(rejected_batch):
    as_of = (RECEIVED.date() + dt.timedelta(days=90)).isoformat()
    out = _Out()
    call_command("batches", "purge", "--as-of", as_of, "--dry-run", stdout=out)
    assert "将清除 1 个批次的文件" in out.text and "试运行" in out.text
    assert batch_dir(batch_id=rejected_batch.pk).is_dir()
    out = _Out()
    call_command("batches", "purge", "--as-of", as_of, stdout=out)
    assert str(rejected_batch.pk) in out.text and "已清除 1 个批次的文件" in out.text
    out = _Out()
    call_command("batches", "purge", "--as-of", as_of, stdout=out)
    assert "已清除 0 个批次的文件" in out.text


def test_the_daily_purge_removes_plaintext_copies_a_killed_process_left(private_tmp, db):
    left = private_tmp / "xinyong-plain-abc123"
    left.mkdir()
    (left / "plain.csv").write_text("张三,110105198005170391")
    fresh = private_tmp / "xinyong-plain-def456"
    fresh.mkdir()
    old = time.time() - 2 * 24 * 3600
    os.utime(left, (old, old))
    batch_files_purge(as_of=AS_OF)
    assert not left.exists() and fresh.exists()  # a copy being read right now stays


def test_a_file_generated_by_several_requests_at_once_is_stored_whole(tmp_path):
    """Two officers downloading the same rejection file at once both regenerate it: neither may fail or
    leave a file that mixes the two writes."""
    dest = tmp_path / "batch" / "rejected.csv"
    content = os.urandom(3 * 1024 * 1024)
    start = threading.Barrier(6)
    failures: list[BaseException] = []

    def write(plain: Path) -> None:
        plain.write_bytes(content)
        start.wait(timeout=30)  # every writer has its plaintext ready: they encrypt at the same moment

    def generate() -> None:
        try:
            store_generated(dest=dest, write=write)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)

    threads = [threading.Thread(target=generate) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    with open_stored(path=dest) as stored:
        assert stored.read() == content
    assert [p.name for p in dest.parent.iterdir()] == ["rejected.csv"]


def test_the_command_line_copy_of_a_rejection_file_is_readable_by_its_owner_only(rejected_batch, tmp_path):
    dest = tmp_path / "退回" / "处罚_退回.csv"
    dest.parent.mkdir()
    dest.write_text("old", encoding="utf-8")
    dest.chmod(0o644)
    batch_rejection_file_export(batch=rejected_batch, dest=dest)
    assert dest.stat().st_mode & 0o777 == 0o600
    text = dest.read_text(encoding="utf-8-sig")
    assert any(number in text for number in id_numbers(rows_with_id_numbers()))  # the rows as submitted


def test_a_download_whose_file_the_purge_removed_meanwhile_says_so(rejected_batch, officer_a, monkeypatch):
    """The purge runs between writing the file and opening it: the page says the files were purged."""
    from django.test import Client
    from django.urls import reverse

    from xinyong.collection import views

    def gone(path):
        raise FileNotFoundError(path)

    monkeypatch.setattr(views, "open_stored", gone)
    client = Client()
    client.force_login(officer_a)
    response = client.get(reverse("collection:batch_rejection_file", args=[rejected_batch.pk]), follow=True)
    assert response.status_code == 200
    assert "batch_files_purged" in response.content.decode()
