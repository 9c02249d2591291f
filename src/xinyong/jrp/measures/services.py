"""Writes of matters, memoranda and rulebooks: fixture loading, drafts, department conditions, publication.

Rules (docs/measures.md): only the published rulebook applies (未经公布的惩戒措施不得实施); edits go into a
draft, a copy of the published rulebook; publishing a draft makes it the published one and the old one
superseded. Every action writes one audit entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from xinyong.accounts.models import Department
from xinyong.accounts.services import audit_log
from xinyong.jrp.measures.conditions import ConditionError, condition_validate
from xinyong.jrp.measures.permissions import (
    can_edit_department_conditions,
    can_edit_matter,
    can_manage_rulebooks,
)
from xinyong.jrp.measures.preview import preview_replay
from xinyong.jrp.measures.rulebook import rulebook_cache_clear, rulebook_compile
from xinyong.jrp.models import (
    Application,
    Matter,
    MatterStage,
    Measure,
    MeasureCondition,
    MeasureFamily,
    MeasureKind,
    Memorandum,
    Rulebook,
    RulebookStatus,
)

__all__ = [
    "FIXTURES_DIR",
    "LoadReport",
    "MeasuresError",
    "matter_save",
    "measure_condition_delete",
    "measure_condition_set",
    "measures_load_fixtures",
    "rulebook_draft_create",
    "rulebook_draft_delete",
    "rulebook_preview",
    "rulebook_publish",
]

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"


class MeasuresError(Exception):
    """A refused action: stable ``code`` and zh-hans ``message``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class LoadReport:
    memoranda_created: list[str] = field(default_factory=list)
    memoranda_updated: list[str] = field(default_factory=list)
    rulebook: Rulebook | None = None
    measures: int = 0
    published: bool = False


def _read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def _measure_fields(
    spec: dict, *, memoranda: dict[str, Memorandum], departments: dict[str, Department]
) -> dict:
    code = spec["code"]
    if spec["kind"] not in MeasureKind.values or spec["family"] not in MeasureFamily.values:
        raise MeasuresError("fixture_invalid", f"措施 {code} 的类别或措施类型不正确")
    if spec["stage"] not in MatterStage.values or spec["application"] not in Application.values:
        raise MeasuresError("fixture_invalid", f"措施 {code} 的管理阶段或应用手段不正确")
    try:
        condition = condition_validate(spec.get("condition") or {})
    except ConditionError as exc:
        raise MeasuresError("fixture_invalid", f"措施 {code} 的适用条件有误：{exc.message}") from None
    memo = spec.get("memorandum")
    return {
        "code": code,
        "kind": spec["kind"],
        "family": spec["family"],
        "content": spec["content"],
        "legal_basis": spec["legal_basis"],
        "memorandum": memoranda.get(memo) if memo else None,
        "target": spec.get("target", ""),
        "list_type_codes": list(spec.get("list_type_codes") or []),
        "matter_name": spec.get("matter_name") or "无",
        "matter_codes": list(spec.get("matter_codes") or []),
        "responsible_office": spec.get("responsible_office", ""),
        "implementing_department": departments.get(spec.get("department") or ""),
        "implementation": spec.get("implementation", ""),
        "stage": spec["stage"],
        "application": spec["application"],
        "condition": condition,
        "extends_to_responsible_persons": bool(spec.get("extends_to_responsible_persons")),
        "source": spec.get("source", ""),
    }


def _next_number() -> int:
    return (Rulebook.objects.aggregate(n=Max("number"))["n"] or 0) + 1


def measures_load_fixtures(
    *, as_of: dt.date, actor: Any = None, only_missing: bool = False, path: Path | None = None
) -> LoadReport:
    """Load the shipped memoranda and measure list.

    With no rulebook yet, the measures become rulebook 1, published. Otherwise (unless ``only_missing``,
    which is what ``migrate`` does and then changes nothing) they become a new draft for an operator to
    preview and publish; memoranda are created or updated either way.
    """
    directory = Path(path) if path else FIXTURES_DIR
    report = LoadReport()
    if only_missing and Rulebook.objects.exists():
        return report
    memo_specs = _read_yaml(directory / "memoranda.yaml") or []
    bundle = _read_yaml(directory / "measures.yaml") or {}
    if Rulebook.objects.filter(status=RulebookStatus.DRAFT).exists():
        raise MeasuresError("draft_exists", "已有一份未公布的草稿，请先公布或删除该草稿再载入")
    with transaction.atomic():
        memoranda: dict[str, Memorandum] = {}
        for spec in memo_specs:
            values = {
                "title": spec["title"],
                "document_number": spec.get("document_number") or "",
                "issued_on": spec.get("issued_on"),
                "kind": spec["kind"],
                "initiators": spec.get("initiators", ""),
                "list_type_codes": list(spec.get("list_type_codes") or []),
            }
            memo, created = Memorandum.objects.update_or_create(code=spec["code"], defaults=values)
            (report.memoranda_created if created else report.memoranda_updated).append(memo.code)
            memoranda[memo.code] = memo
        departments = {d.code: d for d in Department.objects.all()}
        published = Rulebook.objects.filter(status=RulebookStatus.PUBLISHED).first()
        rulebook = Rulebook.objects.create(
            number=_next_number(),
            status=RulebookStatus.DRAFT,
            note=bundle.get("note", ""),
            based_on=published,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        Measure.objects.bulk_create(
            Measure(rulebook=rulebook, **_measure_fields(spec, memoranda=memoranda, departments=departments))
            for spec in bundle.get("measures") or []
        )
        report.rulebook = rulebook
        report.measures = rulebook.measures.count()
        if published is None:
            _publish(rulebook=rulebook, actor=actor, summary={"initial": True, "as_of": as_of.isoformat()})
            report.published = True
        audit_log(
            actor=actor,
            action="jrp_measures_load",
            obj=rulebook,
            detail={
                "rulebook": rulebook.number,
                "measures": report.measures,
                "memoranda_created": len(report.memoranda_created),
                "memoranda_updated": len(report.memoranda_updated),
                "published": report.published,
                "as_of": as_of.isoformat(),
            },
        )
    return report


def rulebook_draft_create(*, actor: Any, note: str = "") -> Rulebook:
    """A new draft: a copy of the published rulebook's measures and department conditions."""
    if not can_manage_rulebooks(actor):
        raise MeasuresError("forbidden", "只有平台管理员可以新建措施清单草稿")
    with transaction.atomic():
        if Rulebook.objects.select_for_update().filter(status=RulebookStatus.DRAFT).exists():
            raise MeasuresError("draft_exists", "已有一份未公布的草稿，请在草稿中修改或先删除草稿")
        published = Rulebook.objects.filter(status=RulebookStatus.PUBLISHED).first()
        draft = Rulebook.objects.create(
            number=_next_number(),
            status=RulebookStatus.DRAFT,
            note=note[:2000],
            based_on=published,
            created_by=actor,
        )
        if published is not None:
            measures = list(Measure.objects.filter(rulebook=published))
            for m in measures:
                m.pk = None
                m.rulebook = draft
            Measure.objects.bulk_create(measures)
            conditions = list(MeasureCondition.objects.filter(rulebook=published))
            for c in conditions:
                c.pk = None
                c.rulebook = draft
            MeasureCondition.objects.bulk_create(conditions)
        audit_log(
            actor=actor,
            action="jrp_rulebook_draft_create",
            obj=draft,
            detail={"rulebook": draft.number, "based_on": published.number if published else None},
        )
    return draft


def rulebook_draft_delete(*, rulebook: Rulebook, actor: Any) -> None:
    """Discard a draft (nothing of it ever applied)."""
    if not can_manage_rulebooks(actor):
        raise MeasuresError("forbidden", "只有平台管理员可以删除草稿")
    if rulebook.status != RulebookStatus.DRAFT:
        raise MeasuresError("not_draft", "只能删除未公布的草稿")
    with transaction.atomic():
        number = rulebook.number
        MeasureCondition.objects.filter(rulebook=rulebook).delete()
        Measure.objects.filter(rulebook=rulebook).delete()
        rulebook.delete()
        audit_log(actor=actor, action="jrp_rulebook_draft_delete", obj=Rulebook, detail={"rulebook": number})


def _publish(*, rulebook: Rulebook, actor: Any, summary: dict) -> None:
    now = timezone.now()
    Rulebook.objects.filter(status=RulebookStatus.PUBLISHED).update(status=RulebookStatus.SUPERSEDED)
    rulebook.status = RulebookStatus.PUBLISHED
    rulebook.published_at = now
    rulebook.published_by = actor if getattr(actor, "pk", None) else None
    rulebook.preview_summary = summary
    rulebook.save(update_fields=["status", "published_at", "published_by", "preview_summary"])
    transaction.on_commit(rulebook_cache_clear)
    rulebook_cache_clear()


def rulebook_preview(*, rulebook: Rulebook, as_of: dt.date, actor: Any) -> dict:
    """Run the impact preview of a draft against the checks logged in the last 90 days; stored with the draft."""
    if not can_manage_rulebooks(actor):
        raise MeasuresError("forbidden", "只有平台管理员可以运行影响预览")
    if rulebook.status != RulebookStatus.DRAFT:
        raise MeasuresError("not_draft", "只能对草稿运行影响预览")
    summary = preview_replay(rulebook=rulebook_compile(rulebook), as_of=as_of)
    summary["run_at"] = timezone.now().isoformat()
    with transaction.atomic():
        Rulebook.objects.filter(pk=rulebook.pk).update(preview_summary=summary)
        rulebook.preview_summary = summary
        audit_log(
            actor=actor,
            action="jrp_rulebook_preview",
            obj=rulebook,
            detail={"rulebook": rulebook.number, "as_of": as_of.isoformat(), **summary["counts"]},
        )
    return summary


def rulebook_publish(*, rulebook: Rulebook, actor: Any, summary: dict | None = None) -> Rulebook:
    """Publish a draft: it applies from now on; the previous published rulebook is superseded.

    ``summary`` is what the impact preview showed (stored with the rulebook); the caller runs the preview.
    """
    if not can_manage_rulebooks(actor):
        raise MeasuresError("forbidden", "只有平台管理员可以公布措施清单")
    with transaction.atomic():
        rulebook = Rulebook.objects.select_for_update().get(pk=rulebook.pk)
        if rulebook.status != RulebookStatus.DRAFT:
            raise MeasuresError("not_draft", "只能公布草稿")
        if not rulebook.measures.exists():
            raise MeasuresError("rulebook_empty", "草稿中没有措施，不能公布")
        if summary is None and not rulebook.preview_summary:
            # The impact preview is part of publishing (docs/measures.md), whatever the channel.
            raise MeasuresError("preview_required", "请先运行影响预览、核对受影响的主体后再公布")
        previous = (
            Rulebook.objects.filter(status=RulebookStatus.PUBLISHED).values_list("number", flat=True).first()
        )
        stored = dict(summary if summary is not None else rulebook.preview_summary or {})
        stored.pop("rows", None)
        _publish(rulebook=rulebook, actor=actor, summary=stored)
        audit_log(
            actor=actor,
            action="jrp_rulebook_publish",
            obj=rulebook,
            detail={"rulebook": rulebook.number, "superseded": previous, "preview": stored.get("counts", {})},
        )
    return rulebook


def measure_condition_set(
    *,
    rulebook: Rulebook,
    measure_code: str,
    department: Department,
    expression: Any,
    description: str = "",
    actor: Any,
) -> MeasureCondition | None:
    """Set (or, with an empty expression, remove) a department's own condition on a measure of a draft."""
    if not can_edit_department_conditions(actor, department):
        raise MeasuresError("forbidden", "您无权修改该部门的适用条件")
    if rulebook.status != RulebookStatus.DRAFT:
        raise MeasuresError("not_draft", "已公布的措施清单不能修改，请新建草稿后修改")
    if not Measure.objects.filter(rulebook=rulebook, code=measure_code).exists():
        raise MeasuresError("measure_unknown", f"草稿中没有措施 {measure_code}")
    try:
        expression = condition_validate(expression)
    except ConditionError as exc:
        raise MeasuresError(exc.code, exc.message) from None
    with transaction.atomic():
        existing = MeasureCondition.objects.filter(
            rulebook=rulebook, measure_code=measure_code, department=department
        ).first()
        before = existing.expression if existing else None
        if not expression:
            if existing is not None:
                existing.delete()
            result = None
        else:
            result, _ = MeasureCondition.objects.update_or_create(
                rulebook=rulebook,
                measure_code=measure_code,
                department=department,
                defaults={
                    "expression": expression,
                    "description": description.strip()[:2000],
                    "updated_by": actor if getattr(actor, "pk", None) else None,
                    "updated_at": timezone.now(),
                },
            )
        # The draft changed: an earlier impact preview no longer describes it.
        Rulebook.objects.filter(pk=rulebook.pk).update(preview_summary={})
        rulebook.preview_summary = {}
        audit_log(
            actor=actor,
            action="jrp_measure_condition_set",
            obj=result or MeasureCondition,
            detail={
                "rulebook": rulebook.number,
                "measure": measure_code,
                "department": department.code,
                "before": before,
                "after": expression or None,
            },
        )
    return result


def measure_condition_delete(
    *, rulebook: Rulebook, measure_code: str, department: Department, actor: Any
) -> None:
    """Remove a department's own condition from a measure of a draft."""
    measure_condition_set(
        rulebook=rulebook, measure_code=measure_code, department=department, expression={}, actor=actor
    )


def matter_save(
    *,
    actor: Any,
    code: str,
    name: str,
    stage: str,
    department: Department | None,
    kind: str = "",
    source: str = "",
    active: bool = True,
    matter: Matter | None = None,
) -> Matter:
    """Create or change one matter (事项) of the register."""
    if not can_edit_matter(actor, department) or (
        matter is not None and not can_edit_matter(actor, matter.department)
    ):
        raise MeasuresError("forbidden", "您无权修改该部门的事项")
    if stage not in MatterStage.values:
        raise MeasuresError("stage_invalid", "管理阶段须为事前、事中或事后")
    with transaction.atomic():
        clash = Matter.objects.filter(code=code)
        if matter is not None:
            clash = clash.exclude(pk=matter.pk)
        if clash.exists():
            raise MeasuresError("matter_code_taken", f"事项编码 {code} 已被其他事项使用")
        created = matter is None
        matter = matter or Matter(created_at=timezone.now())
        matter.code, matter.name, matter.stage = code, name, stage
        matter.department, matter.kind, matter.source, matter.active = department, kind, source, active
        matter.updated_at = timezone.now()
        matter.save()
        audit_log(
            actor=actor,
            action="jrp_matter_create" if created else "jrp_matter_change",
            obj=matter,
            detail={"code": code, "department": department.code if department else None},
        )
    rulebook_cache_clear()
    return matter
