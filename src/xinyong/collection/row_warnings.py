"""Warnings per row (提示): kept like rejected rows, so a department can find and check every warned row.

A row that passes validation may still carry warnings (an amount that looks like 元, a confirmed USCC whose
check character is wrong …). The loader stores each one as a ``RowWarning`` (row number, column, value,
zh-hans message); the batch page lists them, ``batch_warning_file`` writes them as a downloadable list with
the writer of the rejection files, and ``xinyong import`` prints the first ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from xinyong.accounts.models import AuditAction
from xinyong.accounts.services import audit_log
from xinyong.collection.models import Batch, RowWarning
from xinyong.collection.readers import write_rejection_file
from xinyong.collection.storage import batch_file_generate
from xinyong.core.masking import mask_ric, mask_ric_in_text
from xinyong.records.normalize import jsonable

#: A warning as carried between the reading and the loading process: (code, field, column, value, message).
WarningEntry = tuple[str, str, str, str, str]

#: Columns of the warning list, before the two issue columns.
WARNING_FILE_HEADERS = ["行号", "列", "值"]
WARNING_FILE_ISSUE_COLUMNS = ("提示代码", "提示说明")
# The list is for people to read: JSON uploads (and API batches) get it as CSV.
_WARNING_FILE_FORMATS = {"csv": "csv", "xlsx": "xlsx"}


def warning_entry(*, issue: Any, personal_fields: set[str] | frozenset[str] = frozenset()) -> WarningEntry:
    """A validation warning (``RowIssue`` or its dict) as stored: the value as text; 身份证 numbers masked in
    the value and the message."""
    get = issue.get if isinstance(issue, dict) else (lambda key: getattr(issue, key, ""))
    value = jsonable(get("value"))
    text = "" if value is None else str(value)
    code, message = get("code") or "", get("message") or ""
    if get("field") in personal_fields or code.startswith("ric_"):
        # The message may quote the number (ric_upgraded_from_15 names both forms): masked like the value.
        text, message = (mask_ric(text) if text else ""), mask_ric_in_text(message)
    return (code, get("field") or "", get("column") or "", text, message)


def row_warnings_build(*, batch: Batch, rows: Iterable[tuple[int, WarningEntry]]) -> list[RowWarning]:
    """Unsaved ``RowWarning`` objects for (row number, entry) pairs, to store with the chunk."""
    return [
        RowWarning(
            batch=batch, number=number, code=code, field=field, column=column, value=value, message=message
        )
        for number, (code, field, column, value, message) in rows
    ]


def warning_file_format(*, batch: Batch) -> str:
    """The format of a batch's warning list: the upload's for CSV and XLSX, CSV otherwise."""
    return _WARNING_FILE_FORMATS.get(batch.format or "", "csv")


def batch_warning_file(*, batch: Batch, actor=None, dest: Path | None = None) -> Path:
    """Write the warnings of a batch (行号, 列, 值, 提示代码, 提示说明), in the upload's format; audited.

    Stored encrypted in the batch directory like the rejection file (read it with ``storage.open_stored``),
    or written in clear to ``dest`` (the command line's copy for its operator).
    """
    fmt = warning_file_format(batch=batch)

    def rows() -> Iterator[tuple[list[Any], list[dict[str, str]]]]:
        for warning in batch.row_warnings.order_by("number", "pk").iterator(chunk_size=2000):
            yield (
                [warning.number, warning.column, warning.value],
                [{"code": warning.code, "message": warning.message}],
            )

    def write(target: Path) -> None:
        write_rejection_file(
            target,
            format=fmt,
            encoding=batch.encoding or None,
            headers=WARNING_FILE_HEADERS,
            rows=rows(),
            issue_columns=WARNING_FILE_ISSUE_COLUMNS,
            sheet_title="提示清单",
        )

    if dest is None:
        path = batch_file_generate(batch=batch, name=f"warnings.{fmt}", write=write)
    else:
        dest.parent.mkdir(parents=True, exist_ok=True)
        write(dest)
        path = dest
    audit_log(
        actor=actor,
        action=AuditAction.EXPORT,
        obj=batch,
        detail={"stage": "warning_file", "warnings": batch.row_warnings.count(), "format": fmt},
    )
    return path


def warning_file_name(*, batch: Batch) -> str:
    """Download name: ``<upload name>_提示清单.<ext>``."""
    stem = (
        batch.original_filename.rsplit(".", 1)[0] if batch.original_filename else str(batch.pk)[:8]
    ) or "batch"
    return f"{stem}_提示清单.{warning_file_format(batch=batch)}"
