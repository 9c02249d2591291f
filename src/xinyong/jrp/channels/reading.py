"""Reading the codes of a batch check from what the department sent, streamed, within the readers' bounds.

- A table (CSV in UTF-8 or GBK/GB18030, XLSX/XLS/ODS) is read by ``xinyong.collection.readers``: the code
  column is the one headed 统一社会信用代码 / 身份证号码 / 证件号码 / 代码 …, or the only column; row numbers
  are the sheet's (the header is row 1).
- A text file (.txt, or a CSV without a header row) holds one code per line; row numbers are line numbers;
  a first line that is a heading (Chinese text) is skipped.
- An API body is a JSON array of strings or plain text, one code per line.

Empty rows are skipped. More than ``JRP_BATCH_MAX_CODES`` codes refuse the whole batch.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson
from django.conf import settings

from xinyong.collection.readers import ReadError, ReadLimits, open_table
from xinyong.collection.readers.encoding import detect_encoding
from xinyong.core.errors import CodedError

__all__ = ["BatchInputError", "batch_codes_read", "max_codes"]

# Header texts of the code column, most specific first (compared without spaces, case-insensitive).
CODE_HEADERS = (
    "统一社会信用代码",
    "身份证号码",
    "身份证号",
    "证件号码",
    "证照号码",
    "信用代码",
    "代码",
    "号码",
    "uscc",
    "ric",
    "code",
)


class BatchInputError(CodedError):
    """The input of a batch check cannot be read as a list of codes."""


def max_codes() -> int:
    return int(settings.JRP_BATCH_MAX_CODES)


def too_many(limit: int) -> BatchInputError:
    error = BatchInputError(
        "batch_too_many_codes",
        f"一次批量核查最多 {limit:,} 个代码；请将名单拆分为多批提交",
    )
    error.status = 413
    return error


def _header_key(text: str) -> str:
    return "".join(str(text or "").split()).lower()


def code_column(headers: list[str]) -> int:
    """Index of the column holding the codes; raises ``BatchInputError`` when none can be told."""
    keys = [_header_key(h) for h in headers]
    for wanted in CODE_HEADERS:
        for index, key in enumerate(keys):
            if key == wanted:
                return index
    for wanted in CODE_HEADERS:
        for index, key in enumerate(keys):
            if wanted in key:
                return index
    if len([k for k in keys if k]) == 1:
        return next(i for i, k in enumerate(keys) if k)
    shown = "、".join(h for h in headers[:6] if h)
    raise BatchInputError(
        "batch_column_missing",
        f"未找到代码列（表头：{shown}）。请将代码所在列的标题写为“统一社会信用代码”或“身份证号码”，"
        "或上传只有一列代码的文件",
    )


def _is_heading(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def _lines(path: Path, limits: ReadLimits) -> Iterator[tuple[int, Any]]:
    with path.open("rb") as raw:
        encoding = detect_encoding(raw)
        reader = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline=None)
        bound = limits.max_cell_chars
        number = 0
        while line := reader.readline(bound + 1):
            number += 1
            if len(line) > bound and not line.endswith("\n"):
                raise limits.cell_too_long(f"第 {number} 行", "")
            text = line.strip().strip('"').strip()
            if not text:
                continue
            if number == 1 and _is_heading(text):
                continue
            yield number, text


def _table(path: Path, filename: str, limits: ReadLimits) -> Iterator[tuple[int, Any]]:
    with open_table(path, filename=filename, limits=limits) as table:
        column = code_column(table.headers)
        for row in table.rows():
            values = row.values
            value = values[column] if column < len(values) else None
            if value is None or (value.__class__ is str and not value.strip()):
                continue
            yield row.number, value


def _json(path: Path, limits: ReadLimits) -> Iterator[tuple[int, Any]]:
    with path.open("rb") as f:
        try:
            number = 0
            for number, item in enumerate(ijson.items(f, "item", use_float=True), 1):
                if item is None or isinstance(item, dict | list):
                    yield number, "" if item is None else "（不是代码）"
                    continue
                if isinstance(item, str) and len(item) > limits.max_cell_chars:
                    raise limits.cell_too_long(f"第 {number} 项", "")
                yield number, item
        except ijson.JSONError as exc:
            raise BatchInputError(
                "json_invalid", '请求体不是有效的 JSON 数组：应为代码组成的数组，如 ["91…", "11…"]'
            ) from exc


def batch_codes_read(*, path: Path, filename: str, kind: str) -> Iterator[tuple[int, Any]]:
    """(row number, raw value) of every non-empty row; ``kind`` is ``table``, ``text`` or ``json``.

    Raises ``BatchInputError`` (or the readers' ``ReadError``) for an unreadable input and above the
    limit of codes.
    """
    limits = ReadLimits.from_settings()
    limit = max_codes()
    if kind == "json":
        rows = _json(path, limits)
    elif kind == "text" or Path(filename).suffix.lower() == ".txt":
        rows = _lines(path, limits)
    else:
        rows = _table_or_lines(path, filename, limits)
    for count, row in enumerate(rows, 1):
        if count > limit:
            raise too_many(limit)
        yield row


def _table_or_lines(path: Path, filename: str, limits: ReadLimits) -> Iterator[tuple[int, Any]]:
    try:
        rows = _table(path, filename, limits)
        first = next(rows, None)
    except ReadError as exc:
        if exc.code != "header_missing" or Path(filename).suffix.lower() not in (".csv", ""):
            raise
        # A CSV of codes without a header row: one code per line.
        yield from _lines(path, limits)
        return
    if first is None:
        return
    yield first
    yield from rows


def read_error(exc: ReadError) -> BatchInputError:
    """A reader's refusal as the batch's error."""
    return BatchInputError(exc.code, exc.message)
