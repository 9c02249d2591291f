"""Template filters for credit records."""

from __future__ import annotations

from django import template

from xinyong.records.presenters import window_basis_display

register = template.Library()


@register.filter
def window_basis(rule: str) -> str:
    """A record's window basis with the rule set's legal citation instead of its code (ndrc-36 v1 → 令第36号)."""
    return window_basis_display(rule=rule)
