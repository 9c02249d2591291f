"""Reads of the credit check: subjects by code (set-based), their hits in force, facts, matters, logged checks.

Every read returns plain values (``values_list``), one query per kind of row for a whole chunk of codes, so
that one check costs a few small indexed queries and a chunk of a batch check the same few queries.

With ``continuation_months`` (the published rulebook's longest ``continues_after_removal``), the hit reads
also return the entries that ended within that many months, in the same statement, as ended hits
(``Hit.ended_on``, ``effective_until`` their last day in force), after the hits in force (docs/credit-check.md).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

import orjson
from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Q
from django.db.models.expressions import RawSQL

from xinyong.core.bulk import lookup_rows
from xinyong.core.codes import Polarity
from xinyong.core.prepared import prepared_cursor
from xinyong.jrp.measures.conditions import continuation_last_day
from xinyong.jrp.models import CheckLog, Matter
from xinyong.jrp.types import Facts, Hit
from xinyong.lists.models import ListEntry
from xinyong.lists.selectors import (
    entries_ended_q,
    entries_in_force,
    entries_in_force_q,
    entry_last_day_in_force,
)
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
# Read after ``_HIT_COLUMNS`` and the subject's name or id when entries that ended are read too.
_ENDED_COLUMNS = ("in_force", "state", "ended_on", "record__publish_from", "record__publish_until")
_BASE = len(_HIT_COLUMNS) + 1
_DAY = dt.timedelta(days=1)


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
_SINCE_MARK = dt.date(1902, 3, 4)
_ID_MARK = -918_273_645
_one_subject_sql: dict[tuple, tuple[str, list]] = {}


def _since(*, as_of: dt.date, months: int) -> dt.date | None:
    """How far back the hits query looks for entries that ended (a day early at most: rows are re-checked)."""
    return as_of - dt.timedelta(days=31 * months + 1) if months > 0 else None


def _entries(*, as_of: dt.date, since: dt.date | None):
    """The entries in force on ``as_of``; with ``since``, also those that may have ended since then."""
    if since is None:
        return entries_in_force(as_of=as_of)
    in_force = entries_in_force_q(as_of=as_of)
    return (
        ListEntry.objects.filter(in_force | entries_ended_q(as_of=as_of, since=since))
        .annotate(in_force=ExpressionWrapper(in_force, output_field=BooleanField()))
        .select_related("list_type")
    )


def _hits_queryset(*, as_of: dt.date, ids: list[int], via_person: bool, since: dt.date | None = None):
    return (
        _entries(as_of=as_of, since=since)
        .filter(subject_id__in=ids)
        .order_by("effective_from", "pk")
        .values_list(
            *_HIT_COLUMNS,
            "subject__name" if via_person else "subject_id",
            *(_ENDED_COLUMNS if since is not None else ()),
        )
    )


def _template(params, **marks) -> list:
    """The parameters of a compiled query with each mark's value (as any adapter gives it) replaced by its name."""
    adapt = connection.ops.adapt_datefield_value
    found = {}
    for name, mark in marks.items():
        if isinstance(mark, dt.date):
            found.update({mark: name, mark.isoformat(): name, adapt(mark): name})
        else:
            found[mark] = name
    template = [found.get(p, p) if isinstance(p, str | int | dt.date) else p for p in params]
    if not set(marks) <= set(template):  # pragma: no cover - the query changed shape
        raise RuntimeError("the hits query lost its parameter markers")
    return template


def _one_subject_compiled(*, via_person: bool, ended: bool = False) -> tuple[str, list]:
    """The hits query of one subject as SQL, and its parameters with ``"day"`` and ``"id"`` (and, reading
    entries that ended, ``"since"``) to fill in."""
    key = (connection.vendor, connection.alias, via_person, ended)
    compiled = _one_subject_sql.get(key)
    if compiled is None:
        since = _SINCE_MARK if ended else None
        query = _hits_queryset(as_of=_DAY_MARK, ids=[_ID_MARK], via_person=via_person, since=since).query
        sql, params = query.get_compiler(connection=connection).as_sql()
        marks = {"day": _DAY_MARK, "id": _ID_MARK, **({"since": _SINCE_MARK} if ended else {})}
        compiled = _one_subject_sql[key] = (sql, _template(params, **marks))
    return compiled


def _fill(template: list, *, as_of: dt.date, since: dt.date | None, **values) -> list:
    day = connection.ops.adapt_datefield_value(as_of)
    values["day"] = day
    if since is not None:
        values["since"] = connection.ops.adapt_datefield_value(since)
    return [values[p] if isinstance(p, str) and p in values else p for p in template]


def _one_subject_rows(
    *, subject_id: int, as_of: dt.date, via_person: bool, since: dt.date | None = None
) -> list[tuple]:
    """The hit rows of one subject through SQL compiled once (the ORM would rebuild the query per check)."""
    sql, template = _one_subject_compiled(via_person=via_person, ended=since is not None)
    params = _fill(template, as_of=as_of, since=since, id=subject_id)
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        rows = _sqlite_rows(rows)
    return rows


def _sqlite_rows(rows: list[tuple]) -> list[tuple]:
    """Raw SQLite rows hold dates as text and booleans as integers (booleans are converted where used)."""
    if rows and len(rows[0]) > _BASE:
        return [
            (*row[:6], _date(row[6]), _date(row[7]), *row[8 : _BASE + 2], *map(_date, row[_BASE + 2 :]))
            for row in rows
        ]
    return [(*row[:6], _date(row[6]), _date(row[7]), *row[8:]) for row in rows]


def _date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


# The subject ids of a set, as one JSON parameter unnested by the database (see ``_many_subjects_rows``).
_IDS_FROM_JSON = {
    "postgresql": "SELECT (jsonb_array_elements_text(%s::jsonb))::bigint",
    "sqlite": "SELECT value FROM json_each(%s)",
}
_IDS_MARK = "[-918273645]"
_many_subjects_sql: dict[tuple, tuple[str, list]] = {}


def _many_subjects_rows(
    *, subject_ids: list[int], as_of: dt.date, via_person: bool, since: dt.date | None = None
) -> list[tuple]:
    """The hit rows of a set of subjects, through SQL compiled once with the ids as one JSON parameter.

    ``subject_id IN (SELECT … unnested ids)``: the database probes the entries' subject index once per id (a
    nested loop), where a list of thousands of parameters is planned as a scan of every entry in force, and
    costs the driver and the ORM one parameter each.
    """
    ended = since is not None
    key = (connection.vendor, connection.alias, via_person, ended)
    compiled = _many_subjects_sql.get(key)
    if compiled is None:
        ids = RawSQL(_IDS_FROM_JSON[connection.vendor], (_IDS_MARK,))
        query = (
            _entries(as_of=_DAY_MARK, since=_SINCE_MARK if ended else None)
            .filter(subject_id__in=ids)
            .order_by("effective_from", "pk")
            .values_list(
                *_HIT_COLUMNS,
                "subject__name" if via_person else "subject_id",
                *(_ENDED_COLUMNS if ended else ()),
            )
            .query
        )
        sql, params = query.get_compiler(connection=connection).as_sql()
        marks = {"day": _DAY_MARK, "ids": _IDS_MARK, **({"since": _SINCE_MARK} if ended else {})}
        compiled = _many_subjects_sql[key] = (sql, _template(params, **marks))
    sql, template = compiled
    params = _fill(template, as_of=as_of, since=since, ids=orjson.dumps(sorted(subject_ids)).decode())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        rows = _sqlite_rows(rows)
    return rows


def hits_in_force(
    *,
    subject_ids: Iterable[int],
    as_of: dt.date,
    via_person: bool = False,
    continuation_months: int = 0,
) -> dict[int, list[Hit]]:
    """The list entries in force on ``as_of`` of these subjects, as hits by subject id (oldest first).

    With ``continuation_months``, then the entries that ended within that many months before ``as_of``
    (``lists.selectors.entries_ended_q``: not repaired nor annulled) as ended hits, oldest first.
    """
    ids = list(set(subject_ids))
    if not ids:
        return {}
    since = _since(as_of=as_of, months=continuation_months)
    if len(ids) == 1:
        rows = _one_subject_rows(subject_id=ids[0], as_of=as_of, via_person=via_person, since=since)
    else:
        rows = _many_subjects_rows(subject_ids=ids, as_of=as_of, via_person=via_person, since=since)
    return _hits_of_rows(rows, via_person=via_person, as_of=as_of, continuation_months=continuation_months)


def _hits_of_rows(
    rows: Iterable[tuple], *, via_person: bool, as_of: dt.date | None = None, continuation_months: int = 0
) -> dict[int, list[Hit]]:
    """Hits by subject id from rows of ``_HIT_COLUMNS`` and the subject's name (via person) or id.

    Rows that also carry ``_ENDED_COLUMNS`` and are not in force become ended hits when their entry's last
    day in force is before ``as_of`` and within ``continuation_months`` of it; they follow the hits in force.
    """
    hits: dict[int, list[Hit]] = {}
    ended_subjects = []
    for row in rows:
        ended_on = None
        if len(row) > _BASE:
            in_force, state, left_on, publish_from, publish_until = row[_BASE:]
            if not in_force:
                last = entry_last_day_in_force(
                    state=state,
                    effective_from=row[6],
                    effective_until=row[7],
                    ended_on=left_on,
                    publish_from=publish_from,
                    publish_until=publish_until,
                )
                if last is None or last >= as_of or as_of > continuation_last_day(last, continuation_months):
                    continue
                ended_on = last + _DAY
                row = (*row[:7], last, *row[8:_BASE])
                ended_subjects.append(row[1])
        (
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
        ) = row[:_BASE]
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
                ended_on=ended_on,
            )
        )
    for subject_id in set(ended_subjects):
        found = hits[subject_id]
        hits[subject_id] = [h for h in found if h.ended_on is None] + [h for h in found if h.ended_on]
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


def _subject_checked_compiled(*, ended: bool = False) -> tuple[str, list]:
    """The statement of ``subject_checked_by_uscc`` and its parameters (``"day"``, ``"cutoff"``, ``"code"``,
    and ``"since"`` when it reads entries that ended)."""
    key = (connection.vendor, connection.alias, ended)
    compiled = _subject_checked_sql.get(key)
    if compiled is None:
        hits_sql, hits_template = _one_subject_compiled(via_person=False, ended=ended)
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
    *, code: str, as_of: dt.date, continuation_months: int = 0
) -> tuple[SubjectRow | None, list[Hit], Facts | None] | None:
    """The subject with this USCC, its hits in force (and, with ``continuation_months``, those that ended,
    as ``hits_in_force``) and its facts, in one statement (PostgreSQL).

    The same values as ``subjects_by_uscc``, ``hits_in_force`` and ``facts_for`` (tests/jrp/check/
    test_fast_paths.py); ``None`` on other databases (no lateral joins): the caller reads them apart.
    """
    if connection.vendor != "postgresql":
        return None
    since = _since(as_of=as_of, months=continuation_months)
    sql, template = _subject_checked_compiled(ended=since is not None)
    values = {"day": as_of, "cutoff": _three_years_before(as_of), "code": code, "since": since}
    params = [values[p] if isinstance(p, str) and p in values else p for p in template]
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
    hits = _hits_of_rows(
        hit_rows, via_person=False, as_of=as_of, continuation_months=continuation_months
    ).get(subject.id, [])
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
