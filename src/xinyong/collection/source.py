"""The stored file of a batch, opened for reading: decrypted for the readers, its columns keyed.

A corrected rejection file in CSV (a batch with a ``parent``) comes back with the quotes the rejection-file
writer put before formula-like cells (``'=…``); they are taken off again here (see ``collection.rejections``).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings

from xinyong.collection.models import Batch
from xinyong.collection.readers import SourceRow, open_table
from xinyong.collection.storage import StoredFilesPurged, plaintext_copy
from xinyong.core.spreadsheet import restore


def batch_file_path(*, batch: Batch) -> Path:
    """Absolute path of the stored (encrypted) source file of a batch."""
    return Path(settings.MEDIA_ROOT) / batch.file_path


def batch_restores_quotes(*, batch: Batch) -> bool:
    """Is the file a corrected CSV rejection file, whose formula-like cells the platform quoted (``'=…``)?"""
    return batch.parent_id is not None and (batch.parent.format or "csv") == "csv"


@contextlib.contextmanager
def batch_source_open(*, batch: Batch, sheet: str | None = None) -> Iterator[Any]:
    """The batch's stored file opened as a table (decrypted for the readers; quoted formulas restored)."""
    if batch.files_purged_at is not None:
        raise StoredFilesPurged(batch)
    with (
        plaintext_copy(path=batch_file_path(batch=batch)) as plain,
        open_table(plain, filename=batch.original_filename, sheet=sheet) as table,
    ):
        if batch_restores_quotes(batch=batch):
            # In place: the column mapper keeps a reference to this list.
            table.headers[:] = [restore(h) for h in table.headers]
        yield table


def rows_restore_quotes(*, rows: list[SourceRow], enabled: bool) -> list[SourceRow]:
    """Undo the quotes the rejection-file writer put before formula-like cells (corrected CSV files only)."""
    if enabled:
        for row in rows:
            row.values = [restore(v) for v in row.values]
    return rows


def header_keys(*, headers: list[str]) -> list[str]:
    """Unique keys for the columns of a file: the header, with ``#2``, ``#3`` … for repeated headers."""
    seen: Counter[str] = Counter()
    keys = []
    for header in headers:
        text = "" if header is None else str(header)
        seen[text] += 1
        keys.append(text if seen[text] == 1 else f"{text}#{seen[text]}")
    return keys
