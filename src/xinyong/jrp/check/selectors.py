"""Reads of the credit check: subjects by code (set-based), their hits in force, facts, matters, logged checks.

Every read returns plain values (``values_list``), one query per kind of row for a whole chunk of codes, so
that one check costs a few small indexed queries and a chunk of a batch check the same few queries.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

import orjson
from django.db import connection
from django.db.models import Count, Max, Q
from django.db.models.expressions import RawSQL

from xinyong.core.bulk import lookup_rows
from xinyong.core.codes import Polarity
from xinyong.core.prepared import prepared_cursor
from xinyong.jrp.models import CheckLog, Matter
from xinyong.jrp.types import Facts, Hit
from xinyong.lists.selectors import entries_in_force
from xinyong.records.models import CreditRecord, RecordStatus
from xinyong.subjects.models import LinkedPerson, LinkedRole, Subject

# Roles whose holder answers for the organisation (落实到人): the legal representative.
RESPONSIBLE_ROLES = (LinkedRole.LEGAL_REPRESENTATIVE,)
# A matter found in the register is remembered this long by each process.
MATTER_CACHE_SECONDS = 60.0
# Candidates a name check returns at most.
NAME_CANDIDATES = 10

_SUBJECT_COLUMNS = ("pk", "kind", "name", "uscc", "ric_masked")
_SUBJECTS = Subject._meta.db_table
_HIT_COLUMNS = (
    "pk",
    "subject_id",
    "list_type__code",
    "list_type__name",
    "list_type__colour",
    "level",
    "effective_from",
    "effective_until",
    "record_id",
    "department__name",
    "record__department__name",
    "list_type__legal_basis",
    "reason",
    "disputed",
    "record__disputed",
)


@dataclass(frozen=True, slots=True)
class SubjectRow:
    """A subject as the check shows it: never the full ID number."""

    id: int
    kind: str
    name: str
    uscc: str | None
    ric_masked: str

    @property
    def code(self) -> str:
        return self.uscc or self.ric_masked or ""


def _subjects(rows) -> list[SubjectRow]:
    return [SubjectRow(pk, kind, name, uscc, masked or "") for pk, kind, name, uscc, masked in rows]


_SUBJECT_SELECT = "s.id, s.kind, s.name, s.uscc, s.ric_masked"


def subjects_by_uscc(*, codes: Iterable[str]) -> dict[str, SubjectRow]:
    """The subjects with these USCCs, by code (one index probe per code, ``core.bulk.lookup_rows``)."""
    codes = set(codes)
    if len(codes) == 1:
        with prepared_cursor() as cursor:
            cursor.execute(
                f"SELECT {_SUBJECT_SELECT} FROM {_SUBJECTS} s WHERE s.uscc = %s", [next(iter(codes))]
            )
            rows = cursor.fetchall()
    else:
        rows = lookup_rows(codes, select=_SUBJECT_SELECT, table=f"{_SUBJECTS} s", match="s.uscc")
    return {s.uscc: s for s in _subjects(rows)}


def subjects_by_ric_hmac(*, hmacs: Iterable[str]) -> dict[str, SubjectRow]:
    """The natural persons with these 身份证 keyed hashes, by hash."""
    hmacs = set(hmacs)
    if not hmacs:
        return {}
    rows = lookup_rows(
        hmacs, select=f"s.ric_hmac, {_SUBJECT_SELECT}", table=f"{_SUBJECTS} s", match="s.ric_hmac"
    )
    return {row[0]: _subjects([row[1:]])[0] for row in rows}


def subject_row(*, subject_id: int) -> SubjectRow | None:
    """One subject by id."""
    rows = _subjects(Subject.objects.filter(pk=subject_id).values_list(*_SUBJECT_COLUMNS))
    return rows[0] if rows else None


# Placeholders the one-subject hit query is compiled with once; each is replaced by the real value per call.
_DAY_MARK = dt.date(1901, 2, 3)
_ID_MARK = -918_273_645
_one_subject_sql: dict[tuple, tuple[str, list]] = {}


def _hits_queryset(*, as_of: dt.date, ids: list[int], via_person: bool):
    return (
        entries_in_force(as_of=as_of, subject_ids=ids)
        .order_by("effective_from", "pk")
        .values_list(*_HIT_COLUMNS, "subject__name" if via_person else "subject_id")
    )


def _one_subject_compiled(*, via_person: bool) -> tuple[str, list]:
    """The hits query of one subject as SQL, and its parameters with ``"day"`` and ``"id"`` to fill in."""
    key = (connection.vendor, connection.alias, via_person)
    compiled = _one_subject_sql.get(key)
    if compiled is None:
        query = _hits_queryset(as_of=_DAY_MARK, ids=[_ID_MARK], via_person=via_person).query
        sql, params = query.get_compiler(connection=connection).as_sql()
        days = (_DAY_MARK, _DAY_MARK.isoformat(), connection.ops.adapt_datefield_value(_DAY_MARK))
        template = ["day" if p in days else "id" if p == _ID_MARK else p for p in params]
        if "day" not in template or "id" not in template:  # pragma: no cover - the query changed shape
            raise RuntimeError("the hits query lost its placeholders")
        compiled = _one_subject_sql[key] = (sql, template)
    return compiled


def _one_subject_rows(*, subject_id: int, as_of: dt.date, via_person: bool) -> list[tuple]:
    """The hit rows of one subject through SQL compiled once (the ORM would rebuild the query per check)."""
    sql, template = _one_subject_compiled(via_person=via_person)
    day = connection.ops.adapt_datefield_value(as_of)
    params = [day if p == "day" else subject_id if p == "id" else p for p in template]
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        # Raw SQLite rows hold dates as text and booleans as integers (converted where used).
        rows = [(*row[:6], _date(row[6]), _date(row[7]), *row[8:]) for row in rows]
    return rows


def _date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


# The subject ids of a set, as one JSON parameter unnested by the database (see ``_many_subjects_rows``).
_IDS_FROM_JSON = {
    "postgresql": "SELECT (jsonb_array_elements_text(%s::jsonb))::bigint",
    "sqlite": "SELECT value FROM json_each(%s)",
}
_IDS_MARK = "[-918273645]"
_many_subjects_sql: dict[tuple, tuple[str, list]] = {}


def _many_subjects_rows(*, subject_ids: list[int], as_of: dt.date, via_person: bool) -> list[tuple]:
    """The hit rows of a set of subjects, through SQL compiled once with the ids as one JSON parameter.

    ``subject_id IN (SELECT … unnested ids)``: the database probes the entries' subject index once per id (a
    nested loop), where a list of thousands of parameters is planned as a scan of every entry in force, and
    costs the driver and the ORM one parameter each.
    """
    key = (connection.vendor, connection.alias, via_person)
    compiled = _many_subjects_sql.get(key)
    if compiled is None:
        ids = RawSQL(_IDS_FROM_JSON[connection.vendor], (_IDS_MARK,))
        query = (
            entries_in_force(as_of=_DAY_MARK)
            .filter(subject_id__in=ids)
            .order_by("effective_from", "pk")
            .values_list(*_HIT_COLUMNS, "subject__name" if via_person else "subject_id")
            .query
        )
        sql, params = query.get_compiler(connection=connection).as_sql()
        days = (_DAY_MARK, _DAY_MARK.isoformat(), connection.ops.adapt_datefield_value(_DAY_MARK))
        template = ["day" if p in days else "ids" if p == _IDS_MARK else p for p in params]
        if "day" not in template or "ids" not in template:  # pragma: no cover - the query changed shape
            raise RuntimeError("the hits query lost its placeholders")
        compiled = _many_subjects_sql[key] = (sql, template)
    sql, template = compiled
    day = connection.ops.adapt_datefield_value(as_of)
    ids = orjson.dumps(sorted(subject_ids)).decode()
    params = [day if p == "day" else ids if p == "ids" else p for p in template]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        rows = [(*row[:6], _date(row[6]), _date(row[7]), *row[8:]) for row in rows]
    return rows


def hits_in_force(
    *, subject_ids: Iterable[int], as_of: dt.date, via_person: bool = False
) -> dict[int, list[Hit]]:
    """The list entries in force on ``as_of`` of these subjects, as hits by subject id (oldest first)."""
    ids = list(set(subject_ids))
    if not ids:
        return {}
    if len(ids) == 1:
        rows = _one_subject_rows(subject_id=ids[0], as_of=as_of, via_person=via_person)
    else:
        rows = _many_subjects_rows(subject_ids=ids, as_of=as_of, via_person=via_person)
    return _hits_of_rows(rows, via_person=via_person)


def _hits_of_rows(rows: Iterable[tuple], *, via_person: bool) -> dict[int, list[Hit]]:
    """Hits by subject id from rows of ``_HIT_COLUMNS`` and the subject's name (via person) or id."""
    hits: dict[int, list[Hit]] = {}
    for (
        pk,
        subject_id,
        code,
        name,
        colour,
        level,
        start,
        until,
        record_id,
        department,
        record_department,
        basis,
        reason,
        disputed,
        record_disputed,
        organisation_name,
    ) in rows:
        hits.setdefault(subject_id, []).append(
            Hit(
                entry_id=pk,
                list_type=code,
                list_name=name,
                colour=colour,
                level=level or "",
                effective_from=start,
                effective_until=until,
                record_id=record_id,
                deciding_department=department or record_department or "",
                legal_basis=basis or "",
                reason=reason or "",
                disputed=bool(disputed or record_disputed),
                via_person=via_person,
                organisation_id=subject_id if via_person else None,
                organisation_name=organisation_name if via_person else "",
            )
        )
    return hits


def organisations_represented(*, ric_hmacs: Iterable[str], as_of: dt.date) -> dict[str, list[int]]:
    """The organisations whose responsible person (法定代表人) on ``as_of`` has this 身份证 hash, by hash."""
    hmacs = list(set(ric_hmacs))
    if not hmacs:
        return {}
    rows = (
        LinkedPerson.objects.filter(ric_hmac__in=hmacs, role__in=RESPONSIBLE_ROLES)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=as_of))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=as_of))
        .values_list("ric_hmac", "subject_id")
    )
    found: dict[str, list[int]] = {}
    for hmac, subject_id in rows:
        found.setdefault(hmac, []).append(subject_id)
    return found


def listed_organisations_by_person_name(
    *, name: str, as_of: dt.date, limit: int = NAME_CANDIDATES
) -> list[dict]:
    """Organisations in force on a list whose responsible person bears this name: name-only, never decisive."""
    person_ids = list(
        LinkedPerson.objects.filter(name=name, role__in=RESPONSIBLE_ROLES)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=as_of))
        .values_list("subject_id", "ric_masked")[: limit * 5]
    )
    if not person_ids:
        return []
    listed = hits_in_force(subject_ids=[sid for sid, _m in person_ids], as_of=as_of, via_person=True)
    out = []
    for subject_id, masked in person_ids:
        hits = listed.get(subject_id)
        if hits and len(out) < limit:
            out.append(
                {
                    "organisation_id": subject_id,
                    "organisation_name": hits[0].organisation_name,
                    "person_ric_masked": masked or "",
                    "list_names": sorted({h.list_name for h in hits}),
                }
            )
    return out


def _facts_queryset(*, subject_ids: list[int], as_of: dt.date, cutoff: dt.date):
    return (
        CreditRecord.objects.filter(subject_id__in=subject_ids, polarity=Polarity.NEGATIVE)
        .exclude(status__in=(RecordStatus.REVOKED, RecordStatus.WITHDRAWN))
        .filter(decision_date__lte=as_of)
        .values("subject_id")
        .annotate(last=Max("decision_date"), recent=Count("pk", filter=Q(decision_date__gt=cutoff)))
        .values_list("subject_id", "last", "recent")
    )


_one_subject_facts_sql: dict[tuple, str] = {}


def _one_subject_facts(*, subject_id: int, as_of: dt.date, cutoff: dt.date) -> list[tuple]:
    """``_facts_queryset`` for one subject, as SQL written once (the same rows, no query built per check)."""
    key = (connection.vendor, connection.alias)
    sql = _one_subject_facts_sql.get(key)
    if sql is None:
        table = connection.ops.quote_name(CreditRecord._meta.db_table)
        sql = _one_subject_facts_sql[key] = (
            "SELECT subject_id, MAX(decision_date),"  # noqa: S608 - the table name only, values are parameters
            " COALESCE(SUM(CASE WHEN decision_date > %s THEN 1 ELSE 0 END), 0)"
            f" FROM {table} WHERE subject_id = %s AND polarity = %s AND status NOT IN (%s, %s)"
            " AND decision_date <= %s GROUP BY subject_id"
        )
    day = connection.ops.adapt_datefield_value
    params = [
        day(cutoff),
        subject_id,
        Polarity.NEGATIVE.value,
        RecordStatus.REVOKED.value,
        RecordStatus.WITHDRAWN.value,
        day(as_of),
    ]
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        return [(sid, _date(last), int(recent)) for sid, last, recent in cursor.fetchall()]


def facts_for(*, subjects: Iterable[SubjectRow], as_of: dt.date) -> dict[int, Facts]:
    """The facts conditions may ask about each subject: newest negative decision and the count in 3 years.

    Revoked and withdrawn decisions do not count (they no longer exist); repaired ones do (the act happened).
    """
    subjects = list(subjects)
    if not subjects:
        return {}
    cutoff = _three_years_before(as_of)
    if len(subjects) == 1:
        rows = _one_subject_facts(subject_id=subjects[0].id, as_of=as_of, cutoff=cutoff)
    else:
        rows = _facts_queryset(subject_ids=[s.id for s in subjects], as_of=as_of, cutoff=cutoff)
    found = {sid: (last, recent) for sid, last, recent in rows}
    return {
        s.id: Facts(
            subject_kind=s.kind,
            as_of=as_of,
            last_negative_on=found.get(s.id, (None, 0))[0],
            negative_count_3y=found.get(s.id, (None, 0))[1],
        )
        for s in subjects
    }


_subject_checked_sql: dict[tuple, tuple[str, list]] = {}


def _three_years_before(as_of: dt.date) -> dt.date:
    try:
        return as_of.replace(year=as_of.year - 3)
    except ValueError:  # 29 February
        return as_of.replace(year=as_of.year - 3, day=28)


def _subject_checked_compiled() -> tuple[str, list]:
    """The statement of ``subject_checked_by_uscc`` and its parameters (``"day"``, ``"cutoff"``, ``"code"``)."""
    key = (connection.vendor, connection.alias)
    compiled = _subject_checked_sql.get(key)
    if compiled is None:
        hits_sql, hits_template = _one_subject_compiled(via_person=False)
        pieces = hits_sql.split("%s")
        if len(pieces) != len(hits_template) + 1 or "%" in "".join(pieces):  # pragma: no cover
            raise RuntimeError("the hits query cannot be nested")
        # The subject's id is the outer row's, not a parameter.
        nested, template = pieces[0], []
        for param, piece in zip(hits_template, pieces[1:], strict=True):
            if param == "id":
                nested += "s.id" + piece
            else:
                nested += "%s" + piece
                template.append(param)
        records = connection.ops.quote_name(CreditRecord._meta.db_table)
        sql = (
            f"SELECT {_SUBJECT_SELECT}, f.last, f.recent, h.*"  # noqa: S608 - table names only
            f" FROM {_SUBJECTS} s"
            " LEFT JOIN LATERAL (SELECT MAX(r.decision_date) AS last,"
            " COALESCE(SUM(CASE WHEN r.decision_date > %s THEN 1 ELSE 0 END), 0) AS recent"
            f" FROM {records} r WHERE r.subject_id = s.id AND r.polarity = %s AND r.status NOT IN (%s, %s)"
            " AND r.decision_date <= %s) f ON TRUE"
            f" LEFT JOIN LATERAL ({nested}) h ON TRUE"
            " WHERE s.uscc = %s"
        )
        compiled = _subject_checked_sql[key] = (
            sql,
            [
                "cutoff",
                Polarity.NEGATIVE.value,
                RecordStatus.REVOKED.value,
                RecordStatus.WITHDRAWN.value,
                "day",
                *template,
                "code",
            ],
        )
    return compiled


def subject_checked_by_uscc(
    *, code: str, as_of: dt.date
) -> tuple[SubjectRow | None, list[Hit], Facts | None] | None:
    """The subject with this USCC, its hits in force and its facts, in one statement (PostgreSQL).

    The same values as ``subjects_by_uscc``, ``hits_in_force`` and ``facts_for`` (tests/jrp/check/
    test_fast_paths.py); ``None`` on other databases (no lateral joins): the caller reads them apart.
    """
    if connection.vendor != "postgresql":
        return None
    sql, template = _subject_checked_compiled()
    cutoff = _three_years_before(as_of)
    params = [
        as_of if p == "day" else cutoff if p == "cutoff" else code if p == "code" else p for p in template
    ]
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return None, [], None
    subject = _subjects([rows[0][:5]])[0]
    facts = Facts(
        subject_kind=subject.kind,
        as_of=as_of,
        last_negative_on=rows[0][5],
        negative_count_3y=int(rows[0][6] or 0),
    )
    # Oldest first as ``hits_in_force`` (PostgreSQL sorts entries without a start date last).
    hit_rows = sorted(
        (row[7:] for row in rows if row[7] is not None),
        key=lambda r: (r[6] is None, r[6] or dt.date.min, r[0]),
    )
    hits = _hits_of_rows(hit_rows, via_person=False).get(subject.id, [])
    return subject, hits, facts


_matter_lock = threading.Lock()
_matters: dict[str, tuple[float, tuple[int, str, int | None]]] = {}


def matter_find(*, code: str) -> tuple[int, str, int | None] | None:
    """(id, name, department id) of the active matter with this code, or None; found ones cached briefly."""
    now = time.monotonic()
    cached = _matters.get(code)
    if cached is not None and cached[0] > now:
        return cached[1]
    row = Matter.objects.filter(code=code, active=True).values_list("pk", "name", "department_id").first()
    if row is not None:
        with _matter_lock:
            if len(_matters) > 10_000:
                _matters.clear()
            _matters[code] = (now + MATTER_CACHE_SECONDS, row)
    return row


def matters_of_department(*, department_id: int | None) -> list[tuple[str, str]]:
    """(code, name) of the active matters a department implements (all active ones for ``None``)."""
    matters = Matter.objects.filter(active=True)
    if department_id is not None:
        matters = matters.filter(department_id=department_id)
    return list(matters.order_by("code").values_list("code", "name")[:2000])


def check_log_get(*, check_id: int, department_id: int | None) -> CheckLog | None:
    """A logged check of this department (any department's for ``None``: platform-wide readers)."""
    logs = CheckLog.objects.filter(pk=check_id)
    if department_id is not None:
        logs = logs.filter(department_id=department_id)
    return logs.first()
