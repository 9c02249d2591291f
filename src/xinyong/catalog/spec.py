"""Typed, database-free views of catalog content: field specs, conditions, code lists, rule-set rules.

A catalog version stores its fields as a list of dicts (JSON); :class:`FieldSpec` is the typed view
used by the code. Conditions (``required_when``) are small declarative dicts, evaluated here without
``eval``:

- ``{"field": F, "present": true}`` — F has a non-empty value (``false``: F is empty);
- ``{"field": F, "equals": V}`` — F's value equals V;
- ``{"field": F, "in": [V, ...]}`` — F's value is one of the Vs;
- ``{"field": F, "contains": V}`` or ``{"field": F, "contains": [V, ...]}`` — one of F's values (a
  multi-value cell such as ``警告;罚款``, ``警告、罚款`` or ``警告,罚款`` is split first) is one of the Vs;
- ``{"field": F, "contains_only": [V, ...]}`` — F has values and every one of them is among the Vs;
- ``{"all": [cond, ...]}``, ``{"any": [cond, ...]}``, ``{"not": cond}``.

Values are compared after light normalisation (full-width → half-width, spaces removed); when a
``resolve`` callable is given (an :class:`ItemSchema` passes one), each value is first mapped through the
field's code list so that synonyms (``吊销营业执照`` → ``吊销许可证件``) and machine codes match too.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models

# ---------------------------------------------------------------------------------------------------
# Choices shared by the models and the fixture validator


class FieldType(models.TextChoices):
    """Type of one catalog field (how the collection step parses and checks a cell)."""

    TEXT = "text", "文本"
    DATE = "date", "日期"
    AMOUNT = "amount", "金额（万元）"
    CODE = "code", "代码（单值，取自码表）"
    CODES = "codes", "代码（多值，取自码表）"
    USCC = "uscc", "统一社会信用代码"
    RIC = "ric", "居民身份证号码"
    ORG_CODE = "org_code", "组织机构代码"
    REG_NO = "reg_no", "工商注册号"
    ID_NUMBER = "id_number", "证件号码（按证件类型校验）"


CODE_LIST_TYPES = frozenset({FieldType.CODE, FieldType.CODES})
IDENTIFIER_TYPES = frozenset(
    {FieldType.USCC, FieldType.RIC, FieldType.ORG_CODE, FieldType.REG_NO, FieldType.ID_NUMBER}
)
# Field types holding personal ID numbers. Such a field is always ``personal`` (the flag cannot say otherwise:
# catalog validation refuses it), so records (encrypted, masked) and collection (rejected rows encrypted) agree.
PERSONAL_ID_TYPES = frozenset({FieldType.RIC, FieldType.ID_NUMBER})

# Roles a catalog version may assign to its fields so that later steps (records, subjects) find the
# subject, the document number and the dates without knowing each item's column codes.
CORE_FIELD_ROLES: dict[str, str] = {
    "subject_name": "主体名称",
    "subject_kind": "主体类别",
    "subject_uscc": "统一社会信用代码",
    "subject_reg_no": "工商注册号",
    "subject_org_code": "组织机构代码",
    "subject_id_type": "证件类型",
    "subject_id_number": "证件号码",
    "legal_representative": "法定代表人",
    "document_number": "文书号（去重键）",
    "decision_date": "决定日期",
    "valid_from": "有效期自",
    "valid_until": "有效期至",
    "deciding_authority": "决定机关",
    "deciding_authority_uscc": "决定机关统一社会信用代码",
    "source_department_name": "数据来源单位",
    "source_department_uscc": "数据来源单位统一社会信用代码",
    "severity": "失信严重程度",
    "status": "当前状态",
    "penalty_kinds": "处罚类别",
    "publish_until": "公示截止期（数据来源单位报送）",
}

FIELD_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")

# Separators seen between several values in one cell (警告;罚款 / 警告、罚款 / 警告,罚款 / 警告 罚款).
MULTI_VALUE_SPLIT_RE = re.compile(r"[;；、,，|/\\\s]+")


# ---------------------------------------------------------------------------------------------------
# Normalisation


def normalize_header(value: Any) -> str:
    """Normalise a column header for lookup.

    Full-width → half-width (NFKC), upper-case ASCII, and every space and punctuation mark removed, so
    ``行政相对人名称 ``, ``*行政相对人名称``, ``罚款金额（万元）`` / ``罚款金额(万元)`` and ``cf_xdr_mc`` /
    ``ＣＦ＿ＸＤＲ＿ＭＣ`` each collapse to one key.
    """
    text = str(value or "")
    # Repeat until stable: removing a space can let a combining mark compose with the letter before it.
    for _ in range(4):
        cleaned = "".join(
            ch
            for ch in unicodedata.normalize("NFKC", text).upper()
            if not ch.isspace() and not unicodedata.category(ch).startswith("P")
        )
        if cleaned == text:
            break
        text = cleaned
    return text


def normalize_value(value: Any) -> str:
    """Normalise one cell value for comparison: NFKC (full-width → half-width), spaces removed."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else ""))
    return unicodedata.normalize("NFKC", "".join(ch for ch in text if not ch.isspace()))


def split_values(value: Any) -> list[str]:
    """Split a cell into its values (lists pass through); empty parts are dropped."""
    if value is None:
        return []
    if isinstance(value, list | tuple | set | frozenset):
        parts: list[str] = []
        for item in value:
            parts.extend(split_values(item))
        return parts
    text = unicodedata.normalize("NFKC", str(value))
    return [p for p in (normalize_value(x) for x in MULTI_VALUE_SPLIT_RE.split(text)) if p]


def is_empty(value: Any) -> bool:
    """A cell counts as empty when it holds nothing but spaces (lists: no non-empty value)."""
    if value is None:
        return True
    if isinstance(value, list | tuple | set | frozenset):
        return all(is_empty(v) for v in value)
    return normalize_value(value) == ""


# ---------------------------------------------------------------------------------------------------
# Conditions

Resolver = Callable[[str, str], str]

_CONDITION_OPS = ("present", "equals", "in", "contains", "contains_only")


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def evaluate_condition(
    cond: Mapping[str, Any], row: Mapping[str, Any], *, resolve: Resolver | None = None
) -> bool:
    """Evaluate a declarative condition against a row (a dict keyed by canonical field codes)."""
    if "all" in cond:
        return all(evaluate_condition(c, row, resolve=resolve) for c in cond["all"])
    if "any" in cond:
        return any(evaluate_condition(c, row, resolve=resolve) for c in cond["any"])
    if "not" in cond:
        return not evaluate_condition(cond["not"], row, resolve=resolve)

    code = cond["field"]
    raw = row.get(code)

    def canon(v: Any) -> str:
        text = normalize_value(v)
        return resolve(code, text) if resolve else text

    if "present" in cond:
        return (not is_empty(raw)) is bool(cond["present"])
    if is_empty(raw):
        return False
    if "equals" in cond:
        return canon(raw) == canon(cond["equals"])
    if "in" in cond:
        return canon(raw) in {canon(v) for v in cond["in"]}
    parts = {canon(p) for p in split_values(raw)}
    if "contains" in cond:
        return bool(parts & {canon(v) for v in _as_list(cond["contains"])})
    if "contains_only" in cond:
        return bool(parts) and parts <= {canon(v) for v in cond["contains_only"]}
    raise ValueError(f"unknown condition: {cond!r}")


def condition_issues(cond: Any, known_fields: Iterable[str]) -> list[str]:
    """Check a condition's shape and field references; returns zh-hans messages (empty when valid)."""
    known = set(known_fields)
    issues: list[str] = []

    def walk(c: Any) -> None:
        if not isinstance(c, Mapping):
            issues.append(f"条件必须是映射（字典），不是 {c!r}")
            return
        combinators = [k for k in ("all", "any", "not") if k in c]
        if combinators:
            if len(c) != 1:
                issues.append(f"组合条件只能包含一个键（all/any/not）：{dict(c)!r}")
                return
            key = combinators[0]
            if key == "not":
                walk(c["not"])
            elif not isinstance(c[key], list) or not c[key]:
                issues.append(f"“{key}”后面必须是非空列表")
            else:
                for sub in c[key]:
                    walk(sub)
            return
        if "field" not in c:
            issues.append(f"条件缺少“field”：{dict(c)!r}")
            return
        ops = [k for k in c if k != "field"]
        if len(ops) != 1 or ops[0] not in _CONDITION_OPS:
            issues.append(
                f"条件必须且只能有一个运算符（{'/'.join(_CONDITION_OPS)}），而不是 {ops!r}；不支持表达式"
            )
            return
        op = ops[0]
        if c["field"] not in known:
            issues.append(f"条件引用了不存在的字段“{c['field']}”")
        value = c[op]
        if op == "present" and not isinstance(value, bool):
            issues.append("“present”的值必须是 true 或 false")
        if op in ("in", "contains_only") and (not isinstance(value, list) or not value):
            issues.append(f"“{op}”的值必须是非空列表")
        if op == "contains" and isinstance(value, list) and not value:
            issues.append("“contains”的值不能是空列表")

    walk(cond)
    return issues


def describe_condition(cond: Mapping[str, Any]) -> str:
    """A zh-hans reading of a condition, for operators (e.g. “CF_CFLB 含“罚款””)."""
    if "all" in cond:
        return "（" + " 且 ".join(describe_condition(c) for c in cond["all"]) + "）"
    if "any" in cond:
        return "（" + " 或 ".join(describe_condition(c) for c in cond["any"]) + "）"
    if "not" in cond:
        return f"非{describe_condition(cond['not'])}"
    f = cond["field"]
    if "present" in cond:
        return f"{f} {'已填写' if cond['present'] else '未填写'}"
    if "equals" in cond:
        return f"{f} 为“{cond['equals']}”"
    if "in" in cond:
        return f"{f} 为“{'/'.join(map(str, cond['in']))}”之一"
    if "contains" in cond:
        return f"{f} 含“{'”或“'.join(map(str, _as_list(cond['contains'])))}”"
    return f"{f} 仅含“{'/'.join(map(str, cond['contains_only']))}”"


# ---------------------------------------------------------------------------------------------------
# Field specs


@dataclass(frozen=True)
class FieldSpec:
    """One field (column) of a catalog item version."""

    code: str
    name: str
    type: str = FieldType.TEXT
    required: bool = False
    required_when: dict[str, Any] | None = None
    synonyms: tuple[str, ...] = ()
    legacy_codes: tuple[str, ...] = ()
    code_list: str | None = None
    max_length: int | None = None
    personal: bool = False
    public: bool = True
    id_type_field: str | None = None
    description: str = ""

    KEYS = (
        "code",
        "name",
        "type",
        "required",
        "required_when",
        "synonyms",
        "legacy_codes",
        "code_list",
        "max_length",
        "personal",
        "public",
        "id_type_field",
        "description",
    )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FieldSpec:
        """Build from a stored or fixture dict (already validated)."""
        return cls(
            code=data["code"],
            name=data["name"],
            type=str(data.get("type", FieldType.TEXT)),
            required=bool(data.get("required", False)),
            required_when=data.get("required_when") or None,
            synonyms=tuple(data.get("synonyms") or ()),
            legacy_codes=tuple(data.get("legacy_codes") or ()),
            code_list=data.get("code_list") or None,
            max_length=data.get("max_length"),
            personal=bool(data.get("personal", False)) or data.get("type") in PERSONAL_ID_TYPES,
            public=bool(data.get("public", True)),
            id_type_field=data.get("id_type_field") or None,
            description=data.get("description") or "",
        )

    def to_dict(self) -> dict[str, Any]:
        """The canonical stored form: every key present, in a fixed order."""
        data = dataclasses.asdict(self)
        data["type"] = str(self.type)
        data["synonyms"] = list(self.synonyms)
        data["legacy_codes"] = list(self.legacy_codes)
        return {k: data[k] for k in self.KEYS}

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header accepted for this field: code, Chinese name, synonyms, legacy codes."""
        return (self.code, self.name, *self.synonyms, *self.legacy_codes)

    @property
    def is_conditional(self) -> bool:
        return self.required_when is not None

    def is_required(self, row: Mapping[str, Any], *, resolve: Resolver | None = None) -> bool:
        """Whether this field must have a value in ``row`` (a dict keyed by canonical field codes)."""
        if self.required:
            return True
        if self.required_when is None:
            return False
        return evaluate_condition(self.required_when, row, resolve=resolve)


# ---------------------------------------------------------------------------------------------------
# Code lists


@dataclass(frozen=True)
class CodeEntry:
    """One value of a code list: the canonical ``value`` (as published), a machine ``code``, synonyms.

    ``legacy_values`` are accepted only from columns that arrived under a legacy (2016) column code,
    e.g. 当前状态 ``0``/``1``.
    """

    value: str
    code: str = ""
    synonyms: tuple[str, ...] = ()
    legacy_values: tuple[str, ...] = ()
    note: str = ""

    KEYS = ("value", "code", "synonyms", "legacy_values", "note")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CodeEntry:
        return cls(
            value=str(data["value"]),
            code=str(data.get("code") or ""),
            synonyms=tuple(str(s) for s in data.get("synonyms") or ()),
            legacy_values=tuple(str(s) for s in data.get("legacy_values") or ()),
            note=data.get("note") or "",
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "code": self.code,
            "synonyms": list(self.synonyms),
            "legacy_values": list(self.legacy_values),
            "note": self.note,
        }


@dataclass(frozen=True)
class CodeListView:
    """Typed view of a code list with normalised lookup."""

    code: str
    name: str
    entries: tuple[CodeEntry, ...]
    _index: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    _legacy_index: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, code: str, name: str, entries: Iterable[Mapping[str, Any] | CodeEntry]) -> CodeListView:
        items = tuple(e if isinstance(e, CodeEntry) else CodeEntry.from_dict(e) for e in entries)
        index: dict[str, str] = {}
        legacy: dict[str, str] = {}
        for e in items:
            for key in (e.value, e.code, *e.synonyms):
                if key:
                    index.setdefault(normalize_value(key), e.value)
            for key in e.legacy_values:
                legacy.setdefault(normalize_value(key), e.value)
        return cls(code=code, name=name, entries=items, _index=index, _legacy_index=legacy)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(e.value for e in self.entries)

    def canonical(self, raw: Any, *, legacy: bool = False) -> str | None:
        """The canonical value for ``raw`` (value, code or synonym), or None when it is not in the list."""
        key = normalize_value(raw)
        found = self._index.get(key)
        if found is None and legacy:
            found = self._legacy_index.get(key)
        return found

    def code_for(self, raw: Any, *, legacy: bool = False) -> str | None:
        """The machine code of ``raw``'s entry (e.g. a SubjectKind value), or None."""
        value = self.canonical(raw, legacy=legacy)
        for e in self.entries:
            if e.value == value:
                return e.code or e.value
        return None


def code_list_issues(code: str, entries: Any) -> list[str]:
    """Check a code list's entries; returns zh-hans messages."""
    issues: list[str] = []
    if not isinstance(entries, list) or not entries:
        return [f"码表“{code}”的 entries 必须是非空列表"]
    seen: dict[str, str] = {}
    for i, raw in enumerate(entries, 1):
        if not isinstance(raw, Mapping) or not str(raw.get("value") or "").strip():
            issues.append(f"码表“{code}”第 {i} 项缺少 value")
            continue
        unknown = set(raw) - set(CodeEntry.KEYS)
        if unknown:
            issues.append(f"码表“{code}”第 {i} 项有未知的键：{', '.join(sorted(unknown))}")
        e = CodeEntry.from_dict(raw)
        for key in (e.value, e.code, *e.synonyms):
            if not key:
                continue
            norm = normalize_value(key)
            if norm in seen and seen[norm] != e.value:
                issues.append(f"码表“{code}”中“{key}”同时指向“{seen[norm]}”和“{e.value}”，请去掉重复")
            elif norm in seen and key != e.value:
                issues.append(f"码表“{code}”中“{key}”重复出现")
            seen[norm] = e.value
    return issues


# ---------------------------------------------------------------------------------------------------
# A whole catalog version as a typed schema


@dataclass(frozen=True)
class ItemSchema:
    """Typed view of one catalog item version: its fields, embedded code lists and header lookups."""

    item_code: str
    version_number: int
    fields: tuple[FieldSpec, ...]
    code_lists: dict[str, CodeListView]
    core_fields: dict[str, str]
    ignored_legacy_columns: tuple[dict[str, str], ...] = ()
    legacy_defaults: tuple[dict[str, Any], ...] = ()

    @classmethod
    def build(
        cls,
        *,
        item_code: str,
        version_number: int,
        fields: Iterable[Mapping[str, Any]],
        code_lists: Mapping[str, Mapping[str, Any]],
        core_fields: Mapping[str, str] | None = None,
        ignored_legacy_columns: Iterable[Mapping[str, str]] = (),
        legacy_defaults: Iterable[Mapping[str, Any]] = (),
    ) -> ItemSchema:
        lists = {
            code: CodeListView.build(code, data.get("name", code), data.get("entries", []))
            for code, data in code_lists.items()
        }
        return cls(
            item_code=item_code,
            version_number=version_number,
            fields=tuple(FieldSpec.from_dict(f) for f in fields),
            code_lists=lists,
            core_fields=dict(core_fields or {}),
            ignored_legacy_columns=tuple(dict(x) for x in ignored_legacy_columns),
            legacy_defaults=tuple(dict(x) for x in legacy_defaults),
        )

    # -- lookups ---------------------------------------------------------------------------------

    def field(self, code: str) -> FieldSpec:
        for f in self.fields:
            if f.code == code:
                return f
        raise KeyError(code)

    @property
    def field_codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.fields)

    def header_index(self) -> dict[str, str]:
        """Normalised header (code, legacy code, Chinese name, synonym) → canonical field code."""
        index: dict[str, str] = {}
        for f in self.fields:
            for h in f.headers:
                index.setdefault(normalize_header(h), f.code)
        return index

    def legacy_headers(self) -> dict[str, str]:
        """Normalised legacy (2016) column code → canonical field code."""
        return {normalize_header(lc): f.code for f in self.fields for lc in f.legacy_codes}

    def ignored_headers(self) -> dict[str, str]:
        """Normalised header of a known but deliberately ignored legacy column → its reason."""
        out: dict[str, str] = {}
        for col in self.ignored_legacy_columns:
            for h in (col["code"], col.get("name", "")):
                if h:
                    out[normalize_header(h)] = col.get("reason", "")
        return out

    def resolve_header(self, header: Any) -> str | None:
        """The canonical field code for a raw header, or None when the header is not known."""
        return self.header_index().get(normalize_header(header))

    # -- values ------------------------------------------------------------------------------------

    def code_list_for(self, field_code: str) -> CodeListView | None:
        f = self.field(field_code)
        return self.code_lists.get(f.code_list) if f.code_list else None

    def canonical_value(self, field_code: str, raw: Any, *, legacy: bool = False) -> str | None:
        """Canonical code-list value of ``raw`` for a code field; the normalised text for other fields."""
        cl = self.code_list_for(field_code)
        if cl is None:
            return normalize_value(raw)
        return cl.canonical(raw, legacy=legacy)

    def _resolve(self, field_code: str, value: str) -> str:
        try:
            spec = self.field(field_code)
        except KeyError:
            return value
        if spec.type in IDENTIFIER_TYPES:
            return value.upper()  # 00000000000000000x and 00000000000000000X are the same 17-zeros-X code
        cl = self.code_lists.get(spec.code_list) if spec.code_list else None
        if cl is None:
            return value
        return cl.canonical(value, legacy=True) or value

    def is_required(self, field_code: str, row: Mapping[str, Any]) -> bool:
        """Whether a field is required in ``row``, comparing values through the code lists."""
        return self.field(field_code).is_required(row, resolve=self._resolve)

    def missing_required(self, row: Mapping[str, Any]) -> list[FieldSpec]:
        """Fields that are required in ``row`` but empty."""
        return [f for f in self.fields if is_empty(row.get(f.code)) and self.is_required(f.code, row)]


# ---------------------------------------------------------------------------------------------------
# Rule-set rules (docs/publication-rules.md)


@dataclass(frozen=True)
class TierRule:
    """Publication window of one severity tier: repair possible after ``min_months``; publication stops
    after ``max_months`` (both counted from the decision date); ``published`` False = not published."""

    published: bool
    min_months: int | None
    max_months: int | None
    note: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TierRule:
        return cls(
            published=bool(data.get("published", True)),
            min_months=data.get("min_months"),
            max_months=data.get("max_months"),
            note=data.get("note") or "",
        )


RULE_SET_RULE_KEYS = frozenset(
    {
        "tiers",
        "sector_overrides",
        "special_cases",
        "longest_period",
        "no_early_stop_kinds",
        "period_start",
        "applies_to",
        "applies_to_basis",
    }
)
# What a rule set governs when it takes effect (docs/publication-rules.md, "Transition"): the decisions
# made from its effective date on, or also the information still published on that date.
APPLIES_TO_DECISIONS = "decisions_from_effective_date"
APPLIES_TO_PUBLISHED = "published_on_effective_date"
APPLIES_TO_CHOICES = {
    APPLIES_TO_DECISIONS: "施行之日起作出的决定",
    APPLIES_TO_PUBLISHED: "施行之日仍在公示的全部信息",
}
TIER_RULE_KEYS = frozenset({"published", "min_months", "max_months", "note", "published_where_required"})
# A tier that is not published may still be published, up to its max_months, where a regulator requires it
# (令第36号 for 轻微): by source department code or by sector.
REQUIRED_PUBLICATION_KEYS = frozenset({"departments", "sectors", "note"})
SECTOR_OVERRIDE_KEYS = frozenset({"sectors", "tiers", "min_months", "max_months", "note"})
SPECIAL_CASE_KEYS = frozenset(
    {
        "code",
        "name",
        "penalty_kinds_only",
        "source_departments",
        "fine_max_wan",
        "published",
        "max_months",
        "note",
    }
)


def _month_issue(where: str, data: Mapping[str, Any], key: str) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return [f"{where}：{key} 必须是非负整数（月数），而不是 {value!r}"]
    return []


def rule_set_rules_issues(
    rules: Any, *, tiers: Iterable[str], penalty_kinds: Iterable[str] | None
) -> list[str]:
    """Check a rule set's ``rules`` JSON; returns zh-hans messages."""
    tiers = list(tiers)
    if not isinstance(rules, Mapping):
        return ["rules 必须是映射（字典）"]
    issues: list[str] = []
    unknown = set(rules) - RULE_SET_RULE_KEYS
    if unknown:
        issues.append(f"rules 有未知的键：{', '.join(sorted(unknown))}")
    tier_rules = rules.get("tiers")
    if not isinstance(tier_rules, Mapping) or set(tier_rules) != set(tiers):
        issues.append(f"rules.tiers 必须为每个失信严重程度（{'、'.join(tiers)}）各给出一条规则")
    else:
        for tier, rule in tier_rules.items():
            where = f"rules.tiers.{tier}"
            if not isinstance(rule, Mapping):
                issues.append(f"{where} 必须是映射")
                continue
            if set(rule) - TIER_RULE_KEYS:
                issues.append(f"{where} 有未知的键：{', '.join(sorted(set(rule) - TIER_RULE_KEYS))}")
            if "published" in rule and not isinstance(rule["published"], bool):
                issues.append(f"{where}：published 必须是 true 或 false")
            issues += _month_issue(where, rule, "min_months") + _month_issue(where, rule, "max_months")
            lo, hi = rule.get("min_months"), rule.get("max_months")
            if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
                issues.append(f"{where}：最短期限 {lo} 个月不能长于最长期限 {hi} 个月")
            issues += _required_publication_issues(where, rule)
    for i, ov in enumerate(rules.get("sector_overrides") or [], 1):
        where = f"rules.sector_overrides 第 {i} 项"
        if not isinstance(ov, Mapping) or not ov.get("sectors"):
            issues.append(f"{where} 必须给出 sectors（行业领域列表）")
            continue
        if set(ov) - SECTOR_OVERRIDE_KEYS:
            issues.append(f"{where} 有未知的键：{', '.join(sorted(set(ov) - SECTOR_OVERRIDE_KEYS))}")
        if set(ov.get("tiers") or []) - set(tiers):
            issues.append(f"{where}：tiers 中有未知的失信严重程度")
        issues += _month_issue(where, ov, "min_months") + _month_issue(where, ov, "max_months")
    kinds = set(penalty_kinds) if penalty_kinds is not None else None
    seen_codes: set[str] = set()
    for i, sc in enumerate(rules.get("special_cases") or [], 1):
        where = f"rules.special_cases 第 {i} 项"
        if not isinstance(sc, Mapping) or not sc.get("code") or not sc.get("penalty_kinds_only"):
            issues.append(f"{where} 必须给出 code 和 penalty_kinds_only")
            continue
        if sc["code"] in seen_codes:
            issues.append(f"{where}：code“{sc['code']}”重复")
        seen_codes.add(sc["code"])
        if set(sc) - SPECIAL_CASE_KEYS:
            issues.append(f"{where} 有未知的键：{', '.join(sorted(set(sc) - SPECIAL_CASE_KEYS))}")
        if kinds is not None and set(sc["penalty_kinds_only"]) - kinds:
            bad = "、".join(sorted(set(sc["penalty_kinds_only"]) - kinds))
            issues.append(f"{where}：处罚类别“{bad}”不在码表 penalty_kind 中")
        issues += _month_issue(where, sc, "max_months")
    nes = rules.get("no_early_stop_kinds") or []
    if kinds is not None and set(nes) - kinds:
        issues.append(
            f"rules.no_early_stop_kinds：处罚类别“{'、'.join(sorted(set(nes) - kinds))}”不在码表 penalty_kind 中"
        )
    if "longest_period" in rules and not isinstance(rules["longest_period"], bool):
        issues.append("rules.longest_period 必须是 true 或 false")
    if rules.get("period_start", "decision_date") != "decision_date":
        issues.append("rules.period_start 目前只支持 decision_date（自决定日期起算）")
    applies_to = rules.get("applies_to", APPLIES_TO_DECISIONS)
    if applies_to not in APPLIES_TO_CHOICES:
        choices = "；".join(f"{k}（{v}）" for k, v in APPLIES_TO_CHOICES.items())
        issues.append(f"rules.applies_to 必须是以下之一：{choices}")
    elif applies_to == APPLIES_TO_PUBLISHED and not str(rules.get("applies_to_basis") or "").strip():
        issues.append("rules.applies_to 为 published_on_effective_date 时必须在 applies_to_basis 中写明依据")
    return issues


def _required_publication_issues(where: str, rule: Mapping[str, Any]) -> list[str]:
    """Check a tier's ``published_where_required`` (departments / sectors that must publish)."""
    required = rule.get("published_where_required")
    if required is None:
        return []
    where = f"{where}.published_where_required"
    if not isinstance(required, Mapping):
        return [f"{where} 必须是映射，含 departments（部门代码列表）和/或 sectors（行业领域列表）"]
    issues = []
    if set(required) - REQUIRED_PUBLICATION_KEYS:
        issues.append(f"{where} 有未知的键：{', '.join(sorted(set(required) - REQUIRED_PUBLICATION_KEYS))}")
    for key in ("departments", "sectors"):
        value = required.get(key)
        if value is not None and (
            not isinstance(value, list) or not all(isinstance(v, str) and v for v in value)
        ):
            issues.append(f"{where}.{key} 必须是字符串列表")
    if rule.get("published", True):
        issues.append(f"{where} 只用于不予公示（published: false）的严重程度")
    if rule.get("max_months") is None:
        issues.append(f"{where} 需要该严重程度给出 max_months（主管部门要求公示时的最长公示期）")
    return issues
