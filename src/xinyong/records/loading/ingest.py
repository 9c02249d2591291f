"""``records_bulk_ingest``: store a chunk of received rows, the only way records are received.

The call runs inside the caller's transaction (a savepoint of it) and writes one audit entry (action
``bulk_ingest``, counts in the detail) instead of one per record.

Concurrent uploads (docs/collection-dedupe.md, "Two uploads at the same moment"): the known records are read
without row locks (locking thousands of rows per chunk costs more than the rest of the read). The unique
constraints keep two uploads of the same document apart instead: if another upload stored the document (or
a version with the number we chose) after our read, our insert waits for that upload's transaction, is
refused when it commits, and the call is repeated (a few times at most), reading the other upload's rows:
each row becomes a duplicate or a new version of the other upload's record, never a second record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from xinyong.accounts.models import ApiClient, Department
from xinyong.accounts.services import audit_log
from xinyong.catalog.models import CatalogItemVersion
from xinyong.core.bulk import bulk_session
from xinyong.records.loading.columns import check_columns
from xinyong.records.loading.known import records_known, subject_kinds_checked
from xinyong.records.loading.plan import BulkResult, chunk_ids_reserve, chunk_plan
from xinyong.records.loading.prepare import PreparedRecord, RecordInput, RecordPreparer
from xinyong.records.loading.write import chunk_rows_build, chunk_rows_write
from xinyong.records.models import Channel, CreditRecord
from xinyong.records.rules import check_choice, check_source_department

# Tries of a chunk whose insert collides with another upload's.
_ATTEMPTS = 4


def records_bulk_ingest(
    *,
    item_version: CatalogItemVersion,
    department: Department,
    rows: Sequence[tuple[RecordInput | PreparedRecord, int]],
    channel: str,
    batch_ref: str,
    received_at: dt.datetime,
    uploader=None,
    api_client: ApiClient | None = None,
    subject_kinds: Mapping[int, str] | None = None,
    preparer: RecordPreparer | None = None,
) -> BulkResult:
    """Store a chunk of validated rows set-based, each row new, duplicate or new version; one audit entry.

    ``rows`` are (row, subject id) pairs; a row is a ``RecordInput`` or already prepared by ``preparer`` (a
    ``RecordPreparer`` of the same item version and department). ``subject_kinds`` (subject id → kind), when
    the caller has them from resolving the subjects, saves reading them again.
    """
    check_columns()
    check_source_department(item_version=item_version, department=department)
    check_choice(value=channel, choices=Channel, code="channel_invalid", label="报送渠道")
    rows = list(rows)
    if not rows:
        return BulkResult()
    if any(not isinstance(row, PreparedRecord) for row, _s in rows):
        if preparer is None:
            preparer = RecordPreparer(item_version=item_version, department=department)
        rows = [
            (row if isinstance(row, PreparedRecord) else preparer.prepare(row), subject_id)
            for row, subject_id in rows
        ]
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return _ingest(
                    item_version=item_version,
                    department=department,
                    rows=rows,
                    subject_kinds=subject_kinds,
                    channel=channel,
                    batch_ref=batch_ref,
                    received_at=received_at,
                    uploader=uploader,
                    api_client=api_client,
                )
        except IntegrityError:
            # A concurrent upload stored one of these documents after our read: read again. Each conflict
            # means another upload committed those documents, so the next read finds more of them; the
            # bound only stops a conflict that is not about them (e.g. a foreign key) from repeating.
            if attempt == _ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _ingest(
    *,
    item_version: CatalogItemVersion,
    department: Department,
    rows: list[tuple[PreparedRecord, int]],
    subject_kinds: Mapping[int, str] | None,
    channel: str,
    batch_ref: str,
    received_at: dt.datetime,
    uploader,
    api_client: ApiClient | None,
) -> BulkResult:
    """One try of a chunk: read what is known, resolve the rows in file order, write, audit."""
    bulk_session()
    kinds = subject_kinds_checked(rows=rows, known=subject_kinds, item_version=item_version)
    known = records_known(
        item_version=item_version, department=department, keys={row.key for row, _s in rows}
    )
    now = timezone.now()
    plan = chunk_plan(rows=rows, known=known, received_at=received_at, now=now)
    version_rows = chunk_ids_reserve(plan=plan)
    chunk_rows, values = chunk_rows_build(
        plan=plan,
        version_rows=version_rows,
        kinds=kinds,
        item_version=item_version,
        received_at=received_at,
        now=now,
    )
    chunk_rows_write(
        rows=chunk_rows,
        values=values,
        item_version=item_version,
        department=department,
        channel=channel,
        batch_ref=batch_ref,
        uploader=uploader,
        api_client=api_client,
        subject_ids={subject_id for _row, subject_id in rows},
    )
    result = plan.result
    audit_log(
        actor=api_client if api_client is not None else uploader,
        action="bulk_ingest",
        obj=CreditRecord,
        detail={
            "batch_ref": batch_ref,
            "channel": channel,
            "item": item_version.item.code,
            "item_version": item_version.number,
            "department": department.code,
            "rows": len(rows),
            "created": result.created,
            "new_version": result.new_version,
            "duplicate": result.duplicate,
        },
    )
    return result
