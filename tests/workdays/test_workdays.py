"""Working-day arithmetic on the seeded calendar (chinese-calendar 2004–2026) and into unknown years."""

import datetime as dt

import chinese_calendar
import pytest
from django.core.exceptions import ValidationError

from xinyong.accounts.models import Role, User
from xinyong.workdays import services
from xinyong.workdays.arithmetic import CalendarWindowError, WorkdayCheck, WorkdayCount, WorkdayResult
from xinyong.workdays.models import CalendarDay, CalendarDayKind, CalendarYear, CalendarYearStatus
from xinyong.workdays.selectors import (
    calendar_alerts,
    work_calendar_load,
    working_day_check,
    working_days_add,
    working_days_between,
)

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def operator() -> User:
    return User.objects.create_user(username="calendar-op", role=Role.OPERATOR)


def enter_2027_new_year(operator: User) -> None:
    """A 2027 arrangement for the tests (test data, not the State Council's): 1 January (Friday) off."""
    services.calendar_period_enter(
        name="元旦", first=D(2027, 1, 1), last=D(2027, 1, 3), actor=operator, note="测试数据"
    )


# -- Spring Festival 2024 ----------------------------------------------------------------------------


def test_spring_festival_2024_days():
    assert working_day_check(day=D(2024, 2, 4)) == WorkdayCheck(True, False)  # Sunday, 调休上班
    assert working_day_check(day=D(2024, 2, 9)) == (True, False)  # Friday before the holiday
    for day in range(10, 18):
        assert working_day_check(day=D(2024, 2, day)) == (False, False), day
    assert working_day_check(day=D(2024, 2, 18)) == (True, False)  # Sunday, 调休上班
    assert working_day_check(day=D(2024, 2, 24)) == (False, False)  # an ordinary Saturday


def test_seven_working_days_across_spring_festival_2024():
    # Decision on Thursday 8 Feb: 9 Feb (1), holiday 10–17, Sunday 18 (2), 19–23 (3–7).
    assert working_days_add(start=D(2024, 2, 8), days=7) == WorkdayResult(D(2024, 2, 23), False)
    assert working_days_between(start=D(2024, 2, 8), end=D(2024, 2, 23)) == WorkdayCount(7, False)
    # The adjusted Sunday before the holiday counts too: 4 Feb (1), 5–9 (2–6), 18 Feb (7).
    assert working_days_add(start=D(2024, 2, 2), days=7).date == D(2024, 2, 18)


def test_start_on_a_holiday_counts_from_the_next_working_day():
    assert working_days_add(start=D(2024, 2, 12), days=1) == (D(2024, 2, 18), False)
    assert working_days_add(start=D(2024, 2, 17), days=2) == (D(2024, 2, 19), False)


# -- National Day 2025 -------------------------------------------------------------------------------


def test_national_day_2025_days():
    assert working_day_check(day=D(2025, 9, 28)) == (True, False)  # Sunday, 调休上班
    for day in range(1, 9):
        assert working_day_check(day=D(2025, 10, day)) == (False, False), day
    assert working_day_check(day=D(2025, 10, 11)) == (True, False)  # Saturday, 调休上班
    assert working_day_check(day=D(2025, 10, 12)) == (False, False)


def test_seven_working_days_across_national_day_2025():
    # Friday 26 Sep: Sunday 28 (1), 29 (2), 30 (3), holiday 1–8 Oct, 9 (4), 10 (5), Saturday 11 (6), 13 (7).
    assert working_days_add(start=D(2025, 9, 26), days=7) == WorkdayResult(D(2025, 10, 13), False)
    assert working_days_between(start=D(2025, 9, 26), end=D(2025, 10, 13)) == (7, False)
    assert working_days_add(start=D(2025, 9, 30), days=1).date == D(2025, 10, 9)
    # The holiday week contributes nothing.
    assert working_days_between(start=D(2025, 9, 30), end=D(2025, 10, 8)) == (0, False)


# -- definitions at the edges ------------------------------------------------------------------------


def test_zero_days_is_the_start_itself():
    assert working_days_add(start=D(2024, 2, 11), days=0) == (D(2024, 2, 11), False)
    assert working_days_between(start=D(2024, 2, 11), end=D(2024, 2, 11)) == (0, False)


def test_negative_days_go_backwards():
    assert working_days_add(start=D(2024, 2, 19), days=-1) == (D(2024, 2, 18), False)  # the adjusted Sunday
    assert working_days_add(start=D(2024, 2, 18), days=-1) == (D(2024, 2, 9), False)
    assert working_days_add(start=D(2025, 10, 13), days=-7) == (D(2025, 9, 26), False)
    # From a Saturday the walk back passes Friday: one working day lies in (Thursday, Saturday].
    assert working_days_add(start=D(2024, 3, 9), days=-1).date == D(2024, 3, 7)
    assert working_days_between(start=D(2024, 3, 9), end=D(2024, 3, 7)) == (-1, False)


def test_between_is_negative_when_end_is_before_start():
    assert working_days_between(start=D(2024, 2, 23), end=D(2024, 2, 8)) == (-7, False)


def test_many_years_counted_arithmetically_in_two_queries(django_assert_max_num_queries):
    expected, day = 0, D(2004, 1, 2)
    while day <= D(2026, 12, 28):
        expected += chinese_calendar.is_workday(day)
        day += dt.timedelta(days=1)
    with django_assert_max_num_queries(2):
        assert working_days_between(start=D(2004, 1, 1), end=D(2026, 12, 28)) == (expected, False)


def test_before_the_known_calendar_is_provisional():
    assert working_days_add(start=D(2003, 12, 25), days=3) == (D(2003, 12, 30), True)
    assert working_day_check(day=D(2003, 10, 1)) == (True, True)  # weekend rule only, and said so


# -- into an unknown year ----------------------------------------------------------------------------


def test_deadline_running_into_2027_is_provisional():
    # Thursday 24 Dec 2026: 25 (1), 28–31 (2–5), Friday 1 Jan 2027 by the weekend rule (6), 4 Jan (7).
    assert working_days_add(start=D(2026, 12, 24), days=7) == WorkdayResult(D(2027, 1, 4), True)
    assert working_days_between(start=D(2026, 12, 24), end=D(2027, 1, 4)) == (7, True)
    assert working_day_check(day=D(2027, 1, 1)) == (True, True)


def test_last_days_of_december_wait_for_next_years_notice():
    # The next year's 元旦 arrangement has reached back to 29 December (2007, 2018); before it is entered those
    # days are provisional even though their own year is known.
    assert working_days_add(start=D(2026, 12, 22), days=4) == (D(2026, 12, 28), False)
    assert working_days_add(start=D(2026, 12, 22), days=5) == (D(2026, 12, 29), True)
    assert working_day_check(day=D(2026, 12, 28)) == (True, False)
    assert working_day_check(day=D(2026, 12, 31)) == (True, True)
    # For known pairs of years the same days are settled: 2018-12-29 was a Saturday 调休上班.
    assert working_day_check(day=D(2018, 12, 29)) == (True, False)
    assert working_day_check(day=D(2018, 12, 31)) == (False, False)


def test_operator_enters_2027_and_results_change(operator):
    before = working_days_add(start=D(2026, 12, 24), days=7)
    assert before == (D(2027, 1, 4), True)

    enter_2027_new_year(operator)
    # Entered but not confirmed: the holiday is used, the result stays provisional.
    assert working_days_add(start=D(2026, 12, 24), days=7) == (D(2027, 1, 5), True)
    assert CalendarYear.objects.get(year=2027).status == CalendarYearStatus.PENDING

    services.calendar_year_confirm(year=2027, actor=operator, note="测试通知")
    assert working_days_add(start=D(2026, 12, 24), days=7) == (D(2027, 1, 5), False)
    assert working_days_between(start=D(2026, 12, 24), end=D(2027, 1, 5)) == (7, False)
    assert working_day_check(day=D(2027, 1, 1)) == (False, False)
    assert working_day_check(day=D(2026, 12, 31)) == (True, False)
    # Dates beyond 2027 are still provisional.
    assert working_days_add(start=D(2027, 12, 20), days=10).provisional is True


def test_reopening_a_year_makes_it_provisional_again(operator):
    assert working_days_add(start=D(2026, 3, 2), days=3) == (D(2026, 3, 5), False)
    services.calendar_year_reopen(year=2026, actor=operator, reason="通知有更正")
    assert working_days_add(start=D(2026, 3, 2), days=3) == (D(2026, 3, 5), True)
    assert [a.year for a in calendar_alerts(as_of=D(2026, 3, 2))] == [2026]


def test_confirming_a_year_without_any_holiday_is_refused(operator):
    with pytest.raises(ValidationError) as exc:
        services.calendar_year_confirm(year=2028, actor=operator)
    assert exc.value.error_list[0].code == "calendar_year_empty"
    assert "2028年还没有录入任何法定节假日" in exc.value.messages[0]
    assert not CalendarYear.objects.filter(year=2028, status=CalendarYearStatus.COMPLETE).exists()


# -- alerts --------------------------------------------------------------------------------------------


def test_no_alert_while_the_current_year_is_known(as_of):
    assert calendar_alerts(as_of=as_of) == []  # 15 June 2026
    assert calendar_alerts(as_of=D(2026, 9, 30)) == []


def test_alert_for_next_year_from_the_fourth_quarter(operator):
    alerts = calendar_alerts(as_of=D(2026, 10, 1))
    assert [(a.year, a.code) for a in alerts] == [(2027, "calendar_year_missing")]
    assert alerts[0].message == (
        "2027年法定节假日和调休安排尚未录入：涉及2027年的工作日期限按周末推算，标为“暂定”。"
        "请在“工作日历”中按国务院办公厅的放假通知录入，再在“工作日历年度”中确认该年度。"
    )
    enter_2027_new_year(operator)
    assert len(calendar_alerts(as_of=D(2026, 11, 23))) == 1  # entered is not enough: it must be confirmed
    services.calendar_year_confirm(year=2027, actor=operator)
    assert calendar_alerts(as_of=D(2026, 11, 23)) == []
    assert [a.year for a in calendar_alerts(as_of=D(2027, 10, 8))] == [2028]


def test_alert_for_the_current_year_in_any_quarter():
    assert [a.year for a in calendar_alerts(as_of=D(2027, 2, 1))] == [2027]
    assert [a.year for a in calendar_alerts(as_of=D(2028, 12, 31))] == [2028, 2029]


# -- snapshot for bulk callers -------------------------------------------------------------------------


def test_snapshot_answers_without_queries(django_assert_num_queries):
    calendar = work_calendar_load()
    with django_assert_num_queries(0):
        assert calendar.add_working_days(D(2024, 2, 8), 7) == (D(2024, 2, 23), False)
        assert calendar.working_days_between(D(2025, 9, 26), D(2025, 10, 13)) == (7, False)


def test_window_snapshot_refuses_dates_outside_its_window():
    calendar = work_calendar_load(first=D(2024, 2, 1), last=D(2024, 2, 29))
    assert calendar.add_working_days(D(2024, 2, 8), 7).date == D(2024, 2, 23)
    with pytest.raises(CalendarWindowError):
        calendar.add_working_days(D(2024, 2, 8), 30)


def test_rows_that_are_not_exceptions_change_nothing():
    # Written around validation (as a raw import could): a holiday on a Saturday, a workday on a Monday.
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(date=D(2024, 3, 9), kind=CalendarDayKind.HOLIDAY, name="错误数据"),
            CalendarDay(date=D(2024, 3, 11), kind=CalendarDayKind.ADJUSTED_WORKDAY, name="错误数据"),
        ]
    )
    assert working_day_check(day=D(2024, 3, 9)) == (False, False)
    assert working_days_add(start=D(2024, 3, 8), days=5) == (D(2024, 3, 15), False)
