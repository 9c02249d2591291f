"""Display shaping of measures, matters and rulebooks (console and API)."""

from __future__ import annotations

from typing import Any

from xinyong.jrp.measures.conditions import condition_describe
from xinyong.jrp.models import Application, Matter, MatterStage, Measure, MeasureFamily, MeasureKind

__all__ = ["matter_as_dict", "measure_as_dict"]


def measure_as_dict(measure: Measure, *, department_condition: dict | None = None) -> dict[str, Any]:
    """One measure in the 篇十五 format (事项名称 … 应用手段), with its conditions as data and in words."""
    dept = measure.implementing_department
    memo = measure.memorandum
    return {
        "code": measure.code,
        "rulebook": measure.rulebook.number,
        "kind": measure.kind,
        "kind_label": MeasureKind(measure.kind).label,
        "family": measure.family,
        "family_label": MeasureFamily(measure.family).label,
        "content": measure.content,
        "legal_basis": measure.legal_basis,
        "memorandum": memo.code if memo else "",
        "memorandum_title": memo.title if memo else "",
        "memorandum_document_number": memo.document_number if memo else "",
        "target": measure.target,
        "list_type_codes": list(measure.list_type_codes or []),
        "matter_name": measure.matter_name,
        "matter_codes": list(measure.matter_codes or []),
        "responsible_office": measure.responsible_office,
        "implementing_department": dept.code if dept else "",
        "implementing_department_name": dept.name if dept else "",
        "implementation": measure.implementation,
        "stage": measure.stage,
        "stage_label": MatterStage(measure.stage).label,
        "application": measure.application,
        "application_label": Application(measure.application).label,
        "condition": measure.condition or {},
        "condition_text": condition_describe(measure.condition or {}),
        "department_condition": department_condition,
        "department_condition_text": condition_describe(department_condition) if department_condition else "",
        "extends_to_responsible_persons": measure.extends_to_responsible_persons,
        "source": measure.source,
    }


def matter_as_dict(matter: Matter) -> dict[str, Any]:
    dept = matter.department
    return {
        "code": matter.code,
        "name": matter.name,
        "department": dept.code if dept else "",
        "department_name": dept.name if dept else "",
        "kind": matter.kind,
        "stage": matter.stage,
        "stage_label": MatterStage(matter.stage).label if matter.stage in MatterStage.values else "",
        "active": matter.active,
        "updated_at": matter.updated_at,
    }
