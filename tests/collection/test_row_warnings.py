"""Warnings stored per row keep no full 身份证 number: neither in their value nor in their message."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tests.collection.batch_support import confirm_and_load, penalty_row, upload_penalties, write_csv
from xinyong.collection.models import BatchStatus
from xinyong.core.identifiers import check_ric

pytestmark = pytest.mark.django_db

OLD_ID = "110105491231002"  # a 15-digit 身份证 number: loaded, with the warning ric_upgraded_from_15
NEW_ID = check_ric(OLD_ID).normalized  # the same number upgraded to 18 digits


def test_a_warning_about_an_id_number_keeps_it_masked(catalog, dept_a, officer_a, tmp_path):
    path = write_csv(tmp_path / "处罚.csv", [penalty_row(1, person=True, 证件号码=OLD_ID)])
    batch = confirm_and_load(upload_penalties(path, department=dept_a, actor=officer_a), officer_a)
    assert batch.status == BatchStatus.DONE and batch.created == 1
    warning = batch.row_warnings.get(code="ric_upgraded_from_15")
    stored = f"{warning.value} {warning.message}"
    assert "18 位" in warning.message  # still says what happened
    for number in (OLD_ID, NEW_ID):
        assert number not in stored
        assert number[:6] not in stored or number[6:14] not in stored


def test_the_cli_summary_prints_no_full_id_number(catalog, dept_a, officer_a, tmp_path):
    path = write_csv(tmp_path / "处罚.csv", [penalty_row(1, person=True, 证件号码=OLD_ID)])
    out = io.StringIO()
    call_command("import", str(path), "--item", "penalty", "--department", dept_a.code, stdout=out)
    text = out.getvalue()
    assert "ric_upgraded_from_15" in text
    assert OLD_ID not in text and NEW_ID not in text


def test_a_rejection_about_an_id_number_keeps_it_masked(catalog, dept_a, officer_a, tmp_path):
    short = NEW_ID[:17]  # one digit missing: rejected with ric_length, whose message quotes the number
    path = write_csv(tmp_path / "处罚.csv", [penalty_row(1, person=True, 证件号码=short)])
    batch = confirm_and_load(upload_penalties(path, department=dept_a, actor=officer_a), officer_a)
    assert batch.rejected == 1
    errors = batch.rejected_rows.get().errors
    assert [e["code"] for e in errors] == ["ric_length"]
    assert "17 位" in errors[0]["message"]
    assert short not in str(errors)


def test_the_cli_summary_names_warnings_and_rejections_in_chinese(catalog, dept_a, officer_a, tmp_path):
    rows = [penalty_row(1, **{"罚款金额（万元）": "200000"}), penalty_row(2, 处罚类别="打板子")]
    path = write_csv(tmp_path / "处罚.csv", rows)
    out = io.StringIO()
    call_command("import", str(path), "--item", "penalty", "--department", dept_a.code, stdout=out)
    lines = out.getvalue().splitlines()
    assert "  提示：金额异常偏大（可能按元填写）（amount_unit_suspect）1 行" in lines
    assert "  退回原因：值不在码表中（code_invalid）1 行" in lines
