"""Forms of the measures console: filters, the matter form and import, and the condition editor's rows."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from django import forms

from xinyong.accounts.models import Department
from xinyong.jrp.measures.conditions import LEVELS, PREDICATES, ConditionError, condition_validate
from xinyong.jrp.models import Application, Matter, MatterStage, MeasureFamily, MeasureKind

__all__ = [
    "EDITOR_MAX_ROWS",
    "EditorRow",
    "MatterFilterForm",
    "MatterForm",
    "MatterImportForm",
    "MeasureFilterForm",
    "editor_rows_from_condition",
    "editor_rows_from_post",
    "editor_rows_to_condition",
]

EDITOR_MAX_ROWS = 30


def _department_choices(blank: str) -> list[tuple[str, str]]:
    return [("", blank)] + [
        (str(d.pk), d.name) for d in Department.objects.filter(is_active=True).order_by("code")
    ]


class MeasureFilterForm(forms.Form):
    q = forms.CharField(label="关键词", required=False, max_length=100)
    kind = forms.ChoiceField(label="类别", required=False, choices=[("", "全部")] + MeasureKind.choices)
    family = forms.ChoiceField(
        label="措施类型", required=False, choices=[("", "全部")] + MeasureFamily.choices
    )
    stage = forms.ChoiceField(label="管理阶段", required=False, choices=[("", "全部")] + MatterStage.choices)
    application = forms.ChoiceField(
        label="应用手段", required=False, choices=[("", "全部")] + Application.choices
    )
    list_type = forms.CharField(label="名单类型代码", required=False, max_length=100)
    department = forms.TypedChoiceField(label="实施部门", required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = _department_choices("全部")


class MatterFilterForm(forms.Form):
    q = forms.CharField(label="编码或名称", required=False, max_length=100)
    stage = forms.ChoiceField(label="管理阶段", required=False, choices=[("", "全部")] + MatterStage.choices)
    department = forms.TypedChoiceField(label="实施部门", required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = _department_choices("全部")


class MatterForm(forms.ModelForm):
    code = forms.RegexField(
        label="事项编码",
        max_length=80,
        regex=re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,79}$"),
        error_messages={"invalid": "事项编码只能包含字母、数字、短横线、下划线和点"},
    )

    class Meta:
        model = Matter
        fields = ["code", "name", "department", "kind", "stage", "active"]

    def __init__(self, *args: Any, departments=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["department"].queryset = departments
            self.fields["department"].required = True
        self.fields["department"].empty_label = "（不限部门）"


class MatterImportForm(forms.Form):
    file = forms.FileField(label="权责清单或事项清单文件（CSV、XLSX）")
    department = forms.ModelChoiceField(
        label="实施部门",
        queryset=Department.objects.none(),
        required=False,
        empty_label="（按文件中的实施主体列）",
    )
    default_stage = forms.ChoiceField(
        label="默认管理阶段",
        required=False,
        choices=[("", "按事项类型推断")] + MatterStage.choices,
        help_text="文件没有管理阶段列、事项类型也无法推断时使用",
    )

    def __init__(self, *args: Any, departments=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = (
            departments if departments is not None else Department.objects.all()
        )
        if departments is not None and departments.count() == 1:
            self.fields["department"].required = True
            self.fields["department"].empty_label = None


# ---------------------------------------------------------------------------------------------------
# The condition editor: rows of predicate / operator / value, joined with 全部满足 (all) or 任一满足 (any).

OP_CHOICES = [
    ("in", "属于"),
    ("not_in", "不属于"),
    ("at_least", "不低于"),
    ("gte", "不少于（≥）"),
    ("lte", "不超过（≤）"),
    ("months", "月数"),
    ("is", "为"),
]
PREDICATE_CHOICES = [(p.name, p.label) for p in PREDICATES.values()]


@dataclass
class EditorRow:
    pred: str = ""
    op: str = ""
    value: str = ""
    negate: bool = False
    error: str = ""


def _value_text(value: Any) -> str:
    if isinstance(value, list):
        return "，".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def editor_rows_from_condition(condition: dict) -> tuple[str, list[EditorRow]] | None:
    """The rows of a condition the form editor can show (one level of all/any, leaves or not-leaves)."""
    if not condition:
        return "all", []
    if "pred" in condition or "not" in condition:
        children, combine = [condition], "all"
    else:
        combine = "all" if "all" in condition else "any"
        children = condition[combine]
    rows = []
    for child in children:
        negate = "not" in child
        leaf = child["not"] if negate else child
        if "pred" not in leaf:
            return None
        rows.append(EditorRow(leaf["pred"], leaf["op"], _value_text(leaf["value"]), negate))
    return combine, rows


def editor_rows_from_post(data) -> tuple[str, list[EditorRow]]:
    """The rows as posted (``pred_N``, ``op_N``, ``value_N``, ``not_N``); blank rows kept for the form."""
    combine = "any" if data.get("combine") == "any" else "all"
    rows = []
    for i in range(EDITOR_MAX_ROWS):
        if f"pred_{i}" not in data:
            continue
        rows.append(
            EditorRow(
                pred=str(data.get(f"pred_{i}", ""))[:50],
                op=str(data.get(f"op_{i}", ""))[:20],
                value=str(data.get(f"value_{i}", ""))[:2000],
                negate=bool(data.get(f"not_{i}")),
            )
        )
    return combine, rows


_SPLIT_RE = re.compile(r"[,，、;；\s]+")


def _parse_value(pred: str, op: str, text: str) -> Any:
    predicate = PREDICATES.get(pred)
    if predicate is None:
        return text
    text = text.strip()
    kind = predicate.value_kind
    if kind == "codes" or (kind == "level" and op == "in"):
        return [v for v in _SPLIT_RE.split(text) if v]
    if kind == "level":
        reverse = {label: code for code, label in LEVELS.items()}
        return reverse.get(text, text)
    if kind in ("int", "number"):
        cleaned = text.replace(",", "").replace("，", "")
        try:
            number = float(cleaned)
        except ValueError:
            return text
        return int(number) if number.is_integer() and (kind == "int" or "." not in cleaned) else number
    if kind == "bool":
        return {"true": True, "是": True, "false": False, "否": False}.get(text.lower(), text)
    return text


def editor_rows_to_condition(combine: str, rows: list[EditorRow]) -> tuple[dict | None, list[EditorRow]]:
    """Build and validate the condition; on errors, the rows with their messages (condition None)."""
    nodes, ok = [], True
    for row in rows:
        if not row.pred and not row.value.strip():
            continue
        leaf = {"pred": row.pred, "op": row.op, "value": _parse_value(row.pred, row.op, row.value)}
        node = {"not": leaf} if row.negate else leaf
        try:
            condition_validate(node)
        except ConditionError as exc:
            row.error = exc.message
            ok = False
        nodes.append(node)
    if not ok:
        return None, rows
    if not nodes:
        return {}, rows
    condition = nodes[0] if len(nodes) == 1 else {combine: nodes}
    return condition_validate(condition), rows


def condition_from_json_text(text: str) -> dict:
    """The expert JSON view's text, validated (raises ConditionError)."""
    text = (text or "").strip()
    if not text:
        return {}
    return condition_validate(text)


def condition_json_text(condition: dict) -> str:
    return json.dumps(condition or {}, ensure_ascii=False, indent=2)
