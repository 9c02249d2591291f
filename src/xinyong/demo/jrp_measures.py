"""Demo county: matters of its departments, the measure list with their departments, and a few department
conditions, published as a version of its own (docs/measures.md). Idempotent: a second run changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from xinyong.accounts.models import Department, Role, User
from xinyong.jrp.measures.services import (
    matter_save,
    measure_condition_set,
    measures_load_fixtures,
    rulebook_draft_create,
    rulebook_preview,
    rulebook_publish,
)
from xinyong.jrp.models import Matter, MeasureCondition, Rulebook, RulebookStatus

__all__ = ["DEMO_MATTERS", "DemoMeasures", "demo_jrp_measures"]

# (department code, matter code, name, kind, stage)
DEMO_MATTERS: list[tuple[str, str, str, str, str]] = [
    ("approval", "SP-XK-001", "食品经营许可", "行政许可", "before"),
    ("approval", "SP-XK-002", "药品零售企业许可", "行政许可", "before"),
    ("approval", "JS-XK-001", "建筑工程施工许可", "行政许可", "before"),
    ("approval", "ZF-CG-001", "政府采购供应商资格审查", "公共服务", "before"),
    ("approval", "GC-ZB-001", "政府投资项目招标投标", "公共服务", "before"),
    ("samr", "SC-DJ-001", "企业设立登记", "行政许可", "before"),
    ("samr", "SC-DJ-002", "企业变更登记", "行政许可", "before"),
    ("samr", "SC-JC-001", "双随机抽查", "行政检查", "during"),
    ("samr", "SC-CF-001", "对无照经营的行政处罚", "行政处罚", "after"),
    ("tax", "SW-FP-001", "发票领用", "公共服务", "during"),
    ("tax", "SW-DJ-001", "涉税事项登记", "公共服务", "before"),
    ("emergency", "AQ-XK-001", "危险化学品经营许可", "行政许可", "before"),
    ("emergency", "AQ-JC-001", "安全生产监督检查", "行政检查", "during"),
    ("ecology", "HB-XK-001", "排污许可", "行政许可", "before"),
    ("ecology", "HB-BZ-001", "环保专项资金补助", "行政给付", "before"),
    ("hrss", "RS-JC-001", "劳动保障监察", "行政检查", "during"),
    ("housing", "ZJ-XK-001", "建筑业企业资质核准", "行政许可", "before"),
    ("dev-reform", "FG-XM-001", "政府资金项目申报", "公共服务", "before"),
    ("dev-reform", "FG-PX-001", "评优评先推荐", "公共服务", "before"),
]

# Department conditions: (measure code, department code, condition, description)
DEMO_CONDITIONS = [
    (
        "CD-04",
        "approval",
        {"pred": "stage", "op": "in", "value": ["before"]},
        "审批局仅在受理环节（事前）从严审核",
    ),
    (
        "TX-01",
        "approval",
        {"pred": "subject_kind", "op": "in", "value": ["organisation", "individual_business"]},
        "仅对参加政府采购的企业和个体工商户实施",
    ),
    (
        "IM-01",
        "approval",
        {
            "all": [
                {"pred": "clean_years", "op": "gte", "value": 3},
                {"pred": "negative_count_3y", "op": "lte", "value": 0},
            ]
        },
        "近三年无不良信用记录的，实行容缺受理",
    ),
    (
        "AB-01",
        "samr",
        {"pred": "entry_age_months", "op": "gte", "value": 6},
        "列入经营异常名录满六个月的，作为重点审查对象",
    ),
    (
        "SP-01",
        "emergency",
        {
            "any": [
                {"pred": "level", "op": "at_least", "value": "heavier"},
                {"pred": "amount", "op": "gte", "value": 200000},
            ]
        },
        "较重及以上，或罚没金额二十万元以上的，暂停审批新的重大项目",
    ),
]

DEMO_NOTE = "示范县：按本县部门设置实施部门，并增加部门适用条件"


@dataclass
class DemoMeasures:
    matters_created: int = 0
    rulebook: int | None = None
    conditions: int = 0


def demo_jrp_measures(*, departments: dict[str, Department], as_of: dt.date) -> DemoMeasures:
    """Matters, the measure list with the county's departments, and department conditions (idempotent)."""
    report = DemoMeasures()
    operator = User.objects.filter(role=Role.OPERATOR, is_active=True).order_by("pk").first()
    if operator is None:
        return report
    with transaction.atomic():
        known = set(Matter.objects.values_list("code", flat=True))
        for dept, code, name, kind, stage in DEMO_MATTERS:
            if code in known or dept not in departments:
                continue
            matter_save(
                actor=operator,
                code=code,
                name=name,
                kind=kind,
                stage=stage,
                department=departments[dept],
                source="示范县事项清单",
            )
            report.matters_created += 1
    published = Rulebook.objects.filter(status=RulebookStatus.PUBLISHED).first()
    if published is not None and (
        published.note == DEMO_NOTE or MeasureCondition.objects.filter(rulebook=published).exists()
    ):
        report.rulebook = published.number
        return report
    if Rulebook.objects.filter(status=RulebookStatus.DRAFT).exists():
        return report
    with transaction.atomic():
        loaded = measures_load_fixtures(as_of=as_of, actor=operator)
        # The first load is published at once (a database migrated without the list): revise a copy of it.
        draft = rulebook_draft_create(actor=operator, note=DEMO_NOTE) if loaded.published else loaded.rulebook
        report.rulebook = draft.number
        Rulebook.objects.filter(pk=draft.pk).update(note=DEMO_NOTE)
        for code, dept, condition, description in DEMO_CONDITIONS:
            if dept in departments:
                measure_condition_set(
                    rulebook=draft,
                    measure_code=code,
                    department=departments[dept],
                    expression=condition,
                    description=description,
                    actor=operator,
                )
                report.conditions += 1
    draft.refresh_from_db()
    rulebook_preview(rulebook=draft, as_of=as_of, actor=operator)
    rulebook_publish(rulebook=draft, actor=operator)
    return report
