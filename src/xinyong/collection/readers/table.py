"""What every reader shares: the row model, the :class:`Table` protocol and the header helpers.

Row numbers are what the user sees: the row number in the sheet or the record number in the CSV (header =
1 when it is the first row; an embedded line break inside a quoted cell does not start a new row, as in
Excel); for JSON the 1-based object index; for NDJSON the line number. Fully empty rows are skipped (they
are not counted as read rows).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xinyong.collection.readers.errors import ReadError
from xinyong.collection.readers.limits import ReadLimits

#: Bytes read at a time to look at the start of a file (format, encoding, delimiter).
SAMPLE_BYTES = 64 * 1024


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


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def number_text(value: float) -> str:
    """A float as a spreadsheet shows it: ``2023.0`` → ``2023``."""
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def header_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).replace("\ufeff", "").strip()


_HEADER_WORD = re.compile(r"[A-Za-z]|.*[\u3400-\u9fff\uf900-\ufaff]")


def check_header(headers: Sequence[str]) -> None:
    """A first row where no cell holds Chinese text or starts with a letter (a column code) is data."""
    if headers and not any(_HEADER_WORD.match(h) for h in headers):
        shown = "、".join(h for h in headers[:4] if h)
        raise ReadError("header_missing", cells=shown)


def trim_headers(headers: list[str]) -> list[str]:
    while headers and not headers[-1]:
        headers.pop()
    return headers


def shape(cells: list[Any], width: int) -> list[Any]:
    """Align a row with the headers: pad with None, keep non-empty extra cells after the aligned ones."""
    n = len(cells)
    if n == width:
        return cells
    if n < width:
        cells.extend([None] * (width - n))
        return cells
    end = n
    while end > width and is_blank(cells[end - 1]):
        end -= 1
    del cells[end:]
    return cells


class Table(ABC):
    """An opened table. ``rows()`` starts from the first data row each time it is called.

    The reader protocol every format implements (``_rows``); :func:`~xinyong.collection.readers.open_table`
    gives the table of a file and closes it.
    """

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
