"""What the checks of a row share: the plan of a field, the state of the row being checked, and issuing.

:class:`ValidatorBase` is the base of :class:`~xinyong.collection.validation.rows.RowValidator`; the checks
are mixed in from :mod:`.fields` (values of one cell), :mod:`.identity` (the subject's identifiers and
kind) and :mod:`.records` (dates across fields, the source department, the record built from the row).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from xinyong.catalog.spec import FieldSpec, ItemSchema
from xinyong.collection.validation.issues import ROW_ISSUE_MESSAGES, RowIssue
from xinyong.collection.validation.values import plain, shown
from xinyong.core.identifiers import IdIssue, UsccConfirmations, normalize_code_input
from xinyong.core.masking import mask_ric

__all__ = ["MEMO_LIMIT", "FieldPlan", "RowState", "ValidatorBase"]

#: How many texts per field a check remembers (the first ones seen: the values that repeat show up early).
MEMO_LIMIT = 4096


@dataclass
class FieldPlan:
    """How one catalog field is read from this file."""

    spec: FieldSpec
    column: str  # header in the file ("" when the file has no such column)
    label: str  # column header, or the field's name
    legacy: bool  # arrived under a legacy (2016) column code
    kind: str  # FieldType value


class RowState:
    """Per-row working state."""

    __slots__ = (
        "number",
        "errors",
        "warnings",
        "fields",
        "present",
        "dates",
        "kind",
        "uscc_id",
        "ric",
        "codes",
    )

    def __init__(self, number: int) -> None:
        self.number = number
        self.errors: list[RowIssue] = []
        self.warnings: list[RowIssue] = []
        self.fields: dict[str, Any] = {}
        self.present: set[str] = set()
        self.dates: dict[str, dt.date] = {}
        self.kind: str | None = None
        self.uscc_id: str | None = None
        self.ric: str | None = None
        self.codes: dict[str, str] = {}


class ValidatorBase:
    """The state a validator is built with (see ``RowValidator``) and how a check reports an issue."""

    schema: ItemSchema
    department: Any
    as_of: dt.date
    core: dict[str, str]
    plans: dict[str, FieldPlan]
    confirmed: UsccConfirmations
    _codes: dict[tuple, str | None]

    def _issue(
        self, row: RowState, code: str, plan: FieldPlan | None, value: Any, *, warning: bool = False, **params
    ):
        personal = bool(plan and plan.spec.personal)
        message = ROW_ISSUE_MESSAGES[code].format(
            row=row.number,
            column=plan.label if plan else "",
            value=shown(value, personal=personal),
            **params,
        )
        issue = RowIssue(
            code, plan.spec.code if plan else "", plan.column if plan else "", plain(value), message
        )
        (row.warnings if warning else row.errors).append(issue)

    def _id_issues(
        self, row: RowState, plan: FieldPlan, value: Any, issues: Iterable[IdIssue], *, warning: bool
    ) -> None:
        cleaned = normalize_code_input(value) if plan.spec.personal else ""
        for issue in issues:
            detail = issue.message
            if len(cleaned) >= 6:
                detail = detail.replace(cleaned, mask_ric(cleaned))  # never echo a full ID number
            self._issue(row, issue.code, plan, value, warning=warning, detail=detail)

    def _code_for(self, code_list, value: Any) -> str | None:
        """``code_list.code_for(value)``, remembered per list and value."""
        key = (code_list.code, value)
        try:
            return self._codes[key]
        except KeyError:
            found = code_list.code_for(value)
            if len(self._codes) < MEMO_LIMIT:
                self._codes[key] = found
            return found
        except TypeError:  # an unhashable value
            return code_list.code_for(value)
