"""Which measures apply: the compiled rulebook and ``measures_for`` (pure, no queries, fast).

A measure applies to a hit when (docs/measures.md, “Which measures apply”):

- the rulebook is the published one (未经公布的惩戒措施不得实施; the check asks for the published one);
- the hit's list type is one of the measure's list types, and its colour fits the measure's kind
  (black lists → punishments, red lists → incentives);
- the matter fits: the measure's ``matter_codes``, or when it has none, every matter of its implementing
  department (every matter when it has no department, when the request names no matter, or when the
  matter is not in the register);
- a hit found through the applicant's role as responsible person (``via_person``) only gets measures that
  extend to responsible persons;
- a hit whose entry has ended only gets measures that continue after removal, inside their months
  (``continuation_last_day``); the result says for how many months (``continues_months``);
- the measure's own condition holds, and so does the requesting department's own condition, if it has one.

A hit on a disputed record gives the measure as *suspended* (``suspended=True``, with the reason). One
result per measure: an applicable hit is preferred to a suspended one, then the first hit in order.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Max

from xinyong.accounts.models import Department
from xinyong.jrp.measures.conditions import (
    CompiledCondition,
    ConditionContext,
    condition_compile,
    continuation_last_day,
)
from xinyong.jrp.models import Matter, Measure, MeasureCondition, MeasureKind, Rulebook, RulebookStatus
from xinyong.jrp.types import Facts, Hit, MeasureResult

__all__ = [
    "SUSPENDED_REASON",
    "CompiledMeasure",
    "CompiledRulebook",
    "measures_for",
    "rulebook_cache_clear",
    "rulebook_compile",
    "rulebook_compiled",
]

SUSPENDED_REASON = "该名单所依据的信用记录已标注异议，异议处理期间暂停实施此项措施"
# How long a process trusts its idea of which rulebook is published (another process may publish).
PUBLISHED_TTL_SECONDS = 2.0

_KIND_FOR_COLOUR = {"black": MeasureKind.PUNISHMENT, "red": MeasureKind.INCENTIVE}
_APPLICATION_ORDER = {"mandatory": 0, "recommended": 1}


@dataclass(frozen=True, slots=True)
class CompiledMeasure:
    code: str
    kind: str
    family: str
    content: str
    legal_basis: str
    application: str
    stage: str
    implementing_department: str
    implementing_department_id: int | None
    list_type_codes: frozenset[str]
    matter_codes: frozenset[str]
    extends_to_responsible_persons: bool
    condition: CompiledCondition
    order: int


@dataclass(slots=True)
class CompiledRulebook:
    """A rulebook ready for ``measures_for``: measures indexed by list type, conditions compiled."""

    number: int
    status: str
    measures: tuple[CompiledMeasure, ...]
    by_list_type: dict[str, tuple[CompiledMeasure, ...]]
    # (measure code, department id) → the department's own condition
    department_conditions: dict[tuple[str, int], CompiledCondition]
    # matter code → (stage, department id)
    matters: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    # The longest ``continues_after_removal`` of its measures: how far back the check looks for entries
    # that ended (0: it reads entries in force only).
    max_continuation_months: int = 0


def rulebook_compile(rulebook: Rulebook) -> CompiledRulebook:
    """Compile one rulebook (drafts too; uncached). Conditions were validated when they were saved."""
    departments = {}
    measures = []
    rows = (
        Measure.objects.filter(rulebook=rulebook).select_related("implementing_department").order_by("code")
    )
    for order, m in enumerate(rows):
        dept = m.implementing_department
        if dept is not None:
            departments[dept.pk] = dept.name
        measures.append(
            CompiledMeasure(
                code=m.code,
                kind=m.kind,
                family=m.family,
                content=m.content,
                legal_basis=m.legal_basis,
                application=m.application,
                stage=m.stage,
                implementing_department=dept.name if dept else (m.responsible_office or m.implementation),
                implementing_department_id=dept.pk if dept else None,
                list_type_codes=frozenset(m.list_type_codes or ()),
                matter_codes=frozenset(m.matter_codes or ()),
                extends_to_responsible_persons=m.extends_to_responsible_persons,
                condition=condition_compile(m.condition or {}),
                order=order,
            )
        )
    index: dict[str, list[CompiledMeasure]] = {}
    for m in measures:
        for code in m.list_type_codes:
            index.setdefault(code, []).append(m)
    conditions = {
        (c.measure_code, c.department_id): condition_compile(c.expression or {})
        for c in MeasureCondition.objects.filter(rulebook=rulebook)
    }
    matters = {
        code: (stage, dept)
        for code, stage, dept in Matter.objects.values_list("code", "stage", "department_id")
    }
    return CompiledRulebook(
        number=rulebook.number,
        status=rulebook.status,
        measures=tuple(measures),
        by_list_type={k: tuple(v) for k, v in index.items()},
        department_conditions=conditions,
        matters=matters,
        max_continuation_months=max((m.condition.continuation_months for m in measures), default=0),
    )


_lock = threading.Lock()
_compiled: dict[tuple, CompiledRulebook] = {}
_published: list = [0.0, None]  # [expires at (monotonic), key or None]


def rulebook_cache_clear() -> None:
    """Forget compiled rulebooks (called when a rulebook is published or the matter register changes)."""
    with _lock:
        _compiled.clear()
        _published[0], _published[1] = 0.0, None


def _register_stamp() -> tuple:
    """Changes whenever the matter register or a department's name does (compiled rulebooks carry the
    matters' stages and departments, and the implementing departments' names)."""
    stamp = Matter.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    names = hash(tuple(Department.objects.order_by("pk").values_list("pk", "name")))
    return (stamp["n"], stamp["last"], names)


def rulebook_compiled(*, number: int | None = None) -> CompiledRulebook | None:
    """The published rulebook compiled (or version ``number``), cached in-process; None when there is none.

    Published and superseded versions never change, so they are cached by number and publication time
    (and the state of the matter register); which version is published is re-read at most every
    ``PUBLISHED_TTL_SECONDS`` (at once after a publication in this process). A draft (only asked for by
    number, for the impact preview) is compiled afresh each time.
    """
    if number is None:
        now = time.monotonic()
        if _published[0] > now:
            key = _published[1]
        else:
            row = (
                Rulebook.objects.filter(status=RulebookStatus.PUBLISHED)
                .values_list("pk", "number", "published_at")
                .first()
            )
            key = (*row, _register_stamp()) if row is not None else None
            with _lock:
                _published[0], _published[1] = now + PUBLISHED_TTL_SECONDS, key
        if key is None:
            return None
    else:
        row = (
            Rulebook.objects.filter(number=number)
            .values_list("pk", "number", "published_at", "status")
            .first()
        )
        if row is None:
            return None
        if row[3] == RulebookStatus.DRAFT:
            return rulebook_compile(Rulebook.objects.get(pk=row[0]))
        key = (*row[:3], _register_stamp())
    cached = _compiled.get(key)
    if cached is not None:
        return cached
    compiled = rulebook_compile(Rulebook.objects.get(pk=key[0]))
    with _lock:
        if len(_compiled) > 16:  # old versions asked for by number: keep the cache small
            _compiled.clear()
        _compiled[key] = compiled
    return compiled


def measures_for(
    *,
    rulebook: CompiledRulebook,
    hits: Sequence[Hit],
    facts: Facts,
    matter_code: str,
    department_id: int | None,
) -> list[MeasureResult]:
    """The measures of ``rulebook`` that apply to ``hits`` for a check on ``matter_code`` (see the module)."""
    matter = rulebook.matters.get(matter_code) if matter_code else None
    matter_stage = matter[0] if matter else ""
    matter_department = matter[1] if matter else None
    chosen: dict[str, tuple[MeasureResult, CompiledMeasure]] = {}
    conditions = rulebook.department_conditions
    for hit in hits:
        candidates = rulebook.by_list_type.get(hit.list_type)
        if not candidates:
            continue
        wanted_kind = _KIND_FOR_COLOUR.get(hit.colour)
        ended = hit.effective_until is not None and hit.effective_until < facts.as_of
        ctx = ConditionContext(hit=hit, facts=facts, matter_code=matter_code, matter_stage=matter_stage)
        for m in candidates:
            previous = chosen.get(m.code)
            if previous is not None and not previous[0].suspended:
                continue
            if wanted_kind is not None and m.kind != wanted_kind:
                continue
            if hit.via_person and not m.extends_to_responsible_persons:
                continue
            if matter is not None:
                if m.matter_codes:
                    if matter_code not in m.matter_codes:
                        continue
                elif (
                    m.implementing_department_id is not None
                    and matter_department != m.implementing_department_id
                ):
                    continue
            elif matter_code and m.matter_codes and matter_code not in m.matter_codes:
                continue
            if ended and (
                not m.condition.continuation_months
                or facts.as_of > continuation_last_day(hit.effective_until, m.condition.continuation_months)
            ):
                continue
            if not m.condition.test(ctx):
                continue
            own = conditions.get((m.code, department_id)) if department_id is not None else None
            if own is not None and not own.test(ctx):
                continue
            if previous is not None and hit.disputed:
                continue
            met = [f"命中名单：{hit.list_name or hit.list_type}"]
            met.extend(m.condition.explain(ctx))
            if own is not None:
                met.extend(f"本部门条件：{text}" for text in own.explain(ctx))
            if hit.via_person:
                met.append(f"申请人为{hit.organisation_name or '名单主体'}的法定代表人或主要负责人")
            chosen[m.code] = (
                MeasureResult(
                    code=m.code,
                    kind=m.kind,
                    family=m.family,
                    content=m.content,
                    legal_basis=m.legal_basis,
                    application=m.application,
                    stage=m.stage,
                    implementing_department=m.implementing_department,
                    entry_id=hit.entry_id,
                    list_type=hit.list_type,
                    conditions_met=tuple(met),
                    suspended=hit.disputed,
                    suspended_reason=SUSPENDED_REASON if hit.disputed else "",
                    via_person=hit.via_person,
                    implementing_department_id=m.implementing_department_id,
                    continues_months=m.condition.continuation_months if ended else 0,
                ),
                m,
            )
    ordered = sorted(
        chosen.values(),
        key=lambda pair: (
            pair[1].kind != MeasureKind.PUNISHMENT,
            _APPLICATION_ORDER.get(pair[1].application, 2),
            pair[1].order,
        ),
    )
    return [result for result, _ in ordered]
