"""What the guidance page (信用修复与异议指南) tells the public: periods and deadlines (docs/publication-rules.md).

The publication periods, their basis and the transition between rule sets are read from the rule set in
force (the same data the window engine uses), and the deadlines of objections and repairs from the
jurisdiction profile in force (docs/due-process.md), the data the workflows count with: the page and the
platform cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xinyong.catalog.errors import RuleSetNotFound
from xinyong.catalog.selectors import rule_set_in_force, rule_sets_current
from xinyong.catalog.spec import APPLIES_TO_DECISIONS, APPLIES_TO_PUBLISHED
from xinyong.core.codes import SeverityTier
from xinyong.dueprocess.profiles.selectors import (
    OBJECTION,
    REPAIR,
    ProfileError,
    StepDeadline,
    profile_in_force,
    profile_steps,
)


@dataclass(frozen=True)
class Period:
    tier: str
    minimum: str
    maximum: str


@dataclass(frozen=True)
class PeriodsGuide:
    """The publication periods of the rule set in force, as the guide states them."""

    periods: tuple[Period, ...]
    basis: str
    in_force_from: dt.date | None
    transition: str


def _day(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _months(n: int) -> str:
    return f"{n // 12} 年" if n and n % 12 == 0 else f"{n} 个月"


def _period(tier: SeverityTier, rule: dict) -> Period:
    high = rule.get("max_months")
    if not rule.get("published", True):
        minimum = "不予公示"
        if high is not None:
            minimum += f"（主管部门要求公示的，公示期不超过 {_months(high)}）"
    else:
        low = rule.get("min_months")
        minimum = _months(low) if low is not None else "无最短期限"
    return Period(str(tier.label), minimum, _months(high) if high is not None else "不设最长期限")


def publication_periods(*, as_of: dt.date) -> PeriodsGuide:
    """Periods of the rule set in force on ``as_of`` and how it treats information published before it."""
    try:
        rs = rule_set_in_force(on=as_of)
    except RuleSetNotFound:
        return PeriodsGuide((), "尚未配置公示期限规则", None, "")
    tiers = rs.rules.get("tiers") or {}
    periods = tuple(_period(tier, tiers[tier.value]) for tier in SeverityTier if tier.value in tiers)
    basis = f"{rs.legal_basis}（{_day(rs.in_force_from)}起施行）"
    earlier = [
        other.name for other in rule_sets_current(family=rs.family) if other.in_force_from < rs.in_force_from
    ]
    applies_to = rs.rules.get("applies_to", APPLIES_TO_DECISIONS)
    if applies_to == APPLIES_TO_PUBLISHED:
        transition = (
            f"{_day(rs.in_force_from)}仍在公示的信息，也按上表期限（自决定作出之日起计算）公示；"
            f"按上表期限已经届满的，自该日起停止公示（依据：{rs.rules.get('applies_to_basis', '')}）。"
        )
    else:
        transition = f"{_day(rs.in_force_from)}前作出的决定，适用决定作出时施行的规定"
        transition += f"（{'、'.join(earlier)}）。" if earlier else "。"
    return PeriodsGuide(periods, basis, rs.in_force_from, transition)


NO_EARLY_STOP_KINDS = (
    "责令停产停业",
    "限制开展生产经营活动",
    "限制从业",
    "降低资质等级",
    "吊销许可证件（营业执照）",
)


@dataclass(frozen=True)
class DeadlinesGuide:
    """The deadlines of objections and repairs in the platform's jurisdiction profile, by step."""

    profile_name: str
    objection: dict[str, StepDeadline]
    repair: dict[str, StepDeadline]


def deadlines(*, as_of: dt.date) -> DeadlinesGuide | None:
    """The steps of the profile in force (the same data the workflows count with); None without one."""
    try:
        profile = profile_in_force(on_date=as_of)
    except ProfileError:
        return None
    return DeadlinesGuide(
        profile_name=profile.name,
        objection={s.step: s for s in profile_steps(profile=profile, workflow=OBJECTION)},
        repair={s.step: s for s in profile_steps(profile=profile, workflow=REPAIR)},
    )


WITHDRAWAL_DAYS = 3  # working days to withdraw a revoked or changed decision from publication
