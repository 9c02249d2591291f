"""The check log (核查记录) and its digests.

Every check adds one ``CheckLog`` row (append-only: the model refuses updates and deletes). Writing one
audit-chain entry per check would serialise every check on the chain's head row, so the log is anchored
in the audit chain by periodic digests instead (docs/credit-check.md, "Digests"): a digest is the SHA-256
over one canonical line per row since the previous digest, chained with the previous digest, stored as a
``CheckDigest`` and written to the audit chain as ONE entry. ``check_log_verify`` recomputes every digest
and reports the ranges whose rows were changed, deleted or added afterwards.

Rows are digested only once they have settled (``DIGEST_SETTLE_SECONDS`` old): a check still being
committed with a lower id than a later one is never left out of the range that covers it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import orjson
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from xinyong.accounts.services import audit_log
from xinyong.core.bulk import adapters, copy_line, copy_text, copy_value, reserve_ids, write_rows
from xinyong.core.prepared import prepared_cursor
from xinyong.jrp.check.explain import explain
from xinyong.jrp.deadlines import calendar_unchanged_sql
from xinyong.jrp.models import CheckDigest, CheckLog, MeasureFeedback

DIGEST_SETTLE_SECONDS = 60
DIGEST_CHUNK = 5000

_LINE_COLUMNS = (
    "pk",
    "checked_at",
    "checked_on",
    "as_of",
    "channel",
    "department_id",
    "user_id",
    "api_client_id",
    "purpose",
    "matter_code",
    "query_kind",
    "query_text",
    "subject_id",
    "outcome",
    "hit_count",
    "measure_count",
    "rulebook_number",
    "batch_ref",
    "answer",
)


# The columns ``check_logs_write`` writes, in order.
LOG_COLUMNS = (
    "id",
    "checked_at",
    "checked_on",
    "as_of",
    "channel",
    "department_id",
    "user_id",
    "api_client_id",
    "purpose",
    "matter_code",
    "query_kind",
    "query_text",
    "subject_id",
    "outcome",
    "hit_count",
    "measure_count",
    "rulebook_number",
    "batch_ref",
    "answer",
)


def answer_json_bytes(answer) -> bytes:
    """``CheckAnswer.as_json()`` as UTF-8 JSON, fast (orjson serialises the dataclasses and dates itself)."""
    return orjson.dumps(answer)


def answer_json_text(answer) -> str:
    """``CheckAnswer.as_json()`` as JSON text (what the log row's ``answer`` stores)."""
    return orjson.dumps(answer).decode()


def answer_expanded(answer: dict, *, query_kind: str) -> dict:
    """A logged answer whole, as the check returned it (``CheckAnswer.as_json`` without the check id).

    A batch logs the answer of a known subject on no list, or of a USCC of no known subject, without what
    follows from the rest (``chunks``): no hits, measures or candidates, no rulebook, the default facts of the
    subject's kind (none for a code of no subject), the explanation. Other answers are logged whole.
    """
    if "explanation" in answer:
        return answer
    outcome, as_of, subject = answer["outcome"], answer["as_of"], answer.get("subject")
    facts = None
    if outcome == "clean" and subject is not None:
        facts = {
            "subject_kind": subject["kind"],
            "as_of": as_of,
            "last_negative_on": None,
            "negative_count_3y": 0,
        }
    return {
        "check_id": None,
        "outcome": outcome,
        "as_of": as_of,
        "subject": subject,
        "candidates": [],
        "hits": [],
        "measures": [],
        "rulebook_number": None,
        "facts": facts,
        "explanation": explain(
            outcome=outcome,
            as_of=dt.date.fromisoformat(as_of),
            subject=subject,
            hits=[],
            measures=[],
            rulebook_number=None,
            query_kind=query_kind,
        ),
        "error_code": "",
        "error_message": "",
    }


def check_log_insert(row: tuple) -> int:
    """Append one log row (values in ``LOG_COLUMNS`` order without the id); returns its id. One statement."""
    adapt_datetime, adapt_date, _adapt_bool = adapters()
    key = (connection.vendor, connection.alias)
    sql = _insert_sql.get(key)
    if sql is None:
        columns = LOG_COLUMNS[1:]
        table = connection.ops.quote_name(CheckLog._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        sql = _insert_sql[key] = f"INSERT INTO {table} ({names}) VALUES ({marks}) RETURNING id"  # noqa: S608
    values = (adapt_datetime(row[0]), adapt_date(row[1]), adapt_date(row[2]), *row[3:])
    with prepared_cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchone()[0]


_insert_sql: dict[tuple, str] = {}


_with_feedback_sql: dict[tuple, tuple[str, list]] = {}


def _cast(field) -> str:
    """The type a parameter for ``field`` is cast to (text for character columns, which check their length)."""
    db_type = field.db_type(connection)
    return "text" if db_type.startswith("varchar") else db_type


def _with_feedback_statement(*, guarded: bool) -> tuple[str, list]:
    """The statement appending a log row and its feedback rows, and the feedback fields it sends as arrays."""
    key = (connection.vendor, connection.alias, guarded)
    compiled = _with_feedback_sql.get(key)
    if compiled is None:
        quote = connection.ops.quote_name
        fields = [
            f for f in MeasureFeedback._meta.concrete_fields if not f.primary_key and f.attname != "check_id"
        ]
        columns = LOG_COLUMNS[1:]
        names = ", ".join(quote(c) for c in columns)
        if guarded:
            log_fields = {f.column: f for f in CheckLog._meta.concrete_fields}
            typed = ", ".join(f"%s::{_cast(log_fields[c])}" for c in columns)
            guard, _params = calendar_unchanged_sql((0, 0, None, 0, None))
            values = f"SELECT {typed} WHERE {guard}"
        else:
            values = "VALUES (" + ", ".join(["%s"] * len(columns)) + ")"
        feedback_names = ", ".join(quote(f.column) for f in fields)
        arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
        sql = (
            f"WITH log AS (INSERT INTO {quote(CheckLog._meta.db_table)} ({names}) {values} RETURNING id),"  # noqa: S608
            f" feedback AS (INSERT INTO {quote(MeasureFeedback._meta.db_table)} ({quote('check_id')},"
            f" {feedback_names}) SELECT log.id, u.* FROM log, unnest({arrays}) AS u)"
            " SELECT id FROM log"
        )
        compiled = _with_feedback_sql[key] = (sql, fields)
    return compiled


def check_log_insert_with_feedback(
    row: tuple, feedback: list[MeasureFeedback], *, calendar_version: tuple | None = None
) -> int | None:
    """Append one log row and the pending feedback rows of its check, atomically; returns the row's id.

    The feedback rows get the log row's id as ``check_id``. On PostgreSQL one statement (a data-modifying
    common table expression, the feedback rows sent as arrays), committed before it returns like every
    check's log row; elsewhere one transaction. With ``calendar_version`` (PostgreSQL only: the calendar
    version the feedback's due date was computed for, ``jrp.deadlines.feedback_due_on_guess``) nothing is
    written and None returned when the calendar changed since.
    """
    if not feedback:
        return check_log_insert(row)
    if connection.vendor != "postgresql":
        if calendar_version is not None:
            raise ValueError("the calendar version is checked on PostgreSQL only")
        with transaction.atomic():
            pk = check_log_insert(row)
            for item in feedback:
                item.check_id = pk
            MeasureFeedback.objects.bulk_create(feedback)
        return pk
    guarded = calendar_version is not None
    sql, fields = _with_feedback_statement(guarded=guarded)
    arrays = [[f.get_db_prep_save(f.pre_save(item, True), connection) for item in feedback] for f in fields]
    params = [*row]
    if guarded:
        params += calendar_unchanged_sql(calendar_version)[1]
    with prepared_cursor() as cursor:
        cursor.execute(sql, [*params, *arrays])
        found = cursor.fetchone()
    if found is None:
        return None
    for item in feedback:
        item.check_id = found[0]
    return found[0]


def check_logs_write(rows: list[tuple]) -> list[int]:
    """Append log rows (values in ``LOG_COLUMNS`` order without the id, the answer as JSON text) in bulk.

    Ids are reserved first and returned in order; PostgreSQL receives the rows by COPY.
    """
    ids = reserve_ids(CheckLog, len(rows))
    adapt_datetime, adapt_date, _adapt_bool = adapters()
    write_rows(
        CheckLog,
        LOG_COLUMNS,
        [
            (pk, adapt_datetime(row[0]), adapt_date(row[1]), adapt_date(row[2]), *row[3:])
            for pk, row in zip(ids, rows, strict=True)
        ],
    )
    return ids


# ``check_logs_write_shared``: the columns a chunk's rows share (the request), then each row's own.
SHARED_COLUMNS = (
    "checked_at",
    "checked_on",
    "as_of",
    "channel",
    "department_id",
    "user_id",
    "api_client_id",
    "purpose",
    "matter_code",
    "batch_ref",
)
OWN_COLUMNS = (
    "id",
    "query_kind",
    "query_text",
    "subject_id",
    "outcome",
    "hit_count",
    "measure_count",
    "rulebook_number",
    "answer",
)


def check_log_ids(count: int) -> list[int]:
    """``count`` fresh log ids (PostgreSQL: from the sequence, on any connection, outside any transaction)."""
    return reserve_ids(CheckLog, count)


def check_logs_write_shared(shared: tuple, rows: list[tuple]) -> None:
    """Append log rows of one request: ``shared`` in ``SHARED_COLUMNS`` order, each row in ``OWN_COLUMNS``
    order (its id from ``check_log_ids``, the answer as JSON text). PostgreSQL receives them by one COPY whose
    lines repeat the shared part as text built once."""
    if not rows:
        return
    adapt_datetime, adapt_date, _adapt_bool = adapters()
    shared = (adapt_datetime(shared[0]), adapt_date(shared[1]), adapt_date(shared[2]), *shared[3:])
    columns = SHARED_COLUMNS + OWN_COLUMNS
    if connection.vendor != "postgresql":
        write_rows(CheckLog, columns, [(*shared, *row) for row in rows])
        return
    prefix = copy_line(shared) + "\t"
    null = "\\N"
    lines = [
        # The values of copy_line, for the types these columns hold (the texts escaped by copy_value).
        f"{prefix}{pk}\t{kind}\t{copy_value(text)}\t{null if sid is None else sid}\t{outcome}\t{hits}"
        f"\t{measures}\t{null if number is None else number}\t{copy_value(answer)}\n"
        for pk, kind, text, sid, outcome, hits, measures, number, answer in rows
    ]
    copy_text(CheckLog, columns, lines)


def _plain(value) -> object:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def check_log_line(row: tuple) -> bytes:
    """The canonical line of one log row (values in ``_LINE_COLUMNS`` order), as hashed by the digests."""
    return json.dumps(
        [_plain(v) for v in row], ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()


def _rows(first_after: int, last: int):
    """The log rows with first_after < id <= last, in id order, in chunks."""
    after = first_after
    while True:
        rows = list(
            CheckLog.objects.filter(pk__gt=after, pk__lte=last)
            .order_by("pk")
            .values_list(*_LINE_COLUMNS)[:DIGEST_CHUNK]
        )
        if not rows:
            return
        yield from rows
        after = rows[-1][0]


def _digest(previous: str, first_after: int, last: int) -> tuple[str, int, int | None]:
    """(digest, count, first id) over the rows first_after < id <= last, chained with ``previous``."""
    sha = hashlib.sha256(previous.encode())
    count, first = 0, None
    for row in _rows(first_after, last):
        if first is None:
            first = row[0]
        sha.update(b"\n")
        sha.update(check_log_line(row))
        count += 1
    return sha.hexdigest(), count, first


def check_log_digest(*, now: dt.datetime | None = None, actor=None) -> CheckDigest | None:
    """Digest the settled log rows since the last digest and anchor it with one audit entry; None if none."""
    now = now or timezone.now()
    settled = now - dt.timedelta(seconds=DIGEST_SETTLE_SECONDS)
    with transaction.atomic():
        previous = CheckDigest.objects.select_for_update().order_by("-last_check_id").first()
        after = previous.last_check_id if previous else 0
        last = (
            CheckLog.objects.filter(pk__gt=after, checked_at__lte=settled)
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
        )
        if last is None:
            return None
        previous_digest = previous.digest if previous else ""
        digest, count, first = _digest(previous_digest, after, last)
        try:
            with transaction.atomic():
                record = CheckDigest.objects.create(
                    first_check_id=first,
                    last_check_id=last,
                    count=count,
                    digest=digest,
                    previous_digest=previous_digest,
                )
        except IntegrityError:
            # Another process digested the same rows at the same moment (possible only for the first digest,
            # when there is no earlier digest to lock): its digest stands.
            return None
        entry = audit_log(
            actor=actor,
            action="check_log_digest",
            obj=record,
            detail={
                "first_check_id": first,
                "last_check_id": last,
                "count": count,
                "digest": digest,
                "previous_digest": previous_digest,
            },
        )
        record.audit_entry_seq = entry.seq
        record.save(update_fields=["audit_entry_seq"])
    return record


@dataclass(frozen=True)
class DigestProblem:
    """A digest whose rows no longer hash to it."""

    first_check_id: int
    last_check_id: int
    expected_count: int
    found_count: int
    chain_broken: bool

    def describe(self) -> str:
        text = f"核查记录 {self.first_check_id}–{self.last_check_id}：摘要不符"
        if self.found_count != self.expected_count:
            text += f"（应有 {self.expected_count} 条，现有 {self.found_count} 条，记录被删除或插入）"
        else:
            text += "（记录内容被修改）"
        if self.chain_broken:
            text += "；摘要链断开"
        return text


@dataclass(frozen=True)
class VerifyReport:
    digests: int
    rows: int
    problems: list[DigestProblem]
    undigested: int

    @property
    def ok(self) -> bool:
        return not self.problems


def check_log_verify() -> VerifyReport:
    """Recompute every digest from the rows and report the ranges that no longer match."""
    problems: list[DigestProblem] = []
    previous_digest, after, rows = "", 0, 0
    digests = list(CheckDigest.objects.order_by("last_check_id"))
    for digest in digests:
        chain_broken = digest.previous_digest != previous_digest
        value, count, _first = _digest(digest.previous_digest, after, digest.last_check_id)
        rows += count
        if value != digest.digest or count != digest.count or chain_broken:
            problems.append(
                DigestProblem(
                    first_check_id=digest.first_check_id,
                    last_check_id=digest.last_check_id,
                    expected_count=digest.count,
                    found_count=count,
                    chain_broken=chain_broken,
                )
            )
        previous_digest, after = digest.digest, digest.last_check_id
    undigested = CheckLog.objects.filter(pk__gt=after).count()
    return VerifyReport(digests=len(digests), rows=rows, problems=problems, undigested=undigested)
