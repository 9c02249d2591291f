"""Rejected rows written back in the upload's format, with the error columns appended.

The warning lists use the same writer with other columns and sheet title.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from xinyong.collection.readers.limits import column_letter
from xinyong.collection.readers.table import number_text
from xinyong.core.spreadsheet import neutralise, xlsx_text_cell

__all__ = ["rejection_filename", "write_rejection_file"]

#: Columns appended to a rejection file.
REJECTION_COLUMNS = ("错误代码", "错误说明")


def rejection_filename(filename: str, *, format: str) -> str:
    """File name for the rejection file of an upload (``处罚.csv`` → ``处罚-未通过校验.csv``)."""
    stem = Path(filename).stem or "数据"
    suffix = {"csv": ".csv", "xlsx": ".xlsx", "json": ".json", "ndjson": ".ndjson"}[format]
    return f"{stem}-未通过校验{suffix}"


def _issue_parts(issue: Any) -> dict[str, Any]:
    if isinstance(issue, Mapping):
        return {k: issue.get(k, "") for k in ("code", "field", "column", "value", "message")}
    return {k: getattr(issue, k, "") for k in ("code", "field", "column", "value", "message")}


_LONG_DIGITS = re.compile(r"\d{12,}|0\d+")


def _csv_cell(value: Any) -> str:
    """Text for a CSV cell: formulas neutralised (``'=…``); digit strings Excel would turn into numbers get a
    leading tab (kept as text)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    if _LONG_DIGITS.fullmatch(text):
        return "\t" + text
    return neutralise(text)


def _csv_encoding(encoding: str | None) -> str:
    if encoding and encoding.replace("-", "").lower() in ("gb18030", "gbk", "gb2312"):
        return "gb18030"
    return "utf-8-sig"


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_rejection_file(
    path: Path | str,
    *,
    format: str,
    encoding: str | None,
    headers: list[str],
    rows: Iterable[tuple[list[Any], list[Any]]],
    issue_columns: tuple[str, str] = REJECTION_COLUMNS,
    sheet_title: str = "未通过校验的数据",
) -> None:
    """Write rejected rows back in the upload's format: original columns + 错误代码 + 错误说明.

    The warning lists use the same writer with other ``issue_columns`` (提示代码, 提示说明) and ``sheet_title``.

    CSV: UTF-8 with BOM (GB18030 for GBK/GB18030 uploads) so that Excel opens it; digit strings of 12 or
    more digits (USCC, 身份证) and numbers with leading zeros are written with a leading tab so Excel keeps
    them as text — the tab is invisible in Excel and stripped again when the file is uploaded. A text that a
    spreadsheet would run as a formula (``=…``, ``+…``, ``-…``, ``@…``) gets a leading single quote
    (``xinyong.core.spreadsheet``; removed again when the corrected file is uploaded on the batch page).
    XLSX: text cells, never formulas (long codes stay text; formula-like texts keep their value with
    Excel's quote prefix), error columns appended. JSON / NDJSON: each object with an ``_errors``
    list (a line that was not JSON comes back as ``{"_raw": …, "_errors": […]}``). Cells beyond the headers
    (``row_extra_cells``) follow the error columns so nothing is lost.
    """
    path = Path(path)
    if format == "csv":
        _write_rejection_csv(path, encoding, headers, rows, issue_columns=issue_columns)
    elif format == "xlsx":
        _write_rejection_xlsx(path, headers, rows, issue_columns=issue_columns, sheet_title=sheet_title)
    elif format in ("json", "ndjson"):
        _write_rejection_json(path, headers, rows, as_array=format == "json")
    else:
        raise ValueError(f"unknown format {format!r}")


def _write_rejection_csv(
    path: Path,
    encoding: str | None,
    headers: list[str],
    rows: Iterable[tuple[list[Any], list[Any]]],
    *,
    issue_columns: tuple[str, str],
) -> None:
    width = len(headers)
    with path.open("w", encoding=_csv_encoding(encoding), errors="replace", newline="") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_MINIMAL)
        writer.writerow([_csv_cell(h) for h in [*headers, *issue_columns]])
        for values, issues in rows:
            parts = [_issue_parts(i) for i in issues]
            aligned = [*values[:width], *[None] * (width - len(values))]
            writer.writerow(
                [
                    *(_csv_cell(v) for v in aligned),
                    "; ".join(dict.fromkeys(p["code"] for p in parts)),
                    "\n".join(p["message"] for p in parts),
                    *(_csv_cell(v) for v in values[width:]),
                ]
            )


def _write_rejection_json(
    path: Path, headers: list[str], rows: Iterable[tuple[list[Any], list[Any]]], *, as_array: bool
) -> None:
    """A JSON array (``as_array``) or NDJSON lines of the rejected objects, each with its ``_errors``."""
    with path.open("w", encoding="utf-8") as f:
        if as_array:
            f.write("[\n")
        first = True
        for values, issues in rows:
            parts = [_issue_parts(i) for i in issues]
            obj: dict[str, Any]
            if not values and any(p["code"] in ("json_line_invalid", "json_item_invalid") for p in parts):
                raw = next(
                    p["value"] for p in parts if p["code"] in ("json_line_invalid", "json_item_invalid")
                )
                obj = {"_raw": raw}
            else:
                obj = {h: _json_value(v) for h, v in zip(headers, values, strict=False) if v is not None}
            obj["_errors"] = [{k: _json_value(v) for k, v in p.items()} for p in parts]
            line = json.dumps(obj, ensure_ascii=False, default=str)
            if as_array:
                f.write(("  " if first else ",\n  ") + line)
            else:
                f.write(line + "\n")
            first = False
        if as_array:
            f.write("\n]\n")


def _write_rejection_xlsx(
    path: Path,
    headers: list[str],
    rows: Iterable[tuple[list[Any], list[Any]]],
    *,
    issue_columns: tuple[str, str] = REJECTION_COLUMNS,
    sheet_title: str = "未通过校验的数据",
) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title)
    width = len(headers)
    ws.column_dimensions[column_letter(width + 1)].width = 24
    ws.column_dimensions[column_letter(width + 2)].width = 80
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    def cell(value: Any, *, font: Font | None = None, alignment: Alignment | None = None) -> WriteOnlyCell:
        if isinstance(value, Decimal):
            value = str(value)
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        c = xlsx_text_cell(WriteOnlyCell(ws, value=value))
        if isinstance(value, str):
            c.number_format = "@"  # text: long codes are not turned into numbers when edited
        elif isinstance(value, dt.datetime):
            c.number_format = "yyyy-mm-dd hh:mm:ss"
        elif isinstance(value, dt.date):
            c.number_format = "yyyy-mm-dd"
        if font is not None:
            c.font = font
        if alignment is not None:
            c.alignment = alignment
        return c

    ws.append([cell(h, font=bold) for h in [*headers, *issue_columns]])
    for values, issues in rows:
        parts = [_issue_parts(i) for i in issues]
        aligned = [*values[:width], *[None] * (width - len(values))]
        ws.append(
            [
                *(cell(v) for v in aligned),
                cell("; ".join(dict.fromkeys(p["code"] for p in parts))),
                cell("\n".join(p["message"] for p in parts), alignment=wrap),
                *(cell(v) for v in values[width:]),
            ]
        )
    wb.save(path)
