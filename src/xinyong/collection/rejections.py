"""The life of a rejected row, from the chunk that refused it to the corrected file that replaces it.

1. **Recorded.** While a batch loads (``collection.loading``), a row that fails validation, whose subject
   cannot be resolved, or whose record the records app refuses becomes a ``RejectedRow`` in the same
   transaction as the chunk's records and the batch counters (``rows_read == created + new_version +
   duplicate + rejected`` holds at every commit). Its original values are kept keyed by the header in the
   file; personal identifiers (身份证号码 …) are masked in ``values`` and kept encrypted in
   ``values_protected`` (:class:`RejectionRecorder`). Each issue is stored with its code, field, column,
   value (masked when personal) and message (:func:`rejection_issue`); the batch counts each error code once
   per row (``Batch.errors`` and ``BatchIssueCount``).
2. **Shown.** The batch page lists the rejected rows (one line per error) and the most frequent codes with
   an example message (:func:`batch_top_errors`), to users who may read the rows
   (``collection.permissions.can_read_batch_rows``); the API returns them page by page, each page read audited
   (:func:`batch_rejections_read_audit`).
3. **Downloaded.** The rejection file (退回文件, :func:`batch_rejection_file`) holds the rejected rows as
   submitted — personal identifiers decrypted (:func:`rejected_row_values`) — with error columns, in the
   format uploaded; it is stored encrypted beside the batch's file and can be written until the batch's
   files are purged at the end of the retention period (docs/files-at-rest.md). Formula-like cells are
   quoted (``'=…``) so a spreadsheet does not run them. The command line writes a clear copy for its
   operator (:func:`batch_rejection_file_export`).
4. **Corrected.** The officer fixes the rows and uploads the file again from the batch page: a new batch
   whose ``parent`` is the original (``collection.intake.batch_create_from_file``; same department and
   item only). A corrected CSV file has its quotes taken off again when read
   (``collection.source.rows_restore_quotes``). The corrected rows load like any other; the original
   batch keeps its rejected rows and lists its corrections.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from xinyong.accounts.models import AuditAction
from xinyong.accounts.services import audit_log
from xinyong.catalog.spec import is_empty
from xinyong.collection.errors import CollectionError
from xinyong.collection.mapping import RowMapper
from xinyong.collection.models import Batch, BatchChannel, RejectedRow
from xinyong.collection.readers import write_rejection_file
from xinyong.collection.source import header_keys
from xinyong.collection.storage import StoredFilesPurged, batch_file_generate, open_stored
from xinyong.collection.validation import RowIssue
from xinyong.core.masking import mask_ric
from xinyong.records.normalize import jsonable
from xinyong.subjects import crypto

#: A rejected row ready to store: (row number, values by header, encrypted personal values, issues).
RejectedRowData = tuple[int, dict[str, Any], str, list[dict]]
#: File extensions of the generated files, by the batch's format.
EXTENSIONS = {"csv": ".csv", "xlsx": ".xlsx", "json": ".json", "ndjson": ".ndjson"}
_COPY_BUFFER = 1024 * 1024


def rejection_issue(*, issue: RowIssue, personal_fields: set[str]) -> dict[str, Any]:
    """An issue as stored with a rejected row: JSON values, personal identifiers masked."""
    value = jsonable(issue.value)
    if issue.field in personal_fields and not is_empty(value):
        value = mask_ric(value)
    return {
        "code": issue.code,
        "field": issue.field or "",
        "column": issue.column or "",
        "value": value,
        "message": issue.message,
    }


class RejectionRecorder:
    """Turns a rejected row of one processing run into what is stored: values keyed by header, personal
    identifiers masked in ``values`` and kept encrypted in ``values_protected``, and its issues."""

    def __init__(self, *, table, mapper: RowMapper, personal_fields: set[str], headers: list[str]) -> None:
        self.table = table
        self.mapper = mapper
        self.personal_fields = personal_fields
        self.keys = header_keys(headers=headers)
        self._personal: dict[str, bool] = {}

    def row(self, number: int, cells: list[Any], issues: list[dict]) -> RejectedRowData:
        """The stored form of a rejected row (number, values, encrypted personal values, issues)."""
        values, token = self._values(cells)
        return (number, values, token, issues)

    def issues(self, issues: Iterable[RowIssue]) -> list[dict]:
        """Validation issues in their stored form."""
        return [rejection_issue(issue=i, personal_fields=self.personal_fields) for i in issues]

    def _values(self, cells: list[Any]) -> tuple[dict[str, Any], str]:
        """Original values keyed by header (empty cells left out), the personal ones also encrypted."""
        if len(self.keys) != len(self.table.headers):
            # JSON keys first seen after the header scan were appended to the table's headers.
            self.keys = header_keys(headers=list(self.table.headers))
        values: dict[str, Any] = {}
        protected: dict[str, Any] = {}
        for index, raw in enumerate(cells):
            if is_empty(raw):
                continue
            # Cells beyond the header row are kept too ("#<column number>"): the mistake may be there.
            key = self.keys[index] if index < len(self.keys) else f"#{index + 1}"
            value = jsonable(raw)
            if self._is_personal(key):
                protected[key] = value
                value = mask_ric(value)
            values[key] = value
        token = crypto.encrypt(json.dumps(protected, ensure_ascii=False)) if protected else ""
        return values, token

    def _is_personal(self, key: str) -> bool:
        """Does the column hold personal identifiers (身份证号码 …)? Those are stored encrypted."""
        personal = self._personal.get(key)
        if personal is None:
            header = key.rsplit("#", 1)[0] if "#" in key[1:] else key
            personal = self._personal[key] = self.mapper.field_for(header, late=True) in self.personal_fields
        return personal


def rejected_rows_build(
    *, batch: Batch, rejected: list[RejectedRowData]
) -> tuple[list[RejectedRow], Counter]:
    """Unsaved ``RejectedRow`` objects of a chunk and its error counts (once per row and code)."""
    rows = []
    errors: Counter = Counter()
    for number, values, token, issues in rejected:
        rows.append(
            RejectedRow(batch=batch, number=number, values=values, values_protected=token, errors=issues)
        )
        errors.update({issue["code"] for issue in issues})
    return rows, errors


def batch_top_errors(*, batch: Batch, with_examples: bool, limit: int) -> list[dict]:
    """The most frequent error codes of a batch, each with an example message from its rejected rows (only
    for users who may read the rows: a message can quote a submitted value)."""
    counts = Counter(batch.errors or {})
    top = counts.most_common(limit)
    examples: dict[str, str] = {}
    wanted = {code for code, _ in top} if with_examples else set()
    if wanted:
        for row in batch.rejected_rows.order_by("number").only("errors")[:500]:
            for error in row.errors:
                code = error.get("code")
                if code in wanted and code not in examples:
                    examples[code] = error.get("message", "")
            if len(examples) == len(wanted):
                break
    return [{"code": code, "count": count, "example": examples.get(code, "")} for code, count in top]


def rejected_row_values(*, row: RejectedRow) -> dict[str, Any]:
    """The original values of a rejected row, personal identifiers decrypted (for the rejection file only)."""
    values = dict(row.values)
    if row.values_protected:
        values.update(json.loads(crypto.decrypt(row.values_protected)))
    return values


def batch_rejections_read_audit(*, batch: Batch, actor, page: int, rows: int, request=None) -> None:
    """Write an API reading of one page of a batch's rejected rows to the audit log."""
    audit_log(
        actor=actor,
        action=AuditAction.VIEW,
        obj=batch,
        detail={"via": "api", "rejections_page": page, "rows": rows},
        request=request,
    )


def batch_rejection_file(*, batch: Batch, actor=None) -> Path:
    """Write the rejected rows of a batch (original columns + error columns, same format as uploaded); audited.

    The file is stored encrypted in the batch directory (read it with ``storage.open_stored``); it can be
    written until the batch's files are purged at the end of the retention period.
    """
    if batch.channel == BatchChannel.FORM:
        raise CollectionError("no_rejection_file", "在线填报的记录没有退回文件")
    if batch.files_purged_at is not None:
        raise StoredFilesPurged(batch)
    fmt = batch.format or "csv"
    keys = header_keys(headers=list(batch.headers))
    known = set(keys)
    # Keys of JSON objects first seen late become further columns; cells beyond a CSV row's headers
    # ("#<n>") follow the error columns, as the writer places values beyond the headers.
    late: dict[str, None] = {}
    beyond: dict[str, None] = {}
    for values in batch.rejected_rows.values_list("values", flat=True).iterator(chunk_size=2000):
        for key in values:
            if key not in known:
                (beyond if re.fullmatch(r"#\d+", key) else late).setdefault(key, None)
    columns = keys + list(late)
    extra = sorted(beyond, key=lambda k: int(k[1:]))

    def rows() -> Iterator[tuple[list[Any], list[RowIssue]]]:
        for row in batch.rejected_rows.order_by("number", "pk").iterator(chunk_size=2000):
            values = rejected_row_values(row=row)
            issues = [
                RowIssue(
                    code=e.get("code", ""),
                    field=e.get("field", ""),
                    column=e.get("column", ""),
                    value=e.get("value"),
                    message=e.get("message", ""),
                )
                for e in row.errors
            ]
            # A row that could not be read at all (a line that is not JSON) has no values.
            cells = [values.get(k) for k in columns] + [values.get(k) for k in extra] if values else []
            yield cells, issues

    path = batch_file_generate(
        batch=batch,
        name=f"rejected{EXTENSIONS.get(fmt, '.csv')}",
        write=lambda plain: write_rejection_file(
            plain,
            format=fmt,
            encoding=batch.encoding or None,
            headers=[*batch.headers, *late],
            rows=rows(),
        ),
    )
    audit_log(
        actor=actor,
        action=AuditAction.EXPORT,
        obj=batch,
        detail={"stage": "rejection_file", "rejected": batch.rejected, "format": fmt},
    )
    return path


def batch_rejection_file_export(*, batch: Batch, dest: Path, actor=None) -> Path:
    """Write the rejection file of a batch in clear to ``dest`` (the command line's copy for its operator)."""
    stored = batch_rejection_file(batch=batch, actor=actor)
    dest.parent.mkdir(parents=True, exist_ok=True)
    # It holds the rows as submitted (full ID numbers): readable by its owner only.
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when the file was there before
    with open_stored(path=stored) as src, os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(src, out, _COPY_BUFFER)
    return dest
