"""Checks of the subject's identity: USCC, 身份证, 组织机构代码, 工商注册号, ID numbers, and the subject's kind.

A USCC whose check character is wrong is rejected (``uscc_check_digit``) unless the validator's
``confirmed`` codes vouch for it: then it is accepted with a warning. Auxiliary codes — 组织机构代码 and a
工商注册号 the row does not depend on — are never a reason to reject a record: their problems are warnings.
A 工商注册号 the row depends on (个体工商户 with the no-code USCC) must be 15 digits (docs/identifiers.md).
"""

from __future__ import annotations

import re
from typing import Any

from xinyong.collection.validation.base import MEMO_LIMIT, FieldPlan, RowState, ValidatorBase
from xinyong.collection.validation.values import is_blank
from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import (
    USCC_CATEGORIES,
    USCC_NO_CODE,
    UsccConfirmations,
    check_org_code,
    check_ric,
    check_uscc,
    normalize_code_input,
    uscc_check_chars_ok,
)
from xinyong.subjects.bulk import SubjectInput

__all__ = ["IdentityChecks", "uscc_is_clean"]

_REG_NO = re.compile(r"\d{15}")
_RIC_SHAPE = re.compile(r"\d{15}|\d{17}[\dX]")


# USCC: the common case (clean text, valid, known category, consistent kind) checked without building
# an IdResult; anything else goes through check_uscc, which gives the errors and warnings.
def uscc_is_clean(code: str, kind: str | None) -> bool:
    """True when ``code`` is a clean, valid USCC that check_uscc would accept without any warning."""
    if not uscc_check_chars_ok(code):
        return False
    category = code[:2]
    if category not in USCC_CATEGORIES:
        return False
    if kind == SubjectKind.INDIVIDUAL_BUSINESS:
        return category == "92"
    if kind == SubjectKind.ORGANISATION:
        return category != "92"
    return kind is None


class IdentityChecks(ValidatorBase):
    """The identifier checks (some depend on the subject's kind and ID type) and the subject they give."""

    code_cache: dict[str, dict[Any, Any]]
    alias_fields: dict[str, str]
    ric_type_codes: set[str]
    _confirmed_other: UsccConfirmations
    _raw: Any
    _uscc_ok: set[str]
    _subject_usccs: dict[tuple[str | None, str], str]
    _rics: dict[str, Any]
    _name_field: str | None

    def _check_uscc(self, row: RowState, plan: FieldPlan, raw: Any) -> str | None:
        is_subject = plan.spec.code == self.core.get("subject_uscc")
        kind = row.kind if is_subject else None
        if is_subject and kind == SubjectKind.NATURAL_PERSON:
            self._issue(row, "subject_uscc_not_allowed", plan, raw)
            return None
        if not is_subject and raw.__class__ is str and raw in self._uscc_ok:
            return raw
        if is_subject and raw.__class__ is str and self._subject_usccs.get((kind, raw)):
            row.uscc_id = raw
            return raw
        if raw.__class__ is str and uscc_is_clean(raw, kind):
            code = raw
            if not is_subject and len(self._uscc_ok) < 4096:
                self._uscc_ok.add(raw)
            elif is_subject and len(self._subject_usccs) < MEMO_LIMIT * 8:
                self._subject_usccs[(kind, raw)] = raw
        else:
            cache = None if is_subject else self.code_cache[plan.spec.code]
            result = cache.get(raw) if cache is not None and isinstance(raw, str) else None
            if result is None:
                confirmed = self.confirmed if is_subject else self._confirmed_other
                result = check_uscc(raw, subject_kind=kind, confirmed=confirmed)
                if cache is not None and isinstance(raw, str) and len(cache) < 4096:
                    cache[raw] = result
            if result.errors:
                self._id_issues(row, plan, raw, result.errors, warning=False)
            warnings = result.warnings
            if is_subject and result.is_no_code:
                reg_no_field = self.core.get("subject_reg_no")
                # The reminder is noise when the 工商注册号 it asks for is there (as the subject loader does).
                if reg_no_field and not is_blank(row.fields.get(reg_no_field) or self._raw.get(reg_no_field)):
                    warnings = [w for w in warnings if w.code != "uscc_no_code"]
            if warnings:
                self._id_issues(row, plan, raw, warnings, warning=True)
            if not result.ok:
                return None
            code = result.normalized
        if is_subject:
            row.uscc_id = code
        return code

    def _check_ric(self, row: RowState, plan: FieldPlan, raw: Any) -> str | None:
        result = self._rics.get(raw) if raw.__class__ is str else None
        if result is None:
            result = check_ric(raw, as_of=self.as_of)
            if raw.__class__ is str:
                if len(self._rics) >= MEMO_LIMIT * 8:
                    self._rics.clear()
                self._rics[raw] = result
        if result.errors:
            self._id_issues(row, plan, raw, result.errors, warning=False)
        if result.warnings:
            self._id_issues(row, plan, raw, result.warnings, warning=True)
        return result.normalized if result.ok else None

    def _check_org_code(self, row: RowState, plan: FieldPlan, raw: Any) -> str | None:
        result = check_org_code(raw)
        if result.ok:
            if plan.spec.code in self.alias_fields:
                row.codes[self.alias_fields[plan.spec.code]] = result.normalized
            return result.normalized
        # An auxiliary code: kept as given, flagged, not registered as an alias.
        self._id_issues(row, plan, raw, result.errors, warning=True)
        return result.cleaned

    def _check_reg_no(self, row: RowState, plan: FieldPlan, raw: Any) -> str | None:
        value = normalize_code_input(raw)
        limit = plan.spec.max_length
        if limit and len(value) > limit:
            self._issue(row, "value_too_long", plan, raw, length=len(value), max_length=limit)
            return None
        if _REG_NO.fullmatch(value):
            if plan.spec.code in self.alias_fields:
                row.codes[self.alias_fields[plan.spec.code]] = value
            return value
        needed = plan.spec.code == self.core.get("subject_reg_no") and row.uscc_id == USCC_NO_CODE
        self._issue(row, "reg_no_invalid", plan, raw, warning=not needed)
        return None if needed else value

    def _check_id_number(self, row: RowState, plan: FieldPlan, raw: Any) -> str | None:
        type_field = plan.spec.id_type_field
        id_type = row.fields.get(type_field) if type_field else None
        type_code = None
        if id_type:
            cl = self.schema.code_lists.get(self.plans[type_field].spec.code_list or "")
            type_code = self._code_for(cl, id_type) if cl else None
        value = normalize_code_input(raw)
        if type_code in self.ric_type_codes or (
            not id_type and type_field and is_blank(self._raw.get(type_field)) and _RIC_SHAPE.fullmatch(value)
        ):
            normalized = self._check_ric(row, plan, raw)
            if normalized and plan.spec.code == self.core.get("subject_id_number"):
                row.ric = normalized
            return normalized
        limit = plan.spec.max_length
        if limit and len(value) > limit:
            self._issue(row, "value_too_long", plan, raw, length=len(value), max_length=limit)
            return None
        return value

    def _check_subject(self, row: RowState, reported: set[str]) -> None:
        kind = row.kind
        if kind is None:
            return
        uscc_plan = self._p_subject_uscc
        id_plan = self._p_subject_id_number
        type_plan = self._p_subject_id_type
        reg_plan = self._p_subject_reg_no
        if kind == SubjectKind.NATURAL_PERSON:
            if type_plan and type_plan.spec.code in row.fields:
                cl = self.schema.code_lists.get(type_plan.spec.code_list or "")
                if cl and self._code_for(cl, row.fields[type_plan.spec.code]) not in self.ric_type_codes:
                    self._issue(
                        row, "subject_id_type_unsupported", type_plan, row.fields[type_plan.spec.code]
                    )
                    return
            if id_plan and id_plan.spec.code not in row.present and id_plan.spec.code not in reported:
                self._issue(
                    row,
                    "subject_code_missing",
                    id_plan,
                    "",
                    reason=f"行政相对人为自然人，未填写“{id_plan.label}”（身份证号码）",
                )
            return
        if not uscc_plan:
            return
        if uscc_plan.spec.code not in row.present:
            if uscc_plan.spec.code not in reported:
                self._issue(
                    row,
                    "subject_code_missing",
                    uscc_plan,
                    "",
                    reason=f"行政相对人为{SubjectKind(kind).label}，未填写“{uscc_plan.label}”"
                    f"（尚无代码的个体工商户填写 {USCC_NO_CODE} 并填写工商注册号）",
                )
            return
        if (
            row.uscc_id == USCC_NO_CODE
            and reg_plan
            and reg_plan.spec.code not in row.present
            and reg_plan.spec.code not in reported
        ):
            self._issue(
                row,
                "subject_code_missing",
                reg_plan,
                "",
                reason=f"统一社会信用代码为占位码 {USCC_NO_CODE}，未填写“{reg_plan.label}”",
            )

    def _subject(self, row: RowState) -> SubjectInput | None:
        name_field = self._name_field
        kind = row.kind
        if kind is None or not name_field:
            return None
        # row.codes is this row's own dict (the row state is dropped after validation): no copy needed.
        if kind == SubjectKind.NATURAL_PERSON:
            return SubjectInput(kind, row.fields.get(name_field, ""), None, row.ric, row.codes)
        return SubjectInput(kind, row.fields.get(name_field, ""), row.uscc_id, None, row.codes)
