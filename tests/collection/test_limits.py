"""Bounds on what a file may expand to: every limit and its code, and the hostile files that once took the
server down (nested JSON, an XLSX zip bomb, a CSV header of 1.2 million columns) read in a capped process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.collection.hostile_support import (
    MiB,
    nested_json,
    ods_repeated,
    run_bounded,
    understate_part_size,
    wide_csv,
    xlsx_bomb,
    xlsx_far_cell,
    xlsx_small,
)
from xinyong.collection.readers import (
    LIMIT_CODES,
    READ_ERROR_MESSAGES,
    ReadError,
    ReadLimits,
    open_table,
    xlsx_package,
)
from xinyong.core.jsondepth import json_depth_exceeds


def read_all(path: Path, limits: ReadLimits | None = None) -> tuple[list[str], list[list]]:
    """Headers and rows of a file read with ``limits`` (by default the configured ones)."""
    with open_table(path, **({"limits": limits} if limits else {})) as table:
        rows = [row.values for row in table.rows()]
        return table.headers, rows


def refusal(path: Path, limits: ReadLimits | None = None) -> ReadError:
    with pytest.raises(ReadError) as caught:
        read_all(path, limits)
    return caught.value


def test_every_limit_code_has_a_chinese_message():
    for code in LIMIT_CODES:
        assert code in READ_ERROR_MESSAGES
        assert any("\u4e00" <= ch <= "\u9fff" for ch in READ_ERROR_MESSAGES[code])


def test_default_limits_are_the_settings(settings):
    settings.XINYONG_FILE_MAX_COLUMNS = 12
    settings.XINYONG_RECORD_MAX_DEPTH = 5
    limits = ReadLimits.from_settings()
    assert (limits.max_columns, limits.max_depth) == (12, 5)
    assert ReadLimits() == ReadLimits(
        max_depth=3,
        max_columns=1000,
        max_cell_chars=32767,
        max_row_chars=1024 * 1024,
        max_uncompressed_bytes=4 * 1024**3,
        max_compression_ratio=200,
    )


# ---------------------------------------------------------------------------------------------------
# JSON and NDJSON


def test_json_nested_100000_deep_is_refused_at_once_with_little_memory(tmp_path):
    path = nested_json(tmp_path / "deep.json")

    def read():
        read_all(path)

    outcome = run_bounded(read)
    assert outcome.result == "ReadError:json_too_deep"
    assert outcome.seconds < 1.0
    assert outcome.growth < 64 * MiB


def test_ndjson_line_nested_100000_deep_is_refused_at_once(tmp_path):
    path = tmp_path / "deep.ndjson"
    path.write_bytes(b'{"a": 1}\n{"CF_WSH": ' + b"[" * 100_000 + b"\n")

    outcome = run_bounded(lambda: read_all(path))
    assert outcome.result == "ReadError:json_too_deep"
    assert outcome.seconds < 1.0


@pytest.mark.parametrize("suffix", [".json", ".ndjson"])
def test_a_record_may_nest_one_shallow_level_but_not_deeper(tmp_path, suffix):
    shallow = {"CF_WSH": "甲罚〔2024〕1号", "CF_CFLB": ["罚款", "警告"], "附件": [{"名称": "决定书"}]}
    deep = {"CF_WSH": "甲罚〔2024〕2号", "附件": [{"名称": [["决定书"]]}]}

    def write(records):
        path = tmp_path / f"records{suffix}"
        if suffix == ".json":
            path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
        else:
            path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
        return path

    headers, rows = read_all(write([shallow]))
    assert headers == ["CF_WSH", "CF_CFLB", "附件"]
    assert rows == [["甲罚〔2024〕1号", ["罚款", "警告"], [{"名称": "决定书"}]]]
    error = refusal(write([shallow, deep]))
    assert error.code == "json_too_deep"
    where = "第 2 条记录" if suffix == ".json" else "第 2 行"
    assert error.message.startswith(where) and "3 层" in error.message


@pytest.mark.parametrize("suffix", [".json", ".ndjson"])
def test_json_records_with_too_many_keys_or_too_long_values_are_refused(tmp_path, suffix):
    limits = ReadLimits(max_columns=5, max_cell_chars=20, max_row_chars=200)

    def write(record):
        path = tmp_path / f"r{suffix}"
        text = json.dumps(record, ensure_ascii=False)
        path.write_text(f"[{text}]" if suffix == ".json" else text + "\n", encoding="utf-8")
        return path

    assert read_all(write({f"k{i}": i for i in range(5)}), limits)[0] == [f"k{i}" for i in range(5)]
    assert refusal(write({f"k{i}": i for i in range(6)}), limits).code == "too_many_columns"
    error = refusal(write({"CF_WSH": "罚" * 21}), limits)
    assert error.code == "cell_too_long" and "“CF_WSH”列" in error.message
    # A long list of short values: the record (NDJSON: its line) is over the bound.
    assert refusal(write({"a": list(range(1000))}), limits).code == "row_too_long"


def test_json_keys_first_seen_late_count_towards_the_column_limit(tmp_path):
    path = tmp_path / "many.json"
    path.write_text(json.dumps([{f"k{i}": 1} for i in range(8)]), encoding="utf-8")
    assert refusal(path, ReadLimits(max_columns=5)).code == "too_many_columns"


def test_an_endless_ndjson_line_is_refused_without_reading_it_whole(tmp_path):
    path = tmp_path / "long.ndjson"
    path.write_bytes(b'{"a": "' + b"x" * (3 * MiB) + b'"}\n')
    outcome = run_bounded(lambda: read_all(path, ReadLimits(max_row_chars=64 * 1024)))
    assert outcome.result == "ReadError:row_too_long"


def test_a_json_string_of_20_mb_is_refused_before_the_parser_has_read_it(tmp_path):
    path = tmp_path / "string.json"
    path.write_bytes(b'[{"CF_WSH": "' + b"x" * (20 * MiB) + b'"}]')
    outcome = run_bounded(lambda: read_all(path))
    assert outcome.result == "ReadError:row_too_long"
    assert outcome.seconds < 1.5  # the parser lexes a long token again for every piece of it
    assert outcome.growth < 64 * MiB


def _depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab,:'),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=20,
)


@given(value=json_values, limit=st.integers(min_value=0, max_value=6))
def test_json_depth_is_measured_on_the_text_as_the_parser_sees_it(value, limit):
    text = json.dumps(value)
    assert json_depth_exceeds(text, limit) == (_depth(value) > limit)
    assert json_depth_exceeds(text.encode(), limit) == (_depth(value) > limit)


# ---------------------------------------------------------------------------------------------------
# CSV


def test_csv_header_of_1_2_million_columns_is_refused_before_any_mapping(tmp_path):
    path = wide_csv(tmp_path / "wide.csv")

    def opened():
        with open_table(path) as table:
            return len(table.headers)

    outcome = run_bounded(opened)
    assert outcome.result == "ReadError:too_many_columns"
    assert outcome.seconds < 2.0
    assert outcome.growth < 64 * MiB


def test_csv_column_limit_is_exact(tmp_path):
    path = tmp_path / "cols.csv"
    path.write_text(
        ",".join(f"列{i}" for i in range(10)) + "\n" + ",".join("1" * 10) + "\n", encoding="utf-8"
    )
    assert len(read_all(path, ReadLimits(max_columns=10))[0]) == 10
    error = refusal(path, ReadLimits(max_columns=9))
    assert error.code == "too_many_columns" and error.message.startswith("第 1 行有 10 列")
    # Empty cells at the end of a row are not columns.
    path.write_text("名称,文号" + "," * 50 + "\n甲,1\n", encoding="utf-8")
    assert read_all(path, ReadLimits(max_columns=9))[0] == ["名称", "文号"]


def test_csv_cell_longer_than_the_limit_is_refused(tmp_path):
    path = tmp_path / "cell.csv"
    path.write_text("名称,文号\n" + "甲" * 100 + ",1\n", encoding="utf-8")
    assert read_all(path, ReadLimits(max_cell_chars=100))[1] == [["甲" * 100, "1"]]
    error = refusal(path, ReadLimits(max_cell_chars=99))
    assert error.code == "cell_too_long" and error.message.startswith("第 2 行")


def test_csv_row_longer_than_the_limit_is_refused_also_across_lines(tmp_path):
    limits = ReadLimits(max_row_chars=200)
    path = tmp_path / "row.csv"
    path.write_text("名称,文号\n" + ",".join(["甲" * 30] * 3) + "\n", encoding="utf-8")
    assert read_all(path, limits)[1][0][:2] == ["甲" * 30] * 2
    path.write_text("名称,文号\n" + ",".join(["甲" * 30] * 8) + "\n", encoding="utf-8")
    assert refusal(path, limits).code == "row_too_long"
    # An unclosed quote swallows the following lines into one record: refused as it passes the bound.
    path.write_text('名称,文号\n"甲,1\n' + "乙,2\n" * 100, encoding="utf-8")
    error = refusal(path, limits)
    assert error.code == "row_too_long" and error.message.startswith("第 2 行")


# ---------------------------------------------------------------------------------------------------
# XLSX


def test_xlsx_zip_bomb_is_refused_before_it_is_opened(tmp_path):
    path = xlsx_bomb(tmp_path / "bomb.xlsx", inflated=20 * MiB)
    assert path.stat().st_size < 200_000

    outcome = run_bounded(lambda: read_all(path))
    assert outcome.result == "ReadError:compression_ratio_too_high"
    assert outcome.seconds < 1.0
    assert outcome.growth < 64 * MiB


def test_xlsx_uncompressed_total_is_bounded(tmp_path):
    path = xlsx_bomb(tmp_path / "big.xlsx", inflated=4 * MiB)
    error = refusal(path, ReadLimits(max_uncompressed_bytes=2 * MiB, max_compression_ratio=10**6))
    assert error.code == "file_too_large_uncompressed" and "2.0 MB" in error.message
    headers, rows = read_all(path, ReadLimits(max_compression_ratio=10**6))
    assert headers == ["行政相对人名称", "处罚决定书文号"] and rows[0] == ["x", "x"]


def test_xlsx_part_inflating_beyond_its_declared_size_is_refused(tmp_path):
    path = xlsx_bomb(tmp_path / "lying.xlsx", inflated=2 * MiB)
    understate_part_size(path, "xl/worksheets/sheet1.xml", declared=4096)
    error = refusal(path, ReadLimits(max_compression_ratio=10**6))
    assert error.code == "xlsx_size_mismatch" and "sheet1.xml" in error.message


def test_xlsx_value_far_away_is_streamed_and_refused_not_allocated(tmp_path):
    path = xlsx_far_cell(tmp_path / "far.xlsx")
    outcome = run_bounded(lambda: read_all(path))
    assert outcome.result == "ReadError:too_many_columns"
    assert outcome.growth < 64 * MiB


def test_xlsx_columns_and_cell_length_are_bounded(tmp_path):
    path = xlsx_small(tmp_path / "wide.xlsx", [[f"列{i}" for i in range(12)], ["1"] * 12])
    assert len(read_all(path, ReadLimits(max_columns=12))[0]) == 12
    assert refusal(path, ReadLimits(max_columns=11)).code == "too_many_columns"
    path = xlsx_small(tmp_path / "long.xlsx", [["名称", "文号"], ["甲" * 50, "1"]])
    assert read_all(path, ReadLimits(max_cell_chars=50))[1] == [["甲" * 50, "1"]]
    error = refusal(path, ReadLimits(max_cell_chars=49))
    assert error.code == "cell_too_long" and error.message.startswith("第 2 行")
    assert refusal(path, ReadLimits(max_row_chars=40)).code == "row_too_long"


def test_ods_repeating_a_filled_row_a_hundred_million_times_is_refused(tmp_path):
    path = ods_repeated(tmp_path / "bomb.ods", rows=99_000, columns=1000)
    assert path.stat().st_size < 2000
    outcome = run_bounded(lambda: read_all(path))
    assert outcome.result == "ReadError:too_many_cells"
    assert outcome.growth < 64 * MiB


def test_ods_with_a_few_repeated_rows_and_sheet_padding_is_read(tmp_path):
    headers, rows = read_all(ods_repeated(tmp_path / "ok.ods", rows=3, columns=2))
    assert headers == ["行政相对人名称", "处罚决定书文号"] and rows == [["x", "x"]] * 3


@pytest.mark.parametrize("streamed", [False, True], ids=["calamine", "streamed"])
def test_xlsx_from_excel_with_shared_strings_is_bounded_either_way(tmp_path, monkeypatch, streamed):
    from openpyxl import Workbook

    if streamed:
        monkeypatch.setattr(xlsx_package, "CALAMINE_MAX_SHEET_BYTES", 0)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["行政相对人名称", "处罚决定书文号"])
    sheet.append(["甲" * 60, "甲罚〔2024〕1号"])
    path = tmp_path / "shared.xlsx"
    workbook.save(path)
    assert read_all(path, ReadLimits(max_cell_chars=60))[1] == [["甲" * 60, "甲罚〔2024〕1号"]]
    error = refusal(path, ReadLimits(max_cell_chars=59))
    assert error.code == "cell_too_long"
    assert refusal(path, ReadLimits(max_columns=1)).code == "too_many_columns"
