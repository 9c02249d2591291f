"""What a validator prepares once, from the catalog schema, the department and the file's columns.

Field plans and the order of the checks, the required fields and compiled ``required_when`` conditions, the
cells filled from legacy defaults and the department, the fields whose codes are aliases of the subject,
and the memos of the checks whose result depends on the cell's text alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from xinyong.catalog.spec import FieldType, normalize_header
from xinyong.collection.validation.base import FieldPlan, ValidatorBase
from xinyong.collection.validation.conditions import Condition, condition_compile, condition_fields

__all__ = ["ValidatorPlanning"]

_LEGACY_ALIAS_BY_NAME = {
    "工商注册号": "reg_no",
    "组织机构代码": "org_code",
    "税务登记号": "tax_no",
    "事业单位证书号": "pi_cert",
    "社会组织登记证号": "so_cert",
}
# Field types whose check depends on the cell's text only (see ``ValidatorPlanning._plan_steps``); how many texts per
# field are remembered is ``base.MEMO_LIMIT``.
_MEMO_KINDS = frozenset(
    {FieldType.TEXT, FieldType.CODE, FieldType.CODES, FieldType.DATE, FieldType.AMOUNT, FieldType.USCC}
)


class ValidatorPlanning(ValidatorBase):
    """The preparing steps of ``RowValidator.__init__``."""

    columns: dict[str, str]
    _CHECKS: dict[str, str]

    # -- preparing (once per validator) ---------------------------------------------------------------

    def _plan_fields(self, legacy_headers: Mapping[str, str]) -> list[str]:
        """A plan per field and the order of the checks; gives the fields checked first."""
        schema, core = self.schema, self.core
        known = set(schema.field_codes)
        self.plans: dict[str, FieldPlan] = {}
        for spec in schema.fields:
            column = self.columns.get(spec.code, "")
            self.plans[spec.code] = FieldPlan(
                spec=spec,
                column=column,
                label=column or spec.name,
                legacy=bool(column) and normalize_header(column) in legacy_headers,
                kind=str(spec.type),
            )
        # Subject kind, its USCC and ID types first: the checks of USCC, 工商注册号 and ID numbers depend
        # on them, whatever the order of the columns in the file.
        first = [core.get("subject_kind"), core.get("subject_uscc")]
        first += [f.code for f in schema.fields if f.code_list == "id_type"]
        first = [c for c in first if c in known]
        self.order = first + [c for c in schema.field_codes if c not in first]
        self.code_cache: dict[str, dict[Any, Any]] = {c: {} for c in known}
        return first

    def _plan_required(self) -> None:
        """The required fields, and the ``required_when`` conditions compiled, grouped by what they read."""
        schema = self.schema
        self.required = [
            (self.plans[f.code], None if f.required else condition_compile(f.required_when, schema))
            for f in schema.fields
            if f.required or f.required_when
        ]
        self._always_required = frozenset(p.spec.code for p, cond in self.required if cond is None)
        self._conditional = [(p, cond) for p, cond in self.required if cond is not None]
        # The conditions read a few cells, whose values repeat from row to row: for the conditions reading
        # the same cells, which of them hold is remembered per value of those cells (texts only).
        groups: dict[tuple[str, ...], list[tuple[int, Condition]]] = {}
        for index, (plan, condition) in enumerate(self._conditional):
            read = tuple(sorted(condition_fields(plan.spec.required_when)))
            groups.setdefault(read, []).append((index, condition))
        self._condition_groups = [(read, pairs, {}) for read, pairs in groups.items()]

    def _plan_filled(self, legacy_headers: Mapping[str, str]) -> None:
        """What an empty cell is filled with: the legacy defaults of the file's columns, the department."""
        schema, department = self.schema, self.department
        known = set(schema.field_codes)
        self.legacy_defaults: list[tuple[str, dict[str, Any]]] = []
        file_headers = {normalize_header(h) for h in self.columns.values()}
        for rule in schema.legacy_defaults:
            column = normalize_header(rule.get("column", ""))
            if column in file_headers:
                target = legacy_headers.get(column) or schema.resolve_header(rule["column"])
                if target:
                    self.legacy_defaults.append((target, dict(rule.get("set") or {})))
        self.filled: dict[str, str] = {}
        if department is not None:
            core = self.core
            name_field, uscc_field = core.get("source_department_name"), core.get("source_department_uscc")
            if name_field in known and getattr(department, "name", ""):
                self.filled[name_field] = department.name
            if uscc_field in known and getattr(department, "uscc", None):
                self.filled[uscc_field] = department.uscc

    def _plan_aliases(self) -> None:
        """The fields whose codes the subject registry takes as aliases of the subject."""
        schema, core = self.schema, self.core
        known = set(schema.field_codes)
        self.alias_fields = {
            f.code: _LEGACY_ALIAS_BY_NAME[f.name] for f in schema.fields if f.name in _LEGACY_ALIAS_BY_NAME
        }
        # The subject's own identifier fields are aliases whatever their name (登记注册 calls it 注册号).
        for role, alias in (("subject_reg_no", "reg_no"), ("subject_org_code", "org_code")):
            if core.get(role) in known:
                self.alias_fields.setdefault(core[role], alias)
        self.ric_type_codes = {"ric"}

    def _plan_steps(self, first: list[str]) -> None:
        """The check of every field, with the memo of the checks that depend on the cell's text alone."""
        core = self.core
        self._raw: Mapping[str, Any] = {}
        self._uscc_ok: set[str] = set()
        checks = {kind: getattr(self, name) for kind, name in self._CHECKS.items()}
        # Values repeat from row to row (dates, code-list values, amounts, the department's names and
        # codes …): a check whose result depends on the cell's text alone is memoised per field, for the
        # texts it accepted without any issue. The checks that also depend on other cells (the subject's
        # USCC on its kind, ID numbers on their type, the codes registered as aliases) are not.
        self._memos: dict[str, dict[str, Any]] = {}
        subject_uscc = core.get("subject_uscc")
        for code in self.order:
            plan = self.plans[code]
            if plan.kind in _MEMO_KINDS and code not in self.alias_fields and code != subject_uscc:
                self._memos[code] = {}
        self._steps = {
            c: (c, self.plans[c], checks.get(self.plans[c].kind, self._check_text), self._memos.get(c))
            for c in self.order
        }
        self._kinds: dict[str, str | None] = {}
        self._codes: dict[tuple, str | None] = {}
        self._later: dict[tuple, list] = {}
        self._subject_usccs: dict[tuple[str | None, str], str] = {}
        self._rics: dict[str, Any] = {}
        self._first = frozenset(first)
        self._first_steps = tuple(self._steps[c] for c in first)
        self._kind_field = core.get("subject_kind")
        self._text_aliases = {
            c: a for c, a in self.alias_fields.items() if self.plans[c].kind == FieldType.TEXT
        }
        kind_list = (
            self.schema.code_lists.get(self.plans[self._kind_field].spec.code_list or "")
            if (self._kind_field in self.plans)
            else None
        )
        self._kind_of: Callable[[str], str | None] = kind_list.code_for if kind_list else (lambda v: None)

    def _plan_outputs(self) -> None:
        """The fields of the roles that the cross-field checks, the subject and the record read."""
        core = self.core
        self._role_plans = {role: self.plans.get(code) for role, code in core.items()}
        self._name_field = core.get("subject_name")
        self._number_field = core.get("document_number")
        self._date_field = core.get("decision_date")
        self._severity_field = core.get("severity")
        self._status_field = core.get("status")
        self._severities: dict[str, str] = {}
        self._statuses: dict[str, str] = {}
        for role in (
            "subject_uscc",
            "subject_id_number",
            "subject_id_type",
            "subject_reg_no",
            "decision_date",
            "valid_until",
            "valid_from",
            "source_department_uscc",
        ):
            setattr(self, f"_p_{role}", self._role_plans.get(role))
