"""Chunks of a batch being loaded: reading the table in chunks, a chunk prepared without the database (and
pickled between the reading process and the loading one), and what a chunk adds to its batch."""

from __future__ import annotations

import contextlib
import gc
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Protocol

from xinyong.collection.readers import SourceRow
from xinyong.collection.row_warnings import WarningEntry
from xinyong.collection.source import rows_restore_quotes
from xinyong.records.loading.prepare import PreparedRecord
from xinyong.subjects.bulk import PreparedSubject


@dataclass
class ChunkOutcome:
    """What one chunk adds to its batch: counts, rejected rows, warnings, codes a registration authority reported."""

    rows_consumed: int = 0
    rows_read: int = 0
    created: int = 0
    new_version: int = 0
    duplicate: int = 0
    rejected: list[tuple[int, dict[str, Any], str, list[dict]]] = field(default_factory=list)
    warnings: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    row_warnings: list[tuple[int, WarningEntry]] = field(default_factory=list)
    registered: set[str] = field(default_factory=set)  # codes a registration authority reported


NO_WARNINGS: tuple[WarningEntry, ...] = ()


@dataclass
class PreparedChunk:
    """A chunk after everything that needs no database: validated, subjects and records prepared.

    ``valid`` holds, per row that passed validation, (number, values as read, warnings of the validation
    as ``WarningEntry`` tuples, PreparedSubject, PreparedRecord — or the RecordError preparing it raised).
    ``rejected`` holds the rows validation refused, ready to store. Built by ``BatchLoader.prepare``, in this process or in the
    reading process (``reader_process.prepared_chunks``), and pickled between them.
    """

    rows_consumed: int
    valid: list[tuple] = field(default_factory=list)
    rejected: list[tuple[int, dict[str, Any], str, list[dict]]] = field(default_factory=list)
    position: int = 0  # bytes of the file read when the chunk was complete
    headers: list[str] | None = None  # the table's headers, when JSON keys seen late extended them
    seconds: float = 0.0  # CPU time of the preparation
    pid: int = 0  # the process that prepared it

    def __reduce__(self):
        # Plain tuples, strings and bytes pickle several times faster than objects; cells are only needed
        # again for a row rejected after all, so they travel as one string where that is lossless.
        valid = [
            (
                number,
                _pack_cells(cells),
                warnings,
                tuple(subject),
                tuple(record) if isinstance(record, PreparedRecord) else record,
            )
            for number, cells, warnings, subject, record in self.valid
        ]
        return (
            _unpickle_chunk,
            (self.rows_consumed, valid, self.rejected, self.position, self.headers, self.seconds, self.pid),
        )


_CELL_SEPARATOR = "\x1f"


def _pack_cells(cells: list[Any]) -> list[Any] | str:
    """The cells as one string when they are all strings without the separator (lossless), else as they are."""
    if all(c.__class__ is str for c in cells):
        packed = _CELL_SEPARATOR.join(cells)
        if packed.count(_CELL_SEPARATOR) == len(cells) - 1:
            return packed
    return cells


def unpack_cells(cells: list[Any] | str) -> list[Any]:
    """The cells of a row, as ``_pack_cells`` received them."""
    return cells.split(_CELL_SEPARATOR) if isinstance(cells, str) else cells


def _unpickle_chunk(rows_consumed, valid, rejected, position, headers, seconds, pid) -> PreparedChunk:
    subject, record = PreparedSubject.make_from, PreparedRecord.make
    return PreparedChunk(
        rows_consumed,
        [
            (number, cells, warnings, subject(s), record(r) if r.__class__ is tuple else r)
            for number, cells, warnings, s, r in valid
        ],
        rejected,
        position,
        headers,
        seconds,
        pid,
    )


@contextlib.contextmanager
def collect_between_chunks() -> Iterator[Callable[[], None]]:
    """Python's cyclic garbage collector off while chunks are processed; the caller collects after each.

    Loading creates and drops hundreds of thousands of small objects per chunk, each allocation counting
    towards an automatic collection, which then walks the long-lived caches too (validation, subjects,
    records): a third of the CPU time of a chunk. Collecting the young generations once per chunk finds
    the same garbage at a fraction of the cost.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield lambda: gc.collect(1)
    finally:
        if enabled:
            gc.enable()


class ChunkPreparer(Protocol):
    """What ``chunks_prepare`` needs of the loader: its ``prepare`` step and whether quotes are restored."""

    restore_quotes: bool

    def prepare(self, rows: list[SourceRow]) -> PreparedChunk: ...


def rows_chunked(*, rows: Iterator[SourceRow], size: int) -> Iterator[list[SourceRow]]:
    """The rows in lists of ``size`` (the last one shorter)."""
    while chunk := list(islice(rows, size)):
        yield chunk


def chunks_prepare(*, loader: ChunkPreparer, table, skip: int, chunk_size: int) -> Iterator[PreparedChunk]:
    """The table's chunks after the first ``skip`` rows, prepared (see ``BatchLoader.prepare``)."""
    rows = table.rows()
    try:
        # Resume: the first rows_committed data rows are already loaded (or rejected) for good.
        for _ in islice(rows, skip):
            pass
        width = len(table.headers)
        for chunk in rows_chunked(rows=rows, size=chunk_size):
            prepared = loader.prepare(rows_restore_quotes(rows=chunk, enabled=loader.restore_quotes))
            prepared.position = table.position
            if len(table.headers) != width:
                width = len(table.headers)
                prepared.headers = list(table.headers)
            yield prepared
    finally:
        rows.close()  # before the table closes its file
