"""Readers for uploads (CSV in every encoding, XLSX, JSON, NDJSON) and the rejection-file writer."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from xinyong.collection.readers import (
    ReadError,
    SourceRow,
    Table,
    json_tables,
    open_table,
    rejection_filename,
    write_rejection_file,
    xlsx_package,
)
from xinyong.collection.validation import RowIssue

USCC = "91350100M000100Y43"
HEADER = "行政相对人名称,统一社会信用代码,处罚决定日期\n"


def read(path: Path, **kwargs) -> tuple[Table, list[SourceRow]]:
    with open_table(path, **kwargs) as table:
        rows = list(table.rows())
    return table, rows


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------------------------------------------
# CSV encodings


@pytest.mark.parametrize(
    ("encode", "expected"),
    [
        (lambda s: s.encode("utf-8"), "utf-8"),
        (lambda s: codecs_bom() + s.encode("utf-8"), "utf-8-sig"),
        (lambda s: s.encode("gbk"), "gb18030"),
        (lambda s: s.encode("gb18030"), "gb18030"),
        (lambda s: s.encode("utf-16"), "utf-16"),
    ],
    ids=["utf-8", "utf-8-bom", "gbk", "gb18030", "utf-16"],
)
def test_csv_encoding_is_detected(tmp_path, encode, expected):
    text = HEADER + f"某某有限公司,{USCC},2023-05-01\n"
    table, rows = read(write(tmp_path, "处罚.csv", encode(text)))
    assert table.format == "csv"
    assert table.encoding == expected
    assert table.headers == ["行政相对人名称", "统一社会信用代码", "处罚决定日期"]
    assert rows == [SourceRow(2, ["某某有限公司", USCC, "2023-05-01"])]


def codecs_bom() -> bytes:
    return "\ufeff".encode()


def test_gbk_bytes_of_a_company_name(tmp_path):
    data = "名称\n".encode("gbk") + "某某有限公司".encode("gbk") + b"\n"
    table, rows = read(write(tmp_path, "a.csv", data))
    assert table.encoding == "gb18030"
    assert rows[0].values == ["某某有限公司"]


def test_gb18030_only_characters(tmp_path):
    # 𠀀 (CJK Extension B) and 䶮 exist in GB18030 but not in GBK.
    data = "名称,备注\n𠀀记商行,䶮\n".encode("gb18030")
    with pytest.raises(UnicodeEncodeError):
        "𠀀".encode("gbk")
    table, rows = read(write(tmp_path, "a.csv", data))
    assert table.encoding == "gb18030"
    assert rows[0].values == ["𠀀记商行", "䶮"]


def test_ascii_only_file_is_utf8(tmp_path):
    table, rows = read(write(tmp_path, "a.csv", b"CF_WSH,CF_XDR_MC\nA-1,X\n"))
    assert table.encoding == "utf-8"
    assert rows[0].values == ["A-1", "X"]


def test_chinese_text_after_the_first_64_kb_still_detects_the_encoding(tmp_path):
    body = "".join(f"A{i},B{i}\n" for i in range(12000))  # ASCII, > 64 KB
    data = ("CF_WSH,CF_XDR_MC\n" + body).encode() + "甲,某某有限公司\n".encode("gbk")
    table, rows = read(write(tmp_path, "a.csv", data))
    assert table.encoding == "gb18030"
    assert rows[-1].values == ["甲", "某某有限公司"]


def test_undecodable_bytes_late_in_the_file_mark_only_that_row(tmp_path):
    good = "".join(f"某某有限公司{i},{i}\n" for i in range(6000))  # UTF-8, > 64 KB
    data = ("名称,序号\n" + good).encode() + "坏行".encode("gbk") + b",1\n" + "好行,2\n".encode()
    with open_table(write(tmp_path, "a.csv", data)) as table:
        rows = list(table.rows())
    assert table.encoding == "utf-8"
    bad = [r for r in rows if r.error]
    assert [r.number for r in bad] == [6002]
    assert bad[0].error == "encoding_invalid_bytes"
    assert rows[-1] == SourceRow(6003, ["好行", "2"])


# ---------------------------------------------------------------------------------------------------
# CSV structure


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_delimiter_is_sniffed(tmp_path, delimiter):
    lines = [["名称", "代码", "日期"], ["甲公司", USCC, "2023/5/1"], ["乙公司", "", "20230501"]]
    text = "\n".join(delimiter.join(line) for line in lines) + "\n"
    table, rows = read(write(tmp_path, "a.csv", text.encode()))
    assert table.delimiter == delimiter
    assert table.headers == ["名称", "代码", "日期"]
    assert rows[1].values == ["乙公司", "", "20230501"]


def test_comma_wins_when_text_contains_other_separators(tmp_path):
    text = '名称,违法事实\n甲公司,"销售过期食品;未建立台账|多次"\n乙公司,无\n'
    table, rows = read(write(tmp_path, "a.csv", text.encode()))
    assert table.delimiter == ","
    assert rows[0].values == ["甲公司", "销售过期食品;未建立台账|多次"]


def test_excel_quoting_and_embedded_newlines_keep_row_numbers(tmp_path):
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["名称", "违法事实"])
    writer.writerow(["甲公司", '第一行\n第二行，含"引号"'])
    writer.writerow(["乙公司", "无"])
    table, rows = read(write(tmp_path, "a.csv", buf.getvalue().encode()))
    assert rows[0] == SourceRow(2, ["甲公司", '第一行\n第二行，含"引号"'])
    assert rows[1].number == 3  # the line break inside the quoted cell is not a new row


def test_empty_file_is_refused(tmp_path):
    with pytest.raises(ReadError) as info:
        read(write(tmp_path, "a.csv", b""))
    assert info.value.code == "file_empty"
    assert "空" in info.value.message


@pytest.mark.parametrize("data", [b"\n\n  \n", "\ufeff".encode(), b",,,\n,,\n"])
def test_file_with_nothing_but_blanks_is_empty(tmp_path, data):
    with pytest.raises(ReadError) as info:
        read(write(tmp_path, "a.csv", data))
    assert info.value.code == "file_empty"


def test_header_only_gives_no_rows(tmp_path):
    table, rows = read(write(tmp_path, "a.csv", HEADER.encode()))
    assert table.headers == ["行政相对人名称", "统一社会信用代码", "处罚决定日期"]
    assert rows == []


def test_first_row_of_data_instead_of_a_header_is_refused(tmp_path):
    with pytest.raises(ReadError) as info:
        read(write(tmp_path, "a.csv", f"{USCC},2023-05-01\n".encode()))
    assert info.value.code == "header_missing"


def test_ragged_rows(tmp_path):
    text = "名称,代码,日期,\n甲,1\n乙,2,2023-05-01,,额外,,\n丙,3,2023-05-02,\n"
    table, rows = read(write(tmp_path, "a.csv", text.encode()))
    assert table.headers == ["名称", "代码", "日期"]  # the trailing empty header cell is dropped
    assert rows[0].values == ["甲", "1", None]
    assert rows[1].values == ["乙", "2", "2023-05-01", "", "额外"]  # extras kept, trailing blanks dropped
    assert rows[2].values == ["丙", "3", "2023-05-02"]


def test_blank_rows_are_skipped_but_counted_in_row_numbers(tmp_path):
    text = "\n名称,代码\n甲,1\n\n , \n乙,2\n\n"
    table, rows = read(write(tmp_path, "a.csv", text.encode()))
    assert table.header_row == 2
    assert [r.number for r in rows] == [3, 6]


def test_headers_keep_their_text_without_outer_spaces(tmp_path):
    table, _ = read(write(tmp_path, "a.csv", " 罚款金额（万元） ,CF_WSH\n".encode()))
    assert table.headers == ["罚款金额（万元）", "CF_WSH"]


def test_rows_can_resume_after_a_row_number(tmp_path):
    text = "名称\n" + "".join(f"甲{i}\n" for i in range(10))
    with open_table(write(tmp_path, "a.csv", text.encode())) as table:
        assert [r.number for r in table.rows(after=8)] == [9, 10, 11]
        assert len(list(table.rows())) == 10  # every call starts again from the first data row


def test_position_reports_progress_through_the_file(tmp_path):
    text = "名称\n" + "".join(f"某某有限公司{i}\n" for i in range(20000))
    with open_table(write(tmp_path, "a.csv", text.encode())) as table:
        seen = []
        for i, _row in enumerate(table.rows()):
            if i % 5000 == 0:
                seen.append(table.position)
        assert seen == sorted(seen) and seen[-1] > seen[0]
        assert table.size == len(text.encode())


def test_csv_is_streamed_not_loaded(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("行政相对人名称,统一社会信用代码,违法事实\n")
        for i in range(100_000):
            f.write(f"某某有限公司{i},{USCC},当事人销售超过保质期的食品，情节较轻{i}\n")
    assert path.stat().st_size > 7_000_000
    tracemalloc.start()
    try:
        with open_table(path) as table:
            count = sum(1 for _ in table.rows())
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 100_000
    assert peak < 2_000_000  # a few rows and buffers, never the file


# ---------------------------------------------------------------------------------------------------
# Formats


def test_format_from_content_when_the_name_has_no_extension(tmp_path):
    assert read(write(tmp_path, "upload", b'[{"CF_WSH": "1"}]'))[0].format == "json"
    assert read(write(tmp_path, "upload2", b'{"CF_WSH": "1"}\n'))[0].format == "ndjson"
    assert read(write(tmp_path, "upload3", "名称\n甲\n".encode()))[0].format == "csv"


def test_filename_argument_decides_the_format(tmp_path):
    path = write(tmp_path, "tmp-upload-123", b'{"a": 1}\n{"a": 2}\n')
    table, rows = read(path, filename="records.ndjson")
    assert table.format == "ndjson" and len(rows) == 2


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(ReadError) as info:
        read(write(tmp_path, "scan.pdf", b"%PDF-1.4 ..."))
    assert info.value.code == "file_format_unknown"
    assert "scan.pdf" in info.value.message


def test_xlsx_name_with_other_content_is_refused(tmp_path):
    with pytest.raises(ReadError) as info:
        read(write(tmp_path, "a.xlsx", "名称\n甲\n".encode()))
    assert info.value.code == "xlsx_invalid"


def test_broken_zip_is_refused(tmp_path):
    with pytest.raises(ReadError) as info:
        read(write(tmp_path, "a.xlsx", b"PK\x03\x04broken"))
    assert info.value.code == "xlsx_invalid"


# ---------------------------------------------------------------------------------------------------
# XLSX


@pytest.fixture(params=["calamine", "stream"])
def xlsx_path(request, monkeypatch):
    """Both XLSX code paths: calamine for ordinary sheets, the streaming parser for very large ones."""
    if request.param == "stream":
        monkeypatch.setattr(xlsx_package, "CALAMINE_MAX_SHEET_BYTES", 0)
    return request.param


def save(wb: Workbook, tmp_path: Path, name: str = "处罚.xlsx") -> Path:
    path = tmp_path / name
    wb.save(path)
    return path


def penalty_workbook() -> Workbook:
    wb = Workbook()
    guide = wb.active
    guide.title = "填表说明"
    guide["A1"] = "请按模板填写，日期列使用日期格式"
    data = wb.create_sheet("处罚信息")
    data.append(["行政相对人名称", "统一社会信用代码", "处罚决定日期", "罚款金额（万元）", "文书号"])
    data.append(["甲公司", 9.13501001234567e17, dt.date(2023, 5, 1), 0.5, 12])
    data.append(["乙公司", USCC, dt.datetime(2023, 5, 2, 14, 30), 10, "甲市监罚〔2023〕1号"])
    data.append([None, None, None, None, None])
    data.append(["丙公司", "  ", "2023/5/3", None, None])
    hidden = wb.create_sheet("旧数据")
    hidden.append(["名称", "代码"])
    hidden.append(["丁公司", "x"])
    hidden.sheet_state = "hidden"
    return wb


def test_xlsx_default_sheet_is_the_first_table_not_the_instructions(tmp_path, xlsx_path):
    table, rows = read(save(penalty_workbook(), tmp_path))
    assert table.format == "xlsx"
    assert table.encoding is None
    assert table.sheet_names == ["填表说明", "处罚信息", "旧数据"]
    assert table.sheet == "处罚信息"
    assert table.headers == [
        "行政相对人名称",
        "统一社会信用代码",
        "处罚决定日期",
        "罚款金额（万元）",
        "文书号",
    ]
    assert [r.number for r in rows] == [2, 3, 5]


def test_xlsx_keeps_raw_types(tmp_path, xlsx_path):
    _table, rows = read(save(penalty_workbook(), tmp_path))
    first, second, third = rows
    assert isinstance(first.values[1], float)  # the mangled USCC reaches the identifier check as a float
    assert first.values[1] == 9.13501001234567e17
    assert first.values[2] == dt.date(2023, 5, 1) and type(first.values[2]) is dt.date
    assert first.values[3] == 0.5
    assert first.values[4] == 12.0
    assert second.values[2] == dt.datetime(2023, 5, 2, 14, 30)
    assert second.values[1] == USCC
    assert third.values[2] == "2023/5/3"


def test_xlsx_sheet_by_name(tmp_path, xlsx_path):
    table, rows = read(save(penalty_workbook(), tmp_path), sheet="旧数据")
    assert table.sheet == "旧数据"
    assert table.headers == ["名称", "代码"]
    assert rows == [SourceRow(2, ["丁公司", "x"])]


def test_xlsx_unknown_sheet_lists_the_sheets(tmp_path, xlsx_path):
    with pytest.raises(ReadError) as info:
        read(save(penalty_workbook(), tmp_path), sheet="Sheet9")
    assert info.value.code == "sheet_not_found"
    assert "填表说明、处罚信息、旧数据" in info.value.message


def test_xlsx_chart_sheet_first(tmp_path, xlsx_path):
    from openpyxl.chart import BarChart, Reference

    wb = Workbook()
    ws = wb.active
    ws.append(["名称", "罚款金额（万元）"])
    ws.append(["甲公司", 1])
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=2))
    wb.create_chartsheet("图表", 0).add_chart(chart)
    table, rows = read(save(wb, tmp_path))
    assert table.sheet_names == ["图表", "Sheet"]
    assert table.sheet == "Sheet"
    assert rows == [SourceRow(2, ["甲公司", 1.0])]


def test_xlsx_named_empty_sheet(tmp_path, xlsx_path):
    wb = penalty_workbook()
    wb.create_sheet("空表")
    with pytest.raises(ReadError) as info:
        read(save(wb, tmp_path), sheet="空表")
    assert info.value.code == "sheet_empty"


def test_xlsx_without_any_data_is_empty(tmp_path, xlsx_path):
    wb = Workbook()
    with pytest.raises(ReadError) as info:
        read(save(wb, tmp_path))
    assert info.value.code == "file_empty"


def test_xlsx_two_row_header_with_merged_cells_and_a_title(tmp_path, xlsx_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["2023年行政处罚信息"])
    ws.merge_cells("A1:F1")
    ws.append(["序号", "行政相对人", None, None, "行政相对人代码", "处罚决定日期"])
    ws.append([None, "名称", "类别", "法定代表人", "统一社会信用代码", None])
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:D2")
    ws.merge_cells("F2:F3")
    ws.append([1, "甲公司", "法人及非法人组织", "张三", USCC, dt.date(2023, 5, 1)])
    table, rows = read(save(wb, tmp_path))
    assert table.headers == [
        "序号",
        "行政相对人-名称",
        "行政相对人-类别",
        "行政相对人-法定代表人",
        "行政相对人代码-统一社会信用代码",
        "处罚决定日期",
    ]
    assert table.header_row == 3
    assert rows == [SourceRow(4, [1.0, "甲公司", "法人及非法人组织", "张三", USCC, dt.date(2023, 5, 1)])]


def test_xlsx_data_not_starting_at_a1(tmp_path, xlsx_path):
    wb = Workbook()
    ws = wb.active
    ws["C3"], ws["D3"] = "名称", "代码"
    ws["C4"], ws["D4"] = "甲公司", USCC
    ws["C6"], ws["E6"] = "乙公司", "多出的一格"
    table, rows = read(save(wb, tmp_path))
    assert table.headers == ["名称", "代码"]
    assert rows == [SourceRow(4, ["甲公司", USCC]), SourceRow(6, ["乙公司", "", "多出的一格"])]


def test_xlsx_shared_strings_spilled_to_disk(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_package, "CALAMINE_MAX_SHEET_BYTES", 0)
    monkeypatch.setattr(xlsx_package, "SHARED_STRINGS_SPILL_BYTES", 0)
    _table, rows = read(save(penalty_workbook(), tmp_path))
    assert rows[1].values[4] == "甲市监罚〔2023〕1号"


def _xlsx_peak(path: Path) -> tuple[int, int]:
    with open_table(path):
        pass  # imports done before measuring
    tracemalloc.start()
    try:
        with open_table(path) as table:
            count = sum(1 for _ in table.rows())
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, peak


def _big_xlsx(path: Path, rows: int) -> Path:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("数据")
    ws.append(["行政相对人名称", "统一社会信用代码", "违法事实", "罚款金额（万元）"])
    for i in range(rows):
        ws.append([f"某某有限公司{i}", USCC, f"当事人销售超过保质期的食品{i}", i / 100])
    wb.save(path)
    return path


def test_xlsx_streaming_reader_keeps_memory_flat(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_package, "CALAMINE_MAX_SHEET_BYTES", 0)
    small = _xlsx_peak(_big_xlsx(tmp_path / "small.xlsx", 2_000))
    large = _xlsx_peak(_big_xlsx(tmp_path / "large.xlsx", 16_000))
    assert (small[0], large[0]) == (2_000, 16_000)
    # Eight times the rows, about the same memory: rows are parsed and handed on, not collected.
    assert large[1] < small[1] * 1.5 + 500_000


# ---------------------------------------------------------------------------------------------------
# JSON and NDJSON


def test_json_array(tmp_path):
    data = [
        {"CF_WSH": "甲市监罚〔2023〕1号", "CF_NR_FK": 0.5, "CF_XDR_SHXYM": USCC},
        {"CF_WSH": "甲市监罚〔2023〕2号", "CF_CFLB": ["警告", "罚款"]},
        "不是对象",
    ]
    table, rows = read(write(tmp_path, "a.json", json.dumps(data, ensure_ascii=False).encode()))
    assert table.format == "json"
    assert table.encoding == "utf-8"
    assert table.headers == ["CF_WSH", "CF_NR_FK", "CF_XDR_SHXYM", "CF_CFLB"]
    assert rows[0] == SourceRow(1, ["甲市监罚〔2023〕1号", Decimal("0.5"), USCC, None])
    assert rows[1].values == ["甲市监罚〔2023〕2号", None, None, ["警告", "罚款"]]
    assert rows[2] == SourceRow(3, [], error="json_item_invalid", detail='"不是对象"')


def test_json_keys_first_seen_late_are_appended(tmp_path, monkeypatch):
    monkeypatch.setattr(json_tables, "JSON_HEADER_SCAN", 2)
    data = [{"a": 1}, {"b": 2}, {"a": 3, "c": 4}]
    with open_table(write(tmp_path, "a.json", json.dumps(data).encode())) as table:
        assert table.headers == ["a", "b"]
        rows = list(table.rows())
        assert table.headers == ["a", "b", "c"]
    assert rows[2].values == [3, None, 4]


def test_json_in_gb18030_and_with_bom(tmp_path):
    text = json.dumps([{"名称": "𠀀记商行"}], ensure_ascii=False)
    table, rows = read(write(tmp_path, "a.json", text.encode("gb18030")))
    assert table.encoding == "gb18030" and rows[0].values == ["𠀀记商行"]
    table, rows = read(write(tmp_path, "b.json", "\ufeff".encode() + text.encode()))
    assert table.encoding == "utf-8-sig" and rows[0].values == ["𠀀记商行"]


def test_json_not_an_array(tmp_path):
    with pytest.raises(ReadError) as info:
        read(write(tmp_path, "a.json", b'"text"'))
    assert info.value.code == "json_not_array"


def test_json_cut_short_is_refused(tmp_path):
    with pytest.raises(ReadError) as info:
        read(write(tmp_path, "a.json", b'[{"a": 1}, {"a": 2}, {"a": '))
    assert info.value.code == "json_invalid"


def test_json_cut_short_after_the_header_scan_raises_after_the_good_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(json_tables, "JSON_HEADER_SCAN", 1)
    path = write(tmp_path, "a.json", b'[{"a": 1}, {"a": 2}, {"a": ')
    with open_table(path) as table:
        seen = []
        with pytest.raises(ReadError) as info:
            for row in table.rows():
                seen.append(row.number)
    assert info.value.code == "json_invalid"
    assert seen == [1, 2]


def test_json_empty_array_has_no_rows(tmp_path):
    table, rows = read(write(tmp_path, "a.json", b"[]"))
    assert table.headers == [] and rows == []


def test_json_is_streamed(tmp_path):
    path = tmp_path / "big.json"
    with path.open("w", encoding="utf-8") as f:
        f.write("[")
        for i in range(25_000):
            f.write(("," if i else "") + json.dumps({"CF_WSH": f"甲{i}号", "CF_XDR_MC": f"某某有限公司{i}"}))
        f.write("]")
    tracemalloc.start()
    try:
        with open_table(path) as table:
            count = sum(1 for _ in table.rows())
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 25_000
    assert peak < 2_000_000


def test_ndjson_with_a_bad_line(tmp_path):
    text = '{"CF_WSH": "1", "CF_NR_FK": 1.50}\n\n{"CF_WSH": "2"\n[1, 2]\n{"CF_WSH": "3", "BZ": "备注"}\n'
    table, rows = read(write(tmp_path, "a.ndjson", text.encode()))
    assert table.format == "ndjson"
    assert table.headers == ["CF_WSH", "CF_NR_FK", "BZ"]
    assert rows[0] == SourceRow(1, ["1", Decimal("1.50"), None])
    assert rows[1] == SourceRow(3, [], error="json_line_invalid", detail='{"CF_WSH": "2"')
    assert rows[2] == SourceRow(4, [], error="json_line_invalid", detail="[1, 2]")
    assert rows[3] == SourceRow(5, ["3", None, "备注"])


def test_ndjson_empty(tmp_path):
    with pytest.raises(ReadError) as info:
        read(write(tmp_path, "a.ndjson", b"\n \n"))
    assert info.value.code == "file_empty"


# ---------------------------------------------------------------------------------------------------
# Rejection files


def issue(code: str, message: str, value="") -> RowIssue:
    return RowIssue(code, "CF_XDR_SHXYM", "统一社会信用代码", value, message)


REJECTED = [
    (["甲公司", "913501001234567890", "2023-13-01"], [issue("uscc_check_digit", "第 2 行：校验码错误")]),
    (
        ["乙公司", "00123", None, "多出的一格"],
        [issue("date_format", "第 3 行：日期"), issue("x", "第 3 行：其他")],
    ),
]


@pytest.mark.parametrize(
    ("upload", "expected_bom"), [("utf-8", True), ("utf-8-sig", True), ("gb18030", False)]
)
def test_rejection_csv_encoding_follows_the_upload(tmp_path, upload, expected_bom):
    path = tmp_path / "rej.csv"
    headers = ["行政相对人名称", "统一社会信用代码", "处罚决定日期"]
    write_rejection_file(path, format="csv", encoding=upload, headers=headers, rows=REJECTED)
    data = path.read_bytes()
    assert data.startswith("\ufeff".encode()) is expected_bom
    if not expected_bom:
        data.decode("gb18030")
    table, rows = read(path)
    assert table.headers == [*headers, "错误代码", "错误说明"]
    # Long digit strings and leading zeros carry a tab so Excel keeps them as text.
    assert rows[0].values[:3] == ["甲公司", "\t913501001234567890", "2023-13-01"]
    assert rows[0].values[3:] == ["uscc_check_digit", "第 2 行：校验码错误"]
    assert rows[1].values == [
        "乙公司",
        "\t00123",
        "",
        "date_format; x",
        "第 3 行：日期\n第 3 行：其他",
        "多出的一格",
    ]


def test_rejection_xlsx_keeps_codes_as_text(tmp_path, xlsx_path):
    path = tmp_path / "rej.xlsx"
    headers = ["行政相对人名称", "统一社会信用代码", "处罚决定日期"]
    rows = [*REJECTED, (["丙公司", 9.13501e17, dt.date(2023, 5, 1)], [issue("excel_truncated", "截断")])]
    write_rejection_file(path, format="xlsx", encoding=None, headers=headers, rows=rows)
    wb = load_workbook(path)
    ws = wb.active
    assert [c.value for c in ws[1]][:5] == [*headers, "错误代码", "错误说明"]
    code_cell = ws["B2"]
    assert code_cell.value == "913501001234567890" and code_cell.data_type == "s"
    assert code_cell.number_format == "@"
    assert ws["F3"].value == "多出的一格"
    table, read_rows = read(path)
    assert table.headers == [*headers, "错误代码", "错误说明"]
    assert read_rows[2].values[:3] == ["丙公司", 9.13501e17, dt.date(2023, 5, 1)]


@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_rejection_json_objects_carry_their_errors(tmp_path, fmt):
    path = tmp_path / f"rej.{fmt}"
    rows = [
        ([Decimal("0.5"), "甲"], [issue("amount_format", "金额")]),
        ([], [RowIssue("json_line_invalid", "", "", '{"CF_WSH": ', "第 2 行不是有效的 JSON 对象")]),
    ]
    write_rejection_file(path, format=fmt, encoding="utf-8", headers=["CF_NR_FK", "CF_WSH"], rows=rows)
    text = path.read_text(encoding="utf-8")
    objects = json.loads(text) if fmt == "json" else [json.loads(line) for line in text.splitlines()]
    assert objects[0]["CF_NR_FK"] == "0.5" and objects[0]["CF_WSH"] == "甲"
    assert objects[0]["_errors"][0]["code"] == "amount_format"
    assert objects[1] == {
        "_raw": '{"CF_WSH": ',
        "_errors": [
            {
                "code": "json_line_invalid",
                "field": "",
                "column": "",
                "value": '{"CF_WSH": ',
                "message": "第 2 行不是有效的 JSON 对象",
            }
        ],
    }


def test_rejection_accepts_stored_issue_dicts(tmp_path):
    path = tmp_path / "rej.csv"
    stored = [(["甲"], [{"code": "required_missing", "message": "第 2 行未填写必填项", "field": "CF_WSH"}])]
    write_rejection_file(path, format="csv", encoding="utf-8", headers=["名称"], rows=stored)
    _table, rows = read(path)
    assert rows[0].values == ["甲", "required_missing", "第 2 行未填写必填项"]


def test_rejection_filename():
    assert rejection_filename("处罚2023.xlsx", format="xlsx") == "处罚2023-未通过校验.xlsx"
    assert rejection_filename("upload", format="csv") == "upload-未通过校验.csv"
