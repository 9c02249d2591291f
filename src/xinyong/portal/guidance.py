"""What the guidance page (信用修复与异议指南) tells the public: periods and deadlines (RULES §3, §4).

These are the platform's default profiles; the page states them as they are configured here, so that the
text and the rules the platform applies have one source.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Period:
    tier: str
    minimum: str
    maximum: str


# 信用修复管理办法（国家发展改革委令第36号）: the default rule set, in force from 2026-04-01.
PUBLICATION_PERIODS = (
    Period("轻微", "不予公示（主管部门要求公示的，公示期不超过 3 个月）", "3 个月"),
    Period("一般", "3 个月", "1 年"),
    Period("严重", "1 年", "3 年"),
)
PERIOD_BASIS = "《信用修复管理办法》（国家发展改革委令第36号，2026年4月1日起施行）"

NO_EARLY_STOP_KINDS = (
    "责令停产停业",
    "限制开展生产经营活动",
    "限制从业",
    "降低资质等级",
    "吊销许可证件（营业执照）",
)

REPAIR_DEADLINES = {
    "accept": 2,  # working days to accept or refuse an application
    "decide": 10,  # working days to decide (extendable once for verification)
    "stop": 3,  # working days to stop publication after approval
}

OBJECTION_DEADLINES = {
    "mark": 1,  # working days to mark the record as disputed
    "centre": 5,  # working days for the platform to decide
    "forward": 2,  # working days to forward to the source department
    "department": 5,  # working days for the source department to decide
}

WITHDRAWAL_DAYS = 3  # working days to withdraw a revoked or changed decision from publication
