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

from django.db.models import Count, Max, Q

from xinyong.core.codes import Polarity
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


def subjects_by_uscc(*, codes: Iterable[str]) -> dict[str, SubjectRow]:
    """The subjects with these USCCs, by code."""
    codes = list(set(codes))
    if not codes:
        return {}
    rows = Subject.objects.filter(uscc__in=codes).values_list(*_SUBJECT_COLUMNS)
    return {s.uscc: s for s in _subjects(rows)}


def subjects_by_ric_hmac(*, hmacs: Iterable[str]) -> dict[str, SubjectRow]:
    """The natural persons with these 身份证 keyed hashes, by hash."""
    hmacs = list(set(hmacs))
    if not hmacs:
        return {}
    rows = Subject.objects.filter(ric_hmac__in=hmacs).values_list("ric_hmac", *_SUBJECT_COLUMNS)
    return {row[0]: _subjects([row[1:]])[0] for row in rows}


def subject_row(*, subject_id: int) -> SubjectRow | None:
    """One subject by id."""
    rows = _subjects(Subject.objects.filter(pk=subject_id).values_list(*_SUBJECT_COLUMNS))
    return rows[0] if rows else None


def hits_in_force(
    *, subject_ids: Iterable[int], as_of: dt.date, via_person: bool = False
) -> dict[int, list[Hit]]:
    """The list entries in force on ``as_of`` of these subjects, as hits by subject id (oldest first)."""
    ids = list(set(subject_ids))
    if not ids:
        return {}
    rows = (
        entries_in_force(as_of=as_of, subject_ids=ids)
        .order_by("effective_from", "pk")
        .values_list(*_HIT_COLUMNS, "subject__name" if via_person else "subject_id")
    )
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


def facts_for(*, subjects: Iterable[SubjectRow], as_of: dt.date) -> dict[int, Facts]:
    """The facts conditions may ask about each subject: newest negative decision and the count in 3 years.

    Revoked and withdrawn decisions do not count (they no longer exist); repaired ones do (the act happened).
    """
    subjects = list(subjects)
    if not subjects:
        return {}
    try:
        cutoff = as_of.replace(year=as_of.year - 3)
    except ValueError:  # 29 February
        cutoff = as_of.replace(year=as_of.year - 3, day=28)
    rows = (
        CreditRecord.objects.filter(subject_id__in=[s.id for s in subjects], polarity=Polarity.NEGATIVE)
        .exclude(status__in=(RecordStatus.REVOKED, RecordStatus.WITHDRAWN))
        .filter(decision_date__lte=as_of)
        .values("subject_id")
        .annotate(last=Max("decision_date"), recent=Count("pk", filter=Q(decision_date__gt=cutoff)))
        .values_list("subject_id", "last", "recent")
    )
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
