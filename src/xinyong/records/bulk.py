"""Set-based loading of credit records (归集批量入库): the semantics of ``record_ingest`` for a whole chunk.

``records_bulk_ingest`` gives, row by row, the outcome ``records.services.record_ingest`` would give for the
same rows received one after the other in file order — a new record, a counted duplicate (the content was
received before, in any version), or a new version — and leaves the tables in the same state: the content
hash is the one of ``records.services._content_hash``, personal ID fields are masked and encrypted the same
way, the publication window comes from the same ``WindowCalculator``, revocation dates follow
``records.services._status_values``, and the record's denormalised columns follow its newest version.
Duplicates and changes of the same document within one chunk are resolved in memory in file order.

Two steps:

- ``RecordPreparer.prepare`` — everything about a row that needs no database: the record_ingest checks, the
  stored (masked) fields and their JSON text, the encrypted personal IDs, the publication window and the
  content hash up to the subject id (the subject is the last key of the canonical payload, see
  ``hash_prefix``). It is a pure function of the row, so the collection app runs it in its reading process,
  alongside validation, while the database writes the previous chunk.
- ``records_bulk_ingest`` — per chunk, whatever its size: one query for the subjects' kinds (skipped when the
  caller already knows them), one for the records already known under the chunk's dedupe keys, one for the
  content hashes of their versions (each an index probe per key, see ``core.bulk.lookup_rows``), one for the
  working-day calendar; then the writes:

  - PostgreSQL: ids for the new records and versions are reserved with ``nextval`` over ``generate_series``,
    records and versions are streamed with ``COPY … FROM STDIN`` (text lines whose per-row part was built by
    ``prepare``), and known records are updated with one ``UPDATE … FROM unnest(…)`` for new versions and one
    for duplicate counters;
  - SQLite: ids are reserved by advancing ``sqlite_sequence`` (the write lock is held, so nobody else can
    take them), rows are written with ``executemany``.

Foreign keys: Django creates them ``DEFERRABLE INITIALLY DEFERRED``, so records can point at their current
version before that version is written. On PostgreSQL each inserted row would queue one trigger per foreign
key, checked one row at a time at commit — about half of the server's work for a chunk. When the database
role may set ``session_replication_role`` and the tables have no triggers of their own, the loader checks
the references itself, set-based, with the same locks the triggers take (``FOR KEY SHARE`` on the referenced
item, item version, department, uploader / API client and subjects; records and versions it writes itself,
and an ``UPDATE`` that misses a known record refuses the chunk), and writes its rows with the per-row
triggers off (see ``core.bulk.unchecked_writes``). Otherwise the triggers do it as usual.

The call runs inside the caller's transaction (a savepoint of it) and writes one audit entry (action
``bulk_ingest``, counts in the detail) instead of one per record.

Concurrent uploads: the known records are read without row locks (locking thousands of rows per chunk
costs more than the rest of the read). The unique constraints keep two uploads of the same document
apart instead: if another upload stored the document (or a version with the number we chose) after our
read, our insert waits for that upload's transaction, is refused when it commits, and the call is repeated
(a few times at most), reading the other upload's rows: each row becomes a duplicate or a new version of
the other upload's record, never a second record. Rows are
written in key order so that overlapping uploads wait for each other rather than deadlock.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from xinyong.accounts.models import ApiClient, Department
from xinyong.accounts.services import audit_log
from xinyong.catalog.models import CatalogItemVersion
from xinyong.core.bulk import (
    adapters,
    bulk_session,
    copy_line,
    copy_text,
    copy_value,
    datetime_converter,
    index_probes,
    lock_rows,
    lookup_rows,
    reserve_ids,
    unchecked_writes,
    write_rows,
)
from xinyong.core.codes import SubjectKind
from xinyong.records.models import (
    Channel,
    CreditRecord,
    CreditRecordVersion,
    Polarity,
    RecordStatus,
    SeverityTier,
)
from xinyong.records.normalize import (
    canonical_json,
    display_document_number,
    jsonable,
    normalize_document_number,
)
from xinyong.records.selectors import protected_field_codes
from xinyong.records.services import (
    RecordError,
    _check_choice,
    _split_protected,
    _status_values,
    _timeliness_values,
)
from xinyong.records.windows import Window, WindowCalculator
from xinyong.subjects import crypto
from xinyong.subjects.models import Subject
from xinyong.workdays.selectors import work_calendar_load

CREATED = "created"
NEW_VERSION = "new_version"
DUPLICATE = "duplicate"
EFFECTIVE = RecordStatus.EFFECTIVE.value

# Columns written for a new version / record, in COPY order: the part known only to the chunk (ids, subject,
# hash …), the part ``prepare`` fixes per row, and the part fixed per call (channel, batch, times …). Checked
# against the models on first use, so that a field added to a model cannot be silently left out.
# The core values and the publication window, which records and versions both carry, in the same order.
CORE_COLUMNS = ("decision_date", "severity", "polarity", "status")
WINDOW_COLUMNS = (
    "publish_from",
    "publish_until",
    "publishable",
    "repair_from",
    "no_early_stop",
    "window_rule",
    "rule_set_code",
)
VERSION_HEAD = ("id", "record_id", "number", "subject_id", "content_hash", "supersedes_id")
VERSION_TAIL = (
    "item_version_id",
    "document_number",
    *CORE_COLUMNS,
    "status_date",
    "change_reason",
    *WINDOW_COLUMNS,
    "fields",
    "fields_protected",
)
VERSION_CALL = ("channel", "batch_ref", "uploader_id", "api_client_id", "received_at", "created_at")
VERSION_COLUMNS = VERSION_HEAD + VERSION_TAIL + VERSION_CALL
RECORD_HEAD = (
    "id",
    "subject_id",
    "current_version_id",
    "subject_kind",
    "disclosure_scope",
    "duplicate_count",
    "last_duplicate_at",
    "lag_working_days",
    "lag_provisional",
    "is_late",
    "status_date",
    "withdrawal_due",
    "withdrawn_at",
)
RECORD_TAIL = ("item_version_id", "document_number", "document_number_key", *CORE_COLUMNS, *WINDOW_COLUMNS)
RECORD_CALL = ("item_id", "department_id", "in_publication", "created_at", "updated_at")
RECORD_COLUMNS = RECORD_HEAD + RECORD_TAIL + RECORD_CALL
# Columns of a known record that follow its newest version (as records.services._apply_current), plus the
# timeliness and revocation columns record_ingest saves with them.
_STATUS_COLUMNS = ("status_date", "withdrawal_due", "withdrawn_at")
CURRENT_COLUMNS = (
    "current_version_id",
    "item_version_id",
    "subject_id",
    "subject_kind",
    "disclosure_scope",
    "document_number",
    *CORE_COLUMNS,
    *WINDOW_COLUMNS,
    "lag_working_days",
    "lag_provisional",
    "is_late",
    *_STATUS_COLUMNS,
    "updated_at",
)
_NO_STATUS = dict.fromkeys(_STATUS_COLUMNS)  # shared, never modified: a new dict replaces it
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
    "publishable": "boolean",
    "repair_from": "date",
    "no_early_stop": "boolean",
    "window_rule": "text",
    "rule_set_code": "text",
    "lag_working_days": "integer",
    "lag_provisional": "boolean",
    "is_late": "boolean",
    "status_date": "date",
    "withdrawal_due": "date",
    "withdrawn_at": "timestamptz",
    "updated_at": "timestamptz",
}
_SEVERITIES = frozenset(SeverityTier.values) | {""}
_POLARITIES = frozenset(Polarity.values)
_STATUSES = frozenset(RecordStatus.values)
# The stored fields as PostgreSQL receives them: jsonb keeps no text, so the compact form (CJK characters as
# UTF-8 instead of \\u escapes) only makes the COPY stream shorter. SQLite stores the text of json.dumps, as
# the ORM does.
_PG_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_CACHE_LIMIT = 50_000
# Tries of a chunk whose insert collides with another upload's (see records_bulk_ingest).
_ATTEMPTS = 4


@dataclass(frozen=True, slots=True)
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


_PREPARED_FIELDS = (
    "number",
    "key",
    "document_number",
    "decision_date",
    "severity",
    "polarity",
    "status",
    "window",
    "publish_from",
    "publish_until",
    "stored_json",
    "secret_token",
    "hash_prefix",
    "version_tail",
    "record_tail",
)


class PreparedRecord(tuple):
    """A row after ``RecordPreparer.prepare``: what its version holds, except what depends on the chunk.

    A tuple (fields named as ``_fields``): the collection app sends prepared rows to another process, and a
    plain tuple of strings, bytes and numbers is what pickles fastest.
    """

    __slots__ = ()
    _fields = _PREPARED_FIELDS

    @classmethod
    def make(cls, values) -> PreparedRecord:
        return tuple.__new__(cls, values)

    def _core_and_window(self) -> tuple[tuple, tuple]:
        """The CORE_COLUMNS and WINDOW_COLUMNS values, which records and versions both carry."""
        window = self.window
        return (self.decision_date, self.severity, self.polarity, self.status), (
            self.publish_from,
            self.publish_until,
            window.publishable,
            window.repair_from,
            window.no_early_stop,
            window.rule,
            window.rule_set_code,
        )

    def version_values(self, item_version_id: int) -> tuple:
        """The VERSION_TAIL values (SQLite; PostgreSQL gets the COPY text ``version_tail``)."""
        core, window = self._core_and_window()
        return (
            item_version_id,
            self.document_number,
            *core,
            None,
            "",
            *window,
            self.stored_json,
            self.secret_token,
        )

    def record_values(self, item_version_id: int) -> tuple:
        """The RECORD_TAIL values (SQLite; PostgreSQL gets the COPY text ``record_tail``)."""
        core, window = self._core_and_window()
        return (item_version_id, self.document_number, self.key, *core, *window)


for _index, _name in enumerate(_PREPARED_FIELDS):
    setattr(PreparedRecord, _name, property(operator.itemgetter(_index), doc=f"Field {_index}: {_name}."))


class RecordPreparer:
    """The per-row checks and computations of record_ingest that need no database, for one item version.

    Built once per batch (it holds caches: windows, encrypted IDs, keyed hashes); ``prepare`` is a pure
    function of the row and may run in another process than the writes.
    """

    def __init__(
        self,
        *,
        item_version: CatalogItemVersion,
        department: Department,
        windows: WindowCalculator | None = None,
        postgres: bool | None = None,
    ) -> None:
        self.item_version = item_version
        self.item_version_id = item_version.pk
        self.department_code = department.code
        self.protected = protected_field_codes(item_version)
        self.default_polarity = item_version.polarity
        self.number_field = (item_version.core_fields or {}).get("document_number")
        self.windows = windows if windows is not None else WindowCalculator.load()
        self.postgres = connection.vendor == "postgresql" if postgres is None else postgres
        self._tokens: dict[tuple, str] = {}
        self._hmacs: dict[str, str] = {}
        self._texts: dict[Any, bytes] = {}  # COPY text of values that repeat (windows, dates, codes)
        self._dates: dict[dt.date, dt.date] = {}
        # COPY text of the decision date, severity, polarity and status; of a window's dates and columns
        # (keyed by the window's identity: the calculator returns one object per distinct window).
        self._cores: dict[tuple, bytes] = {}
        self._window_texts: dict[int, tuple[Window, bytes]] = {}

    def prepare(self, record_input: RecordInput) -> PreparedRecord:
        """Check a row as record_ingest does (RecordError with the row number) and compute its version."""
        number = record_input.number
        document_number = record_input.document_number
        key = normalize_document_number(document_number)
        if not key:
            raise RecordError("document_number_required", f"第 {number} 行：文书号不能为空，请填写决定文书号")
        if len(key) > 200:
            raise RecordError(
                "document_number_too_long", f"第 {number} 行：文书号超过 200 个字符，请核对是否误填了其他内容"
            )
        decision_date = record_input.decision_date
        if decision_date.__class__ is not dt.date and (
            not isinstance(decision_date, dt.date) or isinstance(decision_date, dt.datetime)
        ):
            raise RecordError("decision_date_required", f"第 {number} 行：请填写决定日期")
        severity, status = record_input.severity, record_input.status
        polarity = record_input.polarity or self.default_polarity
        if severity not in _SEVERITIES or polarity not in _POLARITIES or status not in _STATUSES:
            try:
                _check_choice(severity, SeverityTier, "severity_invalid", "严重程度", blank=True)
                _check_choice(polarity, Polarity, "polarity_invalid", "信息性质")
                _check_choice(status, RecordStatus, "status_invalid", "状态")
            except RecordError as exc:
                raise RecordError(exc.code, f"第 {number} 行：{exc.message}") from exc
        fields = record_input.fields
        if not isinstance(fields, dict):
            raise RecordError("fields_invalid", f"第 {number} 行：字段内容应为“字段代码: 值”的对象")

        stored, secret = _split_protected(jsonable(fields), self.protected)
        window = self.windows.window(
            item_version=self.item_version,
            decision_date=decision_date,
            severity=severity,
            fields=stored,
            department_code=self.department_code,
        )
        # Explicit publish dates (given by the source) take precedence, as in records.services._window_values.
        publish_from = record_input.publish_from
        if publish_from is None:
            publish_from = window.publish_from
        publish_until = record_input.publish_until
        if publish_until is None:
            publish_until = window.publish_until
        # One object per distinct date: pickled once per chunk when rows go to another process.
        decision_date = self._dates.setdefault(decision_date, decision_date)
        document_number = display_document_number(document_number)
        secret_token = self._encrypt(secret) if secret else ""
        hash_prefix = self._hash_prefix(
            document_number, decision_date, severity, polarity, status, stored, secret, key
        )
        if not self.postgres:
            # The text the ORM would store; values tuples are written (``version_values``).
            stored_json, version_tail, record_tail = json.dumps(stored), None, None
        else:
            stored_json = _json_bytes(stored)
            text = self._text
            document = _copy_bytes(document_number)
            core_key = (decision_date, severity, polarity, status)
            core = self._cores.get(core_key)
            if core is None:
                if len(self._cores) >= _CACHE_LIMIT:
                    self._cores.clear()
                core = self._cores[core_key] = b"\t".join(map(text, core_key))
            if record_input.publish_from is None and record_input.publish_until is None:
                dates_window = self._window_text(window)
            else:
                dates_window = b"\t".join((text(publish_from), text(publish_until), text(window)))
            stored_text = stored_json
            if b"\\" in stored_text:
                stored_text = stored_text.replace(
                    b"\\", b"\\\\"
                )  # JSON escapes; JSON has no raw tab or newline
            item_version = text(self.item_version_id)
            version_tail = b"\t".join(
                (item_version, document, core, b"\\N\t", dates_window, stored_text, secret_token.encode())
            )
            record_tail = b"\t".join((item_version, document, _copy_bytes(key), core, dates_window))
            stored_json = None  # in version_tail
        return PreparedRecord.make(
            (
                number,
                key,
                document_number,
                decision_date,
                severity,
                polarity,
                status,
                window,
                publish_from,
                publish_until,
                stored_json,
                secret_token,
                hash_prefix,
                version_tail,
                record_tail,
            )
        )

    def _encrypt(self, secret: dict[str, str]) -> str:
        # Same text as record_ingest encrypts; one Fernet token per distinct value (the costly step). The
        # items (text keys and values) name the text, which is only built for a new value.
        key = tuple(secret.items())
        token = self._tokens.get(key)
        if token is None:
            if len(self._tokens) >= _CACHE_LIMIT:
                self._tokens.clear()
            token = self._tokens[key] = crypto.encrypt(json.dumps(secret, ensure_ascii=False))
        return token

    def _window_text(self, window: Window) -> bytes:
        """COPY text of a window's publish_from, publish_until and columns."""
        entry = self._window_texts.get(id(window))
        if entry is None or entry[0] is not window:
            if len(self._window_texts) >= _CACHE_LIMIT:
                self._window_texts.clear()
            text = self._text
            # The entry keeps the window alive, so that its id is not reused while the entry exists.
            entry = self._window_texts[id(window)] = (
                window,
                b"\t".join((text(window.publish_from), text(window.publish_until), text(window))),
            )
        return entry[1]

    def _keyed(self, value: str) -> str:
        digest = self._hmacs.get(value)
        if digest is None:
            if len(self._hmacs) >= _CACHE_LIMIT:
                self._hmacs.clear()
            digest = self._hmacs[value] = "hmac:" + crypto.keyed_hash(value, domain="field")
        return digest

    def _text(self, value: Any) -> bytes:
        """COPY text of a repeating value (a date, a code, a window), remembered."""
        try:
            return self._texts[value]
        except KeyError:
            if len(self._texts) >= _CACHE_LIMIT:
                self._texts.clear()
            if value.__class__ is Window:
                text = copy_line(
                    (
                        value.publishable,
                        value.repair_from,
                        value.no_early_stop,
                        value.rule,
                        value.rule_set_code,
                    )
                )
            else:
                text = copy_value(value)
            encoded = self._texts[value] = text.encode()
            return encoded

    def _hash_prefix(
        self,
        document_number: str,
        decision_date: dt.date,
        severity: str,
        polarity: str,
        status: str,
        stored: dict,
        secret: dict[str, str],
        key: str,
    ) -> bytes:
        """The canonical payload of ``records.services._content_hash`` up to the subject id (UTF-8).

        The payload's keys sort as decision_date, fields, polarity, severity, status, subject: its canonical
        text is this prefix, the subject id and "}" (``content_hash``). Same field rules as _content_hash:
        personal IDs as keyed hashes, the document number field in its dedupe form.
        """
        fields = {**stored, **{k: self._keyed(v) for k, v in secret.items()}} if secret else dict(stored)
        number_field = self.number_field
        if number_field:
            value = fields.get(number_field)
            if value.__class__ is str:
                # Usually the row's document number, whose dedupe form is the record's key.
                fields[number_field] = key if value == document_number else normalize_document_number(value)
        return b"".join(
            (
                b'{"decision_date":"',
                self._text(decision_date),
                b'","fields":',
                _canonical_bytes(fields),
                b',"polarity":',
                _json_string(polarity),
                b',"severity":',
                _json_string(severity),
                b',"status":',
                _json_string(status),
                b',"subject":',
            )
        )


_ORJSON_SAFE = frozenset({str, int, bool, type(None)})


def _canonical_bytes(fields: dict) -> bytes:
    """``canonical_json(fields)`` as UTF-8 — through orjson when its output is the same text (flat values)."""
    if _ORJSON_SAFE.issuperset(map(type, fields.values())):
        try:
            return orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)
        except (orjson.JSONEncodeError, TypeError):
            pass  # e.g. an integer beyond 64 bits: the standard encoder decides
    return canonical_json(fields).encode()


def _json_bytes(stored: dict) -> bytes:
    """The stored fields as JSON for PostgreSQL's jsonb (any valid text; compact UTF-8)."""
    try:
        return orjson.dumps(stored)
    except (orjson.JSONEncodeError, TypeError):
        return _PG_JSON.encode(stored).encode()


@functools.lru_cache(maxsize=256)
def _json_string(value: str) -> bytes:
    return canonical_json(value).encode()


def _copy_bytes(value: str) -> bytes:
    return copy_value(value).encode()


def content_hash(row: PreparedRecord, subject_id: int) -> str:
    """``records.services._content_hash`` of the prepared row about ``subject_id``."""
    return hashlib.sha256(row.hash_prefix + b"%d}" % subject_id).hexdigest()


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
        "subject_id",
        "duplicates",
        "changed",
        "status",
        "status_values",
    )

    def __init__(
        self, *, id=None, is_new, created_at, hashes, number, current_version_id, status, status_values
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


def _check_columns() -> None:
    for model, columns in ((CreditRecord, RECORD_COLUMNS), (CreditRecordVersion, VERSION_COLUMNS)):
        names = {f.attname for f in model._meta.concrete_fields}
        if names != set(columns) or len(columns) != len(set(columns)):
            raise RuntimeError(
                f"bulk loader columns of {model.__name__} differ from the model: "
                f"missing {sorted(names - set(columns))}, unknown {sorted(set(columns) - names)}"
            )


def _subject_kinds(
    rows: Sequence[tuple[PreparedRecord, int]], known: Mapping[int, str] | None, *, item_version
) -> dict[int, str]:
    """The kind of every row's subject (read unless the caller knows it); checks what record_ingest checks."""
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


def _load_known(
    *, item_version: CatalogItemVersion, department: Department, keys: set[str]
) -> dict[str, _Record]:
    """Records already stored under the chunk's dedupe keys, with the content hashes of all their versions."""
    records, versions = CreditRecord._meta.db_table, CreditRecordVersion._meta.db_table
    rows = lookup_rows(
        keys,
        select=(
            "r.id, r.document_number_key, r.current_version_id, r.created_at, r.status, r.status_date, "
            "r.withdrawal_due, r.withdrawn_at, "
            f"(SELECT v.number FROM {versions} v WHERE v.id = r.current_version_id) AS number"
        ),
        table=f"{records} r",
        match="r.document_number_key",
        where=" AND r.item_id = %s AND r.department_id = %s",
        params=[item_version.item_id, department.pk],
    )
    convert = datetime_converter()
    convert_date = _date_converter()
    known: dict[str, _Record] = {}
    by_id: dict[int, _Record] = {}
    for pk, key, version_id, created_at, status, status_date, due, withdrawn_at, number in rows:
        record = _Record(
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
    from xinyong.accounts.models import User  # noqa: PLC0415 - the user model, as settings define it
    from xinyong.catalog.models import CatalogItem  # noqa: PLC0415

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


def _ingest(
    *,
    item_version: CatalogItemVersion,
    department: Department,
    rows: Sequence[tuple[PreparedRecord, int]],
    subject_kinds: Mapping[int, str] | None,
    channel: str,
    batch_ref: str,
    received_at: dt.datetime,
    uploader,
    api_client,
) -> BulkResult:
    bulk_session()
    kinds = _subject_kinds(rows, subject_kinds, item_version=item_version)
    known = _load_known(item_version=item_version, department=department, keys={row.key for row, _s in rows})
    now = timezone.now()
    received_day = timezone.localdate(received_at)

    def next_status(record: _Record, status: str) -> None:
        """The revocation columns after a version with ``status`` (records.services._status_values)."""
        previous = record.status
        record.status = status
        if status == EFFECTIVE and previous in (None, EFFECTIVE):
            return  # nothing changes: the common case
        values = _status_values(
            previous_status=previous,
            status=status,
            status_date=received_day,
            at=now if previous is not None else received_at,
            current=record.status_values,
        )
        record.status_values = {**dict.fromkeys(_STATUS_COLUMNS), **values}

    # File order: each row sees what the rows before it did.
    result = BulkResult()
    outcomes = result.outcomes
    records: dict[str, _Record] = dict(known)
    versions: list[tuple[_Record, PreparedRecord, int, int, str, int | None]] = []
    for row, subject_id in rows:
        hash_ = content_hash(row, subject_id)
        record = records.get(row.key)
        if record is None:
            record = records[row.key] = _Record(
                is_new=True,
                created_at=received_at,
                hashes={hash_},
                number=1,
                current_version_id=None,
                status=None,
                status_values=_NO_STATUS,
            )
            record.current, record.subject_id = row, subject_id
            next_status(record, row.status)
            versions.append((record, row, 1, subject_id, hash_, None))
            outcomes.append(CREATED)
        elif hash_ in record.hashes:
            # Content already received (in the current or an earlier version): re-sending an old file
            # never rolls back a later correction or revocation.
            record.duplicates += 1
            outcomes.append(DUPLICATE)
        else:
            record.hashes.add(hash_)
            record.number += 1
            record.current, record.subject_id = row, subject_id
            record.changed = True
            next_status(record, row.status)
            versions.append((record, row, record.number, subject_id, hash_, None))
            outcomes.append(NEW_VERSION)
    result.created = outcomes.count(CREATED)
    result.new_version = outcomes.count(NEW_VERSION)
    result.duplicate = outcomes.count(DUPLICATE)

    new_records = [r for r in records.values() if r.is_new]
    for record, pk in zip(new_records, reserve_ids(CreditRecord, len(new_records)), strict=True):
        record.id = pk
    version_ids = reserve_ids(CreditRecordVersion, len(versions))

    # Timeliness: one calendar read for the whole chunk.
    touched = [r for r in records.values() if r.current is not None]
    calendar = None
    if touched:
        days = {timezone.localdate(at) for at in {r.created_at for r in touched}}
        days |= {r.current.decision_date for r in touched}
        calendar = work_calendar_load(first=min(days), last=max(days))
    lags: dict[tuple, tuple] = {}

    def timeliness(record: _Record) -> tuple:
        key = (record.current.decision_date, record.created_at)
        values = lags.get(key)
        if values is None:
            lag = _timeliness_values(item_version, key[0], key[1], calendar)
            values = lags[key] = (lag["lag_working_days"], lag["lag_provisional"], lag["is_late"])
        return values

    postgres = connection.vendor == "postgresql"
    adapt_datetime, adapt_date, adapt_bool = adapters()
    at_received, at_now = adapt_datetime(received_at), adapt_datetime(now)
    item_version_id = item_version.pk
    uploader_id = uploader.pk if uploader is not None else None
    api_client_id = api_client.pk if api_client is not None else None
    scopes = {kind: item_version.scope_for(kind) for kind in SubjectKind.values}  # once per call

    # Versions: ids in file order, each superseding the one before it.
    version_call = (channel, batch_ref or "", uploader_id, api_client_id, at_received, at_now)
    version_rows: list[tuple] = []
    for (record, row, number, subject_id, hash_, _), version_id in zip(versions, version_ids, strict=True):
        previous = record.current_version_id
        record.current_version_id = version_id
        version_rows.append((record.id, number, version_id, subject_id, hash_, previous, row))

    kind_texts = {kind: copy_line((kind, scope)).encode() for kind, scope in scopes.items()}
    received_text = copy_value(at_received).encode()
    no_status_text = copy_line(_NO_STATUS.values()).encode()
    lag_texts: dict[tuple, bytes] = {}

    def lag_text(lag: tuple) -> bytes:
        text = lag_texts.get(lag)
        if text is None:
            text = lag_texts[lag] = copy_line(lag).encode()
        return text

    record_rows: list[tuple] = []
    changed: list[tuple[int, dict[str, Any]]] = []
    duplicate_counts: list[tuple[int, int]] = []
    for record in records.values():
        row = record.current
        if record.is_new:
            lag = timeliness(record)
            kind = kinds[record.subject_id]
            status = record.status_values
            if postgres:
                # The COPY text of the chunk-dependent columns (RECORD_HEAD), built directly.
                head: Any = b"%d\t%d\t%d\t%s\t%d\t%s\t%s\t%s" % (
                    record.id,
                    record.subject_id,
                    record.current_version_id,
                    kind_texts[kind],
                    record.duplicates,
                    received_text if record.duplicates else b"\\N",
                    lag_text(lag),
                    no_status_text if status is _NO_STATUS else copy_line(status.values()).encode(),
                )
            else:
                head = (
                    record.id,
                    record.subject_id,
                    record.current_version_id,
                    kind,
                    scopes[kind],
                    record.duplicates,
                    at_received if record.duplicates else None,
                    lag[0],
                    adapt_bool(lag[1]),
                    adapt_bool(lag[2]),
                    adapt_date(status["status_date"]),
                    adapt_date(status["withdrawal_due"]),
                    adapt_datetime(status["withdrawn_at"]),
                )
            record_rows.append((row.key, head, row))
            continue
        if record.changed:
            lag = timeliness(record)
            kind = kinds[record.subject_id]
            window = row.window
            status = record.status_values
            values = {
                "current_version_id": record.current_version_id,
                "item_version_id": item_version_id,
                "subject_id": record.subject_id,
                "subject_kind": kind,
                "disclosure_scope": scopes[kind],
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
                "withdrawn_at": adapt_datetime(status["withdrawn_at"]),
                "updated_at": at_now,
            }
            changed.append((record.id, values))
        if record.duplicates:
            duplicate_counts.append((record.id, record.duplicates))

    # Rows in key order: two uploads that overlap take their locks in the same order instead of deadlocking.
    record_rows.sort(key=lambda item: item[0])
    version_rows.sort(key=lambda item: (item[0], item[1]))
    changed.sort(key=lambda item: item[0])
    duplicate_counts.sort()
    record_call = (item_version.item_id, department.pk, adapt_bool(False), at_received, at_now)

    with unchecked_writes(CreditRecord, CreditRecordVersion) as unchecked:
        if unchecked:
            _verify_references(
                item_version=item_version,
                department=department,
                uploader=uploader,
                api_client=api_client,
                subject_ids={subject_id for _row, subject_id in rows},
            )
        if postgres:
            record_call_text = copy_line(record_call).encode()
            version_call_text = copy_line(version_call).encode()
            record_lines: list = [
                b"%s\t%s\t%s\n" % (head, row.record_tail, record_call_text) for _key, head, row in record_rows
            ]
            version_lines: list = [
                b"%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\n"
                % (
                    version_id,
                    record_id,
                    number,
                    subject_id,
                    hash_.encode(),
                    b"\\N" if previous is None else b"%d" % previous,
                    row.version_tail,
                    version_call_text,
                )
                for record_id, number, version_id, subject_id, hash_, previous, row in version_rows
            ]
        else:
            # SQLite: without an outstanding deferred foreign key, an insert does not make SQLite look for
            # the rows waiting for it (by a scan of records, whose current_version has no index): records
            # first without their current version, then the versions, then the pointers.
            record_lines = [
                (
                    *head[:2],
                    None,
                    *head[3:],
                    *_adapted(row.record_values(item_version_id), adapt_date, adapt_bool),
                )
                + record_call
                for _key, head, row in record_rows
            ]
            version_lines = [
                (
                    version_id,
                    record_id,
                    number,
                    subject_id,
                    hash_,
                    previous,
                    *_adapted(row.version_values(item_version_id), adapt_date, adapt_bool),
                    *version_call,
                )
                for record_id, number, version_id, subject_id, hash_, previous, row in version_rows
            ]
        if postgres:
            _write_rows(CreditRecord, RECORD_COLUMNS, record_lines)
            _write_rows(CreditRecordVersion, VERSION_COLUMNS, version_lines)
        else:
            _write_rows(CreditRecord, RECORD_COLUMNS, record_lines)
            _write_rows(CreditRecordVersion, VERSION_COLUMNS, version_lines)
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {connection.ops.quote_name(CreditRecord._meta.db_table)} "
                    "SET current_version_id = %s WHERE id = %s",
                    [(head[2], head[0]) for _key, head, _row in record_rows],
                )
        if changed or duplicate_counts:
            with index_probes():
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
            "rows": len(rows),
            "created": result.created,
            "new_version": result.new_version,
            "duplicate": result.duplicate,
        },
    )
    return result


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
    """Store a chunk of validated rows set-based, with record_ingest's outcomes; one audit entry per call.

    ``rows`` are (row, subject id) pairs; a row is a ``RecordInput`` or already prepared by ``preparer`` (a
    ``RecordPreparer`` of the same item version and department). ``subject_kinds`` (subject id → kind), when
    the caller has them from resolving the subjects, saves reading them again.
    """
    _check_columns()
    if not item_version.accepts_from(department):
        raise RecordError(
            "department_not_source",
            f"“{department.name}”不是目录项“{item_version.item.name}”的数据来源部门，"
            "请核对目录项或联系平台管理员调整目录",
        )
    _check_choice(channel, Channel, "channel_invalid", "报送渠道")
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
