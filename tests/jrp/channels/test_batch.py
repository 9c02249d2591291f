"""Batch check: console upload (CSV in GBK, XLSX, TXT) and API (JSON, text), counts that add up, invalid and
duplicate rows, limits, the encrypted formula-safe result file, and who may see and download it."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.jrp.channels.conftest import CLEAN_USCC, HIT_RIC, HIT_USCC, MATTER, UNKNOWN_USCC
from tests.support import PASSWORD
from xinyong.accounts.models import AuditEntry
from xinyong.collection.storage import open_stored
from xinyong.core.filecrypt import is_encrypted
from xinyong.core.spreadsheet import formula_safe
from xinyong.core.stopping import StopRequested
from xinyong.jrp.channels.running import batch_check_run
from xinyong.jrp.channels.scheduled import channels_purge_due
from xinyong.jrp.channels.storage import batch_check_dir, result_file
from xinyong.jrp.models import BatchCheck, WidgetToken

pytestmark = pytest.mark.django_db

WRONG_CHECK = HIT_USCC[:17] + ("0" if HIT_USCC[17] != "0" else "1")
FULL_WIDTH = CLEAN_USCC.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
ROWS = [HIT_USCC, CLEAN_USCC, UNKNOWN_USCC, WRONG_CHECK, "9.13501E+17", FULL_WIDTH, HIT_USCC, HIT_RIC, "=1+2"]


def _login(user) -> Client:
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    return client


def _upload(client: Client, name: str, content: bytes, *, purpose="行政许可受理前信用核查"):
    return client.post(
        "/console/jrp/channels/batch/",
        {"matter": MATTER, "purpose": purpose, "file": SimpleUploadedFile(name, content)},
    )


def _result_rows(batch: BatchCheck) -> list[list[str]]:
    with open_stored(path=result_file(ref=batch.ref, fmt="csv")) as f:
        return list(csv.reader(io.TextIOWrapper(f, encoding="utf-8-sig", newline="")))


def _assert_expected_counts(batch: BatchCheck) -> None:
    assert batch.status == BatchCheck.Status.DONE, batch.error_message
    clean = batch.done - batch.hits - batch.not_found - batch.invalid
    assert batch.total == len(ROWS) == batch.hits + clean + batch.not_found + batch.invalid
    # hits: HIT_USCC, its duplicate, HIT_RIC; clean: CLEAN_USCC and its full-width form (a duplicate).
    assert (batch.hits, clean, batch.not_found, batch.invalid, batch.duplicates) == (3, 2, 1, 3, 2)


def test_csv_in_gbk_is_checked_with_counts_that_add_up(users, matter, scripted_check):
    content = ("统一社会信用代码,名称\n" + "".join(f"{c},某某公司\n" for c in ROWS)).encode("gbk")
    response = _upload(_login(users["clerk"]), "名单.csv", content)
    batch = BatchCheck.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/batch/{batch.ref}/")
    _assert_expected_counts(batch)
    # Duplicates are checked once: five distinct valid codes, one call for the one chunk.
    assert scripted_check.calls == [[HIT_USCC, CLEAN_USCC, UNKNOWN_USCC, HIT_RIC]] or sorted(
        scripted_check.calls[0]
    ) == sorted({HIT_USCC, CLEAN_USCC, UNKNOWN_USCC, HIT_RIC})
    rows = _result_rows(batch)
    assert rows[0][:4] == ["行号", "查询代码", "代码类型", "核查结果"]
    by_row = {int(r[0]): r for r in rows[1:]}
    assert by_row[2][3] == "命中名单" and "失信被执行人名单" in by_row[2][4]
    assert "限制参与评先评优" in by_row[2][6] and "限制参与评先评优" not in by_row[2][5]
    assert by_row[5][3] == "代码有误" and by_row[5][8].startswith("uscc_check_digit：")
    assert by_row[6][8].startswith("excel_truncated：")
    assert by_row[7][3] == "未命中" and "结果见第 3 行" in by_row[7][8]
    assert by_row[8][3] == "命中名单" and "结果见第 2 行" in by_row[8][8]
    # A person's 身份证 number is masked in the result file.
    assert HIT_RIC not in by_row[9][1] and by_row[9][1].startswith(HIT_RIC[:6]) and "*" in by_row[9][1]
    # One audit entry for the submission, one for the finished batch.
    stages = [e.detail.get("stage") for e in AuditEntry.objects.filter(object_id=str(batch.pk))]
    assert stages.count("batch_check_submitted") == 1 and stages.count("batch_check_done") == 1


def test_result_files_are_encrypted_at_rest_and_formula_safe(users, matter, scripted_check):
    content = ("\n".join(ROWS) + "\n").encode("utf-8")
    _upload(_login(users["officer"]), "codes.txt", content)
    batch = BatchCheck.objects.get()
    _assert_expected_counts(batch)
    directory = batch_check_dir(ref=batch.ref)
    files = sorted(p.name for p in directory.iterdir() if p.is_file())
    assert files == ["input.txt", "result.csv", "result.xlsx"]
    for path in directory.iterdir():
        if path.is_file():
            assert is_encrypted(path)
            assert HIT_USCC.encode() not in path.read_bytes()
    assert not (directory / "parts").exists()
    for row in _result_rows(batch):
        assert all(formula_safe(cell) for cell in row), row
    with open_stored(path=result_file(ref=batch.ref, fmt="xlsx")) as f:
        sheet = openpyxl.load_workbook(io.BytesIO(f.read())).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    measure = next(c for c in cells if isinstance(c.value, str) and c.value.startswith("=HYPERLINK"))
    assert measure.quotePrefix
    injected = next(c for c in cells if c.value == "=1+2")
    assert injected.data_type == "s"


def _xlsx_rows(batch: BatchCheck) -> tuple[str, list[list]]:
    with open_stored(path=result_file(ref=batch.ref, fmt="xlsx")) as f:
        sheet = openpyxl.load_workbook(io.BytesIO(f.read())).active
    return sheet.title, [[c.value for c in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("chunk", [2, 50])
def test_above_the_xlsx_limit_the_xlsx_holds_the_hits_and_invalid_rows(
    users, matter, scripted_check, settings, chunk
):
    settings.JRP_BATCH_CHUNK = chunk
    settings.JRP_BATCH_XLSX_MAX_ROWS = len(ROWS) - 1
    _upload(_login(users["clerk"]), "codes.txt", ("\n".join(ROWS)).encode())
    batch = BatchCheck.objects.get()
    _assert_expected_counts(batch)
    csv_rows = _result_rows(batch)
    assert len(csv_rows) == len(ROWS) + 1  # the CSV has every row
    title, rows = _xlsx_rows(batch)
    wanted = [r for r in csv_rows[1:] if r[3] in ("命中名单", "代码有误")]
    assert title == "命中名单与代码有误" and rows[0] == list(csv_rows[0])
    assert [str(r[0]) for r in rows[1:]] == [r[0] for r in wanted] and len(wanted) == 6
    note = "XLSX 文件只列出“命中名单”和“代码有误”的行"
    assert note in _login(users["clerk"]).get(f"/console/jrp/channels/batch/{batch.ref}/").content.decode()
    # Within the limit, every row (as the CSV).
    BatchCheck.objects.all().delete()
    settings.JRP_BATCH_XLSX_MAX_ROWS = len(ROWS)
    _upload(_login(users["clerk"]), "codes.txt", ("\n".join(ROWS)).encode())
    batch = BatchCheck.objects.get()
    title, rows = _xlsx_rows(batch)
    assert title == "核查结果" and [str(r[0]) for r in rows[1:]] == [str(n) for n in range(1, len(ROWS) + 1)]
    assert (
        note not in _login(users["clerk"]).get(f"/console/jrp/channels/batch/{batch.ref}/").content.decode()
    )


def test_xlsx_upload_uses_the_code_column(users, matter, scripted_check):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["序号", "申请人名称", "统一社会信用代码"])
    for n, code in enumerate(ROWS, 1):
        sheet.append([n, "某某公司", code])
        sheet.cell(row=n + 1, column=3).data_type = "s"  # "=1+2" typed as text, not a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    _upload(_login(users["reviewer"]), "申请人.xlsx", buffer.getvalue())
    batch = BatchCheck.objects.get()
    _assert_expected_counts(batch)
    assert [r[0] for r in _result_rows(batch)[1:3]] == ["2", "3"]


def test_an_unreadable_file_fails_the_batch_with_a_message(users, matter, scripted_check):
    _upload(_login(users["clerk"]), "名单.csv", "名称,地址\n某某公司,某地\n".encode())
    batch = BatchCheck.objects.get()
    assert batch.status == BatchCheck.Status.FAILED and batch.error_code == "batch_column_missing"
    page = _login(users["clerk"]).get(f"/console/jrp/channels/batch/{batch.ref}/")
    assert "未找到代码列" in page.content.decode()


def test_upload_needs_a_known_matter_and_a_department_role(users, matter, scripted_check):
    response = _upload(_login(users["clerk"]), "a.txt", HIT_USCC.encode(), purpose="")
    assert response.status_code == 400 and not BatchCheck.objects.exists()
    response = _login(users["clerk"]).post(
        "/console/jrp/channels/batch/",
        {"matter": "NOPE", "purpose": "核查", "file": SimpleUploadedFile("a.txt", b"x")},
    )
    assert response.status_code == 400
    assert _upload(_login(users["operator"]), "a.txt", HIT_USCC.encode()).status_code == 403
    assert _login(users["auditor"]).get("/console/jrp/channels/batch/").status_code == 403


def test_other_departments_cannot_see_or_download_and_operators_cannot_download(
    users, matter, scripted_check
):
    _upload(_login(users["clerk"]), "a.txt", ("\n".join(ROWS)).encode())
    batch = BatchCheck.objects.get()
    detail = f"/console/jrp/channels/batch/{batch.ref}/"
    download = f"/console/jrp/channels/batch/{batch.ref}/download/?format=xlsx"
    other = _login(users["other"])
    assert other.get(detail).status_code == 404
    assert other.get(download).status_code == 404
    assert batch.ref not in other.get("/console/jrp/channels/batch/").content.decode()
    operator = _login(users["operator"])
    assert operator.get(detail).status_code == 200
    assert operator.get(download).status_code == 403
    officer = _login(users["officer"])
    response = officer.get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.active.max_row == len(ROWS) + 1
    listing = officer.get("/console/jrp/channels/batch/").content.decode()
    assert batch.ref in listing and "批量核查" in listing


def test_api_batch_from_json_and_text(keys, matter, scripted_check):
    client = Client(headers={"X-API-Key": keys["a"], "X-Purpose": "招标投标资格审查"})
    response = client.post(
        f"/api/jrp/channels/batch?matter_code={MATTER}", ROWS, content_type="application/json"
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "done"
    counts = body["counts"]
    assert (
        counts["total"]
        == len(ROWS)
        == counts["hits"] + counts["clean"] + counts["not_found"] + counts["invalid"]
    )
    assert counts["duplicates"] == 2
    status = client.get(body["status_url"]).json()
    assert status["result_url"].endswith("/result")
    result = client.get(status["result_url"] + "?format=csv")
    assert result.status_code == 200
    text = b"".join(result.streaming_content).decode("utf-8-sig")
    assert "命中名单" in text and HIT_RIC not in text
    plain = client.post(
        f"/api/jrp/channels/batch?matter_code={MATTER}", "\n".join(ROWS), content_type="text/plain"
    )
    assert plain.status_code == 202 and plain.json()["counts"]["total"] == len(ROWS)
    # Another department's client does not find the batch.
    other = Client(headers={"X-API-Key": keys["b"]})
    assert other.get(body["status_url"]).status_code == 404
    assert other.get(status["result_url"]).status_code == 404
    assert Client(headers={"X-API-Key": keys["a_read"]}).get(body["status_url"]).status_code == 403


def test_api_refuses_above_the_limits_before_checking(keys, matter, scripted_check, settings):
    client = Client(headers={"X-API-Key": keys["a"], "X-Purpose": "核查"})
    settings.JRP_BATCH_MAX_CODES = 3
    response = client.post(
        f"/api/jrp/channels/batch?matter_code={MATTER}", ROWS, content_type="application/json"
    )
    assert response.status_code == 413 and response.json()["code"] == "batch_too_many_codes"
    settings.JRP_BATCH_MAX_BODY_BYTES = 100
    response = client.post(
        f"/api/jrp/channels/batch?matter_code={MATTER}", ROWS, content_type="application/json"
    )
    assert response.status_code == 413 and response.json()["code"] == "body_too_large"
    assert not BatchCheck.objects.exists() and scripted_check.calls == []
    settings.JRP_BATCH_MAX_BODY_BYTES = 10_000
    for body, content_type, code in (
        ("[1, 2", "application/json", "json_invalid"),
        ("[" * 5000, "application/json", "json_invalid"),
        ('{"codes": []}', "application/json", "json_invalid"),
        ("a,b", "text/csv", "content_type_unsupported"),
    ):
        response = client.post(
            f"/api/jrp/channels/batch?matter_code={MATTER}", body, content_type=content_type
        )
        assert response.json()["code"] == code
    response = client.post("/api/jrp/channels/batch?matter_code=NOPE", ["x"], content_type="application/json")
    assert response.json()["code"] == "matter_unknown"
    response = Client(headers={"X-API-Key": keys["a"]}).post(
        f"/api/jrp/channels/batch?matter_code={MATTER}", ["x"], content_type="application/json"
    )
    assert response.json()["code"] == "purpose_required"


def test_a_stopped_batch_resumes_after_its_last_chunk(users, matter, scripted_check, settings, monkeypatch):
    settings.JRP_BATCH_CHUNK = 4
    monkeypatch.setattr("xinyong.jrp.channels.tasks.batch_check_enqueue", lambda *, batch: batch)
    monkeypatch.setattr("xinyong.jrp.channels.services.batch_check_enqueue", lambda *, batch: batch)
    _upload(_login(users["clerk"]), "a.txt", ("\n".join(ROWS)).encode())
    batch = BatchCheck.objects.get()
    assert batch.status == BatchCheck.Status.QUEUED

    def stop():
        raise StopRequested("test")

    with pytest.raises(StopRequested):
        batch_check_run(batch_id=batch.pk, progress=stop)
    batch.refresh_from_db()
    assert (batch.parts, batch.last_row, batch.done) == (1, 4, 4)
    BatchCheck.objects.filter(pk=batch.pk).update(status=BatchCheck.Status.QUEUED)
    batch = batch_check_run(batch_id=batch.pk)
    _assert_expected_counts(batch)
    checked = [c for call in scripted_check.calls for c in call]
    assert len(checked) == len(set(checked)) == 4  # nothing checked twice across the stop
    assert [int(r[0]) for r in _result_rows(batch)[1:]] == list(range(1, len(ROWS) + 1))


def test_files_are_purged_after_the_retention_period(users, matter, scripted_check, keys, settings):
    settings.XINYONG_UPLOAD_RETENTION_DAYS = 90
    _upload(_login(users["clerk"]), "a.txt", ("\n".join(ROWS)).encode())
    batch = BatchCheck.objects.get()
    Client(headers={"X-API-Key": keys["a"]}).post(
        "/api/jrp/channels/widget-token",
        {"matter_code": MATTER, "purpose": "核查"},
        content_type="application/json",
    )
    today = timezone.localdate()
    assert channels_purge_due(as_of=today).startswith("批量核查文件清除")
    assert batch_check_dir(ref=batch.ref).exists() and WidgetToken.objects.exists()
    channels_purge_due(as_of=today + dt.timedelta(days=89))
    assert batch_check_dir(ref=batch.ref).exists() and not WidgetToken.objects.exists()
    channels_purge_due(as_of=today + dt.timedelta(days=91))
    assert not batch_check_dir(ref=batch.ref).exists() and not WidgetToken.objects.exists()
    response = _login(users["clerk"]).get(f"/console/jrp/channels/batch/{batch.ref}/download/?format=csv")
    assert response.status_code == 410 and "已按保存期限清除" in response.content.decode()
    assert AuditEntry.objects.filter(detail__stage="batch_check_files_purged").count() == 1
