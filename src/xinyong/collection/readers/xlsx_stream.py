"""The streaming XLSX sheet parser: rows of a sheet too large for calamine, parsed as they arrive.

An ``expat`` parser keeps only the current rows in memory; cell, text and row bounds are checked per cell
(docs/limits.md). Numbers stay ``float``; cells whose style formats a date become ``date`` (``datetime``
when the style shows a time).
"""

from __future__ import annotations

import datetime as dt
import math
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any
from xml.parsers import expat

from xinyong.collection.readers.errors import ReadError
from xinyong.collection.readers.limits import column_letter
from xinyong.collection.readers.xlsx_package import XlsxPackage, column_index

__all__ = ["xlsx_stream_rows"]

_TAGS = {"c": 1, "v": 2, "t": 2, "row": 3, "rPh": 4, "is": 0}


def _tag_code(cache: dict[str, int], name: str) -> int:
    """1 cell, 2 text holder, 3 row, 4 phonetic run, 0 other (names may carry a namespace prefix)."""
    code = cache.get(name)
    if code is None:
        code = cache[name] = _TAGS.get(name[name.rfind(":") + 1 :], 0)
    return code


def xlsx_stream_rows(package: XlsxPackage, part: str) -> Iterator[tuple[int, list[Any]]]:
    """(0-based row index, cells from column A) for every row of a sheet, parsed as a stream."""
    done: list[tuple[int, list[Any]]] = []
    parser = _sheet_parser(package, done)
    try:
        with package.zf.open(part) as f:
            while chunk := f.read(1 << 17):
                parser.Parse(chunk, False)
                if done:
                    yield from done
                    done.clear()
            parser.Parse(b"", True)
    except (zipfile.BadZipFile, expat.ExpatError, zlib.error) as exc:
        raise ReadError("xlsx_invalid", detail=f"工作表已损坏：{str(exc)[:120]}") from exc
    yield from done


def _sheet_parser(package: XlsxPackage, done: list[tuple[int, list[Any]]]) -> Any:
    """An expat parser that appends every row it completes to ``done``, with its cells typed and bounded.

    The handlers share the state of the cell and row being read through closures: they run once per
    element of sheets of millions of cells.
    """
    dates, times = package.styles
    strings = package.strings
    limits = package.limits
    max_chars, max_columns = limits.max_cell_chars, limits.max_columns
    epoch = dt.datetime(1904, 1, 1) if package.date1904 else dt.datetime(1899, 12, 30)
    parser = expat.ParserCreate()
    parser.buffer_text = True
    cells: list[Any] = []
    text: list[str] = []
    tags: dict[str, int] = {}
    col_cache: dict[str, int] = {}
    row = -1
    col = -1
    kind = "n"
    style = 0
    collect = False
    phonetic = 0
    chars_in_cell = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row, col, kind, style, collect, phonetic, chars_in_cell
        code = tags.get(name)
        if code is None:
            code = _tag_code(tags, name)
        if code == 1:
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                c = col_cache.get(letters)
                if c is None:
                    c = col_cache[letters] = column_index(letters)
                col = c
            else:
                col += 1
            kind = attrs.get("t", "n")
            style = int(attrs.get("s", 0))
            text.clear()
            chars_in_cell = 0
        elif code == 2:
            collect = not phonetic
        elif code == 3:
            r = attrs.get("r")
            row = int(r) - 1 if r else row + 1
            col = -1
            cells.clear()
        elif code == 4:
            phonetic += 1

    def end(name: str) -> None:
        nonlocal collect, phonetic
        code = tags.get(name)
        if code is None:
            code = _tag_code(tags, name)
        if code == 1:
            raw = "".join(text) if len(text) != 1 else text[0]
            value: Any
            if kind == "s":
                value = strings[int(raw)] if raw else ""
            elif kind in ("inlineStr", "str", "e"):
                value = raw
            elif kind == "b":
                value = raw == "1"
            elif kind == "d":
                value = dt.datetime.fromisoformat(raw) if raw else ""
            elif raw:
                value = float(raw)
                if style in dates:
                    value = _serial_to_date(value, epoch, style in times)
            else:
                value = ""
            n = len(cells)
            if col == n and col < max_columns:
                cells.append(value)
            else:
                if col >= max_columns:
                    if value == "" or value is None:
                        return  # a styled empty cell far to the right is not a column
                    raise limits.too_many_columns(f"第 {row + 1} 行", col + 1)
                if col > n:
                    cells.extend([""] * (col - n + 1))
                cells[col] = value
        elif code == 2:
            collect = False
        elif code == 3:
            done.append((row, cells[:]))
        elif code == 4:
            phonetic -= 1

    def chars(data: str) -> None:
        nonlocal chars_in_cell
        if collect:
            chars_in_cell += len(data)
            if chars_in_cell > max_chars:
                raise limits.cell_too_long(f"第 {row + 1} 行", column_letter(col + 1))
            text.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    return parser


def _serial_to_date(serial: float, epoch: dt.datetime, with_time: bool) -> Any:
    if not math.isfinite(serial) or serial < 0 or serial > 2958465:
        return serial
    if epoch.year == 1899 and serial < 60:
        serial += 1  # Excel's fictitious 1900-02-29
    # Serials carry binary fractions of a day: round to the second, as Excel displays them.
    moment = epoch + dt.timedelta(seconds=round(serial * 86400))
    if moment.time() == dt.time(0) and not with_time:
        return moment.date()
    return moment
