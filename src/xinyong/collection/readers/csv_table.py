"""The CSV reader.

The encoding is detected (:mod:`.encoding`); bytes later in the file that do not decode are replaced and
the row is marked ``encoding_invalid_bytes`` (one bad row, not a lost file). The delimiter (comma, tab,
semicolon, pipe) is sniffed from the first records. Excel-style quoting and line breaks inside quoted cells
are supported. A row with fewer cells than headers gets ``None`` for the missing ones; a row with more keeps
the extra cells after the header-aligned values (validation reports ``row_extra_cells``); trailing empty
cells and trailing empty header cells are dropped. A record longer than the row bound or a field longer
than the cell bound is refused (docs/limits.md).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from xinyong.collection.readers.encoding import detect_encoding
from xinyong.collection.readers.errors import ReadError
from xinyong.collection.readers.limits import ReadLimits
from xinyong.collection.readers.table import (
    SAMPLE_BYTES,
    SourceRow,
    Table,
    check_header,
    header_text,
    is_blank,
    shape,
    trim_headers,
)

__all__ = ["CsvTable"]

_DELIMITERS = (",", "\t", ";", "|")


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
        width = len(trim_headers([c.strip() for c in records[0]]))
        if width < 2:
            continue
        body = records[1:51] or records[:1]
        consistent = sum(1 for r in body if len(trim_headers([c.strip() for c in r])) == width) / len(body)
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


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
    while width and is_blank(cells[width - 1]):
        width -= 1
    return width


class CsvTable(Table):
    """A CSV file: encoding and delimiter detected, the header is the first non-empty record."""

    format = "csv"

    def __init__(self, path: Path, limits: ReadLimits) -> None:
        super().__init__(path, limits)
        with path.open("rb") as f:
            self.encoding = detect_encoding(f)
            sample_bytes = f.read(SAMPLE_BYTES)
        sample = codecs.getincrementaldecoder(self.encoding)(errors="replace").decode(sample_bytes)
        if not sample.strip().replace("\ufeff", ""):
            raise ReadError("file_empty")
        self.delimiter = _sniff_delimiter(sample)
        for number, cells in self._records():
            self.header_row = number
            self.headers = trim_headers([header_text(c) for c in cells])
            break
        else:
            raise ReadError("file_empty")
        check_header(self.headers)

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
            values: list[Any] = shape(cells, width)
            if _decode_errors != errors_before and any(isinstance(v, str) and "\ufffd" in v for v in values):
                yield SourceRow(number, values, error="encoding_invalid_bytes", detail=self.encoding or "")
                continue
            yield SourceRow(number, values)
