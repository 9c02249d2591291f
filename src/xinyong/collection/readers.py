"""Streaming readers for uploaded tables (CSV, XLSX, JSON, NDJSON) and the rejection-file writer.

:func:`open_table` opens a file and gives a :class:`Table`: its format, detected encoding, sheets, headers
and a :meth:`Table.rows` iterator of :class:`SourceRow`. Nothing reads a whole file into memory: CSV and
NDJSON are read line by line, JSON arrays object by object (``ijson``), XLSX sheets row by row.

Row numbers are what the user sees: the row number in the sheet or the record number in the CSV (header =
1 when it is the first row; an embedded line break inside a quoted cell does not start a new row, as in
Excel); for JSON the 1-based object index; for NDJSON the line number. Fully empty rows are skipped (they
are not counted as read rows).

CSV
    Encoding detected, not asked: a BOM means ``utf-8-sig`` (or ``utf-16``); otherwise the first 64 KB
    holding a non-ASCII byte are decoded as strict UTF-8 (``utf-8``), then as GB18030 (``gb18030``, a
    superset of GBK, so GBK files report ``gb18030`` too). Bytes later in the file that do not decode are
    replaced and the row is marked ``encoding_invalid_bytes`` (one bad row, not a lost file). The
    delimiter (comma, tab, semicolon, pipe) is sniffed from the first records. Excel-style quoting and line
    breaks inside quoted cells are supported. A row with fewer cells than headers gets ``None`` for the
    missing ones; a row with more keeps the extra cells after the header-aligned values (validation reports
    ``row_extra_cells``); trailing empty cells and trailing empty header cells are dropped.
XLSX
    Sheets are chosen by name; by default the first visible sheet with data. The header is the first
    non-empty row; a first row with a single filled cell followed by a fuller row is a title and is skipped.
    A **two-row header** is recognised when the header row has merged cells (spanning several columns, or
    both header rows): a column under a cell merged over several columns is named ``上级-下级`` (e.g.
    ``行政相对人-名称``), a column whose lower cell is empty keeps the upper text. The lower text alone is
    ambiguous (``名称`` of which party?), so it is never used alone; column mapping resolves ``上级-下级``
    first as a whole (``行政相对人名称``) and then by its lower part (``统一社会信用代码``). Numbers stay
    ``float`` (so a USCC mangled into ``9.13501E+17`` reaches the identifier checks), date cells become
    ``date`` (``datetime`` when they carry a time). Sheets whose XML is small are read with
    ``python-calamine`` (fast, but it loads the whole sheet); larger ones (above
    :data:`CALAMINE_MAX_SHEET_BYTES` of sheet XML) with a streaming ``expat`` parser that keeps only the
    current rows in memory (shared strings of very large workbooks are spilled to a temporary file).
    Legacy ``.xls`` and ``.ods`` files are read with calamine (``.xls`` holds at most 65,536 rows) and
    report format ``xlsx``: their rejection file is an ``.xlsx``.
JSON / NDJSON
    A JSON file is an array of objects; NDJSON one object per line (blank lines skipped; a line that is not
    a JSON object is a row with ``error = "json_line_invalid"``, not a file error). Headers are the union of
    the keys of the first :data:`JSON_HEADER_SCAN` objects in order of first appearance; a key first seen
    later is appended to ``Table.headers`` when its row is read (values are aligned with the headers at
    that moment, so later rows are longer). JSON numbers arrive as ``int`` or ``Decimal`` (exact).

A malformed file raises :class:`ReadError` from :func:`open_table`; damage found only later (a JSON array
cut short, a CSV field over 16 MB) raises it from :meth:`Table.rows` after the rows before it.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import math
import mmap
import re
import tempfile
import zipfile
import zlib
from abc import ABC, abstractmethod
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree
from xml.parsers import expat

from xinyong.collection.limits import (
    LIMIT_CODES,
    ProgressGuard,
    ReadLimits,
    check_zip_package,
    column_letter,
    inflate_part,
    json_value,
    ods_cell_extent,
    sheet_cell_extent,
)
from xinyong.collection.read_errors import READ_ERROR_MESSAGES, ReadError
from xinyong.core.jsondepth import json_depth_exceeds
from xinyong.core.spreadsheet import neutralise, xlsx_text_cell

__all__ = [
    "CALAMINE_MAX_SHEET_BYTES",
    "FORMATS",
    "JSON_HEADER_SCAN",
    "READ_ERROR_MESSAGES",
    "REJECTION_COLUMNS",
    "ReadError",
    "ReadLimits",
    "SourceRow",
    "Table",
    "open_table",
    "rejection_filename",
    "write_rejection_file",
]

FORMATS = ("csv", "xlsx", "json", "ndjson")

#: Objects scanned for the headers of a JSON / NDJSON table.
JSON_HEADER_SCAN = 1000

#: Sheets whose XML part is larger than this are streamed instead of loaded by calamine (which holds the
#: whole sheet in memory, about 1.5 × the XML size).
CALAMINE_MAX_SHEET_BYTES = 64 * 1024 * 1024

#: Shared-string tables larger than this (uncompressed XML) are kept in a temporary file, not in memory.
SHARED_STRINGS_SPILL_BYTES = 64 * 1024 * 1024

#: calamine loads a sheet as one rectangle from A1 to its farthest value: sheets whose rectangle holds more
#: cells than this are streamed (a value in A1 and one in XFD1048576 would make 17 billion cells).
CALAMINE_MAX_CELLS = 5_000_000

#: XLSX parts read whole into memory (workbook, relationships, styles) may not be larger than this.
XLSX_METADATA_MAX_BYTES = 32 * 1024 * 1024

#: The parts calamine reads when it opens a workbook, checked first (see ``limits.inflate_part``).
_CALAMINE_OPEN_PARTS = (
    "[Content_Types].xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "xl/sharedStrings.xml",
)

SAMPLE_BYTES = 64 * 1024
_IJSON_BUFFER = 64 * 1024
_ENCODING_SCAN_LIMIT = 16 * 1024 * 1024
_DELIMITERS = (",", "\t", ";", "|")

#: Columns appended to a rejection file.
REJECTION_COLUMNS = ("错误代码", "错误说明")


@dataclass(slots=True)
class SourceRow:
    """One row as read: ``values`` aligned with ``Table.headers`` (raw types kept).

    ``error`` is set when the row itself could not be read (``json_line_invalid``, ``json_item_invalid``,
    ``encoding_invalid_bytes``); ``detail`` then holds the raw text or the parser's explanation.
    """

    number: int
    values: list[Any]
    error: str | None = None
    detail: str = ""


# ---------------------------------------------------------------------------------------------------
# Helpers shared by the formats


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number_text(value: float) -> str:
    """A float as a spreadsheet shows it: ``2023.0`` → ``2023``."""
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def _header_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).replace("\ufeff", "").strip()


_HEADER_WORD = re.compile(r"[A-Za-z]|.*[\u3400-\u9fff\uf900-\ufaff]")


def _check_header(headers: Sequence[str]) -> None:
    """A first row where no cell holds Chinese text or starts with a letter (a column code) is data."""
    if headers and not any(_HEADER_WORD.match(h) for h in headers):
        shown = "、".join(h for h in headers[:4] if h)
        raise ReadError("header_missing", cells=shown)


def _trim_headers(headers: list[str]) -> list[str]:
    while headers and not headers[-1]:
        headers.pop()
    return headers


def _shape(cells: list[Any], width: int) -> list[Any]:
    """Align a row with the headers: pad with None, keep non-empty extra cells after the aligned ones."""
    n = len(cells)
    if n == width:
        return cells
    if n < width:
        cells.extend([None] * (width - n))
        return cells
    end = n
    while end > width and _is_blank(cells[end - 1]):
        end -= 1
    del cells[end:]
    return cells


def _detect_format(path: Path, name: str) -> str:
    with path.open("rb") as f:
        head = f.read(8)
        if not head:
            raise ReadError("file_empty")
        if head.startswith(b"PK\x03\x04"):
            return "ods" if Path(name).suffix.lower() == ".ods" else "xlsx"
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            return "xls"
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        raise ReadError("xlsx_invalid", detail="文件内容不是 Excel 格式")
    if suffix in (".ndjson", ".jsonl"):
        return "ndjson"
    if suffix == ".json":
        first = _first_significant_byte(path)
        if first is None:
            raise ReadError("file_empty")
        return "ndjson" if first == b"{" else "json"
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    first = _first_significant_byte(path)
    if first is None:
        raise ReadError("file_empty")
    if first == b"[":
        return "json"
    if first == b"{":
        return "ndjson"
    if suffix in ("", ".dat"):
        return "csv"
    raise ReadError("file_format_unknown", name=name)


def _first_significant_byte(path: Path) -> bytes | None:
    with path.open("rb") as f:
        chunk = f.read(SAMPLE_BYTES)
    if chunk.startswith(codecs.BOM_UTF8):
        chunk = chunk[3:]
    stripped = chunk.lstrip()
    return stripped[:1] or None


def _detect_encoding(f: IO[bytes]) -> str:
    """``utf-8-sig`` / ``utf-16`` by BOM; else the first non-ASCII sample decoded as UTF-8, then GB18030."""
    f.seek(0)
    head = f.read(4)
    f.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    scanned = 0
    encoding = "utf-8"
    while scanned < _ENCODING_SCAN_LIMIT:
        chunk = f.read(SAMPLE_BYTES)
        if not chunk:
            break
        scanned += len(chunk)
        if chunk.isascii():
            continue
        final = len(chunk) < SAMPLE_BYTES
        for candidate in ("utf-8", "gb18030"):
            try:
                # Incremental: a multi-byte character cut at the end of the sample is not an error.
                codecs.getincrementaldecoder(candidate)().decode(chunk, final=final)
            except UnicodeDecodeError:
                continue
            encoding = candidate
            break
        else:
            raise ReadError("encoding_unknown")
        break
    f.seek(0)
    return encoding


def _sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the first records into the most columns, consistently."""
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may cut the last record
    best, best_score = ",", (0.0, 1)
    for delimiter in _DELIMITERS:
        try:
            records = [r for r in csv.reader(lines[:200], delimiter=delimiter) if any(c.strip() for c in r)]
        except csv.Error:
            continue
        if not records:
            continue
        width = len(_trim_headers([c.strip() for c in records[0]]))
        if width < 2:
            continue
        body = records[1:51] or records[:1]
        consistent = sum(1 for r in body if len(_trim_headers([c.strip() for c in r])) == width) / len(body)
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


# ---------------------------------------------------------------------------------------------------
# Table


class Table(ABC):
    """An opened table. ``rows()`` starts from the first data row each time it is called."""

    format: str = ""
    encoding: str | None = None
    delimiter: str | None = None

    def __init__(self, path: Path, limits: ReadLimits) -> None:
        self.path = path
        self.limits = limits
        self.size = path.stat().st_size
        self.sheet_names: list[str] = []
        self.sheet: str | None = None
        self.headers: list[str] = []
        #: Row number of the (last) header row; 0 for JSON / NDJSON.
        self.header_row = 0
        #: Data rows in the sheet when known in advance (XLSX; empty rows included), else None.
        self.total_rows: int | None = None
        self._position: Callable[[], int] = lambda: 0
        self._closers: list[Callable[[], None]] = []

    @property
    def position(self) -> int:
        """Bytes of the file consumed so far by the current ``rows()`` iteration (for progress; XLSX: 0)."""
        try:
            return self._position()
        except (ValueError, OSError):
            return self.size

    def rows(self, *, after: int = 0) -> Iterator[SourceRow]:
        """Data rows, streamed; with ``after``, only rows whose number is greater (to resume a batch)."""
        for row in self._rows():
            if row.number > after:
                yield row

    @abstractmethod
    def _rows(self) -> Iterator[SourceRow]:
        """The data rows of this format, from the first one."""

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()


@contextmanager
def open_table(
    path: Path | str,
    *,
    filename: str | None = None,
    sheet: str | None = None,
    limits: ReadLimits | None = None,
) -> Iterator[Table]:
    """Open an uploaded file as a :class:`Table` (format from the content and the file name).

    ``limits`` bound what the file may expand to (``collection.limits``; the configured ones by default).
    """
    path = Path(path)
    name = filename or path.name
    limits = limits or ReadLimits.from_settings()
    kind = _detect_format(path, name)
    table: Table
    if kind == "csv":
        table = CsvTable(path, limits)
    elif kind in ("xlsx", "xls", "ods"):
        table = XlsxTable(path, limits, sheet=sheet, kind=kind)
    elif kind == "json":
        table = JsonTable(path, limits)
    else:
        table = NdjsonTable(path, limits)
    try:
        yield table
    finally:
        table.close()


# ---------------------------------------------------------------------------------------------------
# CSV

_decode_errors = 0


def _count_replace(error: UnicodeError) -> tuple[str, int]:
    global _decode_errors
    _decode_errors += 1
    assert isinstance(error, UnicodeDecodeError)
    return "\ufffd", error.end


codecs.register_error("xinyong_count_replace", _count_replace)


class _RecordTooLong(Exception):
    """Raised by the line source of the CSV reader: the record being read passed the row length bound."""

    def __init__(self, line: str) -> None:
        self.line = line


def _width(cells: list[Any]) -> int:
    """Cells up to the last non-blank one."""
    width = len(cells)
    while width and _is_blank(cells[width - 1]):
        width -= 1
    return width


class CsvTable(Table):
    format = "csv"

    def __init__(self, path: Path, limits: ReadLimits) -> None:
        super().__init__(path, limits)
        with path.open("rb") as f:
            self.encoding = _detect_encoding(f)
            sample_bytes = f.read(SAMPLE_BYTES)
        sample = codecs.getincrementaldecoder(self.encoding)(errors="replace").decode(sample_bytes)
        if not sample.strip().replace("\ufeff", ""):
            raise ReadError("file_empty")
        self.delimiter = _sniff_delimiter(sample)
        for number, cells in self._records():
            self.header_row = number
            self.headers = _trim_headers([_header_text(c) for c in cells])
            break
        else:
            raise ReadError("file_empty")
        _check_header(self.headers)

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        """Non-empty records with their record number (blank records count, as rows in Excel do).

        Lines are read at most ``max_row_chars`` at a time and a record (which may span lines) is refused
        as soon as it passes that bound, so one endless line never has to fit in memory; cells are bounded
        by the csv module's field size limit.
        """
        limits = self.limits
        raw = self.path.open("rb")
        self._closers.append(raw.close)
        text = io.TextIOWrapper(raw, encoding=self.encoding, errors="xinyong_count_replace", newline="")
        self._position = raw.tell
        # Process-wide in the csv module; every reader sets the configured bound.
        csv.field_size_limit(limits.max_cell_chars)
        record_chars = 0

        def lines() -> Iterator[str]:
            nonlocal record_chars
            limit = limits.max_row_chars
            while line := text.readline(limit + 1):
                record_chars += len(line)
                if record_chars > limit:
                    raise _RecordTooLong(line)
                yield line

        delimiter = self.delimiter or ","
        reader = csv.reader(lines(), delimiter=delimiter, quotechar='"', doublequote=True)
        number = 0
        try:
            for cells in reader:
                number += 1
                record_chars = 0
                if len(cells) > limits.max_columns and _width(cells) > limits.max_columns:
                    raise limits.too_many_columns(f"第 {number} 行", _width(cells))
                joined = "".join(cells)
                if not joined or joined.isspace() or joined == "\ufeff":
                    continue
                yield number, cells
        except _RecordTooLong as exc:
            where = f"第 {number + 1} 行"
            separators = exc.line.count(delimiter)
            if separators >= limits.max_columns:
                # A header of a million columns is one endless line: say what it is.
                raise limits.too_many_columns(where, separators + 1) from None
            raise limits.row_too_long(where) from None
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise limits.cell_too_long(f"第 {number + 1} 行", "") from exc
            raise ReadError("csv_invalid", line=reader.line_num, detail=str(exc)) from exc
        finally:
            text.detach()
            raw.close()

    def _rows(self) -> Iterator[SourceRow]:
        width = len(self.headers)
        errors_before = _decode_errors
        records = self._records()
        next(records, None)  # the header
        for number, cells in records:
            values: list[Any] = _shape(cells, width)
            if _decode_errors != errors_before and any(isinstance(v, str) and "\ufffd" in v for v in values):
                yield SourceRow(number, values, error="encoding_invalid_bytes", detail=self.encoding or "")
                continue
            yield SourceRow(number, values)


# ---------------------------------------------------------------------------------------------------
# XLSX


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


_REF = re.compile(r"([A-Z]+)(\d+)")


def _parse_ref(ref: str) -> tuple[int, int]:
    """``"B3"`` → (row 2, column 1), both 0-based."""
    m = _REF.fullmatch(ref.replace("$", ""))
    if not m:
        raise ValueError(ref)
    return int(m[2]) - 1, _column_index(m[1])


def _parse_range(ref: str) -> tuple[int, int, int, int]:
    first, _, last = ref.partition(":")
    r1, c1 = _parse_ref(first)
    r2, c2 = _parse_ref(last or first)
    return r1, c1, r2, c2


def _cell_blank(value: Any) -> bool:
    return value is None or value == ""


def _combine_two_row_header(
    top: list[Any], lower: list[Any], merges: list[tuple[int, int, int, int]], top_row: int
) -> list[str]:
    """Headers of a two-row header: ``上级-下级`` under a cell merged over several columns."""
    width = max(len(top), len(lower))
    top = [*top, *[""] * (width - len(top))]
    lower = [*lower, *[""] * (width - len(lower))]
    anchor_of: dict[int, int] = {}
    for r1, c1, _r2, c2 in merges:
        if r1 == top_row and c2 > c1:
            for c in range(c1, c2 + 1):
                anchor_of[c] = c1
    out = []
    for c in range(width):
        upper = _header_text(top[anchor_of.get(c, c)])
        below = _header_text(lower[c])
        if upper and below:
            out.append(f"{upper}-{below}")
        else:
            out.append(upper or below)
    return _trim_headers(out)


class _StringStore:
    """Shared strings; kept in a temporary file (offsets in memory) when the table is very large."""

    def __init__(self, spill: bool) -> None:
        self._list: list[str] | None = None if spill else []
        # Owned by the store and closed by close(), when the table is closed.
        self._file = tempfile.TemporaryFile() if spill else None  # noqa: SIM115
        self._offsets = array("Q", [0])
        self._map: mmap.mmap | None = None

    def append(self, text: str) -> None:
        if self._list is not None:
            self._list.append(text)
            return
        assert self._file is not None
        data = text.encode("utf-8")
        self._file.write(data)
        self._offsets.append(self._offsets[-1] + len(data))

    def finish(self) -> None:
        if self._file is not None and self._offsets[-1]:
            self._file.flush()
            self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)

    def __getitem__(self, index: int) -> str:
        if self._list is not None:
            return self._list[index]
        if self._map is None:
            if 0 <= index < len(self._offsets) - 1:
                return ""
            raise IndexError(index)
        return self._map[self._offsets[index] : self._offsets[index + 1]].decode("utf-8")

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
        if self._file is not None:
            self._file.close()


def _local(name: str) -> str:
    return name[name.rfind("}") + 1 :]


_DATE_FORMAT_IDS = frozenset({*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)})


def _date_styles(zf: zipfile.ZipFile) -> tuple[frozenset[int], frozenset[int]]:
    """Indexes of cell styles that format numbers as dates, and those among them that show a time."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    try:
        root = ElementTree.fromstring(zf.read("xl/styles.xml"))
    except KeyError:
        return frozenset(), frozenset()
    custom: dict[int, str] = {}
    xfs: list[int] = []
    for el in root:
        tag = _local(el.tag)
        if tag == "numFmts":
            for fmt in el:
                custom[int(fmt.get("numFmtId", "0"))] = fmt.get("formatCode", "")
        elif tag == "cellXfs":
            xfs = [int(xf.get("numFmtId", "0")) for xf in el]
    dates: set[int] = set()
    times: set[int] = set()
    for index, fmt_id in enumerate(xfs):
        code = custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id, "")
        is_date = fmt_id in _DATE_FORMAT_IDS or (
            bool(code) and is_date_format(code) and not is_timedelta_format(code)
        )
        if is_date:
            dates.add(index)
            if re.search(r"[hs]", re.sub(r'"[^"]*"|\[[^\]]*\]', "", code.lower())):
                times.add(index)
    return frozenset(dates), frozenset(times)


class _XlsxPackage:
    """The parts of an XLSX package the streaming reader needs (sheet list, styles, shared strings)."""

    NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    def __init__(self, path: Path, limits: ReadLimits) -> None:
        self.path = path
        self.limits = limits
        try:
            self.zf = zipfile.ZipFile(path)
            for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"):
                if self.part_size(name) > XLSX_METADATA_MAX_BYTES:
                    raise ReadError("xlsx_invalid", detail=f"“{name}”异常庞大，不像是正常导出的表格")
            workbook = ElementTree.fromstring(self.zf.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(self.zf.read("xl/_rels/workbook.xml.rels"))
        except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
            raise ReadError("xlsx_invalid", detail=f"文件结构不完整：{exc}") from exc
        self._verified: set[str] = set()
        targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
        self.sheets: list[tuple[str, str, bool]] = []  # name, part, visible
        self.date1904 = False
        for el in workbook.iter():
            tag = _local(el.tag)
            if tag == "workbookPr":
                self.date1904 = el.get("date1904") in ("1", "true")
            elif tag == "sheet":
                target = targets.get(el.get(f"{{{self.NS_REL}}}id"), "")
                part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                self.sheets.append((el.get("name", ""), part, el.get("state", "visible") == "visible"))
        self._strings: _StringStore | None = None
        self._styles: tuple[frozenset[int], frozenset[int]] | None = None

    def part_size(self, part: str) -> int:
        try:
            return self.zf.getinfo(part).file_size
        except KeyError:
            return 0

    def calamine_can_load(self, part: str) -> bool:
        """May calamine load this sheet? Only when what it will inflate is what the parts declare, and the
        sheet's rectangle of cells is small (calamine holds it all in memory)."""
        if self.part_size(part) > CALAMINE_MAX_SHEET_BYTES:
            return False
        if self.part_size("xl/sharedStrings.xml") > SHARED_STRINGS_SPILL_BYTES:
            return False  # calamine holds every shared string in memory
        for name in (*_CALAMINE_OPEN_PARTS, part):
            if name in self._verified:
                continue
            try:
                info = self.zf.getinfo(name)
            except KeyError:
                continue
            if name == part:
                rows, columns = sheet_cell_extent(inflate_part(self.path, info))
                if rows * columns > CALAMINE_MAX_CELLS:
                    return False
            else:
                for _chunk in inflate_part(self.path, info):
                    pass
            self._verified.add(name)
        return True

    @property
    def styles(self) -> tuple[frozenset[int], frozenset[int]]:
        if self._styles is None:
            self._styles = _date_styles(self.zf)
        return self._styles

    @property
    def strings(self) -> _StringStore:
        if self._strings is None:
            self._strings = self._read_strings()
        return self._strings

    def _read_strings(self) -> _StringStore:
        part = "xl/sharedStrings.xml"
        store = _StringStore(spill=self.part_size(part) > SHARED_STRINGS_SPILL_BYTES)
        if not self.part_size(part):
            return store
        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        state = {"depth_rph": 0, "in_t": False, "chars": 0}
        parts: list[str] = []
        max_chars = self.limits.max_cell_chars

        def start(name: str, _attrs: dict[str, str]) -> None:
            tag = _local(name)
            if tag == "si":
                parts.clear()
                state["chars"] = 0
            elif tag == "rPh":
                state["depth_rph"] += 1
            elif tag == "t" and not state["depth_rph"]:
                state["in_t"] = True

        def end(name: str) -> None:
            tag = _local(name)
            if tag == "si":
                store.append("".join(parts))
            elif tag == "rPh":
                state["depth_rph"] -= 1
            elif tag == "t":
                state["in_t"] = False

        def chars(data: str) -> None:
            if state["in_t"]:
                state["chars"] += len(data)
                if state["chars"] > max_chars:
                    raise self.limits.cell_too_long("共享字符串表中", "")
                parts.append(data)

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = chars
        try:
            with self.zf.open(part) as f:
                while chunk := f.read(1 << 20):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except (zipfile.BadZipFile, expat.ExpatError, zlib.error) as exc:
            store.close()
            raise ReadError("xlsx_invalid", detail=f"共享字符串表已损坏：{str(exc)[:120]}") from exc
        except ReadError:
            store.close()
            raise
        store.finish()
        return store

    def merges(self, part: str) -> list[tuple[int, int, int, int]]:
        """Merged ranges of a sheet (they follow the cell data, so the part is scanned once, unparsed)."""
        pattern = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z$]+\d+(?::[A-Z$]+\d+)?)"')
        found: list[tuple[int, int, int, int]] = []
        tail = b""
        with self.zf.open(part) as f:
            while chunk := f.read(1 << 18):
                data = tail + chunk
                for m in pattern.finditer(data):
                    found.append(_parse_range(m[1].decode()))
                tail = data[-256:]
                # A match inside the overlap is found again next round: drop duplicates at the end.
        return sorted(set(found))

    def dimension(self, part: str) -> tuple[int, int, int, int] | None:
        """The used range declared at the top of a sheet (0-based first row/column, last row/column)."""
        with self.zf.open(part) as f:
            head = f.read(4096)
        m = re.search(rb'<(?:\w+:)?dimension\s+ref="([A-Z$]+\d+(?::[A-Z$]+\d+)?)"', head)
        return _parse_range(m[1].decode()) if m else None

    def close(self) -> None:
        if self._strings is not None:
            self._strings.close()
        self.zf.close()


_TAGS = {"c": 1, "v": 2, "t": 2, "row": 3, "rPh": 4, "is": 0}


def _tag_code(cache: dict[str, int], name: str) -> int:
    """1 cell, 2 text holder, 3 row, 4 phonetic run, 0 other (names may carry a namespace prefix)."""
    code = cache.get(name)
    if code is None:
        code = cache[name] = _TAGS.get(name[name.rfind(":") + 1 :], 0)
    return code


def _xlsx_stream_rows(package: _XlsxPackage, part: str) -> Iterator[tuple[int, list[Any]]]:
    """(0-based row index, cells from column A) for every row of a sheet, parsed as a stream."""
    dates, times = package.styles
    strings = package.strings
    limits = package.limits
    max_chars, max_columns = limits.max_cell_chars, limits.max_columns
    epoch = dt.datetime(1904, 1, 1) if package.date1904 else dt.datetime(1899, 12, 30)
    parser = expat.ParserCreate()
    parser.buffer_text = True
    done: list[tuple[int, list[Any]]] = []
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
                    c = col_cache[letters] = _column_index(letters)
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


def _verify_zip_parts(path: Path) -> None:
    """Inflate every part of a small zip package (ODS) once: refused when one inflates beyond its declared size."""
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    for info in infos:
        for _chunk in inflate_part(path, info):
            pass


class XlsxTable(Table):
    format = "xlsx"

    def __init__(self, path: Path, limits: ReadLimits, *, sheet: str | None, kind: str) -> None:
        super().__init__(path, limits)
        self._package: _XlsxPackage | None = None
        self._calamine = None
        self._sheet_obj = None
        self._part = ""
        self._start = (0, 0)
        self._merges: list[tuple[int, int, int, int]] = []
        self._data_after = 0  # 0-based index of the last header row
        if kind in ("xlsx", "ods"):
            # Zip packages: refused before any part is opened when they would inflate beyond the bounds.
            check_zip_package(path, limits=limits)
        if kind == "xlsx":
            self._package = _XlsxPackage(path, limits)
            self._closers.append(self._package.close)
            self.sheet_names = [name for name, _part, _visible in self._package.sheets]
        else:
            if kind == "ods":
                _verify_zip_parts(path)
                rows, columns = ods_cell_extent(path)
                if rows * columns > CALAMINE_MAX_CELLS:
                    # No streaming reader for ODS: a sheet calamine cannot hold is refused.
                    raise ReadError(
                        "too_many_cells", count=f"{rows * columns:,}", limit=f"{CALAMINE_MAX_CELLS:,}"
                    )
            self._open_calamine()
            self.sheet_names = list(self._calamine.sheet_names)  # type: ignore[union-attr]
        self._choose_sheet(sheet)

    # -- opening -----------------------------------------------------------------------------------

    def _open_calamine(self) -> None:
        from python_calamine import CalamineError, CalamineWorkbook

        if self._calamine is not None:
            return
        try:
            self._calamine = CalamineWorkbook.from_path(str(self.path))
        except (CalamineError, OSError, ValueError) as exc:
            raise ReadError("xlsx_invalid", detail=str(exc).splitlines()[0][:200]) from exc
        self._closers.append(self._calamine.close)

    def _visible_order(self) -> list[str]:
        if self._package is not None:
            sheets = self._package.sheets
            return [n for n, _p, v in sheets if v] + [n for n, _p, v in sheets if not v]
        meta = self._calamine.sheets_metadata  # type: ignore[union-attr]
        visible = [m.name for m in meta if str(m.visible).endswith("Visible")]
        return visible + [m.name for m in meta if m.name not in visible]

    def _choose_sheet(self, wanted: str | None) -> None:
        if wanted is not None:
            names = {n.strip(): n for n in self.sheet_names}
            name = wanted if wanted in self.sheet_names else names.get(wanted.strip())
            if name is None:
                raise ReadError(
                    "sheet_not_found", sheet=wanted, names="、".join(self.sheet_names) or "（无）"
                )
            if not self._load(name):
                raise ReadError("sheet_empty", sheet=name)
            return
        # Templates often start with a 填表说明 sheet: prefer the first sheet with a table (2+ headers).
        first_with_data = None
        for name in self._visible_order():
            try:
                loaded = self._load(name)
            except ReadError as exc:
                if exc.code in LIMIT_CODES:
                    raise
                continue  # a chart sheet or a damaged sheet: look at the next one
            if loaded:
                if len(self.headers) >= 2:
                    return
                first_with_data = first_with_data or name
        if first_with_data is None:
            raise ReadError("file_empty")
        self._load(first_with_data)

    def _load(self, name: str) -> bool:
        """Prepare sheet ``name`` and read its header; False when it has no data."""
        self.sheet = name
        if self._package is not None:
            part = next(p for n, p, _v in self._package.sheets if n == name)
            self._part = part
            if not self._package.calamine_can_load(part):
                self._sheet_obj = None
                used = self._package.dimension(part)
                self._start = used[:2] if used else (0, 0)
                self._merges = self._package.merges(part)
                if not self._read_header():
                    return False
                if used:
                    self.total_rows = max(0, used[2] + 1 - self.header_row)
                return True
        self._open_calamine()
        from python_calamine import CalamineError

        try:
            sheet = self._calamine.get_sheet_by_name(name)  # type: ignore[union-attr]
        except CalamineError as exc:
            raise ReadError("xlsx_invalid", detail=str(exc).splitlines()[0][:200]) from exc
        if not sheet.height or sheet.start is None:
            return False
        self._sheet_obj = sheet
        self._start = sheet.start
        self._merges = [(r1, c1, r2, c2) for (r1, c1), (r2, c2) in (sheet.merged_cell_ranges or [])]
        self.total_rows = None
        return self._read_header()

    def _raw_rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(0-based absolute row index, cells from the sheet's first used column) for every row."""
        col0 = self._start[1]
        if self._sheet_obj is not None:
            # python-calamine 0.9.1 yields every row from the sheet's first row (row 1), each holding the
            # cells from the first used column on.
            yield from enumerate(self._sheet_obj.iter_rows())
            return
        assert self._package is not None
        for index, cells in _xlsx_stream_rows(self._package, self._part):
            yield index, cells[col0:] if col0 else cells

    def _read_header(self) -> bool:
        peeked: list[tuple[int, list[Any]]] = []
        for index, cells in self._raw_rows():
            self.limits.check_cells(cells, where=f"第 {index + 1} 行", headers=[])
            if all(_cell_blank(c) for c in cells):
                continue
            peeked.append((index, cells))
            if len(peeked) == 3:
                break
        if not peeked:
            return False
        col0 = self._start[1]
        filled = [sum(1 for c in cells if not _cell_blank(c)) for _i, cells in peeked]
        if len(peeked) > 1 and filled[0] == 1 and filled[1] >= 2:
            peeked = peeked[1:]  # a title row above the header
        top_index, top = peeked[0]
        merges = [(r1, c1 - col0, r2, c2 - col0) for r1, c1, r2, c2 in self._merges]
        two_rows = len(peeked) > 1 and any(
            r1 == top_index and (c2 > c1 or r2 > r1) and r2 <= top_index + 1 for r1, c1, r2, c2 in merges
        )
        if two_rows and peeked[1][0] == top_index + 1:
            self.headers = _combine_two_row_header(top, peeked[1][1], merges, top_index)
            self._data_after = top_index + 1
        else:
            self.headers = _trim_headers([_header_text(c) for c in top])
            self._data_after = top_index
        self.header_row = self._data_after + 1
        _check_header(self.headers)
        if self._sheet_obj is not None:
            self.total_rows = max(0, self._start[0] + self._sheet_obj.height - self.header_row)
        return True

    def _rows(self) -> Iterator[SourceRow]:
        width = len(self.headers)
        after = self._data_after
        check = self.limits.check_cells
        for index, cells in self._raw_rows():
            if index <= after:
                continue
            check(cells, where=f"第 {index + 1} 行", headers=self.headers)
            if all(_cell_blank(c) for c in cells):
                continue
            yield SourceRow(index + 1, _shape(list(cells), width))


# ---------------------------------------------------------------------------------------------------
# JSON and NDJSON


class _Utf8Stream(io.RawIOBase):
    """A text stream re-encoded as UTF-8 bytes (for a JSON file in GB18030 or UTF-16)."""

    def __init__(self, text: IO[str]) -> None:
        self._text = text
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while len(self._pending) < len(buffer):
            chunk = self._text.read(SAMPLE_BYTES)
            if not chunk:
                break
            self._pending += chunk.encode("utf-8")
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def _json_detail(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


class _KeyedTable(Table):
    """JSON-like tables: rows are objects, headers the keys in order of first appearance."""

    @abstractmethod
    def _objects(self) -> Iterator[tuple[int, Any, str]]:
        """(row number, parsed value, raw text when the value is not an object) for every record."""

    def _where(self, number: int) -> str:
        return f"第 {number} 行" if self.format == "ndjson" else f"第 {number} 条记录"

    def _scan_headers(self) -> None:
        seen: dict[str, None] = {}
        limit = self.limits.max_columns
        for count, (number, obj, _raw) in enumerate(self._objects(), 1):
            if isinstance(obj, dict):
                for key in obj:
                    seen.setdefault(str(key), None)
                if len(seen) > limit:
                    raise self.limits.too_many_columns(f"截至{self._where(number)}，各记录", len(seen))
            if count >= JSON_HEADER_SCAN:
                break
        self.headers = list(seen)

    def _rows(self) -> Iterator[SourceRow]:
        index = {h: i for i, h in enumerate(self.headers)}
        for number, obj, raw in self._objects():
            if not isinstance(obj, dict):
                code = "json_line_invalid" if self.format == "ndjson" else "json_item_invalid"
                yield SourceRow(number, [], error=code, detail=raw)
                continue
            values: list[Any] = [None] * len(self.headers)
            for key, value in obj.items():
                key = str(key)
                i = index.get(key)
                if i is None:
                    i = index[key] = len(self.headers)
                    if i >= self.limits.max_columns:
                        raise self.limits.too_many_columns(f"截至{self._where(number)}，各记录", i + 1)
                    self.headers.append(key)
                    values.append(None)
                values[i] = value
            yield SourceRow(number, values)


class JsonTable(_KeyedTable):
    format = "json"

    def __init__(self, path: Path, limits: ReadLimits) -> None:
        super().__init__(path, limits)
        with path.open("rb") as f:
            self.encoding = _detect_encoding(f)
        self._scan_headers()

    def _binary(self) -> IO[bytes]:
        raw = self.path.open("rb")
        self._closers.append(raw.close)
        self._position = raw.tell
        if self.encoding == "utf-8":
            return raw
        if self.encoding == "utf-8-sig":
            raw.read(3)
            return raw
        text = io.TextIOWrapper(raw, encoding=self.encoding, errors="replace")
        return io.BufferedReader(_Utf8Stream(text))

    def _objects(self) -> Iterator[tuple[int, Any, str]]:
        import ijson

        stream = self._binary()
        limits = self.limits
        try:
            # Raw events, each record built here within the bounds (limits.json_value).
            current = [0]
            # At most a row's worth of bytes (4 per character) past the start of the record being read,
            # plus the parser's read-ahead.
            guard = ProgressGuard(
                stream,
                limit=limits.max_row_chars * 4 + 2 * _IJSON_BUFFER,
                refuse=lambda: limits.row_too_long(f"第 {current[0]} 条记录"),
            )
            events = ijson.basic_parse(guard, buf_size=_IJSON_BUFFER)
            first = next(events, None)
            if first is None:
                raise ReadError("file_empty")
            if first[0] != "start_array":
                raise ReadError("json_not_array")
            for number, (event, value) in enumerate(events, 1):
                if event == "end_array":
                    break
                current[0] = number
                guard.mark()
                obj = json_value(event, value, events, limits=limits, where=f"第 {number} 条记录")
                raw = "" if isinstance(obj, dict) else json.dumps(obj, ensure_ascii=False, default=str)
                yield number, obj, raw
            for _event in events:
                pass  # anything after the array is reported as an error
        except ijson.JSONError as exc:
            raise ReadError("json_invalid", detail=_json_detail(exc)) from exc
        finally:
            stream.close()


class NdjsonTable(_KeyedTable):
    format = "ndjson"

    def __init__(self, path: Path, limits: ReadLimits) -> None:
        super().__init__(path, limits)
        with path.open("rb") as f:
            self.encoding = _detect_encoding(f)
        self._scan_headers()
        if not self.headers and not any(True for _ in self._objects()):
            raise ReadError("file_empty")

    def _check_record(self, obj: dict[str, Any], number: int) -> None:
        limits = self.limits
        if len(obj) > limits.max_columns:
            raise limits.too_many_columns(f"第 {number} 行", len(obj))
        for key, value in obj.items():
            if value.__class__ is str and len(value) > limits.max_cell_chars:
                raise limits.cell_too_long(f"第 {number} 行", str(key))

    def _objects(self) -> Iterator[tuple[int, Any, str]]:
        raw = self.path.open("rb")
        self._closers.append(raw.close)
        self._position = raw.tell
        text = io.TextIOWrapper(raw, encoding=self.encoding, errors="replace", newline=None)
        limits = self.limits
        limit = limits.max_row_chars
        number = 0
        try:
            # At most one row's worth of text at a time: an endless line is refused, not read.
            while line := text.readline(limit + 1):
                number += 1
                if len(line) > limit and not line.endswith("\n"):
                    raise limits.row_too_long(f"第 {number} 行")
                stripped = line.strip().lstrip("\ufeff")
                if not stripped:
                    continue
                if json_depth_exceeds(stripped, limits.max_depth):
                    # Checked on the text: json.loads recurses once per level.
                    raise limits.too_deep(f"第 {number} 行")
                try:
                    obj = json.loads(stripped, parse_float=Decimal)
                except ValueError:
                    yield number, None, stripped
                    continue
                if isinstance(obj, dict):
                    self._check_record(obj, number)
                    yield number, obj, ""
                else:
                    yield number, obj, stripped
        finally:
            text.detach()
            raw.close()


# ---------------------------------------------------------------------------------------------------
# Rejection files


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
        return _number_text(value)
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
    width = len(headers)
    if format == "csv":
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
    elif format == "xlsx":
        _write_rejection_xlsx(path, headers, rows, issue_columns=issue_columns, sheet_title=sheet_title)
    elif format in ("json", "ndjson"):
        with path.open("w", encoding="utf-8") as f:
            if format == "json":
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
                if format == "json":
                    f.write(("  " if first else ",\n  ") + line)
                else:
                    f.write(line + "\n")
                first = False
            if format == "json":
                f.write("\n]\n")
    else:
        raise ValueError(f"unknown format {format!r}")


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
