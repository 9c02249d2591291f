"""A chunk resolved in memory, in file order: which rows create a record, repeat one, or add a version.

A correction of a record keeps its marks (docs/credit-check.md): the new version carries the record's 异议标注
(``disputed``), and a correction of a repaired record (已信用修复) received as effective stays repaired.

Each row sees what the rows before it did (docs/collection-dedupe.md, "The dedupe key"): a document that
appears twice in a chunk is created once, and a row whose content any version already holds is a duplicate,
so that re-sending an old file never rolls back a later correction or revocation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from xinyong.catalog.models import CatalogItemVersion
from xinyong.core.bulk import reserve_ids
from xinyong.records.loading.known import ChunkRecord
from xinyong.records.loading.prepare import PreparedRecord
from xinyong.records.models import CreditRecord, CreditRecordVersion, RecordStatus
from xinyong.records.rules import STATUS_FIELDS, status_values, timeliness_values
from xinyong.workdays.selectors import work_calendar_load

CREATED = "created"
NEW_VERSION = "new_version"
DUPLICATE = "duplicate"
EFFECTIVE = RecordStatus.EFFECTIVE.value
REPAIRED = RecordStatus.REPAIRED.value
NO_STATUS = dict.fromkeys(STATUS_FIELDS)  # shared, never modified: a new dict replaces it


@dataclass
class BulkResult:
    """Counts of a call and the outcome of every row, in input order."""

    created: int = 0
    new_version: int = 0
    duplicate: int = 0
    outcomes: list[str] = field(default_factory=list)  # per input, in order


@dataclass
class ChunkPlan:
    """The chunk's records by dedupe key (known and new) and the versions it adds, in file order."""

    records: dict[str, ChunkRecord]
    # (record, row, version number, subject id, content hash), in file order.
    versions: list[tuple[ChunkRecord, PreparedRecord, int, int, str]]
    result: BulkResult


def chunk_plan(
    *,
    rows: Sequence[tuple[PreparedRecord, int]],
    known: dict[str, ChunkRecord],
    received_at: dt.datetime,
    now: dt.datetime,
) -> ChunkPlan:
    """Resolve the rows one after the other, as if received in file order."""
    received_day = timezone.localdate(received_at)

    def next_status(record: ChunkRecord, status: str) -> None:
        """The revocation columns after a version with ``status`` (records.rules.status_values)."""
        previous = record.status
        record.status = status
        if status == EFFECTIVE and previous in (None, EFFECTIVE):
            return  # nothing changes: the common case
        if status == previous == REPAIRED:
            return  # a correction of a repaired record: the repair's dates stay
        values = status_values(
            previous_status=previous,
            status=status,
            status_date=received_day,
            at=now if previous is not None else received_at,
            current=record.status_values,
        )
        record.status_values = {**NO_STATUS, **values}

    result = BulkResult()
    outcomes = result.outcomes
    records: dict[str, ChunkRecord] = dict(known)
    versions: list[tuple[ChunkRecord, PreparedRecord, int, int, str]] = []
    for row, subject_id in rows:
        hash_ = row.content_hash(subject_id)
        record = records.get(row.key)
        if record is None:
            record = records[row.key] = ChunkRecord(
                is_new=True,
                created_at=received_at,
                hashes={hash_},
                number=1,
                current_version_id=None,
                status=None,
                status_values=NO_STATUS,
            )
            record.current, record.subject_id = row, subject_id
            next_status(record, row.status)
            versions.append((record, row, 1, subject_id, hash_))
            outcomes.append(CREATED)
        elif hash_ in record.hashes:
            # Content already received (in the current or an earlier version): re-sending an old file
            # never rolls back a later correction or revocation.
            record.duplicates += 1
            outcomes.append(DUPLICATE)
        else:
            if record.status == REPAIRED and row.status == EFFECTIVE:
                # A correction does not undo a credit repair; the hash stays that of the row received,
                # so that re-sending the same correction is a duplicate.
                row = row.with_status(REPAIRED)
            record.hashes.add(hash_)
            record.number += 1
            record.current, record.subject_id = row, subject_id
            record.changed = True
            next_status(record, row.status)
            versions.append((record, row, record.number, subject_id, hash_))
            outcomes.append(NEW_VERSION)
    result.created = outcomes.count(CREATED)
    result.new_version = outcomes.count(NEW_VERSION)
    result.duplicate = outcomes.count(DUPLICATE)
    return ChunkPlan(records=records, versions=versions, result=result)


def chunk_ids_reserve(*, plan: ChunkPlan) -> list[tuple]:
    """Reserve ids for the new records and versions; the versions as rows, each superseding the one before.

    Returns (record id, number, version id, subject id, content hash, superseded version id, disputed, row) per
    version, in file order; every record points at its newest version.
    """
    new_records = [r for r in plan.records.values() if r.is_new]
    for record, pk in zip(new_records, reserve_ids(CreditRecord, len(new_records)), strict=True):
        record.id = pk
    version_ids = reserve_ids(CreditRecordVersion, len(plan.versions))
    version_rows: list[tuple] = []
    for (record, row, number, subject_id, hash_), version_id in zip(plan.versions, version_ids, strict=True):
        previous = record.current_version_id
        record.current_version_id = version_id
        version_rows.append(
            (record.id, number, version_id, subject_id, hash_, previous, record.disputed, row)
        )
    return version_rows


class ChunkTimeliness:
    """The lag columns of the chunk's records, from one working-day calendar read for the whole chunk."""

    def __init__(self, *, item_version: CatalogItemVersion, plan: ChunkPlan) -> None:
        self.item_version = item_version
        touched = [r for r in plan.records.values() if r.current is not None]
        self.calendar = None
        if touched:
            days = {timezone.localdate(at) for at in {r.created_at for r in touched}}
            days |= {r.current.decision_date for r in touched}
            self.calendar = work_calendar_load(first=min(days), last=max(days))
        self._lags: dict[tuple, tuple] = {}

    def lag(self, record: ChunkRecord) -> tuple:
        """(lag_working_days, lag_provisional, is_late) of a record after the chunk."""
        key = (record.current.decision_date, record.created_at)
        values = self._lags.get(key)
        if values is None:
            lag = timeliness_values(
                item_version=self.item_version,
                decision_date=key[0],
                first_received_at=key[1],
                calendar=self.calendar,
            )
            values = self._lags[key] = (lag["lag_working_days"], lag["lag_provisional"], lag["is_late"])
        return values
