"""Template filters of credit reports."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def record_text(row: dict) -> str:
    """One record of a report snapshot as one line of text: ``label：value；…`` (one text box to lay out)."""
    parts = [f"{label}：{value}" for label, value in row.get("details", [])]
    if row.get("severity"):
        parts.append(f"失信严重程度：{row['severity']}")
    if row.get("publish_until"):
        parts.append(f"公示截止日期：{row['publish_until']}")
    if row.get("scope"):
        parts.append(f"公开属性：{row['scope']}")
    if row.get("source") and row.get("source") != row.get("authority"):
        parts.append(f"数据来源单位：{row['source']}")
    return "；".join(parts) + "。" if parts else ""
