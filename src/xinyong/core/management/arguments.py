"""Argument types for the ``xinyong`` commands: a bad value gets a zh-hans message, not a traceback.

argparse reports an ``ArgumentTypeError`` as ``xinyong <command>: error: argument <name>: <message>`` and
exits with status 2.
"""

from __future__ import annotations

import argparse
import datetime as dt


def iso_date(value: str) -> dt.date:
    """A date written YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"[date_invalid] 日期“{value}”无效，请按 2027-01-04（年-月-日）的格式填写"
        ) from None


def positive_int(value: str) -> int:
    """A whole number of at least 1."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"[number_invalid] “{value}”无效，请填写大于 0 的整数")
    return number


def whole_number(value: str) -> int:
    """A whole number (negative allowed)."""
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"[number_invalid] “{value}”无效，请填写整数") from None
