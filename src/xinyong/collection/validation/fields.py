"""Checks of one cell by its field type: text, code, several codes, date and amount.

Each check takes the raw cell and gives its canonical value, or reports an issue and gives ``None``
(canonical values: see the package docstring).
"""

from __future__ import annotations

from typing import Any

from xinyong.catalog.spec import split_values
from xinyong.collection.validation.base import FieldPlan, RowState, ValidatorBase
from xinyong.collection.validation.values import (
    AMOUNT_SUSPECT_WAN,
    EARLIEST_DATE,
    MULTI_VALUE_JOIN,
    PLAIN_AMOUNT,
    AmountError,
    cell_text,
    decimal_text,
    parse_amount,
)
from xinyong.core.dates import DateParseError, parse_date_value

__all__ = ["FieldChecks"]


class FieldChecks(ValidatorBase):
    """The checks whose result depends on the cell alone (memoised per text by the validator)."""

    code_cache: dict[str, dict[Any, Any]]

    def _check_text(self, row: RowState, plan: FieldPlan, raw: Any) -> str | None:
        text = raw.strip() if raw.__class__ is str else cell_text(raw)
        if text is None:
            self._issue(row, "value_type_invalid", plan, raw)
            return None
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        limit = plan.spec.max_length
        if limit and len(text) > limit:
            self._issue(row, "value_too_long", plan, raw, length=len(text), max_length=limit)
            return None
        return text

    def _check_code(self, row: RowState, plan: FieldPlan, raw: Any) -> str | None:
        cache = self.code_cache[plan.spec.code]
        key = raw if isinstance(raw, str | int | float) else None
        found = cache.get(key) if key is not None else None
        if found is None:
            found = self._code_value(plan, raw)
            if key is not None and len(cache) < 4096:
                cache[key] = found
        if isinstance(found, str):
            return found
        code, params = found
        self._issue(row, code, plan, raw, **params)
        return None

    def _code_value(self, plan: FieldPlan, raw: Any) -> str | tuple[str, dict[str, Any]]:
        cl = self.schema.code_lists.get(plan.spec.code_list or "")
        text = cell_text(raw) if not isinstance(raw, list | tuple) else None
        if cl is None:
            return text if text is not None else ("value_type_invalid", {})
        allowed = {"code_list": cl.name, "allowed": "、".join(cl.values)}
        if text is not None:
            found = cl.canonical(text, legacy=plan.legacy)
            if found is not None:
                return found
        parts = split_values(raw)
        if len(parts) == 1 and (found := cl.canonical(parts[0], legacy=plan.legacy)) is not None:
            return found  # a one-element list (JSON)
        if len(parts) > 1 and all(cl.canonical(p, legacy=plan.legacy) for p in parts):
            return ("code_multiple", {"first": cl.canonical(parts[0], legacy=plan.legacy)})
        return ("code_invalid", allowed)

    def _check_codes(self, row: RowState, plan: FieldPlan, raw: Any) -> str | None:
        cache = self.code_cache[plan.spec.code]
        key = raw if isinstance(raw, str) else None
        found = cache.get(key) if key is not None else None
        if found is None:
            found = self._codes_value(plan, raw)
            if key is not None and len(cache) < 4096:
                cache[key] = found
        if isinstance(found, str):
            limit = plan.spec.max_length
            if limit and len(found) > limit:
                self._issue(row, "value_too_long", plan, raw, length=len(found), max_length=limit)
                return None
            return found
        code, params = found
        params = dict(params)
        self._issue(row, code, plan, params.pop("bad", raw), **params)
        return None

    def _codes_value(self, plan: FieldPlan, raw: Any) -> str | tuple[str, dict[str, Any]]:
        cl = self.schema.code_lists.get(plan.spec.code_list or "")
        if cl is None:
            text = cell_text(raw)
            return text if text is not None else ("value_type_invalid", {})
        values: set[str] = set()
        bad: list[str] = []
        for part in split_values(raw):
            found = cl.canonical(part, legacy=plan.legacy)
            if found is None:
                bad.append(part)
            else:
                values.add(found)
        if bad:
            return (
                "code_invalid",
                {"code_list": cl.name, "allowed": "、".join(cl.values), "bad": "、".join(bad)},
            )
        return MULTI_VALUE_JOIN.join(v for v in cl.values if v in values)

    def _check_date(self, row: RowState, plan: FieldPlan, raw: Any) -> str | None:
        try:
            day = parse_date_value(raw)
        except DateParseError as exc:
            self._issue(row, exc.code if exc.code != "date_empty" else "date_format", plan, raw)
            return None
        if day < EARLIEST_DATE:
            self._issue(row, "date_too_early", plan, raw, date=day.isoformat())
            return None
        row.dates[plan.spec.code] = day
        return day.isoformat()

    def _check_amount(self, row: RowState, plan: FieldPlan, raw: Any) -> str | None:
        try:
            number = parse_amount(raw)
        except AmountError as exc:
            self._issue(row, exc.code, plan, raw, **exc.params)
            return None
        text = raw if raw.__class__ is str and PLAIN_AMOUNT.fullmatch(raw) else decimal_text(number)
        if number > AMOUNT_SUSPECT_WAN:
            self._issue(
                row,
                "amount_unit_suspect",
                plan,
                text,
                warning=True,
                yi=decimal_text(number / 10000),
                suggested=decimal_text(number / 10000),
            )
        return text
