"""Escalation of dishonesty levels as data (失信行为等级升级): rules that *propose* entries, never list.

A rule (``EscalationRule.definition``, shipped in ``fixtures/escalation.yaml``) says which negative records
count as acts, what "the same type" means, the window, the counts and the ordered levels, e.g. 忻州: within
one year, two acts of the same type or three acts of any type move an enterprise up one level (一般失信 →
较重失信 → 严重失信). Evaluation is set-based: one aggregate query per rule finds the subjects whose acts
reach a count, then their acts and entries are read in bulk. Acts already used as the basis of an entry
(whatever became of it) never count again, so the same basis never proposes twice. Proposals are entries
in state proposed (origin escalation, level, basis records) that a reviewer notifies or declines.
docs/listing-decisions.md describes the format.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.db.models import Count

from xinyong.accounts.models import Department
from xinyong.accounts.services import audit_log
from xinyong.core.codes import Polarity
from xinyong.lists.lifecycle import LifecycleError, entry_propose, months_add
from xinyong.lists.models import (
    OPEN_STATES,
    EntryOrigin,
    EscalationRule,
    ListEntry,
    ListingMode,
    ListType,
    ListTypeVersion,
)
from xinyong.records.models import CreditRecord, CreditRecordVersion
from xinyong.records.selectors import in_force_q
from xinyong.subjects.models import Subject

__all__ = [
    "ESCALATION_FIXTURE",
    "EscalationReport",
    "LoadReport",
    "escalation_after_batch",
    "escalation_evaluate",
    "escalation_level_names",
    "escalation_rules_load",
]

ESCALATION_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "escalation.yaml"
AUDIT_ACTION = "list_escalation_evaluate"
CHUNK = 2000
SAME_TYPE_COLUMNS = {"item": ("item_id",), "item_department": ("item_id", "department_id")}


@dataclass
class LoadReport:
    list_types_created: list[str] = field(default_factory=list)
    rules_created: list[str] = field(default_factory=list)


@dataclass
class EscalationReport:
    subjects_checked: int = 0
    proposed: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"失信等级升级：检查主体 {self.subjects_checked:,} 个，提出拟列入 {len(self.proposed):,} 条"
        return text + ("；" + "；".join(self.problems) if self.problems else "")


# ---------------------------------------------------------------------------------------------------------
# Loading the shipped rules


def _plain(value: Any) -> Any:
    """YAML values as JSON-storable values (dates as ISO strings)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def escalation_rules_load(*, path: Path | None = None) -> LoadReport:
    """Load the escalation fixture: missing list types, and rules whose content changed (new version)."""
    rule_model, list_type_model, version_model = EscalationRule, ListType, ListTypeVersion
    data = yaml.safe_load((path or ESCALATION_FIXTURE).read_text(encoding="utf-8")) or {}
    report = LoadReport()
    for spec in data.get("list_types") or []:
        if list_type_model.objects.filter(code=spec["code"]).exists():
            continue
        payload = _plain(spec)
        list_type = list_type_model.objects.create(
            **{k: v for k, v in spec.items() if k != "valid_from"}, valid_from=_as_date(spec["valid_from"])
        )
        version_model.objects.create(
            list_type=list_type,
            number=1,
            valid_from=list_type.valid_from,
            payload=payload,
            note="随失信等级升级规则载入",
        )
        report.list_types_created.append(spec["code"])
    for spec in data.get("rules") or []:
        definition = _plain(spec["definition"])
        latest = rule_model.objects.filter(code=spec["code"]).order_by("-version").first()
        if (
            latest is not None
            and latest.definition == definition
            and latest.name == spec["name"]
            and latest.legal_basis == spec["legal_basis"]
            and latest.valid_from == _as_date(spec["valid_from"])
        ):
            continue
        rule_model.objects.filter(code=spec["code"]).update(active=False)
        rule_model.objects.create(
            code=spec["code"],
            version=(latest.version + 1) if latest is not None else 1,
            name=spec["name"],
            legal_basis=spec["legal_basis"],
            definition=definition,
            valid_from=_as_date(spec["valid_from"]),
            active=True,
        )
        report.rules_created.append(spec["code"])
    return report


def escalation_level_names() -> dict[str, str]:
    """Level code → name over the active rules (for display)."""
    names: dict[str, str] = {}
    for definition in EscalationRule.objects.filter(active=True).values_list("definition", flat=True):
        for level in (definition or {}).get("levels") or []:
            names.setdefault(level["code"], level["name"])
    return names


# ---------------------------------------------------------------------------------------------------------
# Evaluating


@dataclass(frozen=True)
class _Act:
    record_id: int
    kind: tuple
    department_id: int
    decision_date: dt.date


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _acts_qs(*, definition: dict, as_of: dt.date):
    start = months_add(as_of, -int(definition.get("window_months", 12)))
    return CreditRecord.objects.filter(
        in_force_q(as_of=as_of),
        polarity=Polarity.NEGATIVE,
        item__code__in=definition.get("act_items") or [],
        subject_kind__in=definition.get("subject_kinds") or [],
        decision_date__gt=start,
        decision_date__lte=as_of,
    )


def _candidates(*, acts, type_columns: tuple[str, ...], same_count: int, any_count: int) -> list[int]:
    """Subjects whose acts reach a count, by one aggregate query (grouped by subject and act type)."""
    totals: dict[int, int] = defaultdict(int)
    same: dict[int, int] = defaultdict(int)
    for row in acts.values("subject_id", *type_columns).annotate(n=Count("id")).order_by():
        totals[row["subject_id"]] += row["n"]
        same[row["subject_id"]] = max(same[row["subject_id"]], row["n"])
    return sorted(s for s in totals if same[s] >= same_count or totals[s] >= any_count)


def _basis(acts: list[_Act], *, same_count: int, any_count: int) -> list[_Act]:
    """The acts a proposal rests on: all of them when their number reaches ``any_count``, else the groups
    of the same type that reach ``same_count``; empty when neither."""
    if len(acts) >= any_count:
        return acts
    groups: dict[tuple, list[_Act]] = defaultdict(list)
    for act in acts:
        groups[act.kind].append(act)
    return [a for group in groups.values() if len(group) >= same_count for a in group]


def _evaluate_rule(
    *,
    rule: EscalationRule,
    as_of: dt.date,
    subject_ids: list[int] | None,
    actor: Any,
    report: EscalationReport,
) -> None:
    definition = rule.definition or {}
    list_type = ListType.objects.filter(code=definition.get("list_type", "")).first()
    if list_type is None or list_type.listing_mode != ListingMode.DECIDED or not list_type.active:
        report.problems.append(f"规则“{rule.name}”的名单类型 {definition.get('list_type')} 不存在或未启用")
        return
    levels = [level["code"] for level in definition.get("levels") or []]
    names = {level["code"]: level["name"] for level in definition.get("levels") or []}
    same_type = definition.get("same_type", "item_department")
    type_columns = SAME_TYPE_COLUMNS.get(same_type, SAME_TYPE_COLUMNS["item_department"])
    same_count = int(definition.get("same_type_count", 2))
    any_count = int(definition.get("any_type_count", 3))
    window_start = months_add(as_of, -int(definition.get("window_months", 12))) + dt.timedelta(days=1)
    acts_qs = _acts_qs(definition=definition, as_of=as_of)

    candidates: list[int] = []
    if subject_ids is None:
        candidates = _candidates(
            acts=acts_qs, type_columns=type_columns, same_count=same_count, any_count=any_count
        )
        report.subjects_checked += acts_qs.values("subject_id").distinct().count()
    else:
        for chunk in _chunks(subject_ids):
            candidates += _candidates(
                acts=acts_qs.filter(subject_id__in=chunk),
                type_columns=type_columns,
                same_count=same_count,
                any_count=any_count,
            )
        report.subjects_checked += len(subject_ids)

    for chunk in _chunks(candidates):
        acts_by_subject: dict[int, list[_Act]] = defaultdict(list)
        for row in (
            acts_qs.filter(subject_id__in=chunk)
            .values("subject_id", "id", "item_id", "department_id", "decision_date")
            .order_by("decision_date", "id")
        ):
            kind = tuple(row[c] for c in type_columns)
            acts_by_subject[row["subject_id"]].append(
                _Act(row["id"], kind, row["department_id"], row["decision_date"])
            )
        used: dict[int, set[int]] = defaultdict(set)
        current: dict[int, int] = defaultdict(int)
        for entry in ListEntry.objects.filter(list_type=list_type, subject_id__in=chunk).values(
            "subject_id", "basis_record_ids", "level", "state"
        ):
            used[entry["subject_id"]].update(int(i) for i in entry["basis_record_ids"] or [])
            if entry["state"] in OPEN_STATES and entry["level"] in levels:
                current[entry["subject_id"]] = max(current[entry["subject_id"]], levels.index(entry["level"]))
        subjects = Subject.objects.in_bulk(chunk)
        departments: dict[int, Department] = {}
        for subject_id in chunk:
            fresh = [a for a in acts_by_subject[subject_id] if a.record_id not in used[subject_id]]
            basis = _basis(fresh, same_count=same_count, any_count=any_count)
            target = current[subject_id] + 1
            if not basis or target >= len(levels):
                continue
            latest = basis[-1]
            if latest.department_id not in departments:
                departments[latest.department_id] = Department.objects.get(pk=latest.department_id)
            same_max = max(sum(1 for a in fresh if a.kind == k) for k in {a.kind for a in fresh})
            reason = (
                f"{window_start:%Y年%m月%d日}至{as_of:%Y年%m月%d日}一年内有失信行为 {len(fresh)} 次"
                f"（其中同类最多 {same_max} 次），依“{rule.name}”由{names[levels[target - 1]]}"
                f"升为{names[levels[target]]}，提请审核"
            )
            try:
                entry = entry_propose(
                    list_type=list_type,
                    subject=subjects[subject_id],
                    reason=reason,
                    basis_record_ids=[a.record_id for a in basis],
                    on_date=as_of,
                    actor=actor,
                    department=departments[latest.department_id],
                    origin=EntryOrigin.ESCALATION,
                    level=levels[target],
                    audit=False,
                )
            except LifecycleError as exc:
                report.problems.append(f"主体 {subject_id}：{exc.message}")
                continue
            report.proposed.append(entry.pk)


def escalation_evaluate(
    *, as_of: dt.date, subject_ids: Iterable[int] | None = None, actor: Any = None, batch_ref: str = ""
) -> EscalationReport:
    """Evaluate the active escalation rules on ``as_of`` (for some subjects, or all); proposes entries."""
    report = EscalationReport()
    ids = sorted(set(subject_ids)) if subject_ids is not None else None
    if ids is not None and not ids:
        return report
    rules = EscalationRule.objects.filter(active=True, valid_from__lte=as_of).order_by("code", "-version")
    with transaction.atomic():
        for rule in rules:
            _evaluate_rule(rule=rule, as_of=as_of, subject_ids=ids, actor=actor, report=report)
        if report.proposed:
            audit_log(
                actor=actor,
                action=AUDIT_ACTION,
                obj=ListEntry,
                detail={
                    "as_of": as_of.isoformat(),
                    "batch_ref": batch_ref,
                    "proposed": len(report.proposed),
                    "ids": report.proposed[:1000],
                },
            )
    return report


def escalation_after_batch(*, batch_ref: str, as_of: dt.date, actor: Any = None) -> EscalationReport:
    """Evaluate the escalation rules for the subjects of the records batch ``batch_ref`` wrote."""
    if not batch_ref:
        return EscalationReport()
    subject_ids = (
        CreditRecordVersion.objects.filter(batch_ref=batch_ref)
        .values_list("subject_id", flat=True)
        .distinct()
    )
    return escalation_evaluate(as_of=as_of, subject_ids=list(subject_ids), actor=actor, batch_ref=batch_ref)
