"""Set-based subject resolution (归集批量入库): the only path that finds or registers the subject of a record.

``subjects_resolve_bulk`` resolves a chunk of inputs — a file's chunk, an API request or one form entry — and
gives, input by input, the outcome of the inputs resolved one after the other in order: the same subject
(created once, also when it appears several times in the chunk), aliases (former names, legacy codes, see
``subjects.rules``), warnings and review flags (docs/identifiers.md).

How: identifiers are checked once per distinct value (a valid USCC through a direct computation of
check_uscc's result, see ``_clean_uscc``) and names normalised once per distinct name, by a
``SubjectPreparer`` whose caches may span a whole batch (the collection app runs it in its reading process,
before the chunk reaches the database); the registry is read
with one query per key kind (USCC, 身份证 HMAC, 工商注册号 alias, names and former names, existing aliases,
existing review flags — each an index probe per key, ``core.bulk.lookup_rows``); the chunk is then resolved
in memory in input order, so that an input sees what earlier inputs of the chunk created; finally new
subjects (ids reserved up front), aliases and review flags are written with one COPY (PostgreSQL) or
executemany (SQLite) each, plus one bulk update when 个体工商户 reported with the 17-zeros-X code received
their USCC, and one audit entry (action ``bulk_resolve``, counts in the detail) for the whole call.

A natural person's ID number is hashed (HMAC) once per distinct number and encrypted (Fernet, the costly
part) once per new person.

If another upload creates one of the same subjects between our reads and our inserts, the unique
constraints refuse our insert; the call is then repeated once (it now finds the other upload's subjects).
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from xinyong.accounts.services import audit_log
from xinyong.core.bulk import adapters, bulk_session, lookup_rows, reserve_ids, write_rows
from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import (
    USCC_AUTHORITIES,
    USCC_CATEGORIES,
    USCC_NO_CODE,
    IdIssue,
    UsccConfirmations,
    UsccResult,
    check_ric,
    check_uscc,
    normalize_code_input,
    uscc_check_chars_ok,
)
from xinyong.core.masking import mask_ric
from xinyong.subjects import crypto
from xinyong.subjects.models import AliasKind, ReviewStatus, Subject, SubjectAlias, SubjectReview
from xinyong.subjects.names import normalize_name
from xinyong.subjects.rules import legacy_codes_normalize, organisation_category
from xinyong.subjects.search import subject_search_index
from xinyong.subjects.selectors import uscc_confirmations

KINDS = frozenset(SubjectKind.values)
PERSON = SubjectKind.NATURAL_PERSON
IB = SubjectKind.INDIVIDUAL_BUSINESS
CONFLICT = "subject_code_conflict"
# An input is checked against the first five same-named subjects (ordered by id).
MAX_CONFLICTS = 5
_SUBJECT_COLUMNS = ("id", "kind", "name", "name_normalized", "uscc", "ric_masked")


@dataclass(frozen=True)
class SubjectInput:
    """The subject of one row, already validated and normalised by the row validation."""

    kind: str
    name: str
    uscc: str | None = None
    ric: str | None = None
    legacy_codes: Mapping[str, str] = field(default_factory=dict)


@dataclass
class SubjectOutcome:
    """Per input: the subject's id (None when rejected), rejection issues, warnings, and whether it is new."""

    subject_id: int | None
    errors: list[IdIssue] = field(default_factory=list)
    warnings: list[IdIssue] = field(default_factory=list)
    created: bool = False
    kind: str | None = None  # the resolved subject's kind (as registered)


class _Subject:
    """A subject as the in-memory resolution sees it: loaded from the registry or to be created."""

    __slots__ = ("pk", "order", "kind", "name", "name_normalized", "uscc", "ric_masked", "values", "dirty")

    def __init__(self, *, pk, order, kind, name, name_normalized, uscc=None, ric_masked="", values=None):
        self.pk = pk
        # Position in id order: existing subjects by id, new ones after them in creation order.
        self.order = order
        self.kind = kind
        self.name = name
        self.name_normalized = name_normalized
        self.uscc = uscc
        self.ric_masked = ric_masked
        self.values: dict[str, Any] | None = values  # creation values of a new subject
        self.dirty = False  # an existing subject that received its USCC in this call

    @property
    def display_code(self) -> str:
        return self.uscc or self.ric_masked or ""


_PREPARED_FIELDS = (
    "kind",
    "name",
    "name_normalized",
    "codes",  # legacy codes by alias kind
    "warnings",
    "mode",  # "person" | "no_code" | "uscc"
    "key",  # ric HMAC, 工商注册号 or USCC
    "category",  # USCC category columns
    "uscc",
    "ric",  # normalised 身份证 number of a person
    "errors",  # why the input is rejected (empty: it is not)
)
_NO_CODES: dict[str, str] = {}  # shared by inputs without legacy codes: never modified


class PreparedSubject(tuple):
    """An input after the checks that need no database (``SubjectPreparer.prepare``).

    A tuple (fields named as ``_fields``), which pickles fast: the collection app sends prepared inputs to
    another process. ``kind``, ``name``, ``uscc`` and ``ric`` read like the ``SubjectInput`` it came from.
    """

    __slots__ = ()
    _fields = _PREPARED_FIELDS

    @classmethod
    def make_from(cls, values) -> PreparedSubject:
        """From the values in ``_fields`` order (a tuple of a PreparedSubject)."""
        return tuple.__new__(cls, values)

    @classmethod
    def make(
        cls,
        kind,
        name,
        name_normalized="",
        codes=_NO_CODES,
        warnings=(),
        mode="",
        key="",
        *,
        category=None,
        uscc=None,
        ric=None,
        errors=(),
    ) -> PreparedSubject:
        return tuple.__new__(
            cls,
            (
                kind,
                name,
                name_normalized,
                codes,
                tuple(warnings) if warnings else (),
                mode,
                key,
                category or _NO_CODES,
                uscc,
                ric,
                tuple(errors) if errors else (),
            ),
        )


for _index, _name in enumerate(_PREPARED_FIELDS):
    setattr(PreparedSubject, _name, property(operator.itemgetter(_index), doc=f"Field {_index}: {_name}."))


class _Registry:
    """The slice of the subject registry a chunk touches, plus what the chunk adds to it."""

    def __init__(self) -> None:
        self.by_id: dict[int, _Subject] = {}
        self.by_uscc: dict[str, _Subject] = {}
        self.by_hmac: dict[str, _Subject] = {}
        self.by_reg_no: dict[str, list[_Subject]] = {}  # 工商注册号 → 个体工商户 in id order
        self.by_name: dict[str, set[_Subject]] = {}  # organisations by normalised name
        self.by_former_name: dict[str, set[_Subject]] = {}  # organisations by normalised former name
        self.aliases: set[tuple[_Subject, str, str]] = set()
        self.reviews: dict[frozenset, str] = {}  # unordered pair → status of its newest flag
        self.new_subjects: list[_Subject] = []
        self.new_aliases: list[tuple[_Subject, str, str, str]] = []
        self.new_reviews: list[tuple[_Subject, _Subject, str]] = []
        self._next_order = 0

    def known(self, row: tuple) -> _Subject:
        """The subject of a row starting with ``_SUBJECT_COLUMNS``, one object per subject."""
        subject = self.by_id.get(row[0])
        if subject is None:
            pk, kind, name, name_normalized, uscc, ric_masked = row[:6]
            subject = _Subject(
                pk=pk,
                order=(0, pk),
                kind=kind,
                name=name,
                name_normalized=name_normalized,
                uscc=uscc,
                ric_masked=ric_masked,
            )
            self.by_id[subject.pk] = subject
            if subject.uscc:
                self.by_uscc[subject.uscc] = subject
        return subject

    def create(self, *, kind: str, name: str, name_normalized: str, **values) -> _Subject:
        self._next_order += 1
        subject = _Subject(
            pk=None,
            order=(1, self._next_order),
            kind=kind,
            name=name,
            name_normalized=name_normalized,
            uscc=values.get("uscc"),
            ric_masked=values.get("ric_masked", ""),
            values=values,
        )
        self.new_subjects.append(subject)
        if kind != PERSON:
            self.by_name.setdefault(name_normalized, set()).add(subject)
        return subject

    def add_alias(self, subject: _Subject, kind: str, value: str, normalized: str, source: str) -> None:
        key = (subject, kind, normalized)
        if key in self.aliases:
            return
        self.aliases.add(key)
        self.new_aliases.append((subject, kind, value, normalized))
        if kind == AliasKind.FORMER_NAME and subject.kind != PERSON:
            self.by_former_name.setdefault(normalized, set()).add(subject)
        elif kind == AliasKind.REG_NO and subject.kind == IB:
            holders = self.by_reg_no.setdefault(normalized, [])
            if subject not in holders:
                holders.append(subject)
                holders.sort(key=lambda s: s.order)


_S = Subject._meta.db_table
_A = SubjectAlias._meta.db_table
_R = SubjectReview._meta.db_table
_SUBJECT_SELECT = ", ".join(f"s.{c}" for c in _SUBJECT_COLUMNS)


_SPREADSHEET_NUMBER = re.compile(r"\d+E\d+")


def _clean_uscc(code: str, kind: str) -> UsccResult | None:
    """check_uscc's result for a code it accepts without any warning, computed directly; else None.

    Rows reach the bulk path validated, so nearly every code is such a code; check_uscc (several times
    slower) still handles everything else. ``tests/subjects/test_bulk.py`` checks that both agree.
    """
    if type(code) is not str or not uscc_check_chars_ok(code):
        return None
    if _SPREADSHEET_NUMBER.fullmatch(code):
        return None  # digits around an "E" may be a spreadsheet number: check_uscc decides
    category = code[:2]
    category_name = USCC_CATEGORIES.get(category)
    if category_name is None or (category == "92") != (kind == IB):
        return None
    return UsccResult(
        normalized=code,
        cleaned=code,
        registration_authority=code[0],
        registration_authority_name=USCC_AUTHORITIES.get(code[0]),
        category=category,
        category_name=category_name,
        division_code=code[2:8],
        org_code=code[8:17],
    )


def _uscc_required_message(kind: str) -> str:
    if kind == IB:
        return f"个体工商户须填写统一社会信用代码；尚无代码的，填写占位代码 {USCC_NO_CODE} 并填写工商注册号"
    return "法人及非法人组织须填写统一社会信用代码"


_CACHE_LIMIT = 50_000


def _bounded(cache: dict) -> dict:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    return cache


class SubjectPreparer:
    """The checks of an input that need no database, each distinct value checked once per preparer.

    Built once per batch (its caches span the chunks); ``prepare`` is a pure function of the input and may
    run in another process than the resolution.
    """

    def __init__(self, *, as_of: dt.date | None, confirmed: UsccConfirmations | None = None) -> None:
        self.as_of = as_of
        # A snapshot (plain data, no database): ``prepare`` may run in the reading process.
        self.confirmed = uscc_confirmations() if confirmed is None else confirmed
        self._names: dict[str, str] = {}
        self._checked: dict[tuple[str, str], tuple[UsccResult, tuple | None]] = {}
        self._rics: dict[str, Any] = {}
        self._hmacs: dict[str, str] = {}

    def prepare(self, item: SubjectInput) -> PreparedSubject:
        """The input checked and keyed, or rejected (``errors``)."""
        kind = item.kind
        if kind not in KINDS:
            return _rejected(
                item, IdIssue("subject_kind_invalid", "主体类别应为：法人及非法人组织、个体工商户或自然人")
            )
        name = (item.name or "").strip()
        if not name:
            return _rejected(item, IdIssue("subject_name_required", "主体名称不能为空"))
        name_normalized = self._names.get(name)
        if name_normalized is None:
            name_normalized = _bounded(self._names)[name] = normalize_name(name)
        warnings: list[IdIssue] = []
        legacy = item.legacy_codes
        codes = (
            (legacy_codes_normalize(legacy_codes=legacy, warnings=warnings) or _NO_CODES)
            if legacy
            else _NO_CODES
        )

        if kind == PERSON:
            if item.uscc and normalize_code_input(item.uscc):
                return _rejected(
                    item,
                    IdIssue(
                        "uscc_not_for_natural_person",
                        "自然人没有统一社会信用代码，请清空该项并填写身份证号码",
                    ),
                )
            if not item.ric:
                return _rejected(item, IdIssue("ric_required", "自然人须填写身份证号码"))
            result = self._rics.get(item.ric)
            if result is None:
                result = _bounded(self._rics)[item.ric] = check_ric(item.ric, as_of=self.as_of)
            if not result.ok:
                return _rejected(item, *result.errors)
            digest = self._hmacs.get(result.normalized)
            if digest is None:
                digest = _bounded(self._hmacs)[result.normalized] = crypto.ric_hmac(result.normalized)
            warnings.extend(result.warnings)
            return PreparedSubject.make(
                kind, name, name_normalized, codes, warnings, "person", digest, ric=result.normalized
            )
        uscc = item.uscc
        if not uscc:
            return _rejected(item, IdIssue("uscc_required", _uscc_required_message(kind)))
        cache_key = (uscc, kind)
        checked = self._checked.get(cache_key)
        if checked is None:
            checked = _bounded(self._checked)[cache_key] = self._check_uscc(uscc, kind)
        result, tail = checked
        if tail is not None and not warnings:
            # A code seen before, no legacy-code warnings: the rest of the tuple is the code's own.
            return tuple.__new__(PreparedSubject, (kind, name, name_normalized, codes, *tail, uscc, None, ()))
        if not result.ok:
            return _rejected(item, *result.errors)
        warnings.extend(result.warnings)
        if result.is_no_code:
            reg_no = codes.get(AliasKind.REG_NO)
            if not reg_no:
                return _rejected(
                    item,
                    IdIssue(
                        "reg_no_required",
                        f"使用占位代码 {USCC_NO_CODE} 的个体工商户必须填写工商注册号，请补充后重新报送",
                    ),
                )
            # The 工商注册号 it asks for is there: the reminder would only be noise.
            warnings[:] = [w for w in warnings if w.code != "uscc_no_code"]
            return PreparedSubject.make(
                kind, name, name_normalized, codes, warnings, "no_code", reg_no, uscc=uscc
            )
        return PreparedSubject.make(
            kind,
            name,
            name_normalized,
            codes,
            warnings,
            "uscc",
            result.normalized,
            category=tail[3],
            uscc=uscc,
        )

    def _check_uscc(self, uscc: str, kind: str) -> tuple[UsccResult, tuple | None]:
        """check_uscc's result for a code and, for an accepted code other than the no-code value
        00000000000000000X, the PreparedSubject fields it fixes (warnings, mode, key, category)."""
        result = _clean_uscc(uscc, kind) or check_uscc(uscc, subject_kind=kind, confirmed=self.confirmed)
        if not result.ok or result.is_no_code:
            return result, None
        category = organisation_category(result=result, kind=kind)
        warnings = tuple(result.warnings) if result.warnings else ()
        return result, (warnings, "uscc", result.normalized, category or _NO_CODES)


def _rejected(item: SubjectInput, *issues: IdIssue) -> PreparedSubject:
    return PreparedSubject.make(item.kind, item.name, uscc=item.uscc, ric=item.ric, errors=issues)


def _load(registry: _Registry, prepared: list[PreparedSubject]) -> None:
    """Read every registry row the chunk can touch: a handful of queries, whatever the chunk size."""
    known = registry.known
    usccs = {p.key for p in prepared if p.mode == "uscc"}
    for row in lookup_rows(usccs, select=_SUBJECT_SELECT, table=f"{_S} s", match="s.uscc"):
        known(row)
    hmacs = {p.key for p in prepared if p.mode == "person"}
    for row in lookup_rows(
        hmacs, select=f"{_SUBJECT_SELECT}, s.ric_hmac", table=f"{_S} s", match="s.ric_hmac"
    ):
        registry.by_hmac[row[-1]] = known(row)
    # 个体工商户 by 工商注册号 (the key of those reported with the 17-zeros-X code).
    reg_nos = {p.codes[AliasKind.REG_NO] for p in prepared if p.kind == IB and AliasKind.REG_NO in p.codes}
    for row in lookup_rows(
        reg_nos,
        select=f"{_SUBJECT_SELECT}, a.value_normalized",
        table=f"{_A} a JOIN {_S} s ON s.id = a.subject_id",
        match="a.value_normalized",
        where=" AND a.kind = %s AND s.kind = %s",
        params=[AliasKind.REG_NO, IB],
    ):
        subject = known(row)
        holders = registry.by_reg_no.setdefault(row[-1], [])
        if subject not in holders:
            holders.append(subject)
    for holders in registry.by_reg_no.values():
        holders.sort(key=lambda s: s.order)

    # Organisations whose name or former name equals an input name: candidates for a review flag.
    names = {p.name_normalized for p in prepared if p.kind != PERSON}
    for row in lookup_rows(
        names,
        select=_SUBJECT_SELECT,
        table=f"{_S} s",
        match="s.name_normalized",
        where=" AND s.kind <> %s",
        params=[PERSON],
    ):
        subject = known(row)
        registry.by_name.setdefault(subject.name_normalized, set()).add(subject)
    for row in lookup_rows(
        names,
        select=f"{_SUBJECT_SELECT}, a.value_normalized",
        table=f"{_A} a JOIN {_S} s ON s.id = a.subject_id",
        match="a.value_normalized",
        where=" AND a.kind = %s AND s.kind <> %s",
        params=[AliasKind.FORMER_NAME, PERSON],
    ):
        registry.by_former_name.setdefault(row[-1], set()).add(known(row))

    # Aliases the known subjects already have (so that none is added twice); a subject has few.
    for subject_id, kind, value in lookup_rows(
        registry.by_id,
        select="a.subject_id, a.kind, a.value_normalized",
        table=f"{_A} a",
        match="a.subject_id",
        sql_type="bigint",
    ):
        registry.aliases.add((registry.by_id[subject_id], kind, value))

    # Review flags between same-named organisations already in the registry.
    others = {
        s.pk for group in (registry.by_name, registry.by_former_name) for ss in group.values() for s in ss
    }
    found: dict[int, tuple] = {}
    for column in ("subject_id", "conflicting_subject_id"):
        for row in lookup_rows(
            others,
            select="r.id, r.subject_id, r.conflicting_subject_id, r.status",
            table=f"{_R} r",
            match=f"r.{column}",
            where=" AND r.code = %s",
            params=[CONFLICT],
            sql_type="bigint",
        ):
            found[row[0]] = row
    # Of two flags on one pair (one each way), the newest counts; ids grow with time.
    for _id, subject_id, other_id, status in sorted(found.values()):
        if subject_id in registry.by_id and other_id in registry.by_id:
            registry.reviews[frozenset((registry.by_id[subject_id], registry.by_id[other_id]))] = status


def _resolve_one(
    registry: _Registry, p: PreparedSubject, outcome: SubjectOutcome, *, source: str
) -> _Subject:
    """One input resolved against the in-memory registry (what the inputs before it created included)."""
    warnings = outcome.warnings
    created = False
    subject: _Subject | None
    if p.mode == "person":
        subject = registry.by_hmac.get(p.key)
        if subject is None:
            subject = registry.create(
                kind=PERSON,
                name=p.name,
                name_normalized=p.name_normalized,
                ric_hmac=p.key,
                ric_masked=mask_ric(p.ric),
                ric_plain=p.ric,
            )
            registry.by_hmac[p.key] = subject
            created = True
    elif p.mode == "no_code":
        holders = registry.by_reg_no.get(p.key)
        if holders:
            subject = holders[0]
        else:
            subject = registry.create(kind=p.kind, name=p.name, name_normalized=p.name_normalized)
            created = True
    else:
        subject = registry.by_uscc.get(p.key)
        reg_no = p.codes.get(AliasKind.REG_NO)
        if subject is None and p.kind == IB and reg_no:
            # A 个体工商户 first reported with the 17-zeros-X code has since received its USCC: same subject.
            subject = next((s for s in registry.by_reg_no.get(reg_no, []) if s.uscc is None), None)
            if subject is not None:
                category = p.category
                subject.uscc = p.key
                if subject.values is not None:
                    subject.values.update(uscc=p.key, **category)
                else:
                    subject.values = dict(category)
                    subject.dirty = True
                registry.by_uscc[p.key] = subject
                warnings.append(
                    IdIssue(
                        "subject_uscc_assigned",
                        f"工商注册号 {reg_no} 对应的个体工商户此前使用占位代码报送，已补登统一社会信用代码 {p.key}",
                    )
                )
        if subject is None:
            subject = registry.create(
                kind=p.kind,
                name=p.name,
                name_normalized=p.name_normalized,
                uscc=p.key,
                **p.category,
            )
            registry.by_uscc[p.key] = subject
            created = True

    if not created:
        if subject.kind != p.kind:
            warnings.append(
                IdIssue(
                    "subject_kind_mismatch",
                    f"主体「{subject.name}」已登记为{SubjectKind(subject.kind).label}，"
                    f"本条记录填写为{SubjectKind(p.kind).label}，请核实主体类别",
                )
            )
        if p.name_normalized != subject.name_normalized:
            code_label = subject.display_code or f"工商注册号 {p.codes.get(AliasKind.REG_NO, '')}"
            registry.add_alias(subject, AliasKind.FORMER_NAME, p.name, p.name_normalized, source)
            warnings.append(
                IdIssue(
                    "subject_name_changed",
                    f"{code_label} 已登记的主体名称为「{subject.name}」，本条记录为「{p.name}」；"
                    "已将其记为该主体的曾用名。如主体已更名，请联系平台管理员更新登记名称，否则请更正名称",
                )
            )
    for alias_kind, value in p.codes.items():
        registry.add_alias(subject, alias_kind, value, value, source)
    if subject.kind != PERSON and p.name_normalized:
        _flag_conflicts(registry, subject, p.name_normalized, warnings, source=source)
    outcome.created = created
    return subject


def _flag_conflicts(
    registry: _Registry, subject: _Subject, name_normalized: str, warnings: list[IdIssue], *, source: str
) -> None:
    """Review flags against the first five other organisations sharing the (former) name."""
    same = registry.by_name.get(name_normalized, set()) | registry.by_former_name.get(name_normalized, set())
    same.discard(subject)
    for other in sorted(same, key=lambda s: s.order)[:MAX_CONFLICTS]:
        pair = frozenset((subject, other))
        status = registry.reviews.get(pair)
        if status == ReviewStatus.RESOLVED:
            # An operator already decided about this pair.
            continue
        message = (
            f"主体「{subject.name}」（{subject.display_code or '无代码'}）与已登记主体「{other.name}」"
            f"（{other.display_code or '无代码'}）名称相同但代码不同，已提交平台管理员核查；"
            "如代码填写有误，请更正后重新报送"
        )
        if status is None:
            registry.reviews[pair] = ReviewStatus.OPEN
            registry.new_reviews.append((subject, other, message))
        warnings.append(IdIssue(CONFLICT, message))


SUBJECT_COLUMNS = (
    "id",
    "kind",
    "org_type",
    "uscc_category",
    "uscc_category_name",
    "uscc",
    "ric_encrypted",
    "ric_hmac",
    "ric_masked",
    "name",
    "name_normalized",
    "created_at",
    "created_source",
    "updated_at",
)
ALIAS_COLUMNS = ("subject_id", "kind", "value", "value_normalized", "source", "first_seen")
REVIEW_COLUMNS = (
    "subject_id",
    "conflicting_subject_id",
    "code",
    "message",
    "source",
    "status",
    "created_at",
    "resolved_by_id",
    "resolved_at",
    "note",
)


def _check_columns() -> None:
    for model, columns in (
        (Subject, SUBJECT_COLUMNS),
        (SubjectAlias, ALIAS_COLUMNS),
        (SubjectReview, REVIEW_COLUMNS),
    ):
        missing = {f.attname for f in model._meta.concrete_fields} - set(columns) - {"id"}
        if missing:
            raise RuntimeError(f"bulk resolution does not write {model.__name__} columns {sorted(missing)}")


def _write(registry: _Registry, *, source: str, now: dt.datetime) -> dict[str, int]:
    """Insert the new subjects, aliases and review flags: one COPY / executemany each."""
    adapt_datetime = adapters()[0]
    at_now = adapt_datetime(now)
    rows = []
    for subject, pk in zip(
        registry.new_subjects, reserve_ids(Subject, len(registry.new_subjects)), strict=True
    ):
        subject.pk = pk
        values = subject.values or {}
        plain = values.get("ric_plain")
        rows.append(
            (
                pk,
                subject.kind,
                str(values.get("org_type", "")),
                values.get("uscc_category", ""),
                values.get("uscc_category_name", ""),
                values.get("uscc"),
                # Fernet once per new person: the costly step of a natural person's first row.
                crypto.encrypt(plain) if plain else "",
                values.get("ric_hmac"),
                values.get("ric_masked", ""),
                subject.name,
                subject.name_normalized,
                at_now,
                source,
                at_now,
            )
        )
    write_rows(Subject, SUBJECT_COLUMNS, rows)
    assigned = [s for s in registry.by_id.values() if s.dirty]
    if assigned:
        Subject.objects.bulk_update(
            [Subject(pk=s.pk, uscc=s.uscc, updated_at=now, **(s.values or {})) for s in assigned],
            ["uscc", "uscc_category", "uscc_category_name", "org_type", "updated_at"],
        )
    write_rows(
        SubjectAlias,
        ALIAS_COLUMNS,
        [
            (subject.pk, str(kind), value, normalized, source, at_now)
            for subject, kind, value, normalized in registry.new_aliases
        ],
    )
    write_rows(
        SubjectReview,
        REVIEW_COLUMNS,
        [
            (subject.pk, other.pk, CONFLICT, message, source, ReviewStatus.OPEN.value, at_now, None, None, "")
            for subject, other, message in registry.new_reviews
        ],
    )
    return {
        "subjects_created": len(rows),
        "uscc_assigned": len(assigned),
        "aliases_created": len(registry.new_aliases),
        "reviews_created": len(registry.new_reviews),
    }


def _resolve(prepared: list[PreparedSubject], *, source: str, actor) -> list[SubjectOutcome]:
    _check_columns()
    # Fresh outcome lists on every attempt: resolution adds warnings to them.
    outcomes = [
        SubjectOutcome(subject_id=None, errors=list(p.errors))
        if p.errors
        else SubjectOutcome(subject_id=None, warnings=list(p.warnings))
        for p in prepared
    ]
    valid = [(p, outcome) for p, outcome in zip(prepared, outcomes, strict=True) if not p.errors]
    registry = _Registry()
    if valid:
        bulk_session()
        _load(registry, [p for p, _outcome in valid])
    resolved = [(outcome, _resolve_one(registry, p, outcome, source=source)) for p, outcome in valid]
    counts = _write(registry, source=source, now=timezone.now())
    # Name search (subjects.search): index new organisations and those that received a former name.
    renamed = {s.pk for s, kind, _, _ in registry.new_aliases if kind == AliasKind.FORMER_NAME}
    subject_search_index(
        subject_ids=renamed,
        created={
            s.pk: s.name_normalized for s in registry.new_subjects if s.kind != PERSON and s.pk not in renamed
        },
    )
    for outcome, subject in resolved:
        outcome.subject_id = subject.pk
        outcome.kind = subject.kind
    if any(counts.values()):
        audit_log(
            actor=actor,
            action="bulk_resolve",
            obj=Subject,
            detail={"source": source, "inputs": len(prepared), **counts},
        )
    return outcomes


def subjects_resolve_bulk(
    *,
    inputs: Sequence[SubjectInput | PreparedSubject],
    source: str,
    as_of: dt.date | None,
    actor=None,
    preparer: SubjectPreparer | None = None,
) -> list[SubjectOutcome]:
    """Resolve the subjects of a chunk of rows set-based, each as if resolved after the ones before; one audit entry.

    An input is a ``SubjectInput`` or already prepared (``SubjectPreparer.prepare``, same ``as_of``);
    ``preparer`` lends its caches to the inputs that are not.
    """
    if preparer is None:
        preparer = SubjectPreparer(as_of=as_of)
    prepared = [item if isinstance(item, PreparedSubject) else preparer.prepare(item) for item in inputs]
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                return _resolve(prepared, source=source, actor=actor)
        except IntegrityError:
            # A concurrent upload created one of these subjects after our reads: read again, once.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
