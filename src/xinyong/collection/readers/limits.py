"""Bounds on what an uploaded file may expand to, checked before and while it is read (docs/limits.md).

A file's size says little about what reading it costs: a 2 MB XLSX can inflate to gigabytes, a one-line
CSV can hold a million columns, ``[`` repeated 100,000 times is a 100 KB JSON file nested 100,000 deep.
The readers of this package check these bounds as they go, so a hostile file is refused with a
:class:`ReadError` — a stable code and a zh-hans message — before it costs memory or time:

- ``json_too_deep``: a JSON / NDJSON record nesting deeper than ``XINYONG_RECORD_MAX_DEPTH``;
- ``too_many_columns``: a header or row wider than ``XINYONG_FILE_MAX_COLUMNS``;
- ``cell_too_long``: a cell longer than ``XINYONG_FILE_MAX_CELL_CHARS`` characters;
- ``row_too_long``: a row (CSV record, NDJSON line, JSON object) longer than ``XINYONG_FILE_MAX_ROW_CHARS``;
- ``file_too_large_uncompressed`` / ``compression_ratio_too_high``: a zip package (XLSX, ODS) whose parts
  add up to more than ``XINYONG_FILE_MAX_UNCOMPRESSED_BYTES`` or inflate a part more than
  ``XINYONG_FILE_MAX_COMPRESSION_RATIO`` times; ``xlsx_size_mismatch``: a part that inflates to more than
  it declares; ``too_many_cells``: an ODS sheet whose repeated cells expand beyond what can be held.

Every code refuses the whole file: what the file holds is not what the department meant to send. This
module holds the bounds and the checks on rows and JSON records; the checks on zip packages (XLSX, ODS) are
in :mod:`.packages`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings

from xinyong.collection.readers.errors import ReadError

__all__ = [
    "LIMIT_CODES",
    "ProgressGuard",
    "ReadLimits",
    "column_letter",
    "human_size",
    "json_value",
]

#: The codes of the bounds: a file refused with one of them is refused whole (no sheet is skipped for it).
LIMIT_CODES = frozenset(
    {
        "json_too_deep",
        "too_many_columns",
        "cell_too_long",
        "row_too_long",
        "file_too_large_uncompressed",
        "compression_ratio_too_high",
        "xlsx_size_mismatch",
        "too_many_cells",
    }
)


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """The bounds one reading of a file works with (``from_settings`` for the configured ones)."""

    max_depth: int = 3
    max_columns: int = 1000
    max_cell_chars: int = 32767
    max_row_chars: int = 1024 * 1024
    max_uncompressed_bytes: int = 4 * 1024 * 1024 * 1024
    max_compression_ratio: int = 200

    @classmethod
    def from_settings(cls) -> ReadLimits:
        return cls(
            max_depth=settings.XINYONG_RECORD_MAX_DEPTH,
            max_columns=settings.XINYONG_FILE_MAX_COLUMNS,
            max_cell_chars=settings.XINYONG_FILE_MAX_CELL_CHARS,
            max_row_chars=settings.XINYONG_FILE_MAX_ROW_CHARS,
            max_uncompressed_bytes=settings.XINYONG_FILE_MAX_UNCOMPRESSED_BYTES,
            max_compression_ratio=settings.XINYONG_FILE_MAX_COMPRESSION_RATIO,
        )

    # -- refusals, with where they happened ("第 3 行", "第 3 条记录")

    def too_many_columns(self, where: str, count: int) -> ReadError:
        return ReadError("too_many_columns", where=where, count=f"{count:,}", limit=f"{self.max_columns:,}")

    def cell_too_long(self, where: str, column: str) -> ReadError:
        column = f"“{column[:40]}”列" if column else "有一个单元格"
        return ReadError("cell_too_long", where=where, column=column, limit=f"{self.max_cell_chars:,}")

    def row_too_long(self, where: str) -> ReadError:
        return ReadError("row_too_long", where=where, limit=f"{self.max_row_chars:,}")

    def too_deep(self, where: str) -> ReadError:
        return ReadError("json_too_deep", where=where, limit=self.max_depth)

    def check_cells(self, cells: list[Any], *, where: str, headers: list[str]) -> None:
        """Refuse a row of a sheet wider, or with a cell or text longer, than the bounds."""
        width = len(cells)
        if width > self.max_columns:
            while width > self.max_columns and (cells[width - 1] is None or cells[width - 1] == ""):
                width -= 1  # styled empty cells far to the right are not columns
            if width > self.max_columns:
                raise self.too_many_columns(where, width)
        total = 0
        for index, cell in enumerate(cells):
            if cell.__class__ is str:
                size = len(cell)
                if size > self.max_cell_chars:
                    raise self.cell_too_long(where, _column_name(headers, index))
                total += size
        if total > self.max_row_chars:
            raise self.row_too_long(where)


def _column_name(headers: list[str], index: int) -> str:
    """The header of a column, or its letter as the spreadsheet shows it (A, B, … AA)."""
    if index < len(headers) and headers[index]:
        return headers[index]
    return column_letter(index + 1)


def column_letter(number: int) -> str:
    """The spreadsheet letters of column ``number`` (1 → A, 27 → AA), for any width a file may claim."""
    letters = ""
    while number:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def human_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"


# ---------------------------------------------------------------------------------------------------
# JSON


_OPEN = frozenset({"start_map", "start_array"})
_CLOSE = frozenset({"end_map", "end_array"})


def json_value(
    event: str, value: Any, events: Iterator[tuple[str, Any]], *, limits: ReadLimits, where: str
) -> Any:
    """Build the value that starts with ``(event, value)`` from ijson ``basic_parse`` events, within bounds.

    Depth, keys of the record, string lengths and the record's size are checked event by event, so a hostile
    record is refused after at most the bounds' worth of work (``ijson.items`` would first build it, keeping
    a prefix string per level: memory grows with the square of the depth).
    """
    if event not in _OPEN:
        if value.__class__ is str and len(value) > limits.max_cell_chars:
            raise limits.cell_too_long(where, "")
        return value
    max_depth, max_cell, max_row, max_keys = (
        limits.max_depth,
        limits.max_cell_chars,
        limits.max_row_chars,
        limits.max_columns,
    )
    root: Any = {} if event == "start_map" else []
    stack = [root]
    container = root
    key = ""
    keys = 0
    size = 1
    for event, value in events:
        if event == "map_key":
            key = value
            size += len(value) + 1
            if len(stack) == 1:
                keys += 1
                if keys > max_keys:
                    raise limits.too_many_columns(where, keys)
        elif event in _OPEN:
            if len(stack) >= max_depth:
                raise limits.too_deep(where)
            new: Any = {} if event == "start_map" else []
            if container.__class__ is dict:
                container[key] = new
            else:
                container.append(new)
            stack.append(new)
            container = new
            size += 1
        elif event in _CLOSE:
            stack.pop()
            if not stack:
                return root
            container = stack[-1]
            continue
        else:
            if value.__class__ is str:
                if len(value) > max_cell:
                    raise limits.cell_too_long(where, key if len(stack) == 1 else "")
                size += len(value)
            size += 1
            if container.__class__ is dict:
                container[key] = value
            else:
                container.append(value)
        if size > max_row:
            raise limits.row_too_long(where)
    raise ReadError("json_invalid", detail="内容在一条记录的中间结束")


class ProgressGuard(io.RawIOBase):
    """A binary stream that cannot be read further than ``limit`` bytes past the last :meth:`mark`.

    The JSON parser (yajl) lexes a token again from its start each time more of it arrives, so one string of
    hundreds of megabytes costs minutes before any bound on cells can look at it. The reader marks the start
    of every record; a record whose bytes run past what any allowed row can take is refused with
    ``refuse()`` before the parser gets more of it.
    """

    def __init__(self, stream: IO[bytes], *, limit: int, refuse: Callable[[], ReadError]) -> None:
        self._stream = stream
        self._limit = limit
        self._refuse = refuse
        self._total = 0
        self._marked = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._total - self._marked > self._limit:
            raise self._refuse()
        n = self._stream.readinto(buffer) or 0
        self._total += n
        return n

    def mark(self) -> None:
        self._marked = self._total
