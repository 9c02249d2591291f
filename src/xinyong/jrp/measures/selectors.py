"""Reads of matters, memoranda, rulebooks and measures for the console and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from xinyong.jrp.models import Matter, Measure, MeasureCondition, Rulebook, RulebookStatus

__all__ = [
    "matters_list",
    "MeasureChange",
    "MeasureChangePage",
    "measure_changes_page",
    "measure_conditions_of",
    "measures_list",
    "rulebook_draft",
    "rulebook_get",
    "rulebook_published",
    "rulebooks_list",
]


def rulebook_published() -> Rulebook | None:
    return Rulebook.objects.filter(status=RulebookStatus.PUBLISHED).first()


def rulebook_draft() -> Rulebook | None:
    return Rulebook.objects.filter(status=RulebookStatus.DRAFT).first()


def rulebook_get(*, number: int) -> Rulebook | None:
    return Rulebook.objects.filter(number=number).first()


def rulebooks_list() -> QuerySet[Rulebook]:
    return Rulebook.objects.select_related("created_by", "published_by", "based_on").order_by("-number")


def measures_list(
    *,
    rulebook: Rulebook,
    q: str = "",
    kind: str = "",
    family: str = "",
    list_type: str = "",
    department_id: int | None = None,
    stage: str = "",
    application: str = "",
) -> QuerySet[Measure]:
    """The measures of a rulebook, filtered; ``q`` searches code, content, target and legal basis."""
    qs = Measure.objects.filter(rulebook=rulebook).select_related("implementing_department", "memorandum")
    if q:
        qs = qs.filter(
            Q(code__icontains=q)
            | Q(content__icontains=q)
            | Q(target__icontains=q)
            | Q(legal_basis__icontains=q)
            | Q(matter_name__icontains=q)
        )
    if kind:
        qs = qs.filter(kind=kind)
    if family:
        qs = qs.filter(family=family)
    if stage:
        qs = qs.filter(stage=stage)
    if application:
        qs = qs.filter(application=application)
    if department_id:
        qs = qs.filter(implementing_department_id=department_id)
    measures = qs.order_by("code")
    if list_type:
        # JSON containment is not portable across SQLite and PostgreSQL: filter the (small) list in Python.
        codes = [m.code for m in measures if list_type in (m.list_type_codes or [])]
        measures = measures.filter(code__in=codes)
    return measures


def measure_conditions_of(*, rulebook: Rulebook, measure_code: str) -> QuerySet[MeasureCondition]:
    return (
        MeasureCondition.objects.filter(rulebook=rulebook, measure_code=measure_code)
        .select_related("department", "updated_by")
        .order_by("department__code")
    )


def matters_list(
    *, q: str = "", department_id: int | None = None, stage: str = "", active: bool | None = None
):
    qs = Matter.objects.select_related("department")
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(kind__icontains=q))
    if department_id:
        qs = qs.filter(department_id=department_id)
    if stage:
        qs = qs.filter(stage=stage)
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("code")


@dataclass(frozen=True, slots=True)
class MeasureChange:
    rulebook: Rulebook
    change: str  # added | changed | removed
    code: str
    measure: Measure | None  # None when removed
    department_condition: dict | None


@dataclass
class MeasureChangePage:
    changes: list[MeasureChange]
    next_number: int
    next_offset: int
    next_full: bool
    has_more: bool


def _snapshot(rulebook: Rulebook, department_id: int | None) -> dict[str, tuple[Measure, dict | None]]:
    conditions = {}
    if department_id is not None:
        conditions = dict(
            MeasureCondition.objects.filter(rulebook=rulebook, department_id=department_id).values_list(
                "measure_code", "expression"
            )
        )
    return {
        m.code: (m, conditions.get(m.code))
        for m in Measure.objects.filter(rulebook=rulebook).select_related(
            "implementing_department", "memorandum"
        )
    }


_COMPARED = (
    "kind",
    "family",
    "content",
    "legal_basis",
    "memorandum_id",
    "target",
    "list_type_codes",
    "matter_name",
    "matter_codes",
    "responsible_office",
    "implementing_department_id",
    "implementation",
    "stage",
    "application",
    "condition",
    "extends_to_responsible_persons",
)


def _diff(old: dict, new: dict, rulebook: Rulebook) -> list[MeasureChange]:
    changes = []
    for code in sorted(set(old) | set(new)):
        if code not in new:
            changes.append(MeasureChange(rulebook, "removed", code, None, None))
            continue
        measure, condition = new[code]
        if code not in old:
            changes.append(MeasureChange(rulebook, "added", code, measure, condition))
            continue
        before, before_condition = old[code]
        if condition != before_condition or any(getattr(before, f) != getattr(measure, f) for f in _COMPARED):
            changes.append(MeasureChange(rulebook, "changed", code, measure, condition))
    return changes


def measure_changes_page(
    *, after_number: int, after_offset: int, full: bool, department_id: int | None, limit: int
) -> MeasureChangePage:
    """Changes of the published measure list after a cursor (a rulebook number and how many of its changes
    were delivered; ``full`` when that rulebook was delivered in full rather than as differences).

    Without a cursor (``after_number`` 0) the feed starts with the published rulebook in full (every
    measure “added”); after it, each later publication as its differences to the one before. Measures
    carry the requesting department's own condition.
    """
    books = list(Rulebook.objects.filter(published_at__isnull=False).order_by("number"))
    if after_number == 0:
        current = rulebook_published()
        if current is None:
            return MeasureChangePage([], 0, 0, False, False)
        after_number, after_offset, full = current.number, 0, True
    queue = []
    previous = None
    for book in books:
        if book.number == after_number:
            queue.append((book, None if full else previous, full))
        elif book.number > after_number:
            queue.append((book, previous, False))
        previous = book
    changes: list[MeasureChange] = []
    number, offset, flag = after_number, after_offset, full
    for position, (book, base, as_full) in enumerate(queue):
        start = after_offset if book.number == after_number else 0
        old = _snapshot(base, department_id) if base is not None else {}
        found = _diff(old, _snapshot(book, department_id), book)
        take = found[start : start + max(limit - len(changes), 0)]
        changes.extend(take)
        number, offset, flag = book.number, start + len(take), as_full
        if offset < len(found):
            return MeasureChangePage(changes, number, offset, flag, True)
        if len(changes) >= limit:
            return MeasureChangePage(changes, number, offset, flag, position + 1 < len(queue))
    return MeasureChangePage(changes, number, offset, flag, False)
