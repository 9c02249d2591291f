"""Working-day arithmetic (工作日计算) over an in-memory snapshot of the calendar.

Definitions (every deadline in the platform relies on them):

- A date is a working day when it is Monday–Friday and not a 法定节假日, or when it is a Saturday/Sunday
  registered as 调休上班. Only those exceptions are stored (:class:`~xinyong.workdays.models.CalendarDay`).
- ``add_working_days(start, n)`` (:meth:`WorkCalendar.add_working_days`, or
  :func:`~xinyong.workdays.selectors.working_days_add` for one calculation):

  * ``n >= 1``: the n-th working day after ``start``; ``start`` itself is never counted, so "publish
    within 7 working days of the decision" ends on ``add_working_days(decided_on, 7).date``. The result is
    always a working day, even when ``start`` is a rest day.
  * ``n == 0``: ``start`` unchanged.
  * ``n <= -1``: the date ``e`` such that exactly ``|n|`` working days lie in ``(e, start]``, with ``e`` a
    working day. When ``start`` is a working day this is the |n|-th working day before it; when ``start`` is
    a rest day the walk back passes the rest day, so ``add_working_days(Saturday, -1)`` is the Thursday
    (one working day — Friday — lies after it). This is what keeps
    ``working_days_between(d, add_working_days(d, n).date) == n`` true for every ``d`` and ``n``.
- ``working_days_between(start, end)``: the number of working days in ``(start, end]``; negative (minus the
  working days in ``(end, start]``) when ``end < start``, so ``between(a, b) == -between(b, a)``.

Provisional results: each result says whether it relied on a day whose status is not settled. A day is
settled when its year is known (已录入); the last days of December (from 29 December) additionally need the
next year to be known, because the next year's 元旦 arrangement can reach back into them (2007-12-29,
2018-12-29 were 调休上班 and 2018-12-30/31 holidays, all announced in the following year's notice).
Outside the settled days the weekend rule is applied and the result is marked ``provisional=True`` — never a
silent guess.

Cost: counting is arithmetic (weekdays by formula, exceptions by binary search over sorted lists), so a span
of many years costs the same as a week. Each single calculation in :mod:`xinyong.workdays.selectors` reads the calendar years (a few dozen rows) and the
exceptions in a window around the dates (one range query each); bulk callers load a :class:`WorkCalendar`
once with :func:`~xinyong.workdays.selectors.work_calendar_load` and call its methods.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

# From this day of December on, a date's status also depends on the next year's notice (see module docstring).
NEXT_NOTICE_REACHES_BACK_TO = (12, 29)


class WorkdayResult(NamedTuple):
    """Result of :meth:`WorkCalendar.add_working_days`."""

    date: dt.date
    provisional: bool


class WorkdayCount(NamedTuple):
    """Result of :meth:`WorkCalendar.working_days_between`."""

    days: int
    provisional: bool


class WorkdayCheck(NamedTuple):
    """Result of :meth:`WorkCalendar.is_working_day`."""

    is_workday: bool
    provisional: bool


@dataclass(frozen=True)
class CalendarAlert:
    """A year the platform needs but whose holidays are not entered yet."""

    year: int
    code: str
    message: str

    def __str__(self) -> str:
        return self.message


class CalendarWindowError(ValueError):
    """A :class:`WorkCalendar` loaded for a date window was asked about dates outside it."""


def _weekdays_through(ordinal: int) -> int:
    """Number of Monday–Friday dates with ordinal in [1, ordinal] (ordinal 1, 0001-01-01, is a Monday)."""
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


def _is_weekday(ordinal: int) -> bool:
    return (ordinal - 1) % 7 < 5


class WorkCalendar:
    """An in-memory snapshot of the calendar: weekday holidays, weekend workdays and known years.

    ``lo``/``hi`` (ordinals, inclusive) bound the dates whose exceptions were loaded; ``None`` means all.
    """

    def __init__(
        self,
        *,
        holidays: Iterable[dt.date],
        workdays: Iterable[dt.date],
        known_years: Iterable[int],
        lo: dt.date | None = None,
        hi: dt.date | None = None,
    ) -> None:
        # Rows that are not real exceptions (a holiday on a weekend, a workday on a weekday) would be
        # rejected by validation; should one reach the database anyway it changes nothing here.
        self._holidays = sorted(o for o in (d.toordinal() for d in holidays) if _is_weekday(o))
        self._workdays = sorted(o for o in (d.toordinal() for d in workdays) if not _is_weekday(o))
        self._holiday_set = frozenset(self._holidays)
        self._workday_set = frozenset(self._workdays)
        self.known_years = frozenset(known_years)
        self._lo = lo.toordinal() if lo else None
        self._hi = hi.toordinal() if hi else None

    # -- checks -------------------------------------------------------------------------------------

    def _require(self, first: int, last: int) -> None:
        if (self._lo is not None and first < self._lo) or (self._hi is not None and last > self._hi):
            raise CalendarWindowError(
                f"calendar loaded for {dt.date.fromordinal(self._lo or 1)}..{dt.date.fromordinal(self._hi or 1)}, "
                f"asked about {dt.date.fromordinal(first)}..{dt.date.fromordinal(last)}"
            )

    def is_settled(self, day: dt.date) -> bool:
        """True when the day's status comes from an entered calendar, not from the weekend rule."""
        if day.year not in self.known_years:
            return False
        if (day.month, day.day) >= NEXT_NOTICE_REACHES_BACK_TO:
            return day.year + 1 in self.known_years
        return True

    def _unsettled_between(self, first: int, last: int) -> bool:
        """True when any day with ordinal in [first, last] is not settled."""
        if first > last:
            return False
        a, b = dt.date.fromordinal(first), dt.date.fromordinal(last)
        if any(y not in self.known_years for y in range(a.year, b.year + 1)):
            return True
        # Every year in range is known; only late-December days can still depend on an unknown next year.
        for y in range(a.year, b.year + 1):
            tail = dt.date(y, *NEXT_NOTICE_REACHES_BACK_TO)
            if tail <= b and dt.date(y, 12, 31) >= a and y + 1 not in self.known_years:
                return True
        return False

    # -- arithmetic ---------------------------------------------------------------------------------

    def _count(self, a: int, b: int) -> int:
        """Working days with ordinal in (a, b], for a <= b."""
        weekdays = _weekdays_through(b) - _weekdays_through(a)
        holidays = bisect_right(self._holidays, b) - bisect_right(self._holidays, a)
        workdays = bisect_right(self._workdays, b) - bisect_right(self._workdays, a)
        return weekdays - holidays + workdays

    def _is_working(self, o: int) -> bool:
        if _is_weekday(o):
            return o not in self._holiday_set
        return o in self._workday_set

    def is_working_day(self, day: dt.date) -> WorkdayCheck:
        """Whether ``day`` is a working day, and whether that rests on the weekend rule alone."""
        o = day.toordinal()
        self._require(o, o)
        return WorkdayCheck(self._is_working(o), not self.is_settled(day))

    def working_days_between(self, start: dt.date, end: dt.date) -> WorkdayCount:
        """Working days in (start, end]; negative when end < start."""
        s, e = start.toordinal(), end.toordinal()
        lo, hi, sign = (s, e, 1) if s <= e else (e, s, -1)
        self._require(lo + 1, hi)
        return WorkdayCount(sign * self._count(lo, hi), self._unsettled_between(lo + 1, hi))

    def add_working_days(self, start: dt.date, days: int) -> WorkdayResult:
        """The date ``days`` working days away from ``start`` (see the module docstring)."""
        if days == 0:
            return WorkdayResult(start, False)
        s = start.toordinal()
        if days > 0:
            # Smallest e > s with count(s, e) >= days; it is a working day because the count only rises on one.
            lo, hi = s, s + days * 7 // 5 + 7
            self._require(s + 1, hi)
            while self._count(s, hi) < days:
                hi = s + (hi - s) * 2
                self._require(s + 1, hi)
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if self._count(s, mid) >= days:
                    hi = mid
                else:
                    lo = mid
            return WorkdayResult(dt.date.fromordinal(hi), self._unsettled_between(s + 1, hi))
        k = -days
        # Smallest e < s with count(e, s) <= k; count(e, s) == k there and e is a working day.
        lo, hi = s - (k * 7 // 5 + 7), s
        self._require(lo + 1, s)
        while self._count(lo, s) <= k:
            lo = s - (s - lo) * 2
            self._require(lo + 1, s)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self._count(mid, s) <= k:
                hi = mid
            else:
                lo = mid
        return WorkdayResult(dt.date.fromordinal(hi), self._unsettled_between(hi + 1, s))
