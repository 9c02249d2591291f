"""Short zh-hans names of the error and warning codes, for the console's tables, badges and charts.

The full message of each issue (row, column, value, what to do) comes from ``collection.validation`` (row
issues), ``core.identifiers`` (identifiers) and ``collection.readers`` (whole files); this table names each
code in a few words where there is no room for the sentence — a count per code, a chart bar, a badge next
to the message. Every code those modules can emit has a label here (a test checks it); an unknown code is
shown as itself.
"""

from __future__ import annotations

ISSUE_LABELS: dict[str, str] = {
    # -- rows of a file
    "json_line_invalid": "JSON 行格式错误",
    "json_item_invalid": "记录不是 JSON 对象",
    "encoding_invalid_bytes": "含无法识别的字符",
    "row_extra_cells": "单元格超出列标题范围",
    # -- required fields and values
    "required_missing": "必填项未填写",
    "required_when_missing": "条件必填项未填写",
    "value_type_invalid": "值的类型不正确",
    "value_too_long": "内容超过长度上限",
    "code_invalid": "值不在码表中",
    "code_multiple": "只能填写一个值",
    "date_format": "日期格式无法识别",
    "date_invalid": "日期无效",
    "date_serial_range": "电子表格日期无效",
    "date_future": "日期晚于今天",
    "date_too_early": "日期早于 1949 年",
    "date_order": "日期先后顺序有误",
    "amount_format": "金额不是数字",
    "amount_unit_yuan": "金额应以万元为单位",
    "amount_negative": "金额为负数",
    "amount_precision": "金额小数位过多",
    "amount_unit_suspect": "金额异常偏大（可能按元填写）",
    "reg_no_invalid": "工商注册号格式有误",
    # -- the subject
    "subject_code_missing": "缺少主体代码或证件号码",
    "subject_uscc_not_allowed": "自然人不应填写统一社会信用代码",
    "subject_id_type_unsupported": "证件类型暂不支持",
    "source_department_mismatch": "数据来源单位代码与报送部门不一致",
    "subject_unresolved": "无法确定行政相对人",
    "record_key_missing": "无法生成信用记录（缺少去重键或决定日期）",
    # -- 统一社会信用代码
    "excel_truncated": "代码被电子表格截断",
    "uscc_empty": "未填写统一社会信用代码",
    "uscc_length": "统一社会信用代码位数错误",
    "uscc_invalid_char": "统一社会信用代码含无效字符",
    "uscc_division_format": "统一社会信用代码行政区划码错误",
    "uscc_check_digit": "统一社会信用代码校验位错误",
    "uscc_check_digit_mismatch": "统一社会信用代码校验位不符（疑似早期代码）",
    "uscc_check_digit_confirmed": "校验位不符，已确认的早期代码",
    "uscc_check_digit_registered": "校验位不符，登记机关报送的代码",
    "uscc_org_code_check": "统一社会信用代码主体标识码未通过校验",
    "uscc_no_code": "个体工商户无统一社会信用代码",
    "uscc_no_code_format": "无代码占位值格式错误",
    "uscc_no_code_not_allowed": "非个体工商户不能使用无代码占位值",
    "uscc_unknown_category": "统一社会信用代码类别码未知",
    "uscc_kind_mismatch": "代码类别与主体类别不符",
    # -- 身份证号码
    "ric_empty": "未填写身份证号码",
    "ric_length": "身份证号码位数错误",
    "ric_invalid_char": "身份证号码含无效字符",
    "ric_birth_date_invalid": "身份证号码出生日期无效",
    "ric_birth_date_too_early": "身份证号码出生日期早于 1900 年",
    "ric_birth_date_future": "身份证号码出生日期晚于今天",
    "ric_check_digit": "身份证号码校验位错误",
    "ric_upgraded_from_15": "15 位身份证号码已升为 18 位",
    "ric_unknown_region": "身份证号码地址码未知",
    # -- 组织机构代码
    "org_code_empty": "未填写组织机构代码",
    "org_code_length": "组织机构代码位数错误",
    "org_code_invalid_char": "组织机构代码含无效字符",
    "org_code_check_digit": "组织机构代码校验位错误",
    # -- whole files
    "file_empty": "文件为空",
    "file_format_unknown": "文件格式无法识别",
    "encoding_unknown": "字符编码无法识别",
    "header_missing": "缺少列标题",
    "csv_invalid": "CSV 格式错误",
    "xlsx_invalid": "Excel 文件无法读取",
    "sheet_not_found": "找不到工作表",
    "sheet_empty": "工作表没有数据",
    "json_invalid": "JSON 格式错误",
    "json_not_array": "JSON 最外层不是数组",
    # -- limits on what a file may expand to (docs/limits.md)
    "cell_too_long": "单元格内容过长",
    "row_too_long": "行内容过长",
    "too_many_columns": "列数超过上限",
    "too_many_cells": "单元格数超过上限",
    "json_too_deep": "JSON 嵌套层级过深",
    "file_too_large_uncompressed": "解压后文件过大",
    "compression_ratio_too_high": "压缩比异常",
    "xlsx_size_mismatch": "文件大小与声明不符",
}


def issue_label(code: str) -> str:
    """The short zh-hans name of an error or warning code (the code itself when it has none)."""
    return ISSUE_LABELS.get(code, code)
