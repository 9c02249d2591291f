"""Validation of catalog content (YAML fixtures and admin edits) into normalised, storable form.

Everything here is database-free: callers pass the code lists and rule-set codes that exist. Problems are
collected (not raised one at a time) so that an operator sees every mistake of a file at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xinyong.catalog.errors import FixtureIssue
from xinyong.catalog.spec import (
    CODE_LIST_TYPES,
    CORE_FIELD_ROLES,
    FIELD_CODE_RE,
    PERSONAL_ID_TYPES,
    CodeEntry,
    FieldSpec,
    FieldType,
    code_list_issues,
    condition_issues,
    normalize_header,
    rule_set_rules_issues,
)

SLUG_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_")

ITEM_META_KEYS = ("code", "name", "category", "description", "valid_from", "change_note")
VERSION_KEYS = (
    "subject_kinds",
    "source_departments",
    "legal_basis",
    "disclosure_scope",
    "natural_person_scope",
    "polarity",
    "rule_set",
    "severity_rules",
    "core_fields",
    "legacy_defaults",
    "ignored_legacy_columns",
    "fields",
)
CODE_LIST_KEYS = ("code", "name", "description", "entries")
RULE_SET_KEYS = (
    "code",
    "family",
    "name",
    "in_force_from",
    "in_force_to",
    "legal_basis",
    "rules",
    "change_note",
)
SEVERITY_RULE_KEYS = ("source_field", "default", "note")
LEGACY_DEFAULT_KEYS = ("column", "set")
IGNORED_COLUMN_KEYS = ("code", "name", "reason")

# The code list holding 证件类型; an id_number field points at a field coded from it.
ID_TYPE_CODE_LIST = "id_type"
SEVERITY_CODE_LIST = "severity_tier"
PENALTY_KIND_CODE_LIST = "penalty_kind"


def content_hash(data: Any) -> str:
    """SHA-256 of a canonical JSON form; equal content → equal hash, whatever the key order."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_slug(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and set(value) <= SLUG_CHARS and len(value) <= 40


def parse_date(value: Any) -> dt.date | None:
    """YAML gives dates as date objects; admin text may give ISO strings."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


@dataclass
class ItemSpec:
    """A validated catalog item: item metadata plus the normalised version payload."""

    code: str
    name: str
    category: str
    description: str
    valid_from: dt.date | None
    change_note: str
    payload: dict[str, Any]
    file: str = ""

    @property
    def code_list_codes(self) -> list[str]:
        return sorted({f["code_list"] for f in self.payload["fields"] if f.get("code_list")})


@dataclass
class CodeListSpec:
    code: str
    name: str
    description: str
    entries: list[dict[str, Any]]
    file: str = ""

    @property
    def snapshot(self) -> dict[str, Any]:
        return {"name": self.name, "entries": self.entries}

    @property
    def hash(self) -> str:
        return content_hash({"name": self.name, "description": self.description, "entries": self.entries})


@dataclass
class RuleSetSpec:
    code: str
    family: str
    name: str
    in_force_from: dt.date
    in_force_to: dt.date | None
    legal_basis: str
    rules: dict[str, Any]
    change_note: str = ""
    file: str = ""

    @property
    def payload(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "name": self.name,
            "in_force_from": self.in_force_from.isoformat(),
            "in_force_to": self.in_force_to.isoformat() if self.in_force_to else None,
            "legal_basis": self.legal_basis,
            "rules": self.rules,
        }

    @property
    def hash(self) -> str:
        return content_hash(self.payload)


@dataclass
class Collector:
    """Collects issues with a fixed location prefix."""

    file: str = ""
    item: str = ""
    issues: list[FixtureIssue] = field(default_factory=list)

    def add(self, code: str, message: str, *, field: str = "", item: str | None = None) -> None:
        self.issues.append(
            FixtureIssue(
                code=code,
                message=message,
                file=self.file,
                item=self.item if item is None else item,
                field=field,
            )
        )


def _unknown_keys(c: Collector, data: Mapping, allowed: Iterable[str], what: str, *, field: str = "") -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        c.add("unknown_key", f"{what}有未知的键：{', '.join(map(str, unknown))}（请检查拼写）", field=field)


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


# ---------------------------------------------------------------------------------------------------
# Code lists


def validate_code_list(data: Any, *, file: str = "") -> tuple[CodeListSpec | None, list[FixtureIssue]]:
    """Validate one code list of a fixture."""
    c = Collector(file=file)
    if not isinstance(data, Mapping):
        c.add("invalid_code_list", "码表必须是映射（字典）")
        return None, c.issues
    c.item = f"码表 {data.get('code', '?')}"
    _unknown_keys(c, data, CODE_LIST_KEYS, "码表")
    if not is_slug(data.get("code")):
        c.add("invalid_code", "码表代码 code 必须是小写英文、数字、连字符或下划线")
    if not str(data.get("name") or "").strip():
        c.add("missing_name", "码表缺少名称 name")
    for msg in code_list_issues(str(data.get("code")), data.get("entries")):
        c.add("invalid_code_list_entry", msg)
    if c.issues:
        return None, c.issues
    entries = [CodeEntry.from_dict(e).to_dict() for e in data["entries"]]
    return (
        CodeListSpec(
            code=data["code"],
            name=str(data["name"]).strip(),
            description=str(data.get("description") or "").strip(),
            entries=entries,
            file=file,
        ),
        [],
    )


# ---------------------------------------------------------------------------------------------------
# Rule sets


def validate_rule_set(
    data: Any, *, file: str = "", tiers: Iterable[str], penalty_kinds: Iterable[str] | None
) -> tuple[RuleSetSpec | None, list[FixtureIssue]]:
    """Validate one publication rule set."""
    c = Collector(file=file)
    if not isinstance(data, Mapping):
        c.add("invalid_rule_set", "规则集必须是映射（字典）")
        return None, c.issues
    c.item = f"规则集 {data.get('code', '?')}"
    _unknown_keys(c, data, RULE_SET_KEYS, "规则集")
    if not is_slug(data.get("code")):
        c.add("invalid_code", "规则集代码 code 必须是小写英文、数字、连字符或下划线")
    family = data.get("family", "disclosure")
    if not is_slug(family):
        c.add("invalid_code", "规则集系列 family 必须是小写英文、数字、连字符或下划线")
    if not str(data.get("name") or "").strip():
        c.add("missing_name", "规则集缺少名称 name")
    start = parse_date(data.get("in_force_from"))
    end = parse_date(data.get("in_force_to")) if data.get("in_force_to") not in (None, "") else None
    if start is None:
        c.add("invalid_date", "施行日期 in_force_from 缺失或不是 YYYY-MM-DD 格式的日期")
    if data.get("in_force_to") not in (None, "") and end is None:
        c.add("invalid_date", "失效日期 in_force_to 不是 YYYY-MM-DD 格式的日期")
    if start and end and end < start:
        c.add("invalid_period", f"失效日期 {end} 早于施行日期 {start}")
    for msg in rule_set_rules_issues(data.get("rules"), tiers=tiers, penalty_kinds=penalty_kinds):
        c.add("invalid_rules", msg)
    if c.issues:
        return None, c.issues
    return (
        RuleSetSpec(
            code=data["code"],
            family=family,
            name=str(data["name"]).strip(),
            in_force_from=start,
            in_force_to=end,
            legal_basis=str(data.get("legal_basis") or "").strip(),
            rules=json.loads(json.dumps(data["rules"], default=str)),
            change_note=str(data.get("change_note") or "").strip(),
            file=file,
        ),
        [],
    )


def rule_set_overlap_issues(rule_sets: Iterable[RuleSetSpec | Any]) -> list[FixtureIssue]:
    """Rule sets of one family must not overlap in time (a decision date maps to exactly one)."""
    issues: list[FixtureIssue] = []
    by_family: dict[str, list[Any]] = {}
    for rs in rule_sets:
        by_family.setdefault(rs.family, []).append(rs)
    for family, items in by_family.items():
        items.sort(key=lambda r: r.in_force_from)
        for prev, nxt in zip(items, items[1:], strict=False):
            if prev.in_force_to is None or prev.in_force_to >= nxt.in_force_from:
                issues.append(
                    FixtureIssue(
                        code="rule_set_overlap",
                        message=(
                            f"规则集系列 {family} 中 {prev.code}（{prev.in_force_from} 起）与 {nxt.code}"
                            f"（{nxt.in_force_from} 起）的施行期间重叠；请为前者填写早于 {nxt.in_force_from} 的失效日期"
                        ),
                        file=getattr(nxt, "file", ""),
                        item=f"规则集 {nxt.code}",
                    )
                )
    return issues


# ---------------------------------------------------------------------------------------------------
# Catalog items


def validate_item(
    data: Any,
    *,
    file: str = "",
    code_lists: Mapping[str, Mapping[str, Any]],
    rule_sets: Iterable[str],
    subject_kinds: Iterable[str],
    choices: Mapping[str, Iterable[str]],
    meta: bool = True,
    item_code: str = "",
) -> tuple[ItemSpec | None, list[FixtureIssue]]:
    """Validate one catalog item (``meta=False``: only the version payload, as edited in the admin).

    ``code_lists`` maps code-list code → {"name", "entries"}; ``choices`` gives the allowed values of
    ``category``, ``disclosure_scope``, ``polarity`` and ``severity`` (severity tiers).
    """
    c = Collector(file=file, item=item_code)
    if not isinstance(data, Mapping):
        c.add("invalid_item", "目录项必须是映射（字典）")
        return None, c.issues
    allowed = (ITEM_META_KEYS + VERSION_KEYS) if meta else VERSION_KEYS
    if meta:
        c.item = str(data.get("code") or "?")
    _unknown_keys(c, data, allowed, "目录项")

    if meta:
        if not is_slug(data.get("code")):
            c.add("invalid_code", "目录项代码 code 必须是小写英文、数字、连字符或下划线（不超过 40 个字符）")
        if not str(data.get("name") or "").strip():
            c.add("missing_name", "目录项缺少名称 name")
        if data.get("category") not in set(choices["category"]):
            c.add("invalid_category", f"信息类别 category 必须是 {'/'.join(choices['category'])} 之一")
        if data.get("valid_from") not in (None, "") and parse_date(data.get("valid_from")) is None:
            c.add("invalid_date", "生效日期 valid_from 不是 YYYY-MM-DD 格式的日期")

    kinds = data.get("subject_kinds")
    sk = set(subject_kinds)
    if not _str_list(kinds) or not kinds or set(kinds) - sk:
        c.add(
            "invalid_subject_kinds", f"适用主体类别 subject_kinds 必须是非空列表，取值 {'/'.join(sorted(sk))}"
        )
    deps = data.get("source_departments", [])
    if deps is None:
        deps = []
    if not isinstance(deps, list) or not all(is_slug(d) for d in deps):
        c.add(
            "invalid_source_departments",
            "数据来源部门 source_departments 必须是部门代码列表（可为空，表示所有部门）",
        )
    if not str(data.get("legal_basis") or "").strip():
        c.add("missing_legal_basis", "缺少法律依据 legal_basis：没有依据的信息不得归集和公示")
    scopes = set(choices["disclosure_scope"])
    if data.get("disclosure_scope") not in scopes:
        c.add("invalid_disclosure_scope", f"公开属性 disclosure_scope 必须是 {'/'.join(sorted(scopes))} 之一")
    if data.get("natural_person_scope") not in (None, "") and data.get("natural_person_scope") not in scopes:
        c.add(
            "invalid_disclosure_scope",
            f"自然人公开属性 natural_person_scope 必须是 {'/'.join(sorted(scopes))} 之一",
        )
    if data.get("polarity") not in set(choices["polarity"]):
        c.add("invalid_polarity", f"信息性质 polarity 必须是 {'/'.join(choices['polarity'])} 之一")
    rule_set = data.get("rule_set") or ""
    if rule_set and rule_set not in set(rule_sets):
        c.add("unknown_rule_set", f"规则集“{rule_set}”不存在；请先在 rule_sets 中定义它，或留空")

    # -- fields -----------------------------------------------------------------------------------
    raw_fields = data.get("fields")
    specs: list[FieldSpec] = []
    if not isinstance(raw_fields, list) or not raw_fields:
        c.add("missing_fields", "目录项必须定义字段列表 fields")
        raw_fields = []
    codes_seen: set[str] = set()
    for i, raw in enumerate(raw_fields, 1):
        label = raw.get("code", f"第 {i} 个字段") if isinstance(raw, Mapping) else f"第 {i} 个字段"
        if not isinstance(raw, Mapping):
            c.add("invalid_field", "字段必须是映射（字典）", field=str(label))
            continue
        label = str(label)
        _unknown_keys(c, raw, FieldSpec.KEYS, "字段", field=label)
        code = raw.get("code")
        if not isinstance(code, str) or not FIELD_CODE_RE.match(code):
            c.add(
                "invalid_field_code", "字段代码必须由大写英文字母、数字和下划线组成，如 CF_WSH", field=label
            )
            continue
        if code in codes_seen:
            c.add("duplicate_field_code", f"字段代码 {code} 重复出现", field=code)
            continue
        codes_seen.add(code)
        if not str(raw.get("name") or "").strip():
            c.add("missing_field_name", "字段缺少中文名称 name", field=code)
        ftype = raw.get("type", FieldType.TEXT)
        if ftype not in FieldType.values:
            c.add(
                "unknown_field_type",
                f"未知的字段类型“{ftype}”；可用类型：{', '.join(FieldType.values)}",
                field=code,
            )
            continue
        for key in ("required", "personal", "public"):
            if key in raw and not isinstance(raw[key], bool):
                c.add("invalid_flag", f"{key} 必须是 true 或 false", field=code)
        if ftype in PERSONAL_ID_TYPES and raw.get("personal") is False:
            c.add(
                "personal_flag_conflict",
                f"类型为 {ftype} 的字段存放个人证件号码，必须是个人信息字段：请删除 personal: false 或改为 personal: true",
                field=code,
            )
        for key in ("synonyms", "legacy_codes"):
            if key in raw and raw[key] is not None and not _str_list(raw[key]):
                c.add("invalid_list", f"{key} 必须是字符串列表", field=code)
        for lc in raw.get("legacy_codes") or []:
            if isinstance(lc, str) and not FIELD_CODE_RE.match(lc):
                c.add("invalid_field_code", f"旧版字段代码“{lc}”格式不正确", field=code)
        ml = raw.get("max_length")
        if ml is not None and (isinstance(ml, bool) or not isinstance(ml, int) or ml <= 0):
            c.add("invalid_max_length", "max_length 必须是正整数", field=code)
        cl = raw.get("code_list")
        if ftype in CODE_LIST_TYPES:
            if not cl:
                c.add("missing_code_list", f"类型为 {ftype} 的字段必须指定码表 code_list", field=code)
            elif cl not in code_lists:
                c.add("unknown_code_list", f"码表“{cl}”不存在；请先在 code_lists 中定义它", field=code)
        elif cl:
            c.add(
                "unexpected_code_list",
                f"只有 code/codes 类型的字段才能指定码表（本字段类型为 {ftype}）",
                field=code,
            )
        if raw.get("required") and raw.get("required_when"):
            c.add("conflicting_required", "已设 required: true，不应再设 required_when", field=code)
        if raw.get("id_type_field") and ftype != FieldType.ID_NUMBER:
            c.add("unexpected_id_type_field", "只有 id_number 类型的字段才能指定 id_type_field", field=code)
        if ftype == FieldType.ID_NUMBER and not raw.get("id_type_field"):
            c.add(
                "missing_id_type_field",
                "id_number 类型的字段必须用 id_type_field 指明证件类型字段",
                field=code,
            )
        if not any(i.field == code for i in c.issues):
            specs.append(FieldSpec.from_dict(raw))

    by_code = {f.code: f for f in specs}
    all_codes = codes_seen
    # Checks needing the whole field list.
    header_owner: dict[str, str] = {}
    for f in specs:
        if f.required_when is not None:
            for msg in condition_issues(f.required_when, all_codes):
                code = "unknown_condition_field" if "不存在的字段" in msg else "invalid_condition"
                c.add(code, f"required_when：{msg}", field=f.code)
            if f.code in _condition_refs(f.required_when):
                c.add("invalid_condition", "required_when 不能引用字段本身", field=f.code)
        if f.type == FieldType.ID_NUMBER and f.id_type_field:
            target = by_code.get(f.id_type_field)
            if target is None or target.type != FieldType.CODE or target.code_list != ID_TYPE_CODE_LIST:
                c.add(
                    "invalid_id_type_field",
                    f"id_type_field“{f.id_type_field}”必须是本目录项中码表为 {ID_TYPE_CODE_LIST} 的 code 字段",
                    field=f.code,
                )
        for h in f.headers:
            key = normalize_header(h)
            if not key:
                c.add("empty_header", "名称或同义词规范化后为空", field=f.code)
                continue
            owner = header_owner.get(key)
            if owner is not None and owner != f.code:
                c.add(
                    "duplicate_header", f"表头“{h}”与字段 {owner} 的表头重复，无法确定对应字段", field=f.code
                )
            header_owner[key] = f.code

    # -- core fields, severity, legacy --------------------------------------------------------------
    core = data.get("core_fields") or {}
    if not isinstance(core, Mapping):
        c.add("invalid_core_fields", "core_fields 必须是映射（角色: 字段代码）")
        core = {}
    for role, code in core.items():
        if role not in CORE_FIELD_ROLES:
            c.add(
                "invalid_core_fields",
                f"core_fields 中未知的角色“{role}”；可用：{', '.join(CORE_FIELD_ROLES)}",
            )
        elif code not in all_codes:
            c.add("unknown_field", f"core_fields.{role} 引用了不存在的字段“{code}”")

    sev = data.get("severity_rules") or {}
    if not isinstance(sev, Mapping):
        c.add("invalid_severity_rules", "severity_rules 必须是映射")
        sev = {}
    _unknown_keys(c, sev, SEVERITY_RULE_KEYS, "severity_rules ")
    if sev.get("source_field"):
        target = by_code.get(sev["source_field"])
        if target is None or target.code_list != SEVERITY_CODE_LIST:
            c.add(
                "invalid_severity_rules",
                f"severity_rules.source_field 必须是本目录项中码表为 {SEVERITY_CODE_LIST} 的字段",
            )
    if sev.get("default") not in (None, "") and sev.get("default") not in set(choices["severity"]):
        c.add("invalid_severity_rules", f"severity_rules.default 必须是 {'/'.join(choices['severity'])} 之一")

    ignored = data.get("ignored_legacy_columns") or []
    if not isinstance(ignored, list):
        c.add("invalid_ignored_columns", "ignored_legacy_columns 必须是列表")
        ignored = []
    norm_ignored: list[dict[str, str]] = []
    for col in ignored:
        if not isinstance(col, Mapping) or not isinstance(col.get("code"), str) or not col.get("reason"):
            c.add(
                "invalid_ignored_columns", "ignored_legacy_columns 的每一项都要有 code 和 reason（忽略原因）"
            )
            continue
        _unknown_keys(c, col, IGNORED_COLUMN_KEYS, "ignored_legacy_columns 项")
        for h in (col["code"], col.get("name") or ""):
            if h and normalize_header(h) in header_owner:
                c.add(
                    "duplicate_header",
                    f"忽略的旧版字段“{h}”与字段 {header_owner[normalize_header(h)]} 的表头重复",
                )
        norm_ignored.append(
            {"code": col["code"], "name": str(col.get("name") or ""), "reason": str(col["reason"])}
        )

    legacy_all = {lc for f in specs for lc in f.legacy_codes}
    defaults = data.get("legacy_defaults") or []
    norm_defaults: list[dict[str, Any]] = []
    if not isinstance(defaults, list):
        c.add("invalid_legacy_defaults", "legacy_defaults 必须是列表")
        defaults = []
    for d in defaults:
        if not isinstance(d, Mapping) or not isinstance(d.get("set"), Mapping):
            c.add(
                "invalid_legacy_defaults",
                "legacy_defaults 的每一项都要有 column（旧版字段代码）和 set（默认值）",
            )
            continue
        _unknown_keys(c, d, LEGACY_DEFAULT_KEYS, "legacy_defaults 项")
        if d.get("column") not in legacy_all:
            c.add(
                "invalid_legacy_defaults", f"legacy_defaults.column“{d.get('column')}”不是任何字段的旧版代码"
            )
        for target_code, value in d["set"].items():
            target = by_code.get(target_code)
            if target is None:
                c.add("unknown_field", f"legacy_defaults.set 引用了不存在的字段“{target_code}”")
            elif target.code_list and target.code_list in code_lists:
                values = {e["value"] for e in code_lists[target.code_list].get("entries", [])}
                if value not in values:
                    c.add(
                        "invalid_legacy_defaults",
                        f"默认值“{value}”不在码表 {target.code_list} 中",
                        field=target_code,
                    )
        norm_defaults.append({"column": d.get("column"), "set": dict(d["set"])})

    if c.issues:
        return None, c.issues

    payload = {
        "subject_kinds": list(kinds),
        "source_departments": list(deps),
        "legal_basis": str(data["legal_basis"]).strip(),
        "disclosure_scope": data["disclosure_scope"],
        "natural_person_scope": data.get("natural_person_scope") or "",
        "polarity": data["polarity"],
        "rule_set": rule_set,
        "severity_rules": dict(sev),
        "core_fields": dict(core),
        "legacy_defaults": norm_defaults,
        "ignored_legacy_columns": norm_ignored,
        "fields": [f.to_dict() for f in specs],
    }
    return (
        ItemSpec(
            code=data.get("code", item_code) if meta else item_code,
            name=str(data.get("name") or "").strip(),
            category=data.get("category", ""),
            description=str(data.get("description") or "").strip(),
            valid_from=parse_date(data.get("valid_from")) if data.get("valid_from") else None,
            change_note=str(data.get("change_note") or "").strip(),
            payload=payload,
            file=file,
        ),
        [],
    )


def _condition_refs(cond: Any) -> set[str]:
    if not isinstance(cond, Mapping):
        return set()
    refs: set[str] = set()
    if isinstance(cond.get("field"), str):
        refs.add(cond["field"])
    for key in ("all", "any"):
        for sub in cond.get(key) or []:
            refs |= _condition_refs(sub)
    if "not" in cond:
        refs |= _condition_refs(cond["not"])
    return refs


def version_hash(payload: Mapping[str, Any], code_lists: Mapping[str, Any]) -> str:
    """Content hash of a catalog version: its payload plus the code lists it embeds."""
    return content_hash({"payload": payload, "code_lists": code_lists})
