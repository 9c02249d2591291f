"""The loading engine: one processing run of a batch, chunk by chunk.

A chunk is first prepared — validated, its subjects and records checked and prepared as far as no database
is needed (``BatchLoader.prepare``, possibly in the reading process) — then written
(``BatchLoader.load_prepared``): ONE transaction holding its records, its rejected rows, the batch counters
and ``rows_committed``. Before writing, the run checks under a row lock that ``rows_committed`` is still
what it started the chunk from; otherwise another process committed first and this run stops
(``Superseded``).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from xinyong.catalog.selectors import catalog_version_schema
from xinyong.collection.checks import batch_actor
from xinyong.collection.loading.chunks import NO_WARNINGS, ChunkOutcome, PreparedChunk, unpack_cells
from xinyong.collection.loading.counters import batch_issue_counts_add, counts_merge
from xinyong.collection.mapping import mapping_apply
from xinyong.collection.models import Batch, BatchChannel, BatchStatus, IssueKind, RejectedRow, RowWarning
from xinyong.collection.readers import SourceRow
from xinyong.collection.rejections import RejectedRowData, RejectionRecorder, rejected_rows_build
from xinyong.collection.row_warnings import WarningEntry, row_warnings_build, warning_entry
from xinyong.collection.selectors import uscc_confirmations_for
from xinyong.collection.source import batch_restores_quotes
from xinyong.collection.validation import RowValidator
from xinyong.records.loading.ingest import records_bulk_ingest
from xinyong.records.loading.prepare import PreparedRecord, RecordPreparer
from xinyong.records.models import Channel
from xinyong.records.rules import RecordError
from xinyong.subjects.bulk import SubjectPreparer, subjects_resolve_bulk
from xinyong.subjects.services import confirmed_codes_record_registered

_COPY_BUFFER = 1024 * 1024


class Superseded(Exception):
    """Another process committed a chunk of this batch first; this run stops without touching it."""


RECORD_CHANNEL = {
    BatchChannel.FILE: Channel.FILE,
    BatchChannel.CLI: Channel.FILE,
    BatchChannel.API: Channel.API,
    BatchChannel.FORM: Channel.FORM,
}


class BatchLoader:
    """Loads the chunks of one processing run of a batch from its opened table."""

    def __init__(self, batch: Batch, table) -> None:
        self.batch = batch
        self.table = table
        self.schema = catalog_version_schema(version=batch.item_version)
        # The mapper keeps a reference to table.headers: JSON keys first seen late are picked up.
        self.mapper = mapping_apply(headers=table.headers, mapping=batch.mapping or {}, schema=self.schema)
        # Read once per run: a code confirmed or revoked meanwhile counts from the next batch on.
        self.confirmed = uscc_confirmations_for(item_version=batch.item_version, department=batch.department)
        self.validator = RowValidator(
            schema=self.schema,
            department=batch.department,
            as_of=batch.as_of,
            columns=self.mapper.columns,
            confirmed=self.confirmed,
        )
        self.subjects = SubjectPreparer(as_of=batch.as_of, confirmed=self.confirmed)
        self.records = RecordPreparer(item_version=batch.item_version, department=batch.department)
        # Decided here: the reading process that prepares chunks never touches the database.
        self.restore_quotes = batch_restores_quotes(batch=batch)
        self.personal_fields = {spec.code for spec in self.schema.fields if spec.personal}
        self.rejections = RejectionRecorder(
            table=table, mapper=self.mapper, personal_fields=self.personal_fields, headers=list(batch.headers)
        )
        self.subject_uscc_field = (batch.item_version.core_fields or {}).get("subject_uscc", "")
        self.channel = RECORD_CHANNEL[batch.channel]
        self.source = f"batch:{batch.pk}"
        self.position = 0
        # Seconds per phase of this run: wall time, and "<phase> cpu" this process's CPU time ("prepare" is the
        # CPU time of the process that prepared the chunks).
        self.timings: Counter = Counter()

    # -- per row

    def _rejected(self, number: int, cells: list[Any] | str, issues: list[dict]) -> RejectedRowData:
        return self.rejections.row(number, unpack_cells(cells), issues)

    def _subject_issue(self, issue, subject) -> dict:
        """A problem found while resolving the subject, attributed to the column of the identifier it concerns."""
        core = self.batch.item_version.core_fields or {}
        code = getattr(issue, "code", "subject_error")
        if code.startswith("org_code"):
            role = "subject_org_code"
        elif code.startswith("ric") or (code.startswith("excel") and subject.ric and not subject.uscc):
            role = "subject_id_number"
        elif code.startswith(("uscc", "excel")) and subject.uscc:
            role = "subject_uscc"
        else:
            role = "subject_name"
        field_code = core.get(role, "")
        return {
            "code": code,
            "field": field_code,
            "column": self.mapper.columns.get(field_code, ""),
            "value": None,
            "message": getattr(issue, "message", str(issue)),
        }

    # -- per chunk

    def prepare(self, rows: list[SourceRow]) -> PreparedChunk:
        """Validate a chunk and prepare its subjects and records: no database, so it may run elsewhere."""
        started = time.process_time()
        chunk = PreparedChunk(rows_consumed=len(rows))
        validate, mapper = self.validator.validate_source, self.mapper
        prepare_subject, prepare_record = self.subjects.prepare, self.records.prepare
        for row in rows:
            result = validate(row, mapper)
            if not result.ok:
                chunk.rejected.append(
                    self._rejected(row.number, row.values, self.rejections.issues(result.errors))
                )
                continue
            try:
                record: Any = prepare_record(result.record)
            except RecordError as exc:
                record = exc  # reported after the subject is resolved, as the loader would refuse it
            warnings = (
                tuple(warning_entry(issue=w, personal_fields=self.personal_fields) for w in result.warnings)
                if result.warnings
                else NO_WARNINGS
            )
            chunk.valid.append((row.number, row.values, warnings, prepare_subject(result.subject), record))
        chunk.seconds = time.process_time() - started
        chunk.pid = os.getpid()
        return chunk

    def load_prepared(self, chunk: PreparedChunk, *, expected_committed: int) -> Batch:
        """Store a prepared chunk: one transaction with its rejected rows, the counters and the resume point."""
        self.timings["prepare"] += chunk.seconds
        if chunk.headers is not None and len(chunk.headers) > len(self.table.headers):
            self.table.headers.extend(chunk.headers[len(self.table.headers) :])
        self.position = chunk.position
        outcome = ChunkOutcome(
            rows_consumed=chunk.rows_consumed, rows_read=len(chunk.valid) + len(chunk.rejected)
        )
        outcome.rejected.extend(chunk.rejected)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # The chunk's commit need not wait for its WAL to reach the disk: after a crash the last
                # chunks may be lost, but whole (their records, rejected rows and rows_committed share the
                # transaction), and processing the batch again loads them again.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
            locked = Batch.objects.select_for_update().get(pk=self.batch.pk)
            if locked.rows_committed != expected_committed or locked.status != BatchStatus.LOADING:
                raise Superseded()
            if chunk.valid:
                self._load_valid(chunk.valid, outcome)
            started = self.clock()
            self._commit(
                locked, outcome, rows_total=self._estimate_total(expected_committed + chunk.rows_consumed)
            )
        self.lap("commit", started)
        self.batch = locked
        return locked

    @staticmethod
    def clock() -> tuple[float, float]:
        """Now, as (wall clock, this process's CPU time)."""
        return time.perf_counter(), time.process_time()

    def lap(self, phase: str, started: tuple[float, float]) -> tuple[float, float]:
        """Add the wall and CPU time since ``started`` to the phase; returns the new start."""
        now = self.clock()
        self.timings[phase] += now[0] - started[0]
        self.timings[f"{phase} cpu"] += now[1] - started[1]
        return now

    def _estimate_total(self, consumed: int) -> int | None:
        """Total data rows of a large text file, extrapolated from the bytes read so far (None: keep)."""
        if self.batch.rows_total_exact or self.table.total_rows is not None:
            return None
        # The reading process reports how far it read; in this process the table says.
        position = self.position or self.table.position
        # Readers read ahead in blocks: only well into a large file do the bytes read track the rows read
        # (the estimate from the first MiB is about exact for smaller files).
        if position < _COPY_BUFFER or not self.table.size:
            return None
        return max(round(consumed * self.table.size / position), consumed)

    def _load_valid(self, valid: list[tuple], outcome: ChunkOutcome) -> None:
        """Resolve the subjects of the valid rows, then ingest their records; refused rows join the rejected."""
        started = self.clock()
        loadable, kinds, failed = self._resolve_subjects(valid, outcome)
        started = self.lap("subjects", started)
        failed.extend(self._ingest_loadable(loadable, kinds, outcome))
        failed.sort(key=lambda item: item[0])
        for number, cells, exc in failed:
            issue = {"code": exc.code, "field": "", "column": "", "value": None, "message": exc.message}
            outcome.rejected.append(self._rejected(number, cells, [issue]))
        if outcome.registered:
            # Accepted for every item from now on, as the rule says (docs/identifiers.md).
            confirmed_codes_record_registered(
                codes=outcome.registered,
                department=self.batch.department,
                origin=self.source,
                actor=batch_actor(batch=self.batch),
            )
        self.lap("records", started)

    def _resolve_subjects(
        self, valid: list[tuple], outcome: ChunkOutcome
    ) -> tuple[list[tuple[int, list[Any], Any, int]], dict[int, str], list[tuple]]:
        """Resolve the rows' subjects: rows to ingest, the subjects' kinds, and rows whose record failed to
        prepare; rows without a subject are rejected and warnings counted in ``outcome``."""
        resolved = subjects_resolve_bulk(
            inputs=[subject for _n, _v, _w, subject, _r in valid],
            source=self.source,
            as_of=self.batch.as_of,
            actor=batch_actor(batch=self.batch),
            preparer=self.subjects,
        )
        loadable: list[tuple[int, list[Any], Any, int]] = []
        kinds: dict[int, str] = {}
        failed: list[tuple] = []
        for (number, cells, warnings, subject_input, record), subject in zip(valid, resolved, strict=True):
            if subject.warnings:
                warnings = self._with_subject_warnings(warnings, subject.warnings, subject_input)
            if warnings:
                self._count_warnings(number, warnings, subject, subject_input, outcome)
            if subject.errors or subject.subject_id is None:
                issues = [self._subject_issue(e, subject_input) for e in subject.errors] or [
                    {
                        "code": "subject_unresolved",
                        "field": "",
                        "column": "",
                        "value": None,
                        "message": "无法确定行政相对人，请核对名称和证件号码",
                    }
                ]
                outcome.rejected.append(self._rejected(number, cells, issues))
            elif isinstance(record, RecordError):
                failed.append((number, cells, record))
            else:
                loadable.append((number, cells, record, subject.subject_id))
                if subject.kind:
                    kinds[subject.subject_id] = subject.kind
        return loadable, kinds, failed

    def _count_warnings(self, number: int, warnings, subject, subject_input, outcome: ChunkOutcome) -> None:
        """Count a loaded row's warnings (once per row and code, like the errors of rejected rows), and note
        the codes a registration authority reported with a wrong check character."""
        outcome.warnings.update({entry[0] for entry in warnings})
        outcome.row_warnings.extend((number, entry) for entry in warnings)
        if subject.subject_id is not None and subject_input.mode == "uscc":
            outcome.registered.update(
                subject_input.key
                for entry in warnings
                if entry[0] == "uscc_check_digit_registered" and entry[1] == self.subject_uscc_field
            )

    def _ingest_loadable(
        self, loadable: list[tuple], kinds: dict[int, str], outcome: ChunkOutcome
    ) -> list[tuple]:
        """Ingest the records in one call; if it refuses the chunk as a whole, row by row to find the culprits
        (returned as (number, cells, error))."""
        failed: list[tuple] = []
        if not loadable:
            return failed
        try:
            # A savepoint: a refusal of the whole chunk leaves the transaction usable for the retry.
            with transaction.atomic():
                bulk = self._ingest([(record, sid) for _n, _c, record, sid in loadable], kinds)
            outcome.created += bulk.created
            outcome.new_version += bulk.new_version
            outcome.duplicate += bulk.duplicate
        except RecordError:
            for number, cells, record, sid in loadable:
                try:
                    with transaction.atomic():
                        one = self._ingest([(record, sid)], kinds)
                except RecordError as exc:
                    failed.append((number, cells, exc))
                else:
                    outcome.created += one.created
                    outcome.new_version += one.new_version
                    outcome.duplicate += one.duplicate
        return failed

    def _with_subject_warnings(
        self, warnings: tuple[WarningEntry, ...], issues, subject_input
    ) -> tuple[WarningEntry, ...]:
        """The row's warnings plus those of the subject registry it does not already have (the registry
        repeats some identifier warnings of the validation)."""
        seen = {entry[0] for entry in warnings}
        extra = []
        for issue in issues:
            if issue.code not in seen:
                seen.add(issue.code)
                extra.append(warning_entry(issue=self._subject_issue(issue, subject_input)))
        return (*warnings, *extra) if extra else warnings

    def _ingest(self, rows: list[tuple[PreparedRecord, int]], kinds: dict[int, str]):
        return records_bulk_ingest(
            item_version=self.batch.item_version,
            department=self.batch.department,
            rows=rows,
            channel=self.channel,
            batch_ref=str(self.batch.pk),
            received_at=self.batch.received_at,
            uploader=self.batch.uploaded_by,
            api_client=self.batch.api_client,
            subject_kinds=kinds,
            preparer=self.records,
        )

    def _commit(self, locked: Batch, outcome: ChunkOutcome, *, rows_total: int | None) -> None:
        rejected_rows, errors = rejected_rows_build(batch=locked, rejected=outcome.rejected)
        outcome.errors.update(errors)
        RejectedRow.objects.bulk_create(rejected_rows)
        if outcome.row_warnings:
            RowWarning.objects.bulk_create(
                row_warnings_build(batch=locked, rows=outcome.row_warnings), batch_size=2000
            )
        locked.rows_read += outcome.rows_read
        locked.created += outcome.created
        locked.new_version += outcome.new_version
        locked.duplicate += outcome.duplicate
        locked.rejected += len(outcome.rejected)
        locked.rows_committed += outcome.rows_consumed
        locked.warnings = counts_merge(stored=locked.warnings, new=outcome.warnings)
        locked.errors = counts_merge(stored=locked.errors, new=outcome.errors)
        locked.progress_at = timezone.now()
        if rows_total is not None:
            locked.rows_total = rows_total
        assert locked.rows_read == locked.created + locked.new_version + locked.duplicate + locked.rejected, (
            "batch counts must add up"
        )
        locked.save(
            update_fields=[
                "rows_read",
                "created",
                "new_version",
                "duplicate",
                "rejected",
                "rows_committed",
                "warnings",
                "errors",
                "progress_at",
                "rows_total",
            ]
        )
        batch_issue_counts_add(batch=locked, kind=IssueKind.ERROR, counts=outcome.errors)
        batch_issue_counts_add(batch=locked, kind=IssueKind.WARNING, counts=outcome.warnings)
