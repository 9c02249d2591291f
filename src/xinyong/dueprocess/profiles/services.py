"""Writes of the jurisdiction profiles: loading the shipped YAML (new versions only, never overwriting)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from xinyong.dueprocess.profiles.models import JurisdictionProfile
from xinyong.dueprocess.profiles.selectors import EVENTS, STEPS, UNITS, ProfileError

PROFILES_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "profiles.yaml"


@dataclass
class ProfilesLoadReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _validate(entry: dict) -> None:
    code = entry.get("code", "?")
    for workflow, steps in STEPS.items():
        for step, rule in (entry.get(workflow) or {}).items():
            where = f"{code}.{workflow}.{step}"
            if step not in steps:
                raise ProfileError("profile_step_unknown", f"办理时限规则 {where}：未知的步骤")
            if not isinstance(rule.get("days"), int) or rule["days"] <= 0:
                raise ProfileError("profile_days_invalid", f"办理时限规则 {where}：期限应为正整数")
            if rule.get("unit", "working") not in UNITS:
                raise ProfileError(
                    "profile_unit_invalid", f"办理时限规则 {where}：单位应为 working 或 calendar"
                )
            if rule.get("from", "filed") not in EVENTS:
                raise ProfileError("profile_event_invalid", f"办理时限规则 {where}：起算事件无效")


def profiles_load(*, path: Path = PROFILES_FILE) -> ProfilesLoadReport:
    """Load the profile versions of ``path`` the database does not have yet (code + valid_from)."""
    report = ProfilesLoadReport()
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    for entry in entries:
        _validate(entry)
        valid_from = entry["valid_from"]
        if isinstance(valid_from, str):
            valid_from = dt.date.fromisoformat(valid_from)
        _profile, created = JurisdictionProfile.objects.get_or_create(
            code=entry["code"],
            valid_from=valid_from,
            defaults={
                "name": entry["name"],
                "valid_to": entry.get("valid_to"),
                "objection": entry.get("objection") or {},
                "repair": entry.get("repair") or {},
                "notes": entry.get("notes", ""),
                "shipped": True,
            },
        )
        (report.created if created else report.unchanged).append(entry["code"])
    return report
