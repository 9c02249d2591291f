"""Property tests of the working-day arithmetic, against a day-by-day reference and chinese-calendar."""

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.workdays.arithmetic import WorkCalendar
from xinyong.workdays.selectors import work_calendar_load, working_days_add, working_days_between

pytestmark = pytest.mark.django_db

D = dt.date
ONE = dt.timedelta(days=1)
dates = st.dates(min_value=D(2005, 1, 1), max_value=D(2030, 12, 31))
counts = st.integers(min_value=0, max_value=300)


def reference_between(calendar: WorkCalendar, start: dt.date, end: dt.date) -> int:
    """Day-by-day count of working days in (start, end] — the definition, without arithmetic."""
    lo, hi, sign = (start, end, 1) if start <= end else (end, start, -1)
    n, day = 0, lo + ONE
    while day <= hi:
        n += calendar.is_working_day(day).is_workday
        day += ONE
    return sign * n


def reference_add(calendar: WorkCalendar, start: dt.date, n: int) -> dt.date:
    """Step one day at a time until the n-th working day after start (n >= 1)."""
    day, seen = start, 0
    while seen < n:
        day += ONE
        seen += calendar.is_working_day(day).is_workday
    return day


def last_working_day_on_or_before(calendar: WorkCalendar, day: dt.date) -> dt.date:
    while not calendar.is_working_day(day).is_workday:
        day -= ONE
    return day


def test_arithmetic_properties():
    calendar = work_calendar_load()

    @settings(max_examples=300, deadline=None)
    @given(start=dates, n=counts)
    def check(start, n):
        forward = calendar.add_working_days(start, n)
        assert calendar.working_days_between(start, forward.date).days == n
        backward = calendar.add_working_days(start, -n)
        assert calendar.working_days_between(start, backward.date).days == -n
        if n >= 1:
            assert calendar.is_working_day(forward.date).is_workday
            assert calendar.is_working_day(backward.date).is_workday
            assert forward.date > start > backward.date
            # Back and forth returns to the start, or to the working day just before a rest day.
            assert calendar.add_working_days(forward.date, -n).date == last_working_day_on_or_before(
                calendar, start
            )
        else:
            assert forward == backward == (start, False)
        # Provisional exactly when a day outside the known calendar is used: 2003 and earlier, or 2027 on
        # together with 29–31 Dec 2026 (they wait for the 2027 notice).
        assert forward.provisional == (n >= 1 and forward.date >= D(2026, 12, 29))
        assert backward.provisional == (
            n >= 1 and (start >= D(2026, 12, 29) or backward.date < D(2003, 12, 31))
        )

    check()


def test_monotonic_in_n():
    calendar = work_calendar_load()

    @settings(max_examples=200, deadline=None)
    @given(
        start=dates, n=st.integers(min_value=-300, max_value=299), step=st.integers(min_value=1, max_value=40)
    )
    def check(start, n, step):
        assert calendar.add_working_days(start, n).date < calendar.add_working_days(start, n + step).date

    check()


def test_between_is_antisymmetric_and_additive():
    calendar = work_calendar_load()

    @settings(max_examples=200, deadline=None)
    @given(a=dates, b=dates, c=dates)
    def check(a, b, c):
        ab = calendar.working_days_between(a, b)
        assert ab == (-calendar.working_days_between(b, a).days, ab.provisional)
        assert ab.days + calendar.working_days_between(b, c).days == calendar.working_days_between(a, c).days

    check()


def test_agrees_with_the_day_by_day_definition():
    calendar = work_calendar_load()

    @settings(max_examples=150, deadline=None)
    @given(
        start=dates,
        n=st.integers(min_value=1, max_value=300),
        span=st.integers(min_value=-400, max_value=400),
    )
    def check(start, n, span):
        assert calendar.add_working_days(start, n).date == reference_add(calendar, start, n)
        end = start + dt.timedelta(days=span)
        assert calendar.working_days_between(start, end).days == reference_between(calendar, start, end)

    check()


def test_matches_chinese_calendar_for_every_day_it_knows():
    calendar = work_calendar_load()
    day = D(2004, 1, 1)
    while day <= D(2026, 12, 31):
        assert calendar.is_working_day(day).is_workday == chinese_calendar.is_workday(day), day
        day += ONE


@settings(max_examples=40, deadline=None)
@given(start=dates, n=st.integers(min_value=-300, max_value=300))
def test_database_functions_agree_with_the_snapshot(start, n):
    # Runs inside the test's transaction; nothing is written, so examples cannot affect each other.
    calendar = work_calendar_load()
    assert working_days_add(start=start, days=n) == calendar.add_working_days(start, n)
    end = start + dt.timedelta(days=n * 3)
    assert working_days_between(start=start, end=end) == calendar.working_days_between(start, end)
