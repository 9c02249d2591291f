"""Set-based loading of credit records (归集批量入库): the semantics of ``record_ingest`` for a whole chunk.

``records_bulk_ingest`` gives, row by row, the outcome ``records.services.record_ingest`` would give for the
same rows received one after the other in file order — a new record, a counted duplicate (the content was
received before, in any version), or a new version — and leaves the tables in the same state: the content
hash is computed by the same function (``records.services._content_hash``), personal ID fields are masked and
encrypted the same way, and the record's denormalised columns follow its newest version. Duplicates and
changes of the same document within one chunk are resolved in memory in file order.

Per call, whatever the chunk size: one query for the subjects' kinds, one for the records already known
under the chunk's dedupe keys, one for the content hashes of their versions (each an index probe per key,
see ``core.bulk.lookup_rows``), one for the working-day calendar; then the writes:

- PostgreSQL: ids for the new records and versions are reserved with ``nextval`` over ``generate_series``
  (one query each), records and versions are streamed with ``COPY … FROM STDIN``, and known records are
  updated with one ``UPDATE … FROM unnest(…)`` for new versions and one for duplicate counters;
- SQLite: ids are reserved by advancing ``sqlite_sequence`` (the write lock is held, so nobody else can take
  them), rows are written with ``executemany``.

Foreign keys are deferred to the end of the transaction (Django creates them ``DEFERRABLE INITIALLY
DEFERRED``), so records can point at their current version before that version is written.

The call runs inside the caller's transaction (a savepoint of it) and writes one audit entry (action
``bulk_ingest``, counts in the detail) instead of one per record.

Concurrent uploads: the known records are read without row locks (locking thousands of rows per chunk
costs more than the rest of the read). The unique constraints keep two uploads of the same document
apart instead: if another upload stored the document (or a version with the number we chose) after our
read, our insert is refused and the call is repeated once, reading the other upload's rows. Rows are
written in key order so that overlapping uploads wait for each other rather than deadlock.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from xinyong.accounts.models import ApiClient, Department
from xinyong.accounts.services import audit_log
from xinyong.catalog.models import CatalogItemVersion
from xinyong.core.bulk import (
    adapters,
    bulk_session,
    datetime_converter,
    json_text,
    lookup_rows,
    reserve_ids,
    write_rows,
)
from xinyong.core.codes import SubjectKind
from xinyong.core.workdays import load_work_calendar
from xinyong.records.models import (
    Channel,
    CreditRecord,
    CreditRecordVersion,
    Polarity,
    RecordStatus,
    SeverityTier,
)
from xinyong.records.normalize import jsonable, normalize_document_number
from xinyong.records.selectors import protected_field_codes
from xinyong.records.services import (
    RecordError,
    _check_choice,
    _content_hash,
    _split_protected,
    _timeliness_values,
)
from xinyong.subjects import crypto
from xinyong.subjects.models import Subject

CREATED = "created"
NEW_VERSION = "new_version"
DUPLICATE = "duplicate"

# Columns written for a new record / version. Checked against the models on first use, so that a field
# added to a model without a database default cannot be silently left out of the bulk path.
RECORD_COLUMNS = (
    "id",
    "item_id",
    "department_id",
    "document_number",
    "document_number_key",
    "subject_id",
    "current_version_id",
    "item_version_id",
    "subject_kind",
    "disclosure_scope",
    "decision_date",
    "severity",
    "polarity",
    "status",
    "publish_from",
    "publish_until",
    "duplicate_count",
    "last_duplicate_at",
    "lag_working_days",
    "lag_provisional",
    "is_late",
    "created_at",
    "updated_at",
)
VERSION_COLUMNS = (
    "id",
    "record_id",
    "number",
    "item_version_id",
    "subject_id",
    "document_number",
    "decision_date",
    "severity",
    "polarity",
    "status",
    "status_date",
    "change_reason",
    "publish_from",
    "publish_until",
    "fields",
    "fields_protected",
    "content_hash",
    "channel",
    "batch_ref",
    "uploader_id",
    "api_client_id",
    "received_at",
    "supersedes_id",
    "created_at",
)
# Columns of a known record that follow its newest version (as records.services._apply_current).
CURRENT_COLUMNS = (
    "current_version_id",
    "item_version_id",
    "subject_id",
    "subject_kind",
    "disclosure_scope",
    "document_number",
    "decision_date",
    "severity",
    "polarity",
    "status",
    "publish_from",
    "publish_until",
    "lag_working_days",
    "lag_provisional",
    "is_late",
    "updated_at",
)
_PG_TYPES = {
    "current_version_id": "bigint",
    "item_version_id": "bigint",
    "subject_id": "bigint",
    "subject_kind": "text",
    "disclosure_scope": "text",
    "document_number": "text",
    "decision_date": "date",
    "severity": "text",
    "polarity": "text",
    "status": "text",
    "publish_from": "date",
    "publish_until": "date",
    "lag_working_days": "integer",
    "lag_provisional": "boolean",
    "is_late": "boolean",
    "updated_at": "timestamptz",
}
_SEVERITIES = frozenset(SeverityTier.values) | {""}
_POLARITIES = frozenset(Polarity.values)
_STATUSES = frozenset(RecordStatus.values)


@dataclass(frozen=True)
class RecordInput:
    """One validated row: the record's core values and its fields (field code → value)."""

    number: int
    document_number: str
    decision_date: dt.date
    fields: dict
    severity: str = ""
    polarity: str | None = None
    status: str = RecordStatus.EFFECTIVE
    publish_from: dt.date | None = None
    publish_until: dt.date | None = None


@dataclass
class BulkResult:
    created: int = 0
    new_version: int = 0
    duplicate: int = 0
    outcomes: list[str] = field(default_factory=list)  # per input, in order


class _Row:
    """A row after the checks: what its version would contain."""

    __slots__ = (
        "input",
        "subject_id",
        "kind",
        "key",
        "document_number",
        "polarity",
        "stored",
        "secret",
        "content_hash",
    )


class _Record:
    """A record as the chunk sees it: known (loaded) or new, with the versions the chunk adds."""

    __slots__ = (
        "id",
        "is_new",
        "created_at",
        "hashes",
        "number",
        "current_version_id",
        "current",
        "duplicates",
        "changed",
    )

    def __init__(self, *, id=None, is_new, created_at, hashes, number, current_version_id):
        self.id = id
        self.is_new = is_new
        self.created_at = created_at
        self.hashes = hashes
        self.number = number
        self.current_version_id = current_version_id
        self.current: _Row | None = None  # the newest row written for it in this chunk
        self.duplicates = 0
        self.changed = False


def _check_columns() -> None:
    for model, columns in ((CreditRecord, RECORD_COLUMNS), (CreditRecordVersion, VERSION_COLUMNS)):
        missing = {f.attname for f in model._meta.concrete_fields} - set(columns)
        if missing:
            raise RuntimeError(f"bulk loader does not write {model.__name__} columns {sorted(missing)}")


def _prepare(*, item_version: CatalogItemVersion, rows: Sequence[tuple[RecordInput, int]]) -> list[_Row]:
    """Check every row as record_ingest does and compute its stored fields and content hash."""
    kinds = dict(
        lookup_rows(
            {subject_id for _input, subject_id in rows},
            select="s.id, s.kind",
            table=f"{Subject._meta.db_table} s",
            match="s.id",
            sql_type="bigint",
        )
    )
    protected = protected_field_codes(item_version)
    allowed_kinds = set(item_version.subject_kinds or [])
    default_polarity = item_version.polarity
    prepared: list[_Row] = []
    for record_input, subject_id in rows:
        number = record_input.number
        kind = kinds.get(subject_id)
        if kind is None:
            raise RecordError("subject_unknown", f"第 {number} 行：主体不存在，请先登记主体")
        if allowed_kinds and kind not in allowed_kinds:
            raise RecordError(
                "subject_kind_not_allowed",
                f"第 {number} 行：目录项“{item_version.item.name}”不适用于{SubjectKind(kind).label}，"
                "请核对行政相对人类别",
            )
        key = normalize_document_number(record_input.document_number)
        if not key:
            raise RecordError("document_number_required", f"第 {number} 行：文书号不能为空，请填写决定文书号")
        if len(key) > 200:
            raise RecordError(
                "document_number_too_long", f"第 {number} 行：文书号超过 200 个字符，请核对是否误填了其他内容"
            )
        decision_date = record_input.decision_date
        if not isinstance(decision_date, dt.date) or isinstance(decision_date, dt.datetime):
            raise RecordError("decision_date_required", f"第 {number} 行：请填写决定日期")
        polarity = record_input.polarity or default_polarity
        if (
            record_input.severity not in _SEVERITIES
            or polarity not in _POLARITIES
            or record_input.status not in _STATUSES
        ):
            try:
                _check_choice(record_input.severity, SeverityTier, "severity_invalid", "严重程度", blank=True)
                _check_choice(polarity, Polarity, "polarity_invalid", "信息性质")
                _check_choice(record_input.status, RecordStatus, "status_invalid", "状态")
            except RecordError as exc:
                raise RecordError(exc.code, f"第 {number} 行：{exc.message}") from exc
        if not isinstance(record_input.fields, dict):
            raise RecordError("fields_invalid", f"第 {number} 行：字段内容应为“字段代码: 值”的对象")
        stored, secret = _split_protected(jsonable(record_input.fields), protected)
        row = _Row()
        row.input = record_input
        row.subject_id = subject_id
        row.kind = kind
        row.key = key
        row.document_number = record_input.document_number.strip()
        row.polarity = polarity
        row.stored = stored
        row.secret = secret
        row.content_hash = _content_hash(
            item_version=item_version,
            subject_id=subject_id,
            decision_date=decision_date,
            severity=record_input.severity,
            polarity=polarity,
            status=record_input.status,
            stored_fields=stored,
            secret_fields=secret,
        )
        prepared.append(row)
    return prepared


def _load_known(
    *, item_version: CatalogItemVersion, department: Department, keys: set[str]
) -> dict[str, _Record]:
    """Records already stored under the chunk's dedupe keys, with the content hashes of all their versions."""
    records, versions = CreditRecord._meta.db_table, CreditRecordVersion._meta.db_table
    rows = lookup_rows(
        keys,
        select=(
            "r.id, r.document_number_key, r.current_version_id, r.created_at, "
            f"(SELECT v.number FROM {versions} v WHERE v.id = r.current_version_id) AS number"
        ),
        table=f"{records} r",
        match="r.document_number_key",
        where=" AND r.item_id = %s AND r.department_id = %s",
        params=[item_version.item_id, department.pk],
    )
    convert = datetime_converter()
    known: dict[str, _Record] = {}
    by_id: dict[int, _Record] = {}
    for pk, key, version_id, created_at, number in rows:
        record = _Record(
            id=pk,
            is_new=False,
            created_at=convert(created_at),
            hashes=set(),
            number=number,
            current_version_id=version_id,
        )
        known[key] = by_id[pk] = record
    for record_id, content_hash in lookup_rows(
        by_id,
        select="v.record_id, v.content_hash",
        table=f"{versions} v",
        match="v.record_id",
        sql_type="bigint",
    ):
        by_id[record_id].hashes.add(content_hash)
    return known


def _update_current(changed: list[tuple[int, dict[str, Any]]]) -> None:
    """Point known records at their new current version and copy its values onto them (set-based)."""
    if not changed:
        return
    table = connection.ops.quote_name(CreditRecord._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = [[pk for pk, _values in changed]] + [
                [v[c] for _pk, v in changed] for c in CURRENT_COLUMNS
            ]
            sets = ", ".join(f"{c} = v.{c}" for c in CURRENT_COLUMNS)
            unnest = ", ".join(["%s::bigint[]"] + [f"%s::{_PG_TYPES[c]}[]" for c in CURRENT_COLUMNS])
            cursor.execute(
                f"UPDATE {table} AS r SET {sets} FROM unnest({unnest}) AS v(id, {', '.join(CURRENT_COLUMNS)}) "
                "WHERE r.id = v.id",
                arrays,
            )
        else:
            sets = ", ".join(f"{c} = %s" for c in CURRENT_COLUMNS)
            cursor.executemany(
                f"UPDATE {table} SET {sets} WHERE id = %s",
                [tuple(v[c] for c in CURRENT_COLUMNS) + (pk,) for pk, v in changed],
            )


def _update_duplicates(counts: list[tuple[int, int]], last_duplicate_at) -> None:
    """Add each known record's repeat receipts to its duplicate counter (set-based)."""
    if not counts:
        return
    table = connection.ops.quote_name(CreditRecord._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS r SET duplicate_count = r.duplicate_count + v.n, last_duplicate_at = %s "
                "FROM unnest(%s::bigint[], %s::integer[]) AS v(id, n) WHERE r.id = v.id",
                [last_duplicate_at, [pk for pk, _n in counts], [n for _pk, n in counts]],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET duplicate_count = duplicate_count + %s, last_duplicate_at = %s WHERE id = %s",
                [(n, last_duplicate_at, pk) for pk, n in counts],
            )


def _ingest(
    *,
    item_version: CatalogItemVersion,
    department: Department,
    rows: Sequence[tuple[RecordInput, int]],
    channel: str,
    batch_ref: str,
    received_at: dt.datetime,
    uploader,
    api_client,
) -> BulkResult:
    bulk_session()
    prepared = _prepare(item_version=item_version, rows=rows)
    known = _load_known(item_version=item_version, department=department, keys={r.key for r in prepared})

    # File order: each row sees what the rows before it did.
    result = BulkResult()
    outcomes = result.outcomes
    records: dict[str, _Record] = dict(known)
    versions: list[tuple[_Record, _Row, int]] = []  # (record, row, number) in order
    for row in prepared:
        record = records.get(row.key)
        if record is None:
            record = records[row.key] = _Record(
                is_new=True,
                created_at=received_at,
                hashes={row.content_hash},
                number=1,
                current_version_id=None,
            )
            record.current = row
            versions.append((record, row, 1))
            outcomes.append(CREATED)
        elif row.content_hash in record.hashes:
            # Content already received (in the current or an earlier version): re-sending an old file
            # never rolls back a later correction or revocation.
            record.duplicates += 1
            outcomes.append(DUPLICATE)
        else:
            record.hashes.add(row.content_hash)
            record.number += 1
            record.current = row
            record.changed = True
            versions.append((record, row, record.number))
            outcomes.append(NEW_VERSION)
    result.created = outcomes.count(CREATED)
    result.new_version = outcomes.count(NEW_VERSION)
    result.duplicate = outcomes.count(DUPLICATE)

    new_records = [r for r in records.values() if r.is_new]
    record_ids = iter(reserve_ids(CreditRecord, len(new_records)))
    for record in new_records:
        record.id = next(record_ids)
    version_ids = reserve_ids(CreditRecordVersion, len(versions))

    # Timeliness: one calendar read for the whole chunk.
    touched = [r for r in records.values() if r.current is not None]
    receipt_days = {timezone.localdate(at) for at in {r.created_at for r in touched}}
    decision_days = {r.current.input.decision_date for r in touched}
    calendar = None
    if touched:
        days = receipt_days | decision_days
        calendar = load_work_calendar(first=min(days), last=max(days))
    lags: dict[tuple, dict[str, Any]] = {}

    def timeliness(record: _Record) -> dict[str, Any]:
        key = (record.current.input.decision_date, record.created_at)
        values = lags.get(key)
        if values is None:
            values = lags[key] = _timeliness_values(item_version, key[0], key[1], calendar)
        return values

    adapt_datetime, adapt_date, adapt_bool = adapters()
    now = timezone.now()
    at_received, at_now = adapt_datetime(received_at), adapt_datetime(now)
    item_version_id = item_version.pk
    uploader_id = uploader.pk if uploader is not None else None
    api_client_id = api_client.pk if api_client is not None else None
    scopes = {kind: item_version.scope_for(kind) for kind in SubjectKind.values}  # once per call
    encrypted: dict[str, str] = {}

    # Versions: ids in file order, each superseding the one before it.
    version_rows: list[tuple] = []
    for (record, row, number), version_id in zip(versions, version_ids, strict=True):
        previous = record.current_version_id
        record.current_version_id = version_id
        secret = ""
        if row.secret:
            # Same text as record_ingest encrypts; one Fernet token per distinct value within the call.
            plain = json.dumps(row.secret, ensure_ascii=False)
            secret = encrypted.get(plain) or encrypted.setdefault(plain, crypto.encrypt(plain))
        record_input = row.input
        version_rows.append(
            (
                version_id,
                record.id,
                number,
                item_version_id,
                row.subject_id,
                row.document_number,
                adapt_date(record_input.decision_date),
                record_input.severity,
                row.polarity,
                record_input.status,
                None,
                "",
                adapt_date(record_input.publish_from),
                adapt_date(record_input.publish_until),
                json_text(row.stored),
                secret,
                row.content_hash,
                channel,
                batch_ref or "",
                uploader_id,
                api_client_id,
                at_received,
                previous,
                at_now,
            )
        )

    record_rows: list[tuple] = []
    changed: list[tuple[int, dict[str, Any]]] = []
    duplicate_counts: list[tuple[int, int]] = []
    for record in records.values():
        row = record.current
        if record.is_new:
            record_input = row.input
            lag = timeliness(record)
            record_rows.append(
                (
                    record.id,
                    item_version.item_id,
                    department.pk,
                    row.document_number,
                    row.key,
                    row.subject_id,
                    record.current_version_id,
                    item_version_id,
                    row.kind,
                    scopes[row.kind],
                    adapt_date(record_input.decision_date),
                    record_input.severity,
                    row.polarity,
                    record_input.status,
                    adapt_date(record_input.publish_from),
                    adapt_date(record_input.publish_until),
                    record.duplicates,
                    at_received if record.duplicates else None,
                    lag["lag_working_days"],
                    adapt_bool(lag["lag_provisional"]),
                    adapt_bool(lag["is_late"]),
                    at_received,
                    at_now,
                )
            )
            continue
        if record.changed:
            record_input = row.input
            lag = timeliness(record)
            values = {
                "current_version_id": record.current_version_id,
                "item_version_id": item_version_id,
                "subject_id": row.subject_id,
                "subject_kind": row.kind,
                "disclosure_scope": scopes[row.kind],
                "document_number": row.document_number,
                "decision_date": adapt_date(record_input.decision_date),
                "severity": record_input.severity,
                "polarity": row.polarity,
                "status": record_input.status,
                "publish_from": adapt_date(record_input.publish_from),
                "publish_until": adapt_date(record_input.publish_until),
                "lag_working_days": lag["lag_working_days"],
                "lag_provisional": adapt_bool(lag["lag_provisional"]),
                "is_late": adapt_bool(lag["is_late"]),
                "updated_at": at_now,
            }
            changed.append((record.id, values))
        if record.duplicates:
            duplicate_counts.append((record.id, record.duplicates))

    # Rows in key order: two uploads that overlap take their locks in the same order instead of deadlocking.
    record_rows.sort(key=lambda row: row[4])
    version_rows.sort(key=lambda row: (row[1], row[2]))
    changed.sort(key=lambda item: item[0])
    duplicate_counts.sort()
    write_rows(CreditRecord, RECORD_COLUMNS, record_rows)
    write_rows(CreditRecordVersion, VERSION_COLUMNS, version_rows)
    _update_current(changed)
    _update_duplicates(duplicate_counts, at_received)

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
            "rows": len(prepared),
            "created": result.created,
            "new_version": result.new_version,
            "duplicate": result.duplicate,
        },
    )
    return result


def records_bulk_ingest(
    *,
    item_version: CatalogItemVersion,
    department: Department,
    rows: Sequence[tuple[RecordInput, int]],
    channel: str,
    batch_ref: str,
    received_at: dt.datetime,
    uploader=None,
    api_client: ApiClient | None = None,
) -> BulkResult:
    """Store a chunk of validated rows set-based, with record_ingest's outcomes; one audit entry per call."""
    _check_columns()
    if item_version.source_departments and department.code not in item_version.source_departments:
        raise RecordError(
            "department_not_source",
            f"“{department.name}”不是目录项“{item_version.item.name}”的数据来源部门，"
            "请核对目录项或联系平台管理员调整目录",
        )
    _check_choice(channel, Channel, "channel_invalid", "报送渠道")
    rows = list(rows)
    if not rows:
        return BulkResult()
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                return _ingest(
                    item_version=item_version,
                    department=department,
                    rows=rows,
                    channel=channel,
                    batch_ref=batch_ref,
                    received_at=received_at,
                    uploader=uploader,
                    api_client=api_client,
                )
        except IntegrityError:
            # A concurrent upload stored one of these documents after our read: read again, once.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
