"""Feedback by file: CSV (GBK too) and XLSX; every row or none; per-row errors with codes."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from xinyong.jrp.feedback.services import FeedbackError, feedback_file_record
from xinyong.jrp.models import FeedbackState, MeasureFeedback

HEADER = "核查记录编号,措施代码,反馈结果,原因说明\n"


def _write(tmp_path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "feedback.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_a_good_gbk_file_records_every_row(world, tmp_path):
    a, b = world.check(measures=("M-BID", "M-INSPECT"))
    text = HEADER + f"{a.check_id},M-BID,已实施,\n{b.check_id},M-INSPECT,未实施,申请人已履行完毕\n"
    result = feedback_file_record(
        path=_write(tmp_path, text, "gbk"), filename="反馈.csv", actor=world.officer
    )
    assert not result.errors and result.changed == 2 and len(result.notices) == 1
    states = dict(MeasureFeedback.objects.values_list("measure_code", "state"))
    assert states == {"M-BID": FeedbackState.APPLIED, "M-INSPECT": FeedbackState.NOT_APPLIED}
    assert MeasureFeedback.objects.get(pk=a.pk).channel == "file"


def test_rows_in_error_are_listed_and_nothing_is_written(world, tmp_path):
    (a,) = world.check()
    (b,) = world.check(department=world.dept_b)
    (c,) = world.check(on=world.check()[0].checked_on)
    text = HEADER + (
        f"{a.check_id},M-BID,已实施,\n"
        f"abc,M-BID,已实施,\n"
        f"{a.check_id},M-NONE,已实施,\n"
        f"{b.check_id},M-BID,已实施,\n"
        f"{c.check_id},M-BID,未实施,\n"
        f"{c.check_id},M-BID,做了,\n"
        f"{a.check_id},M-BID,已实施,\n"
    )
    result = feedback_file_record(path=_write(tmp_path, text), filename="f.csv", actor=world.officer)
    codes = [(e.number, e.error_code) for e in result.errors]
    assert codes == [
        (3, "feedback_check_id_invalid"),
        (4, "feedback_not_found"),
        (5, "feedback_forbidden"),
        (6, "feedback_reason_required"),
        (7, "feedback_state_invalid"),
        (8, "feedback_duplicate_row"),
    ]
    assert not MeasureFeedback.objects.exclude(state="pending").exists()


def test_missing_columns_refuse_the_file(world, tmp_path):
    path = _write(tmp_path, "编号,结果\n1,已实施\n")
    try:
        feedback_file_record(path=path, filename="f.csv", actor=world.officer)
    except FeedbackError as exc:
        assert exc.code == "feedback_file_columns_missing"
    else:
        raise AssertionError("file accepted")


def test_upload_page_with_an_xlsx_file(world):
    (a,) = world.check()
    book = Workbook()
    sheet = book.active
    sheet.append(["核查记录编号", "措施代码", "反馈结果", "原因说明"])
    sheet.append([a.check_id, "M-BID", "不适用", "主体已被移出名单"])
    data = io.BytesIO()
    book.save(data)
    client = Client()
    client.force_login(world.officer)
    upload = SimpleUploadedFile("反馈.xlsx", data.getvalue())
    response = client.post("/console/jrp/feedback/upload/", {"file": upload})
    assert response.status_code == 302
    assert MeasureFeedback.objects.get(pk=a.pk).state == FeedbackState.NOT_APPLICABLE
    bad = SimpleUploadedFile("反馈.csv", (HEADER + "999999,M-BID,已实施,\n").encode())
    page = client.post("/console/jrp/feedback/upload/", {"file": bad})
    assert page.status_code == 200 and "feedback_not_found" in page.content.decode()
