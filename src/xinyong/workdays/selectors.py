"""Reads of the working-day calendar: snapshots for arithmetic, single calculations and missing-year alerts.

The arithmetic itself is :class:`~xinyong.workdays.arithmetic.WorkCalendar`; these functions load the part of
the calendar a calculation needs. Bulk callers load one snapshot with :func:`work_calendar_load` and call its
methods instead of calling the single-calculation functions row by row.
"""

from __future__ import annotations

import datetime as dt

from xinyong.workdays.arithmetic import (
    CalendarAlert,
    CalendarWindowError,
    WorkCalendar,
    WorkdayCheck,
    WorkdayCount,
    WorkdayResult,
)
from xinyong.workdays.models import CalendarDay, CalendarDayKind, CalendarYear, CalendarYearStatus


def calendar_years_known() -> frozenset[int]:
    """Years whose holidays and adjusted workdays are entered (已录入)."""
    return frozenset(
        CalendarYear.objects.filter(status=CalendarYearStatus.COMPLETE).values_list("year", flat=True)
    )


def work_calendar_load(*, first: dt.date | None = None, last: dt.date | None = None) -> WorkCalendar:
    """Snapshot of the calendar for [first, last] (whole table when omitted), for repeated calculations."""
    rows = CalendarDay.objects.all()
    if first is not None:
        rows = rows.filter(date__gte=first)
    if last is not None:
        rows = rows.filter(date__lte=last)
    holidays: list[dt.date] = []
    workdays: list[dt.date] = []
    for day, kind in rows.values_list("date", "kind"):
        (holidays if kind == CalendarDayKind.HOLIDAY else workdays).append(day)
    return WorkCalendar(
        holidays=holidays, workdays=workdays, known_years=calendar_years_known(), lo=first, hi=last
    )


def _clamp(ordinal: int) -> dt.date:
    return dt.date.fromordinal(min(max(ordinal, 1), dt.date.max.toordinal()))


def working_days_add(*, start: dt.date, days: int) -> WorkdayResult:
    """The ``days``-th working day after ``start`` (before it when negative), and whether it is provisional."""
    if days == 0:
        return WorkdayResult(start, False)
    s = start.toordinal()
    # A window that holds the answer unless a year has far more holidays than any so far; the whole
    # table is read in that case.
    span = abs(days) * 2 + 40
    first, last = (_clamp(s + 1), _clamp(s + span)) if days > 0 else (_clamp(s - span), start)
    try:
        return work_calendar_load(first=first, last=last).add_working_days(start, days)
    except CalendarWindowError:
        return work_calendar_load().add_working_days(start, days)


def working_days_between(*, start: dt.date, end: dt.date) -> WorkdayCount:
    """Working days in (start, end] (negative when end < start), and whether the count is provisional."""
    lo, hi = min(start, end), max(start, end)
    if lo == hi:
        return WorkdayCount(0, False)
    return work_calendar_load(first=lo + dt.timedelta(days=1), last=hi).working_days_between(start, end)


def working_day_check(*, day: dt.date) -> WorkdayCheck:
    """Whether ``day`` is a working day, and whether that is provisional (its year is not entered)."""
    return work_calendar_load(first=day, last=day).is_working_day(day)


def calendar_years_needed(*, as_of: dt.date) -> list[int]:
    """Years that must be entered by ``as_of``: this year, and next year from October on.

    The State Council publishes next year's arrangement in November or December, and deadlines running into
    next year start to matter in the fourth quarter.
    """
    years = [as_of.year]
    if as_of.month >= 10:
        years.append(as_of.year + 1)
    return years


def calendar_alerts(*, as_of: dt.date) -> list[CalendarAlert]:
    """zh-hans alerts for the needed years (see :func:`calendar_years_needed`) that are not entered yet."""
    known = calendar_years_known()
    return [
        CalendarAlert(
            year=year,
            code="calendar_year_missing",
            message=(
                f"{year}年法定节假日和调休安排尚未录入：涉及{year}年的工作日期限按周末推算，标为“暂定”。"
                "请在“工作日历”中按国务院办公厅的放假通知录入，再在“工作日历年度”中确认该年度。"
            ),
        )
        for year in calendar_years_needed(as_of=as_of)
        if year not in known
    ]
