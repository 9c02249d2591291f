"""What the database already holds for a chunk: its subjects' kinds and the records under its dedupe keys.

Both are read without row locks, with one index probe per key (``core.bulk.lookup_rows``); the unique
constraints keep concurrent uploads apart instead (docs/collection-dedupe.md, "Two uploads at the same
moment").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.db import connection

from xinyong.accounts.models import Department
from xinyong.catalog.models import CatalogItemVersion
from xinyong.core.bulk import datetime_converter, lookup_rows
from xinyong.core.codes import SubjectKind
from xinyong.records.loading.prepare import PreparedRecord
from xinyong.records.models import CreditRecord, CreditRecordVersion
from xinyong.records.rules import RecordError
from xinyong.subjects.models import Subject


class ChunkRecord:
    """A record as the chunk sees it: known (loaded) or new, with the versions the chunk adds."""

    __slots__ = (
        "id",
        "is_new",
        "created_at",
        "hashes",
        "number",
        "current_version_id",
        "current",
        "subject_id",
        "duplicates",
        "changed",
        "status",
        "status_values",
        "disputed",
    )

    def __init__(
        self,
        *,
        id=None,
        is_new,
        created_at,
        hashes,
        number,
        current_version_id,
        status,
        status_values,
        disputed=False,
    ):
        self.id = id
        self.is_new = is_new
        self.created_at = created_at
        self.hashes = hashes
        self.number = number
        self.current_version_id = current_version_id
        self.current: PreparedRecord | None = None  # the newest row written for it in this chunk
        self.subject_id: int | None = None
        self.duplicates = 0
        self.changed = False
        self.status = status  # status of its newest version
        self.status_values = status_values  # status_date, withdrawal_due, withdrawn_at
        self.disputed = disputed  # 异议标注 of the record, carried by every version the chunk adds


def subject_kinds_checked(
    *,
    rows: Sequence[tuple[PreparedRecord, int]],
    known: Mapping[int, str] | None,
    item_version: CatalogItemVersion,
) -> dict[int, str]:
    """The kind of every row's subject (read unless the caller knows it); refuses a subject the item does not apply to."""
    ids = {subject_id for _row, subject_id in rows}
    kinds = {pk: known[pk] for pk in ids if pk in known} if known else {}
    missing = ids - kinds.keys()
    if missing:
        kinds.update(
            lookup_rows(
                missing,
                select="s.id, s.kind",
                table=f"{Subject._meta.db_table} s",
                match="s.id",
                sql_type="bigint",
            )
        )
    allowed = set(item_version.subject_kinds or [])
    for row, subject_id in rows:
        kind = kinds.get(subject_id)
        if kind is None:
            raise RecordError("subject_unknown", f"第 {row.number} 行：主体不存在，请先登记主体")
        if allowed and kind not in allowed:
            raise RecordError(
                "subject_kind_not_allowed",
                f"第 {row.number} 行：目录项“{item_version.item.name}”不适用于{SubjectKind(kind).label}，"
                "请核对行政相对人类别",
            )
    return kinds


def records_known(
    *, item_version: CatalogItemVersion, department: Department, keys: set[str]
) -> dict[str, ChunkRecord]:
    """Records already stored under the chunk's dedupe keys, with the content hashes of all their versions."""
    records, versions = CreditRecord._meta.db_table, CreditRecordVersion._meta.db_table
    rows = lookup_rows(
        keys,
        select=(
            "r.id, r.document_number_key, r.current_version_id, r.created_at, r.status, r.status_date, "
            "r.withdrawal_due, r.withdrawn_at, r.disputed, "
            f"(SELECT v.number FROM {versions} v WHERE v.id = r.current_version_id) AS number"
        ),
        table=f"{records} r",
        match="r.document_number_key",
        where=" AND r.item_id = %s AND r.department_id = %s",
        params=[item_version.item_id, department.pk],
    )
    convert = datetime_converter()
    convert_date = _date_converter()
    known: dict[str, ChunkRecord] = {}
    by_id: dict[int, ChunkRecord] = {}
    for pk, key, version_id, created_at, status, status_date, due, withdrawn_at, disputed, number in rows:
        record = ChunkRecord(
            id=pk,
            is_new=False,
            created_at=convert(created_at),
            hashes=set(),
            number=number,
            current_version_id=version_id,
            status=status,
            status_values={
                "status_date": convert_date(status_date),
                "withdrawal_due": convert_date(due),
                "withdrawn_at": convert(withdrawn_at),
            },
            disputed=bool(disputed),
        )
        known[key] = by_id[pk] = record
    for record_id, hash_ in lookup_rows(
        by_id,
        select="v.record_id, v.content_hash",
        table=f"{versions} v",
        match="v.record_id",
        sql_type="bigint",
    ):
        by_id[record_id].hashes.add(hash_)
    return known


def _date_converter():
    if connection.vendor == "sqlite":
        return lambda value: dt.date.fromisoformat(value) if isinstance(value, str) else value
    return lambda value: value
