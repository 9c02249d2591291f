"""The list types file (``fixtures/list_types.yaml``): reading and validating it, and normalising list names.

Validation collects every problem before anything is written; each carries a stable code and a zh-hans
message naming the list type and the field (docs/lists.md describes the fields).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from xinyong.core.codes import SubjectKind
from xinyong.lists.models import ListColour, ListingMode
from xinyong.records.normalize import normalize_document_number

DEFAULT_TYPES_FILE = Path(__file__).resolve().parent / "fixtures" / "list_types.yaml"

# Content fields of a list type, as stored in a version's payload (the order of the file).
CONTENT_FIELDS = (
    "code",
    "name",
    "colour",
    "listing_mode",
    "domain",
    "nature",
    "initiating_department",
    "department_codes",
    "legal_basis",
    "memorandum",
    "criteria",
    "validity_months",
    "objection_working_days",
    "subject_kinds",
    "synonyms",
    "item_code",
)
REQUIRED = ("code", "name", "colour", "listing_mode", "domain", "initiating_department", "legal_basis")
REQUIRED += ("criteria", "subject_kinds", "item_code")
TEXT_LIMITS = {"code": 60, "name": 200, "domain": 100, "nature": 200, "initiating_department": 300}
TEXT_LIMITS |= {"item_code": 60, "legal_basis": 4000, "memorandum": 4000, "criteria": 4000}
MAX_TYPES = 1000
MAX_SYNONYMS = 50
MAX_FILE_BYTES = 2_000_000

# Quotes that departments put around 黑名单 or leave out: not part of a list name's identity.
_QUOTES = str.maketrans("", "", "“”‘’\"'「」『』《》")


def list_name_key(value: object) -> str:
    """Comparison form of a list name: width, brackets, spaces, quotes and invisible characters unified."""
    if not isinstance(value, str):
        return ""
    return normalize_document_number(value[:300]).translate(_QUOTES)


@dataclass(frozen=True)
class TypesIssue:
    code: str
    message: str
    list_type: str = ""
    field: str = ""

    def __str__(self) -> str:
        where = "，".join(
            part
            for part in (
                f"名单类型 {self.list_type}" if self.list_type else "",
                f"字段 {self.field}" if self.field else "",
            )
            if part
        )
        return f"{where}：{self.message} [{self.code}]" if where else f"{self.message} [{self.code}]"


class ListTypesFileError(Exception):
    """The list types file failed validation; nothing was written."""

    def __init__(self, issues: list[TypesIssue]):
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))

    @property
    def codes(self) -> list[str]:
        return [i.code for i in self.issues]


@dataclass(frozen=True)
class TypesFile:
    valid_from: dt.date
    types: list[dict[str, Any]]


def _check_type(raw: Any, index: int, issues: list[TypesIssue]) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        issues.append(TypesIssue("type_not_mapping", f"第 {index} 个名单类型应为键值对"))
        return None
    label = str(raw.get("code") or f"#{index}")[:60]
    unknown = sorted(set(raw) - set(CONTENT_FIELDS))
    for key in unknown:
        issues.append(TypesIssue("field_unknown", "未知字段（拼写错误？）", label, str(key)[:60]))
    for key in REQUIRED:
        if raw.get(key) in (None, "", []):
            issues.append(TypesIssue("field_required", "必填字段缺失或为空", label, key))
    for key, limit in TEXT_LIMITS.items():
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            issues.append(TypesIssue("field_not_text", "应为文本", label, key))
        elif isinstance(value, str) and len(value) > limit:
            issues.append(TypesIssue("field_too_long", f"长度不能超过 {limit} 个字符", label, key))
    if raw.get("colour") not in ListColour.values:
        issues.append(TypesIssue("colour_invalid", "红/黑应为 red 或 black", label, "colour"))
    if raw.get("listing_mode") not in ListingMode.values:
        issues.append(
            TypesIssue("listing_mode_invalid", "列入方式应为 mirrored 或 decided", label, "listing_mode")
        )
    for key in ("validity_months", "objection_working_days"):
        value = raw.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 1200
        ):
            issues.append(TypesIssue("number_invalid", "应为 1 到 1200 之间的整数或留空", label, key))
    if raw.get("listing_mode") == ListingMode.DECIDED and not raw.get("objection_working_days"):
        issues.append(
            TypesIssue(
                "objection_days_required",
                "平台认定的名单须规定告知后的异议期（工作日）",
                label,
                "objection_working_days",
            )
        )
    kinds = raw.get("subject_kinds")
    if not isinstance(kinds, list) or any(k not in SubjectKind.values for k in kinds):
        issues.append(
            TypesIssue(
                "subject_kinds_invalid",
                f"适用主体类别应为列表，取值 {', '.join(SubjectKind.values)}",
                label,
                "subject_kinds",
            )
        )
    for key in ("synonyms", "department_codes"):
        value = raw.get(key, [])
        if not isinstance(value, list) or any(not isinstance(v, str) or not v.strip() for v in value):
            issues.append(TypesIssue("list_invalid", "应为非空文本组成的列表", label, key))
        elif len(value) > MAX_SYNONYMS:
            issues.append(TypesIssue("list_too_long", f"最多 {MAX_SYNONYMS} 项", label, key))
    data = {key: raw.get(key) for key in CONTENT_FIELDS}
    for key in ("nature", "memorandum"):
        data[key] = data[key] or ""
    for key in ("synonyms", "department_codes"):
        data[key] = list(data[key] or [])
    return data


def types_validate(*, data: Any) -> TypesFile:
    """The validated content of a list types file; raises ``ListTypesFileError`` with every problem."""
    issues: list[TypesIssue] = []
    if not isinstance(data, dict) or not isinstance(data.get("list_types"), list):
        raise ListTypesFileError([TypesIssue("file_invalid", "文件应包含 list_types 列表")])
    valid_from = data.get("valid_from")
    if not isinstance(valid_from, dt.date):
        issues.append(TypesIssue("valid_from_invalid", "valid_from 应为日期（YYYY-MM-DD）"))
    raw_types = data["list_types"]
    if len(raw_types) > MAX_TYPES:
        raise ListTypesFileError([TypesIssue("too_many_types", f"名单类型不能超过 {MAX_TYPES} 个")])
    types = [t for i, raw in enumerate(raw_types, 1) if (t := _check_type(raw, i, issues)) is not None]
    codes: set[str] = set()
    names: dict[str, str] = {}
    for t in types:
        code = t["code"]
        if code in codes:
            issues.append(TypesIssue("code_duplicate", "代码重复", str(code)))
        codes.add(code)
        for name in [t["name"], *t["synonyms"]]:
            key = list_name_key(name)
            other = names.get(key)
            if other is not None and other != code:
                issues.append(
                    TypesIssue(
                        "synonym_duplicate",
                        f"名单名称“{name}”同时对应名单类型 {other}",
                        str(code),
                        "synonyms",
                    )
                )
            names[key] = code
    if issues:
        raise ListTypesFileError(issues)
    return TypesFile(valid_from=valid_from, types=types)


def types_read(*, path: str | Path | None = None) -> TypesFile:
    """Read and validate the list types file (the shipped one by default)."""
    file = Path(path) if path is not None else DEFAULT_TYPES_FILE
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise ListTypesFileError([TypesIssue("file_too_large", f"文件不能超过 {MAX_FILE_BYTES} 字节")])
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ListTypesFileError(
            [TypesIssue("file_not_found", f"无法读取文件 {file}：{exc.strerror}")]
        ) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"（第 {mark.line + 1} 行）" if mark else ""
        raise ListTypesFileError(
            [TypesIssue("yaml_syntax", f"YAML 格式错误{where}：{getattr(exc, 'problem', exc)}")]
        ) from exc
    return types_validate(data=data)
