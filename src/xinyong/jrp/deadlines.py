"""The feedback deadline (反馈期限) of a measure returned by a check: one definition for check and feedback.

A measure a check returns is due ``JRP_FEEDBACK_WORKING_DAYS`` working days (default 5) after the day of the
check, counted on the working-day calendar (docs/feedback.md). The due dates are cached in the process
against a version of the calendar read in one small statement (row counts and the latest change of the
calendar's days and entered years), so a check no longer loads the calendar, and an edit of the calendar
takes effect on the next check.
"""

from __future__ import annotations

import datetime as dt
import threading

from django.conf import settings
from django.db import connection

from xinyong.core.prepared import prepared_cursor
from xinyong.workdays.models import CalendarDay, CalendarDayKind, CalendarYear, CalendarYearStatus
from xinyong.workdays.selectors import working_days_add

DEFAULT_FEEDBACK_WORKING_DAYS = 5

_lock = threading.Lock()
_due: dict[tuple, dt.date] = {}
_version_sql: str | None = None


def feedback_working_days() -> int:
    """Working days a department has to answer a measure (setting ``JRP_FEEDBACK_WORKING_DAYS``)."""
    return int(getattr(settings, "JRP_FEEDBACK_WORKING_DAYS", DEFAULT_FEEDBACK_WORKING_DAYS))


def _calendar_version() -> tuple:
    """What changes whenever a calendar day or an entered year is added, changed or removed."""
    global _version_sql
    if _version_sql is None:
        quote = connection.ops.quote_name
        days, years = quote(CalendarDay._meta.db_table), quote(CalendarYear._meta.db_table)
        _version_sql = (
            f"SELECT (SELECT COUNT(*) FROM {days}),"  # noqa: S608 - table names only, values are parameters
            f" (SELECT COUNT(*) FROM {days} WHERE kind = %s),"
            f" (SELECT MAX(entered_at) FROM {days}),"
            f" (SELECT COUNT(*) FROM {years} WHERE status = %s),"
            f" (SELECT MAX(updated_at) FROM {years})"
        )
    with prepared_cursor() as cursor:
        cursor.execute(_version_sql, [CalendarDayKind.HOLIDAY.value, CalendarYearStatus.COMPLETE.value])
        return (connection.alias, *cursor.fetchone())


def feedback_due_on(*, checked_on: dt.date) -> dt.date:
    """The last day to answer a measure returned by a check on ``checked_on`` (working days, 反馈期限)."""
    days = feedback_working_days()
    key = (_calendar_version(), checked_on, days)
    due = _due.get(key)
    if due is None:
        due = working_days_add(start=checked_on, days=days).date
        with _lock:
            if len(_due) > 1000:
                _due.clear()
            _due[key] = due
    return due
