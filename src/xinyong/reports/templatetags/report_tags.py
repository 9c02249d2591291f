"""Template filters of credit reports."""

from __future__ import annotations

from django import template

register = template.Library()

# Punctuation a value may end with that the joined text supplies itself (“违法事实：……证实。；处罚依据” → “证实；”).
_CLAUSE_END = "。；;，,、 \u3000"


def _clause(label: str, value: object) -> str:
    return f"{label}：{str(value).rstrip(_CLAUSE_END)}"


@register.filter
def record_text(row: dict) -> str:
    """One record of a report snapshot as one line of text: ``label：value；…。`` (one text box to lay out).

    Values are free text from the departments and often end with their own full stop: it is dropped, so that
    the separators are never doubled (no “。；” and no “。。”).
    """
    parts = [_clause(label, value) for label, value in row.get("details", [])]
    if row.get("severity"):
        parts.append(_clause("失信严重程度", row["severity"]))
    if row.get("publish_until"):
        parts.append(_clause("公示截止日期", row["publish_until"]))
    if row.get("scope"):
        parts.append(_clause("公开属性", row["scope"]))
    if row.get("source") and row.get("source") != row.get("authority"):
        parts.append(_clause("数据来源单位", row["source"]))
    return "；".join(parts) + "。" if parts else ""
