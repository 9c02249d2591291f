"""When and how a credit record or a list entry may be repaired, from what the record already carries.

The publication window (records.windows, docs/publication-rules.md) stores, for each record, the rule set
that governs it, its tier, ``repair_from`` (the day after the minimum period) and ``no_early_stop``. The
answer here reads those columns only; it never recomputes a window. docs/credit-repair.md lists the cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from xinyong.core.codes import Polarity, SeverityTier
from xinyong.dueprocess.repairs.models import OPEN_REPAIR_STATES, RepairApplication
from xinyong.lists.models import EntryState, ListColour, ListEntry
from xinyong.records.models import CreditRecord, RecordStatus

# The conditions every application must meet (信用修复管理办法; docs/credit-repair.md).
CONDITIONS = (
    "已纠正失信行为、履行法定义务（如已缴清罚款、完成整改）",
    "作出并公开信用修复承诺（在线签署信用修复承诺书）",
    "提交履行义务、纠正失信行为的证明材料",
)
ABNORMAL_ITEM = "abnormal_operations"


@dataclass(frozen=True)
class Eligibility:
    """Whether a repair may be applied for on ``as_of``, from when, and why (zh-hans, for the subject)."""

    code: str
    eligible: bool
    message: str
    from_date: dt.date | None = None
    conditions: tuple[str, ...] = field(default=CONDITIONS)
    deciding_department_id: int | None = None
    deciding_department_name: str = ""

    @property
    def waiting(self) -> bool:
        return self.code == "too_early"


def _open_application(*, record: CreditRecord | None = None, entry: ListEntry | None = None) -> bool:
    applications = RepairApplication.objects.filter(state__in=OPEN_REPAIR_STATES)
    if record is not None:
        return applications.filter(record=record).exists()
    return applications.filter(list_entry=entry).exists()


def _no(code: str, message: str, **extra) -> Eligibility:
    return Eligibility(code=code, eligible=False, message=message, conditions=(), **extra)


def record_eligibility(*, record: CreditRecord, as_of: dt.date) -> Eligibility:
    """May the subject apply to repair ``record`` on ``as_of``? (the record's own window columns decide)."""
    department = {
        "deciding_department_id": record.department_id,
        "deciding_department_name": record.department.name,
    }
    if record.polarity != Polarity.NEGATIVE:
        return _no("not_negative", "该信息不属于失信信息，无需信用修复", **department)
    if record.status == RecordStatus.REPAIRED:
        return _no("already_repaired", "该信息已完成信用修复，已停止公示和共享", **department)
    if record.status != RecordStatus.EFFECTIVE:
        return _no(
            "not_in_effect",
            f"该信息当前状态为“{RecordStatus(record.status).label}”，已停止公示，无需信用修复",
            **department,
        )
    if record.publish_until is not None and record.publish_until < as_of:
        return _no(
            "expired",
            f"该信息的公示期已于 {record.publish_until:%Y年%m月%d日} 届满，已停止公示，无需申请信用修复",
            **department,
        )
    if _open_application(record=record):
        return _no("open_application", "该信息已有正在办理的信用修复申请，请等待办理结果", **department)
    if not record.rule_set_code:
        # Items without a rule set (经营异常名录, list records, …): no minimum period.
        if record.item.code == ABNORMAL_ITEM:
            message = (
                "列入经营异常名录的情形已纠正（如已补报年度报告、更正登记信息）后即可申请，无最短公示期限"
            )
        else:
            message = "该信息无最短公示期限，纠正失信行为、履行相关义务后即可申请"
        return Eligibility(code="no_window", eligible=True, message=message, from_date=None, **department)
    if not record.publishable:
        if record.severity == SeverityTier.MINOR:
            message = "轻微失信信息不予公示，履行法定义务后即可申请信用修复，修复后停止共享和使用"
        else:
            message = "该信息依规则不予公示，履行法定义务后即可申请信用修复，修复后停止共享和使用"
        return Eligibility(code="minor", eligible=True, message=message, **department)
    if record.repair_from is None:
        if record.no_early_stop:
            until = f"至 {record.publish_until:%Y年%m月%d日} 公示期满" if record.publish_until else "长期"
            return _no(
                "no_early_stop",
                "该处罚含责令停产停业、限制从业、吊销许可证件等措施，处罚期间不得提前停止公示"
                f"（公示{until}），暂不能申请信用修复",
                **department,
            )
        return Eligibility(
            code="eligible", eligible=True, message="无最短公示期限，履行法定义务后即可申请", **department
        )
    if as_of < record.repair_from:
        reason = "处罚期满" if record.no_early_stop else "最短公示期满"
        return Eligibility(
            code="too_early",
            eligible=False,
            message=f"{reason}后方可申请：自 {record.repair_from:%Y年%m月%d日} 起可以申请信用修复",
            from_date=record.repair_from,
            **department,
        )
    return Eligibility(
        code="eligible",
        eligible=True,
        message=f"最短公示期已满（自 {record.repair_from:%Y年%m月%d日} 起可申请），符合条件即可申请信用修复",
        from_date=record.repair_from,
        **department,
    )


def entry_eligibility(*, entry: ListEntry, as_of: dt.date) -> Eligibility:
    """May the subject apply to be removed from a black list or 经营异常名录 by credit repair on ``as_of``?"""
    department = entry.department or (entry.record.department if entry.record_id else None)
    dept = {
        "deciding_department_id": department.pk if department else None,
        "deciding_department_name": department.name if department else "",
    }
    if entry.list_type.colour == ListColour.RED:
        return _no("not_negative", "红名单（守信激励）不涉及信用修复", **dept)
    if entry.state == EntryState.REPAIRED:
        return _no("already_repaired", "该名单条目已完成信用修复并移出名单", **dept)
    if entry.state != EntryState.EFFECTIVE or (
        entry.effective_until is not None and entry.effective_until < as_of
    ):
        return _no("not_in_effect", "该名单条目当前不在有效期内，无需信用修复", **dept)
    if department is None:
        return _no("no_department", "无法确定认定部门，请联系信用主管部门", **dept)
    if _open_application(entry=entry):
        return _no("open_application", "该名单条目已有正在办理的信用修复申请，请等待办理结果", **dept)
    if entry.list_type.item_code == ABNORMAL_ITEM:
        message = "列入经营异常名录的情形已纠正（如已补报年度报告、更正登记信息）后即可申请移出，无最短期限"
    else:
        message = "名单无最短公示期限：纠正失信行为、履行相关义务后即可申请信用修复（移出名单）"
    return Eligibility(code="no_window", eligible=True, message=message, **dept)
