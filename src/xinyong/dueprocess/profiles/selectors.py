"""Reads of the jurisdiction profiles: the profile in force on a day and the due date of each step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from xinyong.core.errors import CodedError
from xinyong.dueprocess.profiles.models import JurisdictionProfile
from xinyong.workdays.selectors import working_days_add

OBJECTION = "objection"
REPAIR = "repair"
# The steps of each workflow in the order they happen, and the events a step may count from.
STEPS = {
    OBJECTION: ("mark", "accept", "decide", "forward", "source_decide", "reply"),
    REPAIR: ("accept", "decide", "extension", "stop_publication"),
}
EVENTS = ("filed", "accepted", "forwarded", "source_decided", "decided")
UNITS = {"working": "个工作日", "calendar": "日"}


class ProfileError(CodedError):
    pass


@dataclass(frozen=True, slots=True)
class StepDeadline:
    """One step's rule and, when a start date was given, its due date."""

    step: str
    label: str
    days: int
    unit: str
    counts_from: str
    basis: str
    verified: bool
    due: dt.date | None = None
    provisional: bool = False

    @property
    def period_text(self) -> str:
        """E.g. “5 个工作日” or “20 日”."""
        return f"{self.days} {UNITS[self.unit]}"


def profile_code_default() -> str:
    """The platform's profile (setting ``DUEPROCESS_PROFILE``, default Shanghai's)."""
    return getattr(settings, "DUEPROCESS_PROFILE", "shanghai")


def profile_in_force(*, on_date: dt.date, code: str | None = None) -> JurisdictionProfile:
    """The version of a profile in force on ``on_date``; ProfileError when none is."""
    code = code or profile_code_default()
    profile = (
        JurisdictionProfile.objects.filter(code=code, valid_from__lte=on_date)
        .exclude(valid_to__lt=on_date)
        .order_by("-valid_from")
        .first()
    )
    if profile is None:
        raise ProfileError(
            "profile_missing",
            f"办理时限规则“{code}”在 {on_date:%Y-%m-%d} 没有施行中的版本，请先载入或维护办理时限规则",
        )
    return profile


def step_rule(*, profile: JurisdictionProfile, workflow: str, step: str) -> StepDeadline:
    """A step's rule in a profile; ProfileError when the profile lacks it."""
    rules = getattr(profile, workflow) or {}
    rule = rules.get(step)
    if rule is None:
        raise ProfileError("profile_step_missing", f"办理时限规则“{profile.name}”未规定“{step}”步骤的期限")
    return StepDeadline(
        step=step,
        label=rule.get("label", step),
        days=int(rule["days"]),
        unit=rule.get("unit", "working"),
        counts_from=rule.get("from", "filed"),
        basis=rule.get("basis", ""),
        verified=bool(rule.get("verified", False)),
    )


def step_due(*, profile: JurisdictionProfile, workflow: str, step: str, start: dt.date) -> StepDeadline:
    """The step's due date counted from ``start`` (working days by the calendar, or calendar days)."""
    rule = step_rule(profile=profile, workflow=workflow, step=step)
    if rule.unit == "calendar":
        return _replace(rule, due=start + dt.timedelta(days=rule.days), provisional=False)
    result = working_days_add(start=start, days=rule.days)
    return _replace(rule, due=result.date, provisional=result.provisional)


def profile_steps(*, profile: JurisdictionProfile, workflow: str) -> list[StepDeadline]:
    """Every step a profile defines for a workflow, in order (for the guidance page and the screens)."""
    rules = getattr(profile, workflow) or {}
    return [step_rule(profile=profile, workflow=workflow, step=s) for s in STEPS[workflow] if s in rules]


def _replace(rule: StepDeadline, **changes) -> StepDeadline:
    from dataclasses import replace

    return replace(rule, **changes)
