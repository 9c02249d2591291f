"""Parameter types shared by the API's endpoints.

pydantic reads a bare number as a Unix timestamp (``decision_to=0`` would mean 1970-01-01); the API's
documented date format is ISO 8601, so a number given for a date or a date-time is refused with 422 like any
other parameter that does not match the document.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import BeforeValidator

_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _not_a_number(value: object) -> object:
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError(
            "日期须写作 YYYY-MM-DD（日期时间写作 ISO 8601，如 2026-06-15T08:00:00+08:00），不能是数字"
        )
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_not_a_number)]
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_not_a_number)]
