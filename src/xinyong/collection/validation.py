"""Validation of one row against its catalog item version and the rules in docs/.

:class:`RowValidator` is built once per batch (catalog schema, department, ``as_of``, the file's columns) and
checks rows at a rate of tens of thousands per second: everything that does not depend on the row (field
plans, code lists, compiled ``required_when`` conditions, messages) is prepared in its constructor.
:func:`row_validate` is the one-row form (it reuses a cached validator).

A row (``{field_code: raw value}``) gives a :class:`RowResult`: errors (the row is rejected), warnings (the row
loads, the problem is reported), and for a valid row the :class:`SubjectInput` and :class:`RecordInput` that
the bulk loader stores.

Canonical values in ``RecordInput.fields`` (only non-empty fields; keyed by field code):

- text: the cell's text, outer whitespace removed (numbers from a spreadsheet without ``.0``);
- code: the code list's value (``法人及其他组织`` → ``法人及非法人组织``);
- several codes: the code-list values, each once, in code-list order, joined with “；” (``罚款、警告`` →
  ``警告；罚款``);
- date: ISO ``YYYY-MM-DD`` (every form of docs/dual-disclosure.md accepted, see :mod:`xinyong.core.dates`);
- amount (万元): a decimal string without exponent or trailing zeros (``1,234.50`` → ``1234.5``);
- identifiers: the normalised form (USCC upper-case, 身份证 18 characters, 组织机构代码 9 characters without
  hyphen, 工商注册号 digits).

Legacy (2016) columns: code-list ``legacy_values`` are accepted only from a column that arrived under a legacy
code, and the catalog's ``legacy_defaults`` apply when their column is in the file (``CF_XDR_SFZ`` → 证件类型
身份证). 数据来源单位 and its USCC, when empty, are filled from the uploading department.

A USCC whose check character is wrong is rejected (``uscc_check_digit``) unless the validator's ``confirmed``
codes vouch for it (docs/identifiers.md): then it is accepted with a warning.

Auxiliary codes — 组织机构代码 and a 工商注册号 the row does not depend on — are never a reason to reject a
record: their problems are warnings (the record keeps the value, the subject registry does not take it as an
alias). A 工商注册号 the row depends on (个体工商户 with the no-code USCC) must be 15 digits.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xinyong.catalog.spec import (
    CORE_FIELD_ROLES,
    FieldSpec,
    FieldType,
    ItemSchema,
    normalize_header,
    normalize_value,
    split_values,
)
from xinyong.core.codes import SubjectKind
from xinyong.core.dates import DateParseError, parse_date_value
from xinyong.core.identifiers import (
    MESSAGES as ID_MESSAGES,
)
from xinyong.core.identifiers import (
    USCC_CATEGORIES,
    USCC_NO_CODE,
    IdIssue,
    UsccConfirmations,
    check_org_code,
    check_ric,
    check_uscc,
    normalize_code_input,
    uscc_check_chars_ok,
)
from xinyong.core.masking import mask_ric
from xinyong.records.loading.prepare import RecordInput
from xinyong.subjects.bulk import SubjectInput

__all__ = [
    "AMOUNT_SUSPECT_WAN",
    "EARLIEST_DATE",
    "ROW_ISSUE_MESSAGES",
    "WARNING_CODES",
    "RecordInput",
    "RowIssue",
    "RowResult",
    "RowValidator",
    "SubjectInput",
    "row_validate",
]

#: No record of this platform predates the People's Republic.
EARLIEST_DATE = dt.date(1949, 10, 1)
#: An amount above this many 万元 (10 亿元) is probably in 元: warning ``amount_unit_suspect``.
AMOUNT_SUSPECT_WAN = Decimal(100000)
AMOUNT_MAX_DECIMALS = 6
MULTI_VALUE_JOIN = "；"

_FIX = "请更正后重新上传"

#: Every row issue code → its zh-hans message template. ``{row}`` is the row number, ``{column}`` the column
#: header in the file (the field's name when the file has no such column), ``{value}`` the value as given.
ROW_ISSUE_MESSAGES: dict[str, str] = {
    # -- the row itself
    "json_line_invalid": (
        "第 {row} 行不是有效的 JSON 对象（{value}）：NDJSON 文件每行应是一条完整的记录，"
        '如 {{"CF_WSH": "某市监罚〔2024〕1号"}}，' + _FIX
    ),
    "json_item_invalid": (
        "第 {row} 条记录不是 JSON 对象（{value}）：数组中的每个元素应是一条记录，"
        '如 {{"CF_WSH": "某市监罚〔2024〕1号"}}，' + _FIX
    ),
    "encoding_invalid_bytes": (
        "第 {row} 行含有无法按 {encoding} 编码识别的字符（显示为“�”）：文件可能混用了多种编码，"
        "请在 Excel 或 WPS 中将整个文件另存为“CSV UTF-8（逗号分隔）”后重新上传"
    ),
    "row_extra_cells": (
        "第 {row} 行有 {count} 个单元格超出了列标题的范围（第 {position} 列起，值“{value}”）："
        "请检查该行是否多了分隔符或缺少引号，或为这些列补上列标题"
    ),
    # -- required fields
    "required_missing": "第 {row} 行未填写必填项“{column}”：请补充后重新上传",
    "required_when_missing": "第 {row} 行{condition}时，必须填写“{column}”：请补充后重新上传",
    # -- values
    "value_type_invalid": "第 {row} 行“{column}”的值“{value}”不是单个文本或数字：请只填写一个值",
    "value_too_long": (
        "第 {row} 行“{column}”的内容有 {length} 个字符，超过上限 {max_length} 个：请精简，或把补充说明移到“备注”"
    ),
    "code_invalid": "第 {row} 行“{column}”的值“{value}”不在码表“{code_list}”中：请填写 {allowed} 之一",
    "code_multiple": "第 {row} 行“{column}”只能填写一个值，实为“{value}”：请只保留一个，如“{first}”",
    "date_format": (
        "第 {row} 行“{column}”的值“{value}”不是可识别的日期格式："
        "请使用 2023-05-01、2023/05/01、20230501 或 2023年5月1日 格式"
    ),
    "date_invalid": "第 {row} 行“{column}”的值“{value}”不是有效日期：请使用 2023-05-01 或 2023年5月1日 格式",
    "date_serial_range": (
        "第 {row} 行“{column}”的值“{value}”不是有效的电子表格日期：请将该列设置为“日期”格式，"
        "或按 2023-05-01 格式填写"
    ),
    "date_future": "第 {row} 行“{column}”为 {date}，晚于今天（{as_of}）：决定日期不能是将来的日期，请核对",
    "date_too_early": "第 {row} 行“{column}”为 {date}，早于 1949 年 10 月 1 日：请核对年份",
    "date_order": (
        "第 {row} 行“{column}”（{date}）早于“{other_column}”（{other_date}）：请核对日期；长期有效的填 2099/12/31"
    ),
    "amount_format": (
        "第 {row} 行“{column}”的值“{value}”不是数字：请填写以万元为单位的阿拉伯数字，如 0.5（即 5000 元）"
    ),
    "amount_unit_yuan": (
        "第 {row} 行“{column}”的值“{value}”以元为单位，本项的单位是万元：请填写 {suggested}（即 {value}）"
    ),
    "amount_negative": "第 {row} 行“{column}”的金额“{value}”是负数：金额不能小于 0，请核对",
    "amount_precision": (
        "第 {row} 行“{column}”的金额“{value}”超过 6 位小数：万元金额最多保留 6 位小数（精确到 0.01 元），请核对"
    ),
    "amount_unit_suspect": (
        "第 {row} 行“{column}”为 {value} 万元（{yi} 亿元），金额异常偏大，可能误按“元”填写："
        "如单位是元，请改为 {suggested}；金额无误的可忽略本提示"
    ),
    "reg_no_invalid": "第 {row} 行“{column}”的值“{value}”不是 15 位数字的工商注册号：请对照营业执照核对",
    # -- the subject (行政相对人)
    "subject_code_missing": "第 {row} 行{reason}：请补充后重新上传",
    "subject_uscc_not_allowed": (
        "第 {row} 行行政相对人类别为自然人，却填写了“{column}”（{value}）：自然人没有统一社会信用代码，"
        "如为个体工商户请将类别改为个体工商户，否则请清空该项"
    ),
    "subject_id_type_unsupported": (
        "第 {row} 行行政相对人为自然人，证件类型为“{value}”：平台目前按居民身份证号码登记自然人，"
        "请填写证件类型“身份证”和身份证号码"
    ),
    "source_department_mismatch": (
        "第 {row} 行“{column}”为 {value}，与报送部门“{department}”的统一社会信用代码 {expected} 不一致："
        "请核对是否误报了其他部门的数据"
    ),
    # -- the record and its subject as a whole
    "record_key_missing": "第 {row} 行无法生成信用记录：{reason}",
    "subject_unresolved": "第 {row} 行无法确定行政相对人：{reason}",
    # -- identifiers (message of xinyong.core.identifiers appended)
    **{code: "第 {row} 行“{column}”：{detail}" for code in ID_MESSAGES if not code.endswith("_empty")},
}

#: Codes reported as warnings (the row loads). ``reg_no_invalid`` and the 组织机构代码 codes are errors only
#: where stated in the module docstring; identifier warnings come from :mod:`xinyong.core.identifiers`.
WARNING_CODES = frozenset(
    {
        "amount_unit_suspect",
        "source_department_mismatch",
        "uscc_check_digit_confirmed",
        "uscc_check_digit_registered",
        "uscc_org_code_check",
        "uscc_no_code",
        "uscc_unknown_category",
        "uscc_kind_mismatch",
        "ric_upgraded_from_15",
        "ric_unknown_region",
        "org_code_length",
        "org_code_invalid_char",
        "org_code_check_digit",
        "reg_no_invalid",
    }
)


@dataclass(frozen=True, slots=True)
class RowIssue:
    """One problem of a row: stable code, field code, column header in the file, value, zh-hans message."""

    code: str
    field: str
    column: str
    value: Any
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "field": self.field,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass(slots=True)
class RowResult:
    number: int
    ok: bool
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    subject: SubjectInput | None = None
    record: RecordInput | None = None


# ---------------------------------------------------------------------------------------------------
# Small parsers


def _shown(value: Any, *, personal: bool = False) -> str:
    """A value as quoted in a message (shortened; personal ID numbers masked)."""
    if value is None:
        return ""
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    elif isinstance(value, dt.datetime | dt.date):
        text = value.isoformat()
    else:
        text = str(value)
    if personal:
        text = mask_ric(text)
    text = text.replace("\r", " ").replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "…"


def _plain(value: Any) -> Any:
    """A value as stored with an issue (JSON-friendly)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _text(value: Any) -> str | None:
    """Text of a scalar cell (None for lists and objects)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | dict | set):
        return None
    return str(value).strip()


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value or value.isspace()
    if isinstance(value, list | tuple):
        return all(_blank(v) for v in value)
    return False


# Already canonical: no sign, no leading zeros, at most 6 decimals, no trailing zero.
_PLAIN_AMOUNT = re.compile(r"(?:0|[1-9]\d{0,14})(?:\.\d{0,5}[1-9])?")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


class _AmountError(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params


def _decimal_text(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def parse_amount(value: Any) -> Decimal:
    """An amount in 万元 as Decimal; raises _AmountError(code) for text that is not such an amount."""
    if value.__class__ is str and _PLAIN_AMOUNT.fullmatch(value):
        return Decimal(value)
    if isinstance(value, bool):
        raise _AmountError("amount_format")
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        text = "".join(unicodedata.normalize("NFKC", str(value)).split())
        yuan = False
        if text.endswith("万元"):
            text = text[:-2]
        elif text.endswith("万"):
            text = text[:-1]
        elif text.endswith("元"):
            text, yuan = text[:-1], True
        if _GROUPED.fullmatch(text):
            text = text.replace(",", "")
        if not _NUMBER.fullmatch(text):
            raise _AmountError("amount_format")
        number = Decimal(text)
        if yuan:
            raise _AmountError("amount_unit_yuan", suggested=_decimal_text(number / 10000))
    if not number.is_finite():
        raise _AmountError("amount_format")
    if number < 0:
        raise _AmountError("amount_negative")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -AMOUNT_MAX_DECIMALS:
        raise _AmountError("amount_precision")
    return number


# USCC: the common case (clean text, valid, known category, consistent kind) checked without building
# an IdResult; anything else goes through check_uscc, which gives the errors and warnings.
def _uscc_fast(code: str, kind: str | None) -> bool:
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


# ---------------------------------------------------------------------------------------------------
# Conditions (required_when), compiled


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


def _compile(cond: Mapping[str, Any], schema: ItemSchema) -> Condition:
    """A condition as a function of the raw row, with the semantics of ``spec.evaluate_condition``."""
    if "all" in cond:
        parts = [_compile(c, schema) for c in cond["all"]]
        return lambda row: all(p(row) for p in parts)
    if "any" in cond:
        parts = [_compile(c, schema) for c in cond["any"]]
        return lambda row: any(p(row) for p in parts)
    if "not" in cond:
        inner = _compile(cond["not"], schema)
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
        return lambda row: (not _blank(row.get(code))) is want
    if "equals" in cond:
        target = canon(cond["equals"])
        return lambda row: not _blank(raw := row.get(code)) and whole(raw) == target
    if "in" in cond:
        targets = frozenset(canon(v) for v in cond["in"])
        return lambda row: not _blank(raw := row.get(code)) and whole(raw) in targets
    values = cond.get("contains", cond.get("contains_only"))
    targets = frozenset(canon(v) for v in (values if isinstance(values, list | tuple) else [values]))
    if "contains" in cond:
        return lambda row: not _blank(raw := row.get(code)) and bool(parts(raw) & targets)
    return lambda row: not _blank(raw := row.get(code)) and bool(found := parts(raw)) and found <= targets


def _condition_fields(cond: Mapping[str, Any]) -> set[str]:
    """The fields a condition reads."""
    if "all" in cond or "any" in cond:
        return set().union(*(_condition_fields(c) for c in cond.get("all", cond.get("any"))))
    if "not" in cond:
        return _condition_fields(cond["not"])
    return {cond["field"]}


def _describe(cond: Mapping[str, Any], label: Callable[[str], str]) -> str:
    """zh-hans reading of a condition with the file's column names: “处罚类别”含“罚款”."""
    if "all" in cond:
        return "且".join(_describe(c, label) for c in cond["all"])
    if "any" in cond:
        return "或".join(_describe(c, label) for c in cond["any"])
    if "not" in cond:
        return f"并非{_describe(cond['not'], label)}"
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


# ---------------------------------------------------------------------------------------------------
# The validator

_LEGACY_ALIAS_BY_NAME = {
    "工商注册号": "reg_no",
    "组织机构代码": "org_code",
    "税务登记号": "tax_no",
    "事业单位证书号": "pi_cert",
    "社会组织登记证号": "so_cert",
}
_STATUS_BY_CODE = {"valid": "effective", "invalid": "revoked"}
# Field types whose check depends on the cell's text only (see RowValidator.__init__), and how many texts
# per field are remembered (the first ones seen: the values that repeat show up early).
_MEMO_KINDS = frozenset(
    {FieldType.TEXT, FieldType.CODE, FieldType.CODES, FieldType.DATE, FieldType.AMOUNT, FieldType.USCC}
)
_MEMO_LIMIT = 4096
_TEXT_OR_NONE = frozenset({str, type(None)})
# Conditions may read identifiers (a USCC equal to the no-code value 00000000000000000X), which repeat only per subject.
_CONDITION_MEMO_LIMIT = 50_000
_NO_MEMO: dict[str, Any] = {}  # the memo of a field whose check is not memoised: always empty
_REG_NO = re.compile(r"\d{15}")
_RIC_SHAPE = re.compile(r"\d{15}|\d{17}[\dX]")


@dataclass
class _Plan:
    spec: FieldSpec
    column: str  # header in the file ("" when the file has no such column)
    label: str  # column header, or the field's name
    legacy: bool  # arrived under a legacy (2016) column code
    kind: str  # FieldType value


class _Row:
    """Per-row working state."""

    __slots__ = (
        "number",
        "errors",
        "warnings",
        "fields",
        "present",
        "dates",
        "kind",
        "uscc_id",
        "ric",
        "codes",
    )

    def __init__(self, number: int) -> None:
        self.number = number
        self.errors: list[RowIssue] = []
        self.warnings: list[RowIssue] = []
        self.fields: dict[str, Any] = {}
        self.present: set[str] = set()
        self.dates: dict[str, dt.date] = {}
        self.kind: str | None = None
        self.uscc_id: str | None = None
        self.ric: str | None = None
        self.codes: dict[str, str] = {}


class RowValidator:
    """Validates rows of one item version for one department; built once, used for every row."""

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
        core = schema.core_fields
        self.core = core
        legacy_headers = schema.legacy_headers()
        known = set(schema.field_codes)

        self.plans: dict[str, _Plan] = {}
        for spec in schema.fields:
            column = self.columns.get(spec.code, "")
            self.plans[spec.code] = _Plan(
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
        self.required = [
            (self.plans[f.code], None if f.required else _compile(f.required_when, schema))
            for f in schema.fields
            if f.required or f.required_when
        ]
        self._always_required = frozenset(p.spec.code for p, cond in self.required if cond is None)
        self._conditional = [(p, cond) for p, cond in self.required if cond is not None]
        # The conditions read a few cells, whose values repeat from row to row: for the conditions reading
        # the same cells, which of them hold is remembered per value of those cells (texts only).
        groups: dict[tuple[str, ...], list[tuple[int, Condition]]] = {}
        for index, (plan, condition) in enumerate(self._conditional):
            read = tuple(sorted(_condition_fields(plan.spec.required_when)))
            groups.setdefault(read, []).append((index, condition))
        self._condition_groups = [(read, pairs, {}) for read, pairs in groups.items()]
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
            name_field, uscc_field = core.get("source_department_name"), core.get("source_department_uscc")
            if name_field in known and getattr(department, "name", ""):
                self.filled[name_field] = department.name
            if uscc_field in known and getattr(department, "uscc", None):
                self.filled[uscc_field] = department.uscc
        self.alias_fields = {
            f.code: _LEGACY_ALIAS_BY_NAME[f.name] for f in schema.fields if f.name in _LEGACY_ALIAS_BY_NAME
        }
        # The subject's own identifier fields are aliases whatever their name (登记注册 calls it 注册号).
        for role, alias in (("subject_reg_no", "reg_no"), ("subject_org_code", "org_code")):
            if core.get(role) in known:
                self.alias_fields.setdefault(core[role], alias)
        self.ric_type_codes = {"ric"}
        self._raw: Mapping[str, Any] = {}
        self._uscc_ok: set[str] = set()
        checks = {k: getattr(self, v.__name__) for k, v in self._CHECKS.items()}
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
            schema.code_lists.get(self.plans[self._kind_field].spec.code_list or "")
            if (self._kind_field in self.plans)
            else None
        )
        self._kind_of: Callable[[str], str | None] = kind_list.code_for if kind_list else (lambda v: None)
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

    # -- issues --------------------------------------------------------------------------------------

    def _issue(
        self, row: _Row, code: str, plan: _Plan | None, value: Any, *, warning: bool = False, **params
    ):
        personal = bool(plan and plan.spec.personal)
        message = ROW_ISSUE_MESSAGES[code].format(
            row=row.number,
            column=plan.label if plan else "",
            value=_shown(value, personal=personal),
            **params,
        )
        issue = RowIssue(
            code, plan.spec.code if plan else "", plan.column if plan else "", _plain(value), message
        )
        (row.warnings if warning else row.errors).append(issue)

    def _id_issues(
        self, row: _Row, plan: _Plan, value: Any, issues: Iterable[IdIssue], *, warning: bool
    ) -> None:
        cleaned = normalize_code_input(value) if plan.spec.personal else ""
        for issue in issues:
            detail = issue.message
            if len(cleaned) >= 6:
                detail = detail.replace(cleaned, mask_ric(cleaned))  # never echo a full ID number
            self._issue(row, issue.code, plan, value, warning=warning, detail=detail)

    # -- per type ------------------------------------------------------------------------------------

    def _check_text(self, row: _Row, plan: _Plan, raw: Any) -> str | None:
        text = raw.strip() if raw.__class__ is str else _text(raw)
        if text is None:
            self._issue(row, "value_type_invalid", plan, raw)
            return None
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        limit = plan.spec.max_length
        if limit and len(text) > limit:
            self._issue(row, "value_too_long", plan, raw, length=len(text), max_length=limit)
            return None
        return text

    def _check_code(self, row: _Row, plan: _Plan, raw: Any) -> str | None:
        cache = self.code_cache[plan.spec.code]
        key = raw if isinstance(raw, str | int | float) else None
        found = cache.get(key) if key is not None else None
        if found is None:
            found = self._code_value(plan, raw)
            if key is not None and len(cache) < 4096:
                cache[key] = found
        if isinstance(found, str):
            return found
        code, params = found
        self._issue(row, code, plan, raw, **params)
        return None

    def _code_value(self, plan: _Plan, raw: Any) -> str | tuple[str, dict[str, Any]]:
        cl = self.schema.code_lists.get(plan.spec.code_list or "")
        text = _text(raw) if not isinstance(raw, list | tuple) else None
        if cl is None:
            return text if text is not None else ("value_type_invalid", {})
        allowed = {"code_list": cl.name, "allowed": "、".join(cl.values)}
        if text is not None:
            found = cl.canonical(text, legacy=plan.legacy)
            if found is not None:
                return found
        parts = split_values(raw)
        if len(parts) == 1 and (found := cl.canonical(parts[0], legacy=plan.legacy)) is not None:
            return found  # a one-element list (JSON)
        if len(parts) > 1 and all(cl.canonical(p, legacy=plan.legacy) for p in parts):
            return ("code_multiple", {"first": cl.canonical(parts[0], legacy=plan.legacy)})
        return ("code_invalid", allowed)

    def _check_codes(self, row: _Row, plan: _Plan, raw: Any) -> str | None:
        cache = self.code_cache[plan.spec.code]
        key = raw if isinstance(raw, str) else None
        found = cache.get(key) if key is not None else None
        if found is None:
            found = self._codes_value(plan, raw)
            if key is not None and len(cache) < 4096:
                cache[key] = found
        if isinstance(found, str):
            limit = plan.spec.max_length
            if limit and len(found) > limit:
                self._issue(row, "value_too_long", plan, raw, length=len(found), max_length=limit)
                return None
            return found
        code, params = found
        params = dict(params)
        self._issue(row, code, plan, params.pop("bad", raw), **params)
        return None

    def _codes_value(self, plan: _Plan, raw: Any) -> str | tuple[str, dict[str, Any]]:
        cl = self.schema.code_lists.get(plan.spec.code_list or "")
        if cl is None:
            text = _text(raw)
            return text if text is not None else ("value_type_invalid", {})
        values: set[str] = set()
        bad: list[str] = []
        for part in split_values(raw):
            found = cl.canonical(part, legacy=plan.legacy)
            if found is None:
                bad.append(part)
            else:
                values.add(found)
        if bad:
            return (
                "code_invalid",
                {"code_list": cl.name, "allowed": "、".join(cl.values), "bad": "、".join(bad)},
            )
        return MULTI_VALUE_JOIN.join(v for v in cl.values if v in values)

    def _check_date(self, row: _Row, plan: _Plan, raw: Any) -> str | None:
        try:
            day = parse_date_value(raw)
        except DateParseError as exc:
            self._issue(row, exc.code if exc.code != "date_empty" else "date_format", plan, raw)
            return None
        if day < EARLIEST_DATE:
            self._issue(row, "date_too_early", plan, raw, date=day.isoformat())
            return None
        row.dates[plan.spec.code] = day
        return day.isoformat()

    def _check_amount(self, row: _Row, plan: _Plan, raw: Any) -> str | None:
        try:
            number = parse_amount(raw)
        except _AmountError as exc:
            self._issue(row, exc.code, plan, raw, **exc.params)
            return None
        text = raw if raw.__class__ is str and _PLAIN_AMOUNT.fullmatch(raw) else _decimal_text(number)
        if number > AMOUNT_SUSPECT_WAN:
            self._issue(
                row,
                "amount_unit_suspect",
                plan,
                text,
                warning=True,
                yi=_decimal_text(number / 10000),
                suggested=_decimal_text(number / 10000),
            )
        return text

    def _check_uscc(self, row: _Row, plan: _Plan, raw: Any) -> str | None:
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
        if raw.__class__ is str and _uscc_fast(raw, kind):
            code = raw
            if not is_subject and len(self._uscc_ok) < 4096:
                self._uscc_ok.add(raw)
            elif is_subject and len(self._subject_usccs) < _MEMO_LIMIT * 8:
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
                # The reminder is noise when the 工商注册号 it asks for is there (as in subject_resolve).
                if reg_no_field and not _blank(row.fields.get(reg_no_field) or self._raw.get(reg_no_field)):
                    warnings = [w for w in warnings if w.code != "uscc_no_code"]
            if warnings:
                self._id_issues(row, plan, raw, warnings, warning=True)
            if not result.ok:
                return None
            code = result.normalized
        if is_subject:
            row.uscc_id = code
        return code

    def _check_ric(self, row: _Row, plan: _Plan, raw: Any) -> str | None:
        result = self._rics.get(raw) if raw.__class__ is str else None
        if result is None:
            result = check_ric(raw, as_of=self.as_of)
            if raw.__class__ is str:
                if len(self._rics) >= _MEMO_LIMIT * 8:
                    self._rics.clear()
                self._rics[raw] = result
        if result.errors:
            self._id_issues(row, plan, raw, result.errors, warning=False)
        if result.warnings:
            self._id_issues(row, plan, raw, result.warnings, warning=True)
        return result.normalized if result.ok else None

    def _check_org_code(self, row: _Row, plan: _Plan, raw: Any) -> str | None:
        result = check_org_code(raw)
        if result.ok:
            if plan.spec.code in self.alias_fields:
                row.codes[self.alias_fields[plan.spec.code]] = result.normalized
            return result.normalized
        # An auxiliary code: kept as given, flagged, not registered as an alias.
        self._id_issues(row, plan, raw, result.errors, warning=True)
        return result.cleaned

    def _check_reg_no(self, row: _Row, plan: _Plan, raw: Any) -> str | None:
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

    def _check_id_number(self, row: _Row, plan: _Plan, raw: Any) -> str | None:
        type_field = plan.spec.id_type_field
        id_type = row.fields.get(type_field) if type_field else None
        type_code = None
        if id_type:
            cl = self.schema.code_lists.get(self.plans[type_field].spec.code_list or "")
            type_code = self._code_for(cl, id_type) if cl else None
        value = normalize_code_input(raw)
        if type_code in self.ric_type_codes or (
            not id_type and type_field and _blank(self._raw.get(type_field)) and _RIC_SHAPE.fullmatch(value)
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

    # -- the row -------------------------------------------------------------------------------------

    _CHECKS = {
        FieldType.TEXT: _check_text,
        FieldType.CODE: _check_code,
        FieldType.CODES: _check_codes,
        FieldType.DATE: _check_date,
        FieldType.AMOUNT: _check_amount,
        FieldType.USCC: _check_uscc,
        FieldType.RIC: _check_ric,
        FieldType.ORG_CODE: _check_org_code,
        FieldType.REG_NO: _check_reg_no,
        FieldType.ID_NUMBER: _check_id_number,
    }

    def validate(self, number: int, values: Mapping[str, Any]) -> RowResult:
        """Check one row (``{field_code: raw value}``) and build its subject and record when it is valid."""
        row = _Row(number)
        raw_values = dict(values) if self.legacy_defaults or self.filled else values
        for target, defaults in self.legacy_defaults:
            if not _blank(raw_values.get(target)):
                for code, value in defaults.items():
                    if _blank(raw_values.get(code)):
                        raw_values[code] = value
        for code, value in self.filled.items():
            if _blank(raw_values.get(code)):
                raw_values[code] = value
        self._raw = raw_values
        plans = self.plans
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
            elif _blank(raw):
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
                and len(memo) < _MEMO_LIMIT
            ):
                memo[raw] = (value, dates[code]) if code in dates else value
            if code == kind_field:
                row.kind = self._kind_code(value)
            elif code in text_aliases:
                row.codes[text_aliases[code]] = value

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
            text = _describe(plan.spec.required_when or {}, lambda c: plans[c].label if c in plans else c)
            self._issue(row, "required_when_missing", plan, "", condition=text)
            reported_missing.add(code)

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

    def _required_now(self, raw_values: Mapping[str, Any], present: set[str]) -> list[_Plan]:
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
            state = _Row(row.number)
            if row.error == "encoding_invalid_bytes":
                self._issue(state, row.error, None, "", encoding=row.detail or "检测到的")
            else:
                self._issue(state, row.error, None, row.detail)
            return RowResult(row.number, False, state.errors, state.warnings)
        result = self.validate(row.number, mapper(row.values))
        extra = mapper.extra_cells(row.values)
        if extra:
            state = _Row(row.number)
            index, value = extra[0]
            self._issue(state, "row_extra_cells", None, value, count=len(extra), position=index + 1)
            result.errors.insert(0, state.errors[0])
            result.ok = False
            result.subject = result.record = None
        return result

    def _code_for(self, code_list, value: Any) -> str | None:
        """``code_list.code_for(value)``, remembered per list and value."""
        key = (code_list.code, value)
        try:
            return self._codes[key]
        except KeyError:
            found = code_list.code_for(value)
            if len(self._codes) < _MEMO_LIMIT:
                self._codes[key] = found
            return found
        except TypeError:  # an unhashable value
            return code_list.code_for(value)

    def _kind_code(self, value: str) -> str | None:
        kind = self._kinds.get(value)
        if kind is None and value not in self._kinds:
            kind = self._kinds[value] = self._kind_of(value)
        return kind

    # -- cross-field checks --------------------------------------------------------------------------

    def _check_subject(self, row: _Row, reported: set[str]) -> None:
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

    def _check_dates(self, row: _Row) -> None:
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

    def _check_source_department(self, row: _Row) -> None:
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

    # -- outputs -------------------------------------------------------------------------------------

    def _subject(self, row: _Row) -> SubjectInput | None:
        name_field = self._name_field
        kind = row.kind
        if kind is None or not name_field:
            return None
        # row.codes is this row's own dict (the row state is dropped after validation): no copy needed.
        if kind == SubjectKind.NATURAL_PERSON:
            return SubjectInput(kind, row.fields.get(name_field, ""), None, row.ric, row.codes)
        return SubjectInput(kind, row.fields.get(name_field, ""), row.uscc_id, None, row.codes)

    def _record(self, row: _Row) -> RecordInput | None:
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

    def _record_key_missing(self, row: _Row) -> None:
        """Why a row without errors gives no record: the catalog names no key or date field, or the row
        leaves its (optional) decision date empty."""
        self._unbuilt(row, "record_key_missing", ("document_number", "decision_date"))

    def _subject_unresolved(self, row: _Row) -> None:
        """Why a row without errors gives no subject: the catalog names no name or kind field, or the row
        leaves its (optional) kind empty."""
        self._unbuilt(row, "subject_unresolved", ("subject_name", "subject_kind"))

    def _unbuilt(self, row: _Row, code: str, roles: tuple[str, str]) -> None:
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
            if len(memo) < _MEMO_LIMIT:
                memo[value] = found
        return found

    def _severity_of(self, value: Any) -> str:
        cl = self.schema.code_lists.get(self.plans[self._severity_field].spec.code_list or "")
        return (self._code_for(cl, value) if cl else None) or self.severity_default

    def _status_of(self, value: Any) -> str:
        cl = self.schema.code_lists.get(self.plans[self._status_field].spec.code_list or "")
        return _STATUS_BY_CODE.get((self._code_for(cl, value) if cl else "") or "", "effective")


# ---------------------------------------------------------------------------------------------------
# One-row form

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
