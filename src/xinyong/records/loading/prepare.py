"""A row prepared for loading, without the database: checks, masked fields, window and content hash.

``RecordPreparer.prepare`` is a pure function of the row (the collection app runs it in its reading process
while the database writes the previous chunk). The content hash is computed up to the subject id — the
subject is the last key of the canonical payload (``PreparedRecord.hash_prefix``) — and finished per chunk by
``PreparedRecord.content_hash`` once the subject is known; it equals ``records.rules.content_hash``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import operator
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import connection

from xinyong.accounts.models import Department
from xinyong.catalog.models import CatalogItemVersion
from xinyong.core.bulk import copy_line, copy_value
from xinyong.records.models import Polarity, RecordStatus, SeverityTier
from xinyong.records.normalize import (
    canonical_json,
    display_document_number,
    jsonable,
    normalize_document_number,
)
from xinyong.records.rules import RecordError, check_choice, split_protected
from xinyong.records.selectors import protected_field_codes
from xinyong.records.windows import Window, WindowCalculator
from xinyong.subjects import crypto

_SEVERITIES = frozenset(SeverityTier.values) | {""}
_POLARITIES = frozenset(Polarity.values)
_STATUSES = frozenset(RecordStatus.values)
# The stored fields as PostgreSQL receives them: jsonb keeps no text, so the compact form (CJK characters as
# UTF-8 instead of \\u escapes) only makes the COPY stream shorter. SQLite stores the text of json.dumps, as
# the ORM does.
_PG_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_CACHE_LIMIT = 50_000


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

    def with_status(self, status: str) -> PreparedRecord:
        """The same row with another status (the content hash prefix unchanged: that of the row received)."""
        values = list(self)
        values[_PREPARED_FIELDS.index("status")] = status
        if self.version_tail is not None:
            # COPY text: values never hold a raw tab, so the status is the 6th (version) / 7th (record) column.
            for name, position in (("version_tail", 5), ("record_tail", 6)):
                columns = self[_PREPARED_FIELDS.index(name)].split(b"\t")
                columns[position] = status.encode()
                values[_PREPARED_FIELDS.index(name)] = b"\t".join(columns)
        return PreparedRecord.make(values)

    def content_hash(self, subject_id: int) -> str:
        """``records.rules.content_hash`` of this row about ``subject_id``."""
        return hashlib.sha256(self.hash_prefix + b"%d}" % subject_id).hexdigest()

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
    """The per-row checks and computations that need no database, for one item version and department.

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
        self.protected = protected_field_codes(item_version=item_version)
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
        """Check a row (RecordError with the row number) and compute its version."""
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
                check_choice(
                    value=severity,
                    choices=SeverityTier,
                    code="severity_invalid",
                    label="严重程度",
                    blank=True,
                )
                check_choice(value=polarity, choices=Polarity, code="polarity_invalid", label="信息性质")
                check_choice(value=status, choices=RecordStatus, code="status_invalid", label="状态")
            except RecordError as exc:
                raise RecordError(exc.code, f"第 {number} 行：{exc.message}") from exc
        fields = record_input.fields
        if not isinstance(fields, dict):
            raise RecordError("fields_invalid", f"第 {number} 行：字段内容应为“字段代码: 值”的对象")

        stored, secret = split_protected(fields=jsonable(fields), protected=self.protected)
        window = self.windows.window(
            item_version=self.item_version,
            decision_date=decision_date,
            severity=severity,
            fields=stored,
            department_code=self.department_code,
        )
        # Explicit publish dates (given by the source) take precedence, as in records.rules.window_values.
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
        # One Fernet token per distinct value (the costly step): the JSON of the full values. The
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
        """The canonical payload of ``records.rules.content_hash`` up to the subject id (UTF-8).

        The payload's keys sort as decision_date, fields, polarity, severity, status, subject: its canonical
        text is this prefix, the subject id and "}" (``PreparedRecord.content_hash``). Same field rules:
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
