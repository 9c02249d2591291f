"""The issues a row can have: their codes, zh-hans messages, and which of them are only warnings.

A row gives a :class:`RowResult`: errors (the row is rejected), warnings (the row loads, the problem is
reported), and for a valid row the :class:`SubjectInput` and :class:`RecordInput` that the bulk loader stores.
Identifier codes and their explanations come from :mod:`xinyong.core.identifiers` (docs/identifiers.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xinyong.core.identifiers import MESSAGES as ID_MESSAGES
from xinyong.records.loading.prepare import RecordInput
from xinyong.subjects.bulk import SubjectInput

__all__ = ["ROW_ISSUE_MESSAGES", "WARNING_CODES", "RowIssue", "RowResult"]

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


@dataclass(slots=True)
class RowResult:
    """What validating one row gives: its issues, and for a valid row the subject and record to load."""

    number: int
    ok: bool
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    subject: SubjectInput | None = None
    record: RecordInput | None = None
