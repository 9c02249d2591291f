"""Editing a shipped rule set in a test, as an operator would in the admin (a new version)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from xinyong.catalog.models import RuleSet
from xinyong.catalog.selectors import rule_set_current
from xinyong.catalog.services import rule_set_save


def rule_set_revise(
    code: str, edit: Callable[[dict[str, Any]], None], *, change_note: str = ""
) -> RuleSet | None:
    """Save a new version of rule set ``code`` whose rules ``edit`` changed (a copy of the current ones)."""
    current = rule_set_current(code=code)
    rules = copy.deepcopy(current.rules)
    edit(rules)
    data = {
        "code": current.code,
        "family": current.family,
        "name": current.name,
        "in_force_from": current.in_force_from.isoformat(),
        "in_force_to": current.in_force_to.isoformat() if current.in_force_to else None,
        "legal_basis": current.legal_basis,
        "rules": rules,
    }
    if change_note:
        data["change_note"] = change_note
    return rule_set_save(data=data, actor=None)
