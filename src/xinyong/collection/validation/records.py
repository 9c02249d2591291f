"""Record-level checks across fields (dates, the source department) and the record a valid row gives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xinyong.catalog.spec import CORE_FIELD_ROLES, FieldType
from xinyong.collection.validation.base import MEMO_LIMIT, RowState, ValidatorBase
from xinyong.core.identifiers import USCC_NO_CODE
from xinyong.records.loading.prepare import RecordInput

__all__ = ["RecordChecks"]

_STATUS_BY_CODE = {"valid": "effective", "invalid": "revoked"}


class RecordChecks(ValidatorBase):
    """Checks that read several fields of the row, and the :class:`RecordInput` of a valid row."""

    severity_default: str
    _role_plans: dict[str, Any]
    _number_field: str | None
    _date_field: str | None
    _severity_field: str | None
    _status_field: str | None
    _severities: dict[str, str]
    _statuses: dict[str, str]

    def _check_dates(self, row: RowState) -> None:
        dates = row.dates
        decision = self._p_decision_date
        if decision and decision.spec.code in dates and dates[decision.spec.code] > self.as_of:
            day = dates[decision.spec.code]
            self._issue(row, "date_future", decision, day, date=day.isoformat(), as_of=self.as_of.isoformat())
        until = self._p_valid_until
        if not until or until.spec.code not in dates:
            return
        start = self._p_valid_from
        if not start or start.spec.code not in dates:
            start = decision
        if start and start.spec.code in dates and dates[until.spec.code] < dates[start.spec.code]:
            self._issue(
                row,
                "date_order",
                until,
                dates[until.spec.code],
                date=dates[until.spec.code].isoformat(),
                other_column=start.label,
                other_date=dates[start.spec.code].isoformat(),
            )

    def _check_source_department(self, row: RowState) -> None:
        plan = self._p_source_department_uscc
        expected = getattr(self.department, "uscc", None)
        if not plan or not expected or plan.spec.code not in row.fields:
            return
        given = row.fields[plan.spec.code]
        if given != expected:
            self._issue(
                row,
                "source_department_mismatch",
                plan,
                given,
                warning=True,
                department=getattr(self.department, "name", ""),
                expected=expected,
            )

    def _record(self, row: RowState) -> RecordInput | None:
        number_field, date_field = self._number_field, self._date_field
        if not number_field or not date_field or date_field not in row.dates:
            return None
        fields = row.fields
        number = fields.get(number_field, "")
        reg_no = self._p_subject_reg_no
        if number == USCC_NO_CODE and reg_no and self.plans[number_field].kind == FieldType.USCC:
            # A record keyed by its subject's code (登记注册): the no-code value names nobody, the
            # 工商注册号 such a row must carry does.
            number = fields.get(reg_no.spec.code, "")
        severity = self.severity_default
        severity_field = self._severity_field
        if severity_field and severity_field in fields:
            severity = self._coded(self._severities, fields[severity_field], self._severity_of)
        status = "effective"
        status_field = self._status_field
        if status_field and status_field in fields:
            status = self._coded(self._statuses, fields[status_field], self._status_of)
        return RecordInput(row.number, number, row.dates[date_field], fields, severity, None, status)

    def _record_key_missing(self, row: RowState) -> None:
        """Why a row without errors gives no record: the catalog names no key or date field, or the row
        leaves its (optional) decision date empty."""
        self._unbuilt(row, "record_key_missing", ("document_number", "decision_date"))

    def _subject_unresolved(self, row: RowState) -> None:
        """Why a row without errors gives no subject: the catalog names no name or kind field, or the row
        leaves its (optional) kind empty."""
        self._unbuilt(row, "subject_unresolved", ("subject_name", "subject_kind"))

    def _unbuilt(self, row: RowState, code: str, roles: tuple[str, str]) -> None:
        missing = [CORE_FIELD_ROLES[r] for r in roles if self._role_plans.get(r) is None]
        if missing:
            reason = (
                f"目录项 {self.schema.item_code}（第 {self.schema.version_number} 版）未指定“{'”和“'.join(missing)}”字段，"
                "请联系平台运营方（信用办）更正目录后重新上传"
            )
            self._issue(row, code, None, "", reason=reason)
            return
        plan = self._role_plans[roles[1]]
        self._issue(row, code, plan, "", reason=f"未填写“{plan.label}”，请补充后重新上传")

    @staticmethod
    def _coded(memo: dict, value: Any, compute: Callable[[Any], str]) -> str:
        """``compute(value)``, remembered per value (the code-list values of a field repeat)."""
        if value.__class__ is not str:
            return compute(value)
        found = memo.get(value)
        if found is None:
            found = compute(value)
            if len(memo) < MEMO_LIMIT:
                memo[value] = found
        return found

    def _severity_of(self, value: Any) -> str:
        cl = self.schema.code_lists.get(self.plans[self._severity_field].spec.code_list or "")
        return (self._code_for(cl, value) if cl else None) or self.severity_default

    def _status_of(self, value: Any) -> str:
        cl = self.schema.code_lists.get(self.plans[self._status_field].spec.code_list or "")
        return _STATUS_BY_CODE.get((self._code_for(cl, value) if cl else "") or "", "effective")
