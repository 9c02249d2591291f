"""Row orchestration: :class:`RowValidator`, built once per batch, checks every row; :func:`row_validate`.

:class:`RowValidator` is built once per batch (catalog schema, department, ``as_of``, the file's columns) and
checks rows at a rate of tens of thousands per second: everything that does not depend on the row (field
plans, code lists, compiled ``required_when`` conditions, messages) is prepared in its constructor
(:mod:`.planning`).
:func:`row_validate` is the one-row form (it reuses a cached validator).

Legacy (2016) columns: code-list ``legacy_values`` are accepted only from a column that arrived under a legacy
code, and the catalog's ``legacy_defaults`` apply when their column is in the file (``CF_XDR_SFZ`` → 证件类型
身份证). 数据来源单位 and its USCC, when empty, are filled from the uploading department.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from xinyong.catalog.spec import FieldType, ItemSchema
from xinyong.collection.validation.base import MEMO_LIMIT, FieldPlan, RowState
from xinyong.collection.validation.conditions import (
    condition_describe,
)
from xinyong.collection.validation.fields import FieldChecks
from xinyong.collection.validation.identity import IdentityChecks
from xinyong.collection.validation.issues import RowResult
from xinyong.collection.validation.planning import ValidatorPlanning
from xinyong.collection.validation.records import RecordChecks
from xinyong.collection.validation.values import is_blank
from xinyong.core.identifiers import UsccConfirmations

__all__ = ["RowValidator", "row_validate"]

_TEXT_OR_NONE = frozenset({str, type(None)})
# Conditions may read identifiers (a USCC equal to the no-code value 00000000000000000X), which repeat only per subject.
_CONDITION_MEMO_LIMIT = 50_000
_NO_MEMO: dict[str, Any] = {}  # the memo of a field whose check is not memoised: always empty


class RowValidator(ValidatorPlanning, FieldChecks, IdentityChecks, RecordChecks):
    """Validates rows of one item version for one department; built once, used for every row.

    A validator, not a service: :meth:`validate` (a row as ``{field_code: raw value}``) and
    :meth:`validate_source` (a read row through a column mapper) are called once per row of a batch.
    """

    #: The check of each field type (methods of the mixed-in checks).
    _CHECKS = {
        FieldType.TEXT: "_check_text",
        FieldType.CODE: "_check_code",
        FieldType.CODES: "_check_codes",
        FieldType.DATE: "_check_date",
        FieldType.AMOUNT: "_check_amount",
        FieldType.USCC: "_check_uscc",
        FieldType.RIC: "_check_ric",
        FieldType.ORG_CODE: "_check_org_code",
        FieldType.REG_NO: "_check_reg_no",
        FieldType.ID_NUMBER: "_check_id_number",
    }

    def __init__(
        self,
        *,
        schema: ItemSchema,
        department: Any = None,
        as_of: dt.date,
        columns: Mapping[str, str],
        severity_default: str = "",
        confirmed: UsccConfirmations | None = None,
    ) -> None:
        self.schema = schema
        # Which USCCs with a wrong check character are accepted (with a warning): the confirmed codes, and
        # for the subject of a 登记注册 record, whatever its registration authority reports. None: none.
        self.confirmed = confirmed or UsccConfirmations()
        self._confirmed_other = self.confirmed.without_registration()
        self.department = department
        self.as_of = as_of
        self.columns = dict(columns)
        self.severity_default = severity_default
        self.core = schema.core_fields
        legacy_headers = schema.legacy_headers()
        first = self._plan_fields(legacy_headers)
        self._plan_required()
        self._plan_filled(legacy_headers)
        self._plan_aliases()
        self._plan_steps(first)
        self._plan_outputs()

    # -- the row ---------------------------------------------------------------------------------------

    def validate(self, number: int, values: Mapping[str, Any]) -> RowResult:
        """Check one row (``{field_code: raw value}``) and build its subject and record when it is valid."""
        row = RowState(number)
        raw_values = self._with_defaults(values)
        self._raw = raw_values
        self._check_cells(row, raw_values)
        reported_missing = self._check_required(row, raw_values)
        self._check_subject(row, reported_missing)
        self._check_dates(row)
        self._check_source_department(row)
        if row.errors:
            return RowResult(number, False, row.errors, row.warnings)
        # A valid row always gives both, or is rejected: the loaders never see a row without them.
        subject, record = self._subject(row), self._record(row)
        if subject is None:
            self._subject_unresolved(row)
        if record is None:
            self._record_key_missing(row)
        if row.errors:
            return RowResult(number, False, row.errors, row.warnings)
        return RowResult(number, True, row.errors, row.warnings, subject, record)

    def _with_defaults(self, values: Mapping[str, Any]) -> Mapping[str, Any]:
        """The row with its empty cells filled from the legacy defaults and the department (a copy then)."""
        raw_values = dict(values) if self.legacy_defaults or self.filled else values
        for target, defaults in self.legacy_defaults:
            if not is_blank(raw_values.get(target)):
                for code, value in defaults.items():
                    if is_blank(raw_values.get(code)):
                        raw_values[code] = value
        for code, value in self.filled.items():
            if is_blank(raw_values.get(code)):
                raw_values[code] = value
        return raw_values

    def _check_cells(self, row: RowState, raw_values: Mapping[str, Any]) -> None:
        """Check every non-empty cell by its field's type; fills ``row.fields`` with the canonical values."""
        kind_field = self._kind_field
        text_aliases = self._text_aliases
        fields = row.fields
        present = row.present
        # The fields others depend on (subject kind, ID types) first, then the row's own fields.
        # The row's own fields in its order (the same for every row of a file: looked up by the keys).
        order = tuple(raw_values)
        sequence = self._later.get(order)
        if sequence is None:
            steps, skip = self._steps, self._first
            all_steps = (*self._first_steps, *(steps[c] for c in order if c in steps and c not in skip))
            memos = tuple(_NO_MEMO if memo is None else memo for _c, _p, _f, memo in all_steps)
            sequence = (all_steps, tuple(step[0] for step in all_steps), memos)
            if len(self._later) < 64:
                self._later[order] = sequence
        all_steps, codes, memos = sequence
        # The cells and their remembered results, looked up for the whole row at once. A memo holds texts
        # only, so another value finds nothing in it, as when it is only looked up for texts.
        raws = list(map(raw_values.get, codes))
        try:
            hits = list(map(dict.get, memos, raws))
        except TypeError:  # an unhashable cell (a JSON list or object)
            hits = [
                memo.get(raw) if raw.__class__ is str else None for memo, raw in zip(memos, raws, strict=True)
            ]
        errors, warnings, dates = row.errors, row.warnings, row.dates
        for (code, plan, check, memo), raw, value in zip(all_steps, raws, hits, strict=True):
            if value is not None:
                present.add(code)
                if value.__class__ is tuple:  # a date: (ISO text, date)
                    value, dates[code] = value
                fields[code] = value
                if code == kind_field:
                    row.kind = self._kind_code(value)
                continue
            if raw is None:
                continue
            if raw.__class__ is str:
                if not raw or raw.isspace():
                    continue
            elif is_blank(raw):
                continue
            present.add(code)
            issues = len(errors) + len(warnings)
            value = check(row, plan, raw)
            if value is None:
                continue
            fields[code] = value
            if (
                memo is not None
                and raw.__class__ is str
                and issues == len(errors) + len(warnings)
                and len(memo) < MEMO_LIMIT
            ):
                memo[raw] = (value, dates[code]) if code in dates else value
            if code == kind_field:
                row.kind = self._kind_code(value)
            elif code in text_aliases:
                row.codes[text_aliases[code]] = value

    def _check_required(self, row: RowState, raw_values: Mapping[str, Any]) -> set[str]:
        """Report the required and conditionally required fields left empty; gives their codes."""
        plans, present = self.plans, row.present
        reported_missing: set[str] = set()
        if not self._always_required <= present:
            for plan, condition in self.required:
                if condition is None and plan.spec.code not in present:
                    self._issue(row, "required_missing", plan, "")
                    reported_missing.add(plan.spec.code)
        for plan in self._required_now(raw_values, present):
            code = plan.spec.code
            if code in present:
                continue
            text = condition_describe(
                plan.spec.required_when or {}, lambda c: plans[c].label if c in plans else c
            )
            self._issue(row, "required_when_missing", plan, "", condition=text)
            reported_missing.add(code)
        return reported_missing

    def _required_now(self, raw_values: Mapping[str, Any], present: set[str]) -> list[FieldPlan]:
        """The conditionally required fields whose condition holds (some may be present), in schema order."""
        conditional = self._conditional
        holding: list[int] = []
        for read, pairs, memo in self._condition_groups:
            if len(read) == 1:
                key = raw_values.get(read[0])
                text = key is None or key.__class__ is str
            else:
                key = tuple(map(raw_values.get, read))
                text = _TEXT_OR_NONE.issuperset(map(type, key))
            if not text:
                found = [
                    i
                    for i, condition in pairs
                    if conditional[i][0].spec.code not in present and condition(raw_values)
                ]
            elif (found := memo.get(key)) is None:
                if len(memo) >= _CONDITION_MEMO_LIMIT:
                    memo.clear()
                found = memo[key] = tuple(i for i, condition in pairs if condition(raw_values))
            holding += found
        if len(holding) > 1:
            holding.sort()
        return [conditional[i][0] for i in holding]

    def validate_source(self, row: Any, mapper: Any) -> RowResult:
        """Check a :class:`~xinyong.collection.readers.SourceRow` through a mapper (``mapping_apply``):
        read problems of the row and cells beyond the headers become row errors too."""
        if row.error:
            state = RowState(row.number)
            if row.error == "encoding_invalid_bytes":
                self._issue(state, row.error, None, "", encoding=row.detail or "检测到的")
            else:
                self._issue(state, row.error, None, row.detail)
            return RowResult(row.number, False, state.errors, state.warnings)
        result = self.validate(row.number, mapper(row.values))
        extra = mapper.extra_cells(row.values)
        if extra:
            state = RowState(row.number)
            index, value = extra[0]
            self._issue(state, "row_extra_cells", None, value, count=len(extra), position=index + 1)
            result.errors.insert(0, state.errors[0])
            result.ok = False
            result.subject = result.record = None
        return result

    def _kind_code(self, value: str) -> str | None:
        kind = self._kinds.get(value)
        if kind is None and value not in self._kinds:
            kind = self._kinds[value] = self._kind_of(value)
        return kind


_VALIDATORS: dict[tuple, RowValidator] = {}


def row_validate(
    *,
    number: int,
    values: dict[str, Any],
    schema: ItemSchema,
    department: Any,
    as_of: dt.date,
    columns: dict[str, str],
    severity_default: str = "",
    confirmed: UsccConfirmations | None = None,
) -> RowResult:
    """Validate one row (``{field_code: raw value}``); the validator for the same arguments is reused."""
    confirmed = confirmed or UsccConfirmations()
    key = (
        id(schema),
        schema.item_code,
        schema.version_number,
        getattr(department, "pk", None) or id(department),
        getattr(department, "uscc", None),
        getattr(department, "name", None),
        as_of,
        frozenset(columns.items()),
        severity_default,
        frozenset(confirmed.codes.items()),
        confirmed.registration_authority,
    )
    validator = _VALIDATORS.get(key)
    if validator is None or validator.schema is not schema:
        if len(_VALIDATORS) > 64:
            _VALIDATORS.clear()
        validator = _VALIDATORS[key] = RowValidator(
            schema=schema,
            department=department,
            as_of=as_of,
            columns=columns,
            severity_default=severity_default,
            confirmed=confirmed,
        )
    return validator.validate(number, values)
