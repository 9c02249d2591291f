"""Opening an upload as a table: its format told from the content and the file name.

A ZIP file is XLSX (ODS by its name), an OLE file legacy XLS; otherwise the name's suffix decides, and a
JSON file whose first character is ``{`` is NDJSON. A malformed file raises :class:`ReadError` here; damage
found only later (a JSON array cut short, a CSV field over the cell bound) raises it from
:meth:`Table.rows` after the rows before it.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from xinyong.collection.readers.csv_table import CsvTable
from xinyong.collection.readers.errors import ReadError
from xinyong.collection.readers.json_tables import JsonTable, NdjsonTable
from xinyong.collection.readers.limits import ReadLimits
from xinyong.collection.readers.spreadsheet import XlsxTable
from xinyong.collection.readers.table import SAMPLE_BYTES, Table

__all__ = ["open_table"]


@contextmanager
def open_table(
    path: Path | str,
    *,
    filename: str | None = None,
    sheet: str | None = None,
    limits: ReadLimits | None = None,
) -> Iterator[Table]:
    """Open an uploaded file as a :class:`Table` (format from the content and the file name).

    ``limits`` bound what the file may expand to (docs/limits.md; the configured ones by default). A
    context manager, as ``open()`` is: the table's files are closed when the block ends.
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
