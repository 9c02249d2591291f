"""``required_when`` conditions of the catalog, compiled once per validator into functions of the raw row.

The compiled form has the semantics of ``catalog.spec.evaluate_condition``; :func:`condition_describe` reads
a condition in zh-hans with the file's column names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from xinyong.catalog.spec import FieldType, ItemSchema, normalize_value, split_values
from xinyong.collection.validation.values import is_blank

__all__ = ["Condition", "condition_compile", "condition_describe", "condition_fields"]


def _resolver(schema: ItemSchema, code: str) -> Callable[[str], str]:
    """The same canonicalisation ItemSchema uses when it evaluates a condition."""
    try:
        spec = schema.field(code)
    except KeyError:
        return lambda v: v
    if spec.type in (
        FieldType.USCC,
        FieldType.RIC,
        FieldType.ORG_CODE,
        FieldType.REG_NO,
        FieldType.ID_NUMBER,
    ):
        return str.upper
    cl = schema.code_lists.get(spec.code_list) if spec.code_list else None
    if cl is None:
        return lambda v: v
    return lambda v: cl.canonical(v, legacy=True) or v


Condition = Callable[[Mapping[str, Any]], bool]
_SPACE = re.compile(r"\s")


def condition_compile(cond: Mapping[str, Any], schema: ItemSchema) -> Condition:
    """A condition as a function of the raw row, with the semantics of ``spec.evaluate_condition``."""
    if "all" in cond:
        parts = [condition_compile(c, schema) for c in cond["all"]]
        return lambda row: all(p(row) for p in parts)
    if "any" in cond:
        parts = [condition_compile(c, schema) for c in cond["any"]]
        return lambda row: any(p(row) for p in parts)
    if "not" in cond:
        inner = condition_compile(cond["not"], schema)
        return lambda row: not inner(row)
    code = cond["field"]
    resolve = _resolver(schema, code)
    whole_cache: dict[str, str] = {}
    parts_cache: dict[str, frozenset[str]] = {}

    def canon(v: Any) -> str:
        if v.__class__ is str and v.isascii() and not _SPACE.search(v):
            return resolve(v)  # NFKC and space removal leave such text unchanged
        return resolve(normalize_value(v))

    def whole(raw: Any) -> str:
        if isinstance(raw, str):
            found = whole_cache.get(raw)
            if found is None:
                if len(whole_cache) > 4096:
                    whole_cache.clear()
                found = whole_cache[raw] = canon(raw)
            return found
        return canon(raw)

    def parts(raw: Any) -> frozenset[str]:
        if isinstance(raw, str):
            found = parts_cache.get(raw)
            if found is None:
                if len(parts_cache) > 4096:
                    parts_cache.clear()
                found = parts_cache[raw] = frozenset(canon(p) for p in split_values(raw))
            return found
        return frozenset(canon(p) for p in split_values(raw))

    if "present" in cond:
        want = bool(cond["present"])
        return lambda row: (not is_blank(row.get(code))) is want
    if "equals" in cond:
        target = canon(cond["equals"])
        return lambda row: not is_blank(raw := row.get(code)) and whole(raw) == target
    if "in" in cond:
        targets = frozenset(canon(v) for v in cond["in"])
        return lambda row: not is_blank(raw := row.get(code)) and whole(raw) in targets
    values = cond.get("contains", cond.get("contains_only"))
    targets = frozenset(canon(v) for v in (values if isinstance(values, list | tuple) else [values]))
    if "contains" in cond:
        return lambda row: not is_blank(raw := row.get(code)) and bool(parts(raw) & targets)
    return lambda row: not is_blank(raw := row.get(code)) and bool(found := parts(raw)) and found <= targets


def condition_fields(cond: Mapping[str, Any]) -> set[str]:
    """The fields a condition reads."""
    if "all" in cond or "any" in cond:
        return set().union(*(condition_fields(c) for c in cond.get("all", cond.get("any"))))
    if "not" in cond:
        return condition_fields(cond["not"])
    return {cond["field"]}


def condition_describe(cond: Mapping[str, Any], label: Callable[[str], str]) -> str:
    """zh-hans reading of a condition with the file's column names: “处罚类别”含“罚款”."""
    if "all" in cond:
        return "且".join(condition_describe(c, label) for c in cond["all"])
    if "any" in cond:
        return "或".join(condition_describe(c, label) for c in cond["any"])
    if "not" in cond:
        return f"并非{condition_describe(cond['not'], label)}"
    name = f"“{label(cond['field'])}”"
    if "present" in cond:
        return f"已填写{name}" if cond["present"] else f"未填写{name}"
    if "equals" in cond:
        return f"{name}为“{cond['equals']}”"
    if "in" in cond:
        return f"{name}为“{'”或“'.join(map(str, cond['in']))}”"
    values = cond.get("contains", cond.get("contains_only"))
    values = values if isinstance(values, list | tuple) else [values]
    joined = "”或“".join(map(str, values))
    return f"{name}含“{joined}”" if "contains" in cond else f"{name}仅含“{'”“'.join(map(str, values))}”"
