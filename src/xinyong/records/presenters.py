"""How credit record values read on pages: the publication window's basis with its legal citation.

See docs/publication-rules.md for the rule sets the citations come from.
"""

from __future__ import annotations

from xinyong.catalog.models import RuleSet

_CITATIONS: dict[tuple[str, int], str] = {}  # "" for codes that name no rule set


def window_basis_display(*, rule: str) -> str:
    """``window_rule`` as people read it: "ndrc-36 v1 一般" → "国家发展改革委令第36号《信用修复管理办法》 一般"."""
    code, _, rest = (rule or "").partition(" v")
    version, _, tail = rest.partition(" ")
    if not code or not version.isdigit():
        return rule or ""
    key = (code, int(version))
    if key not in _CITATIONS:
        # Rule set versions are immutable: a key seen once never changes; an unknown key reloads (new version).
        for row in RuleSet.objects.only("code", "version", "legal_basis", "name"):
            _CITATIONS[(row.code, row.version)] = row.legal_basis or row.name
        _CITATIONS.setdefault(key, "")  # not a rule set: remembered, so it is not looked up on every row
    citation = _CITATIONS[key]
    return f"{citation} {tail}".strip() if citation else rule
