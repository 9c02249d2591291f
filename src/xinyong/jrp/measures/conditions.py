"""The condition language of measures (适用条件): declarative JSON, validated, compiled to Python closures.

A condition is a tree of nodes (docs/measures.md has the full reference with examples)::

    {}                                            always holds
    {"all": [node, ...]}                          every node holds
    {"any": [node, ...]}                          at least one node holds
    {"not": node}                                 the node does not hold
    {"pred": "<predicate>", "op": "<operator>", "value": <value>}

Nothing is ever evaluated as code: :func:`condition_validate` checks the tree against the predicate table
(operators, value types, bounded depth, node count and sizes) and :func:`condition_compile` turns a valid
tree into a closure ``test(ctx) -> bool`` plus the Chinese explanations of the predicates that held.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xinyong.core.codes import SubjectKind
from xinyong.jrp.models import MatterStage
from xinyong.jrp.types import Facts, Hit

__all__ = [
    "LEVELS",
    "MAX_DEPTH",
    "MAX_NODES",
    "PREDICATES",
    "CompiledCondition",
    "ConditionContext",
    "ConditionError",
    "condition_compile",
    "condition_continuation_months",
    "continuation_last_day",
    "condition_describe",
    "condition_validate",
]

MAX_DEPTH = 8
MAX_NODES = 200
MAX_VALUES = 500
MAX_TEXT = 100
MAX_JSON_CHARS = 20_000
MAX_NUMBER = 10**13

# Escalation levels (失信等级), lowest first: 一般 < 较重 < 严重.
LEVELS: dict[str, str] = {"general": "一般", "heavier": "较重", "serious": "严重"}
LEVEL_RANK = {code: rank for rank, code in enumerate(LEVELS)}

OPERATOR_LABELS: dict[str, str] = {
    "in": "属于",
    "not_in": "不属于",
    "at_least": "不低于",
    "gte": "不少于",
    "lte": "不超过",
    "is": "为",
    "months": "个月",
}


class ConditionError(ValueError):
    """A condition that cannot be accepted: a stable ``code``, a zh-hans ``message`` and where (``path``)."""

    def __init__(self, code: str, message: str, path: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = f"{path}：{message}" if path else message
        self.path = path


@dataclass(slots=True)
class ConditionContext:
    """What a condition is evaluated on: one hit, the subject's facts and the request."""

    hit: Hit
    facts: Facts
    matter_code: str
    matter_stage: str


@dataclass(frozen=True, slots=True)
class Predicate:
    name: str
    label: str
    ops: tuple[str, ...]
    # "codes" (list of strings from ``choices`` when given), "code" (one string), "int", "number", "bool"
    value_kind: str
    choices: dict[str, str] | None = None


PREDICATES: dict[str, Predicate] = {
    p.name: p
    for p in (
        Predicate("subject_kind", "主体类型", ("in", "not_in"), "codes", dict(SubjectKind.choices)),
        Predicate("list_type", "名单类型", ("in", "not_in"), "codes"),
        Predicate("level", "失信等级", ("in", "at_least"), "level", LEVELS),
        Predicate("entry_age_days", "列入天数", ("gte", "lte"), "int"),
        Predicate("entry_age_months", "列入月数", ("gte", "lte"), "int"),
        Predicate("amount", "涉及金额（元）", ("gte", "lte"), "number"),
        Predicate("continues_after_removal", "移出后继续实施", ("months",), "int"),
        Predicate("clean_years", "无不良记录年限", ("gte",), "int"),
        Predicate("negative_count_3y", "近三年不良记录数", ("gte", "lte"), "int"),
        Predicate("matter", "事项", ("in", "not_in"), "codes"),
        Predicate("stage", "管理阶段", ("in",), "codes", dict(MatterStage.choices)),
        Predicate("via_person", "作为责任人", ("is",), "bool"),
    )
}

# ---------------------------------------------------------------------------------------------------
# Validation


def _clean_text(value: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFKC", value) if unicodedata.category(ch) != "Cf"
    ).strip()


def condition_validate(data: Any) -> dict:
    """The condition, normalised (invisible characters stripped), or :class:`ConditionError`."""
    if data is None or data == "":
        return {}
    if isinstance(data, str):
        if len(data) > MAX_JSON_CHARS:
            raise ConditionError("condition_too_large", f"条件过长（超过 {MAX_JSON_CHARS:,} 个字符）")
        try:
            data = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise ConditionError("condition_json_invalid", f"条件不是有效的 JSON：{exc}") from None
    else:
        try:
            size = len(json.dumps(data, ensure_ascii=False))
        except (TypeError, ValueError, RecursionError):
            raise ConditionError("condition_json_invalid", "条件不是有效的 JSON 数据") from None
        if size > MAX_JSON_CHARS:
            raise ConditionError("condition_too_large", f"条件过长（超过 {MAX_JSON_CHARS:,} 个字符）")
    if not isinstance(data, dict):
        raise ConditionError("condition_not_object", "条件必须是 JSON 对象")
    if not data:
        return {}
    counter = [0]
    return _validate_node(data, depth=1, path="条件", counter=counter)


def _validate_node(node: Any, *, depth: int, path: str, counter: list[int]) -> dict:
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise ConditionError("condition_too_many_nodes", f"条件的节点过多（最多 {MAX_NODES} 个）")
    if depth > MAX_DEPTH:
        raise ConditionError("condition_too_deep", f"条件嵌套过深（最多 {MAX_DEPTH} 层）", path)
    if not isinstance(node, dict) or not node:
        raise ConditionError("condition_node_invalid", "每个条件节点必须是非空的 JSON 对象", path)
    keys = set(node)
    if keys == {"all"} or keys == {"any"}:
        (key,) = keys
        children = node[key]
        if not isinstance(children, list) or not children:
            raise ConditionError("condition_group_empty", f"“{key}”须为非空列表", path)
        return {
            key: [
                _validate_node(child, depth=depth + 1, path=f"{path}.{key}[{i + 1}]", counter=counter)
                for i, child in enumerate(children)
            ]
        }
    if keys == {"not"}:
        return {"not": _validate_node(node["not"], depth=depth + 1, path=f"{path}.not", counter=counter)}
    if keys == {"pred", "op", "value"}:
        return _validate_predicate(node, path=path)
    raise ConditionError(
        "condition_node_invalid",
        "条件节点只能是 all、any、not 或 {pred, op, value}，不认识的键："
        + "、".join(sorted(map(str, keys)))[:200],
        path,
    )


def _validate_predicate(node: dict, *, path: str) -> dict:
    name, op, value = node["pred"], node["op"], node["value"]
    predicate = PREDICATES.get(name) if isinstance(name, str) else None
    if predicate is None:
        raise ConditionError("predicate_unknown", f"未知的条件项：{str(name)[:MAX_TEXT]}", path)
    if not isinstance(op, str) or op not in predicate.ops:
        allowed = "、".join(predicate.ops)
        raise ConditionError(
            "operator_unknown",
            f"条件项“{predicate.label}”不支持运算符 {str(op)[:MAX_TEXT]}（可用：{allowed}）",
            path,
        )
    kind = predicate.value_kind
    if kind == "codes" or (kind == "level" and op == "in"):
        if not isinstance(value, list) or not value:
            raise ConditionError("value_type", f"条件项“{predicate.label}”的值须为非空列表", path)
        if len(value) > MAX_VALUES:
            raise ConditionError(
                "value_too_long", f"条件项“{predicate.label}”的值过多（最多 {MAX_VALUES} 个）", path
            )
        cleaned = []
        for item in value:
            if not isinstance(item, str) or not _clean_text(item) or len(item) > MAX_TEXT:
                raise ConditionError(
                    "value_type", f"条件项“{predicate.label}”的值须为不超过 {MAX_TEXT} 字的文字代码", path
                )
            item = _clean_text(item)
            choices = predicate.choices
            if choices is not None and item not in choices:
                raise ConditionError(
                    "value_unknown",
                    f"条件项“{predicate.label}”不认识的值：{item}（可用：{'、'.join(choices)}）",
                    path,
                )
            cleaned.append(item)
        value = sorted(set(cleaned), key=cleaned.index)
    elif kind == "level":
        if not isinstance(value, str) or value not in LEVELS:
            raise ConditionError(
                "value_unknown", f"条件项“{predicate.label}”的值须为 {'、'.join(LEVELS)} 之一", path
            )
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100_000:
            raise ConditionError("value_type", f"条件项“{predicate.label}”的值须为 0 至 100000 的整数", path)
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_NUMBER:
            raise ConditionError("value_type", f"条件项“{predicate.label}”的值须为不小于 0 的数", path)
    elif kind == "bool" and not isinstance(value, bool):
        raise ConditionError("value_type", f"条件项“{predicate.label}”的值须为 true 或 false", path)
    return {"pred": name, "op": op, "value": value}


# ---------------------------------------------------------------------------------------------------
# Description and compilation


def _value_text(predicate: Predicate, value: Any) -> str:
    if isinstance(value, list):
        choices = predicate.choices or {}
        return "、".join(choices.get(v, v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if predicate.value_kind == "level":
        return LEVELS.get(value, value)
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


def _leaf_text(node: dict, labels: dict[str, str] | None = None) -> str:
    predicate = PREDICATES[node["pred"]]
    op, value = node["op"], node["value"]
    if predicate.name == "list_type" and labels:
        text = "、".join(labels.get(v, v) for v in value)
    else:
        text = _value_text(predicate, value)
    match predicate.name, op:
        case "entry_age_days", "gte":
            return f"列入已满 {value:,} 天"
        case "entry_age_days", "lte":
            return f"列入不超过 {value:,} 天"
        case "entry_age_months", "gte":
            return f"列入已满 {value:,} 个月"
        case "entry_age_months", "lte":
            return f"列入不超过 {value:,} 个月"
        case "amount", _:
            return f"涉及金额{OPERATOR_LABELS[op]} {text} 元"
        case "continues_after_removal", _:
            return f"移出名单后继续实施 {value:,} 个月"
        case "clean_years", _:
            return f"近 {value:,} 年内无不良信用记录"
        case "negative_count_3y", _:
            return f"近三年不良信用记录{OPERATOR_LABELS[op]} {value:,} 条"
        case "via_person", _:
            return "申请人为名单主体的法定代表人或主要负责人" if value else "申请人不是以责任人身份命中"
    return f"{predicate.label}{OPERATOR_LABELS[op]}{text}"


def condition_describe(node: dict, labels: dict[str, str] | None = None) -> str:
    """The whole condition in words (for lists and the editor)."""
    if not node:
        return "无附加条件"
    if "all" in node:
        return "；且".join(_wrap(child, labels) for child in node["all"])
    if "any" in node:
        return "；或".join(_wrap(child, labels) for child in node["any"])
    if "not" in node:
        return f"并非（{condition_describe(node['not'], labels)}）"
    return _leaf_text(node, labels)


def _wrap(node: dict, labels: dict[str, str] | None) -> str:
    text = condition_describe(node, labels)
    return f"（{text}）" if ("all" in node or "any" in node) and len(next(iter(node.values()))) > 1 else text


def condition_continuation_months(node: dict) -> int:
    """Months a measure keeps applying after its entry ended (the largest ``continues_after_removal``)."""
    if not node:
        return 0
    if "pred" in node:
        return node["value"] if node["pred"] == "continues_after_removal" else 0
    if "not" in node:
        return 0
    return max((condition_continuation_months(child) for child in next(iter(node.values()))), default=0)


Test = Callable[[ConditionContext], bool]


@dataclass(frozen=True, slots=True)
class CompiledCondition:
    """A condition ready to evaluate: ``test(ctx)``; ``explain(ctx)``, called only when ``test`` held, lists
    the predicates that held (in Chinese)."""

    source: dict
    test: Test
    explain: Callable[[ConditionContext], list[str]]
    continuation_months: int


def _always(ctx: ConditionContext) -> bool:
    return True


def condition_compile(node: dict, labels: dict[str, str] | None = None) -> CompiledCondition:
    """Compile a validated condition (call :func:`condition_validate` first on untrusted input)."""
    if not node:
        return CompiledCondition({}, _always, lambda ctx: [], 0)
    test = _compile(node)
    return CompiledCondition(node, test, _explainer(node, labels), condition_continuation_months(node))


def _explainer(node: dict, labels: dict[str, str] | None) -> Callable[[ConditionContext], list[str]]:
    """Explanations of a node that holds (only called then): static unless an ``any`` is inside."""
    static = _static_explanation(node, labels)
    if static is not None:
        return lambda ctx: list(static)
    if "any" in node:
        parts = [(_compile(child), _explainer(child, labels)) for child in node["any"]]

        def explain_any(ctx: ConditionContext) -> list[str]:
            out: list[str] = []
            for test, sub in parts:
                if test(ctx):
                    out.extend(sub(ctx))
            return out

        return explain_any
    subs = [_explainer(child, labels) for child in node["all"]]

    def explain_all(ctx: ConditionContext) -> list[str]:
        out: list[str] = []
        for sub in subs:
            out.extend(sub(ctx))
        return out

    return explain_all


def _static_explanation(node: dict, labels: dict[str, str] | None) -> tuple[str, ...] | None:
    """The explanation of a node that holds, when it does not depend on the context (no ``any`` inside)."""
    if "pred" in node:
        return (_leaf_text(node, labels),)
    if "not" in node:
        return (f"并非（{condition_describe(node['not'], labels)}）",)
    if "any" in node:
        return None
    out: list[str] = []
    for child in node["all"]:
        part = _static_explanation(child, labels)
        if part is None:
            return None
        out.extend(part)
    return tuple(out)


def _months_between(start: dt.date, end: dt.date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


def _months_after(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months later (the month's last day when it has no such day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=d)
        except ValueError:
            continue
    return day  # pragma: no cover


def continuation_last_day(last_in_force: dt.date, months: int) -> dt.date:
    """The last day a measure continuing ``months`` months after removal applies (docs/measures.md).

    The period starts the day after the entry's last day in force and ends on the same day ``months`` months
    after that last day, or on the month's last day when it has none (民法典第二百零一、二百零二条): in
    force to 28 February 2026 (removed on 1 March), 12 months: to 28 February 2027.
    """
    return _months_after(last_in_force, months)


def _years_ago(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _compile(node: dict) -> Test:
    if "all" in node:
        tests = tuple(_compile(child) for child in node["all"])
        if len(tests) == 1:
            return tests[0]
        if len(tests) == 2:
            a, b = tests
            return lambda ctx: a(ctx) and b(ctx)
        return lambda ctx: all(t(ctx) for t in tests)
    if "any" in node:
        tests = tuple(_compile(child) for child in node["any"])
        if len(tests) == 1:
            return tests[0]
        if len(tests) == 2:
            a, b = tests
            return lambda ctx: a(ctx) or b(ctx)
        return lambda ctx: any(t(ctx) for t in tests)
    if "not" in node:
        inner = _compile(node["not"])
        return lambda ctx: not inner(ctx)
    return _compile_predicate(node["pred"], node["op"], node["value"])


def _compile_predicate(name: str, op: str, value: Any) -> Test:  # noqa: C901, PLR0911, PLR0912
    if name in ("subject_kind", "list_type", "matter", "stage", "level") and op in ("in", "not_in"):
        values = frozenset(value)
        getter: Callable[[ConditionContext], str] = {
            "subject_kind": lambda ctx: ctx.facts.subject_kind,
            "list_type": lambda ctx: ctx.hit.list_type,
            "matter": lambda ctx: ctx.matter_code,
            "stage": lambda ctx: ctx.matter_stage,
            "level": lambda ctx: ctx.hit.level,
        }[name]
        if op == "in":
            return lambda ctx: getter(ctx) in values
        return lambda ctx: getter(ctx) not in values
    if name == "level":  # at_least
        floor = LEVEL_RANK[value]
        return lambda ctx: LEVEL_RANK.get(ctx.hit.level, -1) >= floor
    if name == "entry_age_days":
        if op == "gte":
            return lambda ctx: (
                ctx.hit.effective_from is not None
                and ((ctx.facts.as_of - ctx.hit.effective_from).days >= value)
            )
        return lambda ctx: (
            ctx.hit.effective_from is not None and ((ctx.facts.as_of - ctx.hit.effective_from).days <= value)
        )
    if name == "entry_age_months":
        if op == "gte":
            return lambda ctx: (
                ctx.hit.effective_from is not None
                and (_months_between(ctx.hit.effective_from, ctx.facts.as_of) >= value)
            )
        return lambda ctx: (
            ctx.hit.effective_from is not None
            and (_months_between(ctx.hit.effective_from, ctx.facts.as_of) <= value)
        )
    if name == "amount":
        if op == "gte":
            return lambda ctx: ctx.hit.amount is not None and ctx.hit.amount >= value
        return lambda ctx: ctx.hit.amount is not None and ctx.hit.amount <= value
    if name == "continues_after_removal":
        # Holds while the entry is in force and for ``value`` months after it ended (docs/measures.md).
        return lambda ctx: (
            ctx.hit.effective_until is None
            or ctx.facts.as_of <= ctx.hit.effective_until
            or ctx.facts.as_of <= continuation_last_day(ctx.hit.effective_until, value)
        )
    if name == "clean_years":
        return lambda ctx: (
            ctx.facts.last_negative_on is None
            or (ctx.facts.last_negative_on < _years_ago(ctx.facts.as_of, value))
        )
    if name == "negative_count_3y":
        if op == "gte":
            return lambda ctx: ctx.facts.negative_count_3y >= value
        return lambda ctx: ctx.facts.negative_count_3y <= value
    if name == "via_person":
        return lambda ctx: ctx.hit.via_person is value
    raise ConditionError("predicate_unknown", f"未知的条件项：{name}")  # pragma: no cover - validated before
