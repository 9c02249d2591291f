"""Formatting of collection figures and rows for the console pages (no queries, no writes)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma

from xinyong.collection.issue_labels import issue_label
from xinyong.collection.models import RejectedRow


def rejected_lines(*, rows: Iterable[RejectedRow]) -> list[dict]:
    """One line per error of the rejected rows (a row with three errors gives three lines)."""
    lines = []
    for row in rows:
        errors = row.errors or [{"code": "", "column": "", "value": None, "message": ""}]
        for position, error in enumerate(errors):
            lines.append(
                {
                    "number": row.number,
                    "first": position == 0,
                    "span": len(errors),
                    "column": error.get("column") or "",
                    "value": "" if error.get("value") is None else error.get("value"),
                    "code": error.get("code") or "",
                    "message": error.get("message") or "",
                }
            )
    return lines


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _pct_text(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}"


def quality_charts(*, rows: list[dict[str, Any]], top_errors: int) -> dict[str, list[tuple]]:
    """The bar charts of the quality page: (label, value, text) per department, and the top error codes."""
    errors: Counter = Counter()
    for row in rows:
        errors.update({e["code"]: e["rows"] for e in row["top_errors"]})
    return {
        "volume": [(r["department_name"], r["rows_read"], intcomma(r["rows_read"])) for r in rows],
        "acceptance": [
            (r["department_name"], _percent(r["acceptance_rate"]), _pct_text(r["acceptance_rate"]))
            for r in rows
        ],
        "duplicate": [
            (r["department_name"], _percent(r["duplicate_rate"]), _pct_text(r["duplicate_rate"]))
            for r in rows
        ],
        "late": [(r["department_name"], _percent(r["late_rate"]), _pct_text(r["late_rate"])) for r in rows],
        "errors": [
            (issue_label(code), count, intcomma(count)) for code, count in errors.most_common(top_errors)
        ],
    }
