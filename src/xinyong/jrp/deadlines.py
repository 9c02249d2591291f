"""The feedback deadline (反馈期限) of a measure returned by a check: one definition for check and feedback.

A measure a check returns is due ``JRP_FEEDBACK_WORKING_DAYS`` working days (default 5) after the day of the
check, counted on the working-day calendar (docs/feedback.md). The due dates are cached in the process
against a version of the calendar read in one small statement (row counts and the latest change of the
calendar's days and entered years), so a check no longer loads the calendar, and an edit of the calendar
takes effect on the next check: the check's write assumes the version it read last and checks it in the
same statement (``feedback_due_on_guess``, ``calendar_unchanged_sql``), reading it again only when it changed.
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
_guard_sql: str | None = None
# The calendar version this process read last (by connection alias): what ``feedback_due_on_guess`` assumes.
_last_version: dict[str, tuple] = {}


def feedback_working_days() -> int:
    """Working days a department has to answer a measure (setting ``JRP_FEEDBACK_WORKING_DAYS``)."""
    return int(getattr(settings, "JRP_FEEDBACK_WORKING_DAYS", DEFAULT_FEEDBACK_WORKING_DAYS))


def _version_parts() -> tuple[list[str], list]:
    """The expressions whose values make the calendar's version, and their parameters."""
    quote = connection.ops.quote_name
    days, years = quote(CalendarDay._meta.db_table), quote(CalendarYear._meta.db_table)
    parts = [
        f"(SELECT COUNT(*) FROM {days})",  # noqa: S608 - table names only, values are parameters
        f"(SELECT COUNT(*) FROM {days} WHERE kind = %s)",  # noqa: S608
        f"(SELECT MAX(entered_at) FROM {days})",  # noqa: S608
        f"(SELECT COUNT(*) FROM {years} WHERE status = %s)",  # noqa: S608
        f"(SELECT MAX(updated_at) FROM {years})",  # noqa: S608
    ]
    return parts, [CalendarDayKind.HOLIDAY.value, CalendarYearStatus.COMPLETE.value]


def _calendar_version() -> tuple:
    """What changes whenever a calendar day or an entered year is added, changed or removed."""
    global _version_sql
    parts, params = _version_parts()
    if _version_sql is None:
        _version_sql = "SELECT " + ", ".join(parts)
    with prepared_cursor() as cursor:
        cursor.execute(_version_sql, params)
        values = tuple(cursor.fetchone())
    _last_version[connection.alias] = values
    return (connection.alias, *values)


def calendar_unchanged_sql(values: tuple) -> tuple[str, list]:
    """A condition true while the calendar's version is still ``values``, with its parameters.

    A write that assumed a due date from ``feedback_due_on_guess`` puts it in its statement, so that an edit
    of the calendar in between makes the write do nothing instead of storing a stale due date.
    """
    global _guard_sql
    parts, params = _version_parts()
    if _guard_sql is None:
        _guard_sql = " AND ".join(f"{part} IS NOT DISTINCT FROM %s" for part in parts)
    kind, status = params
    v_days, v_holidays, v_entered, v_years, v_updated = values
    return _guard_sql, [v_days, kind, v_holidays, v_entered, status, v_years, v_updated]


def feedback_due_on(*, checked_on: dt.date) -> dt.date:
    """The last day to answer a measure returned by a check on ``checked_on`` (working days, 反馈期限)."""
    return _due_on(version=_calendar_version(), checked_on=checked_on)


def _due_on(*, version: tuple, checked_on: dt.date) -> dt.date:
    days = feedback_working_days()
    key = (version, checked_on, days)
    due = _due.get(key)
    if due is None:
        due = working_days_add(start=checked_on, days=days).date
        with _lock:
            if len(_due) > 1000:
                _due.clear()
            _due[key] = due
    return due


def feedback_due_on_guess(*, checked_on: dt.date) -> tuple[dt.date, tuple] | None:
    """The due date by the calendar version this process read last, with that version's values.

    No statement; ``None`` when this date was not computed for that version yet. Only for a write that
    checks the version in the same statement (``calendar_unchanged_sql``).
    """
    values = _last_version.get(connection.alias)
    if values is None:
        return None
    due = _due.get(((connection.alias, *values), checked_on, feedback_working_days()))
    return None if due is None else (due, values)
