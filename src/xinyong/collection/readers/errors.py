"""Why an uploaded file cannot be read: :class:`ReadError` with a stable code and a zh-hans message.

Shared by the readers of this package and the bounds on what a file may expand to (:mod:`.limits`,
:mod:`.packages`); the codes and their limits are listed in ``docs/limits.md``.
"""

from __future__ import annotations

from typing import Any

READ_ERROR_MESSAGES: dict[str, str] = {
    "file_empty": "文件是空的（没有任何数据）。请检查是否选错了文件，或导出时是否漏掉了数据。",
    "file_format_unknown": (
        "无法识别文件“{name}”的格式。请上传 CSV（.csv）、Excel（.xlsx、.xls）、JSON（.json）或 NDJSON（.ndjson）文件。"
    ),
    "encoding_unknown": (
        "无法识别文件的字符编码。请在 Excel 或 WPS 中将文件另存为“CSV UTF-8（逗号分隔）”后重新上传。"
    ),
    "header_missing": (
        "文件第一行看起来是数据而不是列标题（{cells}）。请在第一行填写列标题，如“行政相对人名称”或“CF_XDR_MC”。"
    ),
    "csv_invalid": "CSV 文件在第 {line} 行附近格式错误（{detail}）。请用 Excel 或 WPS 打开后重新另存为 CSV。",
    "xlsx_invalid": (
        "无法读取该 Excel 文件（{detail}）。文件可能已损坏、有密码保护或不是 Excel 格式，"
        "请用 Excel 或 WPS 打开后另存为 .xlsx 再上传。"
    ),
    "sheet_not_found": "文件中没有名为“{sheet}”的工作表。文件中的工作表有：{names}。",
    "sheet_empty": "工作表“{sheet}”中没有数据。请选择有数据的工作表。",
    "json_invalid": (
        "JSON 内容格式错误（{detail}）。文件应是一个对象数组，如 "
        '[{{"CF_WSH": "某市监罚〔2024〕1号", "CF_XDR_MC": "某某有限公司"}}]。'
    ),
    "json_not_array": (
        "JSON 文件的最外层应是数组（以“[”开头），每个元素是一条记录。"
        "如果每行是一条记录，请使用 .ndjson 扩展名上传。"
    ),
    "json_too_deep": (
        "{where}的嵌套层级超过 {limit} 层。每条记录应是一个对象，值为文字、数字或日期（至多再嵌套一层），"
        "请将内容逐项填写为字段后重新提交。"
    ),
    "too_many_columns": (
        "{where}有 {count} 列以上，超过 {limit} 列的上限。请检查分隔符是否正确、是否选错了文件，"
        "或删除多余的列后重新上传。"
    ),
    "cell_too_long": (
        "{where}{column}的内容超过 {limit} 个字符的上限。请检查引号是否配对（未配对的引号会把后面的内容"
        "并入同一个单元格），或缩短该内容后重新上传。"
    ),
    "row_too_long": (
        "{where}超过 {limit} 个字符的上限。请检查引号是否配对、换行是否正确，或删除多余的内容后重新上传。"
    ),
    "file_too_large_uncompressed": (
        "文件解压后为 {size}，超过 {limit} 的上限。请将数据拆分为多个文件后分别上传，或改用 CSV 格式。"
    ),
    "too_many_cells": (
        "工作表展开后有 {count} 个单元格，超过 {limit} 个的上限（表格中有大量重复或相距很远的单元格）。"
        "请删除多余的行和列后另存为 .xlsx，或改用 CSV 格式。"
    ),
    "xlsx_size_mismatch": (
        "文件中“{member}”解压后比文件中声明的大小更大，文件可能已损坏或被改动过。"
        "请用 Excel 或 WPS 打开后另存为 .xlsx 再上传，或改用 CSV 格式。"
    ),
    "compression_ratio_too_high": (
        "文件中“{member}”的压缩比为 {ratio} 倍，超过 {limit} 倍的上限，不像是正常导出的表格。"
        "请用 Excel 或 WPS 打开后另存为 .xlsx 再上传，或改用 CSV 格式。"
    ),
}


class ReadError(Exception):
    """A file cannot be read as a table: a stable ``code`` and a zh-hans ``message`` saying what to do."""

    def __init__(self, code: str, message: str | None = None, **params: Any) -> None:
        self.code = code
        self.message = message if message is not None else READ_ERROR_MESSAGES[code].format(**params)
        super().__init__(self.message)
