"""Cell values: their text, how they are quoted in a message, and amounts in 万元.

Canonical forms: text without outer whitespace (numbers from a spreadsheet without ``.0``); amounts in 万元
as a decimal string without exponent or trailing zeros (``1,234.50`` → ``1234.5``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from typing import Any

from xinyong.core.masking import mask_ric

#: No record of this platform predates the People's Republic.
EARLIEST_DATE = dt.date(1949, 10, 1)
#: An amount above this many 万元 (10 亿元) is probably in 元: warning ``amount_unit_suspect``.
AMOUNT_SUSPECT_WAN = Decimal(100000)
AMOUNT_MAX_DECIMALS = 6
MULTI_VALUE_JOIN = "；"


def shown(value: Any, *, personal: bool = False) -> str:
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


def plain(value: Any) -> Any:
    """A value as stored with an issue (JSON-friendly)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def cell_text(value: Any) -> str | None:
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


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value or value.isspace()
    if isinstance(value, list | tuple):
        return all(is_blank(v) for v in value)
    return False


# Already canonical: no sign, no leading zeros, at most 6 decimals, no trailing zero.
PLAIN_AMOUNT = re.compile(r"(?:0|[1-9]\d{0,14})(?:\.\d{0,5}[1-9])?")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


class AmountError(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params


def decimal_text(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def parse_amount(value: Any) -> Decimal:
    """An amount in 万元 as Decimal; raises AmountError(code) for text that is not such an amount."""
    if value.__class__ is str and PLAIN_AMOUNT.fullmatch(value):
        return Decimal(value)
    if isinstance(value, bool):
        raise AmountError("amount_format")
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
            raise AmountError("amount_format")
        number = Decimal(text)
        if yuan:
            raise AmountError("amount_unit_yuan", suggested=decimal_text(number / 10000))
    if not number.is_finite():
        raise AmountError("amount_format")
    if number < 0:
        raise AmountError("amount_negative")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -AMOUNT_MAX_DECIMALS:
        raise AmountError("amount_precision")
    return number
