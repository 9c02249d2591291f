"""Which measures apply: the published rulebook, compiled, and ``measures_for`` (pure, no queries).

A measure applies to a hit of one of its list types whose colour fits its kind (black → punishment,
red → incentive) and, when it names matters, to those matters only; a hit found through the applicant's
role as responsible person only gets measures extending to responsible persons; a hit on a disputed entry
or record gives the measure as suspended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from xinyong.jrp.models import Measure, MeasureKind, Rulebook, RulebookStatus
from xinyong.jrp.types import Facts, Hit, MeasureResult

_KIND_FOR_COLOUR = {"black": MeasureKind.PUNISHMENT, "red": MeasureKind.INCENTIVE}


@dataclass(slots=True)
class CompiledRulebook:
    """A rulebook ready for ``measures_for``: its measures as plain values."""

    number: int
    measures: tuple[dict, ...] = field(default_factory=tuple)


def rulebook_compiled(*, number: int | None = None) -> CompiledRulebook | None:
    """The published rulebook (or version ``number``) compiled; None when there is none."""
    rulebooks = Rulebook.objects.all()
    if number is None:
        rulebooks = rulebooks.filter(status=RulebookStatus.PUBLISHED)
    else:
        rulebooks = rulebooks.filter(number=number)
    rulebook = rulebooks.first()
    if rulebook is None:
        return None
    measures = tuple(
        {
            "code": m.code,
            "kind": m.kind,
            "family": m.family,
            "content": m.content,
            "legal_basis": m.legal_basis,
            "application": m.application,
            "stage": m.stage,
            "implementing_department": m.implementing_department.name if m.implementing_department else "",
            "list_type_codes": frozenset(m.list_type_codes or ()),
            "matter_codes": frozenset(m.matter_codes or ()),
            "extends": m.extends_to_responsible_persons,
        }
        for m in Measure.objects.filter(rulebook=rulebook).select_related("implementing_department")
    )
    return CompiledRulebook(number=rulebook.number, measures=measures)


def measures_for(
    *,
    rulebook: CompiledRulebook,
    hits: Sequence[Hit],
    facts: Facts,
    matter_code: str,
    department_id: int | None,
) -> list[MeasureResult]:
    """The measures of ``rulebook`` that apply to ``hits`` (one result per measure)."""
    results: dict[str, MeasureResult] = {}
    for hit in hits:
        for m in rulebook.measures:
            if hit.list_type not in m["list_type_codes"] or _KIND_FOR_COLOUR.get(hit.colour) != m["kind"]:
                continue
            if m["matter_codes"] and matter_code and matter_code not in m["matter_codes"]:
                continue
            if hit.via_person and not m["extends"]:
                continue
            previous = results.get(m["code"])
            if previous is not None and (hit.disputed or not previous.suspended):
                continue
            results[m["code"]] = MeasureResult(
                code=m["code"],
                kind=m["kind"],
                family=m["family"],
                content=m["content"],
                legal_basis=m["legal_basis"],
                application=m["application"],
                stage=m["stage"],
                implementing_department=m["implementing_department"],
                entry_id=hit.entry_id,
                list_type=hit.list_type,
                suspended=hit.disputed,
                suspended_reason="该名单所依据的信用记录已标注异议，异议处理期间暂停实施此项措施"
                if hit.disputed
                else "",
                via_person=hit.via_person,
            )
    return list(results.values())
