"""Parsing of the date forms departments submit (docs/dual-disclosure.md).

Accepted, and nothing else:

- ``date`` / ``datetime`` objects (a spreadsheet date cell; a datetime keeps its date part);
- Excel serial numbers (``int`` or ``float``, 1900 date system: 1 = 1900-01-01, 61 = 1900-03-01; the
  fictitious 1900-02-29 = 60 is refused; a fractional part is a time of day and is dropped); a text of
  exactly five digits (optionally with a fraction) is read as a serial too, since a CSV exported from a
  sheet whose date column was formatted as a number carries ``45047``; an eight-digit number
  (``20230501`` typed into a number cell) is read as ``YYYYMMDD``, never as a serial;
- ``YYYY-MM-DD`` and ``YYYY/MM/DD`` (month and day with one or two digits: ``2023/5/1``), optionally
  followed by a time of day (``2023-05-01 08:30:00``, ``2023-05-01T08:30``) which is dropped;
- ``YYYYMMDD``;
- ``2023年5月1日`` (also ``2023年05月01日``, spaces allowed between the parts).

Full-width digits and punctuation are read as their half-width forms. Everything else raises
:class:`DateParseError` with a stable code and a zh-hans message saying which forms to use:

``date_empty``
    Nothing given.
``date_format``
    Not one of the accepted forms (``23/5/1``, ``2023.05.01``, ``五月一日``, ``May 1, 2023`` …).
``date_invalid``
    The form is right but there is no such day (``2023-13-01``, ``2023-02-30``, ``20230230``).
``date_serial_range``
    A number outside the serial range of real dates (below 1, above 9999-12-31, or 60).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

__all__ = [
    "DATE_ERROR_MESSAGES",
    "DATE_FORMS",
    "EXCEL_EPOCH",
    "LONG_TERM",
    "DateParseError",
    "excel_serial",
    "format_date",
    "parse_date_value",
]

#: 有效期至 of an open-ended decision (长期有效).
LONG_TERM = dt.date(2099, 12, 31)

#: Day 0 of the 1900 date system for serials ≥ 61 (Excel counts the non-existent 1900-02-29 as day 60).
EXCEL_EPOCH = dt.date(1899, 12, 30)
_MAX_SERIAL = (dt.date(9999, 12, 31) - EXCEL_EPOCH).days

_HINT = "请使用 2023-05-01、2023/05/01、20230501 或 2023年5月1日 格式"

DATE_ERROR_MESSAGES: dict[str, str] = {
    "date_empty": "未填写日期。" + _HINT + "。",
    "date_format": "“{value}”不是可识别的日期格式。" + _HINT + "。",
    "date_invalid": "“{value}”不是有效日期（没有这一天）。" + _HINT + "，并核对年月日。",
    "date_serial_range": (
        "“{value}”作为电子表格日期序号超出范围。请将该列单元格设置为“日期”格式，或" + _HINT[1:] + "填写。"
    ),
}


class DateParseError(ValueError):
    """A value is not a date in an accepted form: a stable ``code`` and a zh-hans ``message``."""

    def __init__(self, code: str, value: object = "") -> None:
        self.code = code
        self.value = value
        self.message = DATE_ERROR_MESSAGES[code].format(value=value)
        super().__init__(self.message)


_DASHED = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?")
_COMPACT = re.compile(r"\d{8}")
_CHINESE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_SERIAL_TEXT = re.compile(r"\d{5}(?:\.\d+)?")


def _from_serial(serial: float, shown: object) -> dt.date:
    if not math.isfinite(serial):
        raise DateParseError("date_serial_range", shown)
    days = math.floor(serial)
    if days < 1 or days > _MAX_SERIAL or days == 60:
        raise DateParseError("date_serial_range", shown)
    if days < 60:
        # 1900-01-01 .. 1900-02-28: before the fictitious leap day, Excel's count is one ahead.
        return EXCEL_EPOCH + dt.timedelta(days=days + 1)
    return EXCEL_EPOCH + dt.timedelta(days=days)


def _make(year: str, month: str, day: str, shown: str) -> dt.date:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise DateParseError("date_invalid", shown) from None


def _parse_text(value: str) -> dt.date:
    text = value.strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii():
        # Fast path for the most common form; fromisoformat also rejects 2023-13-01.
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        raise DateParseError("date_empty", value)
    m = _DASHED.fullmatch(text)
    if m:
        return _make(m[1], m[3], m[4], value)
    if _COMPACT.fullmatch(text):
        return _make(text[:4], text[4:6], text[6:], value)
    m = _CHINESE.fullmatch(text)
    if m:
        return _make(m[1], m[2], m[3], value)
    if _SERIAL_TEXT.fullmatch(text):
        return _from_serial(float(text), value)
    raise DateParseError("date_format", value)


def parse_date_value(value: object) -> dt.date:
    """The date ``value`` stands for, in any accepted form; raises :class:`DateParseError` otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return _parse_text(value)
    if value is None:
        raise DateParseError("date_empty", "")
    if isinstance(value, bool):
        raise DateParseError("date_format", value)
    if isinstance(value, int | float):
        if 10_000_000 <= value < 100_000_000 and float(value).is_integer():
            # 20230501 typed into a number cell: eight digits are never a serial (those end at 2958465).
            text = str(int(value))
            return _make(text[:4], text[4:6], text[6:], text)
        return _from_serial(float(value), value)
    if isinstance(value, Decimal):
        try:
            return _from_serial(float(value), value)
        except (InvalidOperation, OverflowError):
            raise DateParseError("date_serial_range", value) from None
    raise DateParseError("date_format", value)


def excel_serial(day: dt.date) -> int:
    """The 1900-system serial number of ``day`` (inverse of :func:`parse_date_value` on numbers)."""
    serial = (day - EXCEL_EPOCH).days
    if serial < 61:
        serial -= 1
    return serial


# The textual forms parse_date_value accepts, as builders (examples, tests).
_FORMS = {
    "iso": lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}",
    "slash": lambda d: f"{d.year:04d}/{d.month:02d}/{d.day:02d}",
    "slash_short": lambda d: f"{d.year:04d}/{d.month}/{d.day}",
    "compact": lambda d: f"{d.year:04d}{d.month:02d}{d.day:02d}",
    "chinese": lambda d: f"{d.year:04d}年{d.month}月{d.day}日",
    "chinese_padded": lambda d: f"{d.year:04d}年{d.month:02d}月{d.day:02d}日",
}


#: Names of the textual forms :func:`format_date` writes.
DATE_FORMS: tuple[str, ...] = tuple(_FORMS)


def format_date(day: dt.date, form: str = "iso") -> str:
    """``day`` written in one of the accepted textual forms (``iso``, ``slash``, ``slash_short``, ``compact``,
    ``chinese``, ``chinese_padded``)."""
    return _FORMS[form](day)
