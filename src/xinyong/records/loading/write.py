"""The chunk's rows built and written: new records and versions appended, known records updated set-based.

- PostgreSQL: records and versions are streamed with ``COPY … FROM STDIN`` (text lines whose per-row part was
  built by ``prepare``), and known records are updated with one ``UPDATE … FROM unnest(…)`` for new versions
  and one for duplicate counters;
- SQLite: rows are written with ``executemany``.

Foreign keys: Django creates them ``DEFERRABLE INITIALLY DEFERRED``, so records can point at their current
version before that version is written. On PostgreSQL each inserted row would queue one trigger per foreign
key, checked one row at a time at commit — about half of the server's work for a chunk. When the database
role may set ``session_replication_role`` and the tables have no triggers of their own, the loader checks
the references itself, set-based, with the same locks the triggers take (``FOR KEY SHARE`` on the referenced
item, item version, department, uploader / API client and subjects; records and versions it writes itself,
and an ``UPDATE`` that misses a known record refuses the chunk), and writes its rows with the per-row
triggers off (see ``core.bulk.unchecked_writes``). Otherwise the triggers do it as usual.

Rows are written in key order so that overlapping uploads wait for each other rather than deadlock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection

from xinyong.accounts.models import ApiClient, Department, User
from xinyong.catalog.models import CatalogItem, CatalogItemVersion
from xinyong.core.bulk import (
    adapters,
    copy_line,
    copy_text,
    copy_value,
    index_probes,
    lock_rows,
    unchecked_writes,
    write_rows,
)
from xinyong.core.codes import SubjectKind
from xinyong.records.loading.columns import CURRENT_COLUMNS, PG_TYPES, RECORD_COLUMNS, VERSION_COLUMNS
from xinyong.records.loading.known import ChunkRecord
from xinyong.records.loading.plan import NO_STATUS, ChunkPlan, ChunkTimeliness
from xinyong.records.models import CreditRecord, CreditRecordVersion
from xinyong.subjects.models import Subject


@dataclass
class ChunkRows:
    """What a chunk writes, each list in key order."""

    records: list[tuple]  # (dedupe key, RECORD_HEAD values or their COPY text, prepared row)
    # (record id, number, version id, subject id, content hash, superseded id, disputed, row)
    versions: list[tuple]
    changed: list[tuple[int, dict[str, Any]]]  # known records and their CURRENT_COLUMNS values
    duplicate_counts: list[tuple[int, int]]  # known records and their repeat receipts


class _Values:
    """Adapters and COPY texts that are the same for every row of a call."""

    def __init__(
        self, *, item_version: CatalogItemVersion, received_at: dt.datetime, now: dt.datetime
    ) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.adapt_datetime, self.adapt_date, self.adapt_bool = adapters()
        self.at_received, self.at_now = self.adapt_datetime(received_at), self.adapt_datetime(now)
        self.item_version_id = item_version.pk
        self.scopes = {kind: item_version.scope_for(kind) for kind in SubjectKind.values}
        self.kind_texts = {kind: copy_line((kind, scope)).encode() for kind, scope in self.scopes.items()}
        self.received_text = copy_value(self.at_received).encode()
        self.no_status_text = copy_line(NO_STATUS.values()).encode()
        self._lag_texts: dict[tuple, bytes] = {}

    def lag_text(self, lag: tuple) -> bytes:
        text = self._lag_texts.get(lag)
        if text is None:
            text = self._lag_texts[lag] = copy_line(lag).encode()
        return text

    def new_record_head(self, record: ChunkRecord, kind: str, lag: tuple) -> Any:
        """The RECORD_HEAD of a new record: COPY text (PostgreSQL) or adapted values (SQLite)."""
        status = record.status_values
        if self.postgres:
            return b"%d\t%d\t%d\t%s\t%d\t%s\t%s\t%s" % (
                record.id,
                record.subject_id,
                record.current_version_id,
                self.kind_texts[kind],
                record.duplicates,
                self.received_text if record.duplicates else b"\\N",
                self.lag_text(lag),
                self.no_status_text if status is NO_STATUS else copy_line(status.values()).encode(),
            )
        adapt_bool, adapt_date = self.adapt_bool, self.adapt_date
        return (
            record.id,
            record.subject_id,
            record.current_version_id,
            kind,
            self.scopes[kind],
            record.duplicates,
            self.at_received if record.duplicates else None,
            lag[0],
            adapt_bool(lag[1]),
            adapt_bool(lag[2]),
            adapt_date(status["status_date"]),
            adapt_date(status["withdrawal_due"]),
            self.adapt_datetime(status["withdrawn_at"]),
        )

    def current_values(self, record: ChunkRecord, kind: str, lag: tuple) -> dict[str, Any]:
        """The CURRENT_COLUMNS of a known record after its new versions."""
        row, status = record.current, record.status_values
        window = row.window
        adapt_bool, adapt_date = self.adapt_bool, self.adapt_date
        return {
            "current_version_id": record.current_version_id,
            "item_version_id": self.item_version_id,
            "subject_id": record.subject_id,
            "subject_kind": kind,
            "disclosure_scope": self.scopes[kind],
            "document_number": row.document_number,
            "decision_date": adapt_date(row.decision_date),
            "severity": row.severity,
            "polarity": row.polarity,
            "status": row.status,
            "publish_from": adapt_date(row.publish_from),
            "publish_until": adapt_date(row.publish_until),
            "publishable": adapt_bool(window.publishable),
            "repair_from": adapt_date(window.repair_from),
            "no_early_stop": adapt_bool(window.no_early_stop),
            "window_rule": window.rule,
            "rule_set_code": window.rule_set_code,
            "lag_working_days": lag[0],
            "lag_provisional": adapt_bool(lag[1]),
            "is_late": adapt_bool(lag[2]),
            "status_date": adapt_date(status["status_date"]),
            "withdrawal_due": adapt_date(status["withdrawal_due"]),
            "withdrawn_at": self.adapt_datetime(status["withdrawn_at"]),
            "updated_at": self.at_now,
        }


def chunk_rows_build(
    *,
    plan: ChunkPlan,
    version_rows: list[tuple],
    kinds: Mapping[int, str],
    item_version: CatalogItemVersion,
    received_at: dt.datetime,
    now: dt.datetime,
) -> tuple[ChunkRows, _Values]:
    """The rows to write for a planned chunk (ids reserved), in key order."""
    values = _Values(item_version=item_version, received_at=received_at, now=now)
    timeliness = ChunkTimeliness(item_version=item_version, plan=plan)
    record_rows: list[tuple] = []
    changed: list[tuple[int, dict[str, Any]]] = []
    duplicate_counts: list[tuple[int, int]] = []
    for record in plan.records.values():
        if record.is_new:
            head = values.new_record_head(record, kinds[record.subject_id], timeliness.lag(record))
            record_rows.append((record.current.key, head, record.current))
            continue
        if record.changed:
            changed.append(
                (record.id, values.current_values(record, kinds[record.subject_id], timeliness.lag(record)))
            )
        if record.duplicates:
            duplicate_counts.append((record.id, record.duplicates))
    # Rows in key order: two uploads that overlap take their locks in the same order instead of deadlocking.
    record_rows.sort(key=lambda item: item[0])
    version_rows = sorted(version_rows, key=lambda item: (item[0], item[1]))
    changed.sort(key=lambda item: item[0])
    duplicate_counts.sort()
    return ChunkRows(record_rows, version_rows, changed, duplicate_counts), values


def chunk_rows_write(
    *,
    rows: ChunkRows,
    values: _Values,
    item_version: CatalogItemVersion,
    department: Department,
    channel: str,
    batch_ref: str,
    uploader,
    api_client: ApiClient | None,
    subject_ids: set[int],
) -> None:
    """Append the new records and versions and update the known records, references checked."""
    uploader_id = uploader.pk if uploader is not None else None
    api_client_id = api_client.pk if api_client is not None else None
    version_call = (channel, batch_ref or "", uploader_id, api_client_id, values.at_received, values.at_now)
    record_call = (
        item_version.item_id,
        department.pk,
        values.adapt_bool(False),
        values.adapt_bool(False),
        values.at_received,
        values.at_now,
    )
    with unchecked_writes(CreditRecord, CreditRecordVersion) as unchecked:
        if unchecked:
            _verify_references(
                item_version=item_version,
                department=department,
                uploader=uploader,
                api_client=api_client,
                subject_ids=subject_ids,
            )
        if values.postgres:
            _copy_new(rows, record_call=record_call, version_call=version_call)
        else:
            _insert_new(rows, values, record_call=record_call, version_call=version_call)
        if rows.changed or rows.duplicate_counts:
            with index_probes():
                _update_current(rows.changed)
                _update_duplicates(rows.duplicate_counts, values.at_received)


def _copy_new(rows: ChunkRows, *, record_call: tuple, version_call: tuple) -> None:
    """PostgreSQL: the new records and versions as COPY text lines."""
    record_call_text = copy_line(record_call).encode()
    version_call_text = copy_line(version_call).encode()
    record_lines = [
        b"%s\t%s\t%s\n" % (head, row.record_tail, record_call_text) for _key, head, row in rows.records
    ]
    version_lines = [
        b"%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\n"
        % (
            version_id,
            record_id,
            number,
            subject_id,
            hash_.encode(),
            b"\\N" if previous is None else b"%d" % previous,
            b"t" if disputed else b"f",
            row.version_tail,
            version_call_text,
        )
        for record_id, number, version_id, subject_id, hash_, previous, disputed, row in rows.versions
    ]
    _write_rows(CreditRecord, RECORD_COLUMNS, record_lines)
    _write_rows(CreditRecordVersion, VERSION_COLUMNS, version_lines)


def _insert_new(rows: ChunkRows, values: _Values, *, record_call: tuple, version_call: tuple) -> None:
    """SQLite: the new records and versions as value tuples.

    Without an outstanding deferred foreign key, an insert does not make SQLite look for the rows waiting
    for it (by a scan of records, whose current_version has no index): records first without their current
    version, then the versions, then the pointers.
    """
    adapt_date, adapt_bool, item_version_id = values.adapt_date, values.adapt_bool, values.item_version_id
    record_lines = [
        (*head[:2], None, *head[3:], *_adapted(row.record_values(item_version_id), adapt_date, adapt_bool))
        + record_call
        for _key, head, row in rows.records
    ]
    version_lines = [
        (
            version_id,
            record_id,
            number,
            subject_id,
            hash_,
            previous,
            adapt_bool(disputed),
            *_adapted(row.version_values(item_version_id), adapt_date, adapt_bool),
            *version_call,
        )
        for record_id, number, version_id, subject_id, hash_, previous, disputed, row in rows.versions
    ]
    _write_rows(CreditRecord, RECORD_COLUMNS, record_lines)
    _write_rows(CreditRecordVersion, VERSION_COLUMNS, version_lines)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {connection.ops.quote_name(CreditRecord._meta.db_table)} "
            "SET current_version_id = %s WHERE id = %s",
            [(head[2], head[0]) for _key, head, _row in rows.records],
        )


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
            unnest = ", ".join(["%s::bigint[]"] + [f"%s::{PG_TYPES[c]}[]" for c in CURRENT_COLUMNS])
            cursor.execute(
                f"UPDATE {table} AS r SET {sets} FROM unnest({unnest}) AS v(id, {', '.join(CURRENT_COLUMNS)}) "
                "WHERE r.id = v.id",
                arrays,
            )
            updated = cursor.rowcount
        else:
            sets = ", ".join(f"{c} = %s" for c in CURRENT_COLUMNS)
            cursor.executemany(
                f"UPDATE {table} SET {sets} WHERE id = %s",
                [tuple(v[c] for c in CURRENT_COLUMNS) + (pk,) for pk, v in changed],
            )
            updated = len(changed) if cursor.rowcount < 0 else cursor.rowcount
    if updated != len(changed):
        # A known record is gone: what its foreign keys would have said.
        raise IntegrityError("bulk ingest: a known record was not found for its new version")


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


def _verify_references(*, item_version, department, uploader, api_client, subject_ids: set[int]) -> None:
    """What the foreign-key triggers check for the rows about to be written, set-based, with their locks."""
    wanted = [
        (CatalogItem, {item_version.item_id}),
        (CatalogItemVersion, {item_version.pk}),
        (Department, {department.pk}),
        (Subject, subject_ids),
    ]
    if uploader is not None:
        wanted.append((User, {uploader.pk}))
    if api_client is not None:
        wanted.append((ApiClient, {api_client.pk}))
    for model, ids in wanted:
        found = lock_rows(model, ids)
        if len(found) != len(ids):
            raise IntegrityError(
                f"bulk ingest: {model.__name__} rows {sorted(set(ids) - set(found))} do not exist"
            )


def _write_rows(model, columns: Sequence[str], rows: list) -> None:
    """Append rows: COPY text lines on PostgreSQL, value tuples (executemany) on SQLite."""
    if connection.vendor == "postgresql":
        copy_text(model, columns, rows)
    else:
        write_rows(model, columns, rows)


def _adapted(values: tuple, adapt_date, adapt_bool) -> tuple:
    """SQLite: dates and booleans as the ORM sends them."""
    return tuple(
        adapt_date(v) if v.__class__ is dt.date else adapt_bool(v) if v.__class__ is bool else v
        for v in values
    )
