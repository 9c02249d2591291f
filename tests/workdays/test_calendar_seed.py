"""Seeding the calendar from chinese-calendar, and the ``xinyong calendar`` command."""

import datetime as dt
import io

import pytest
from django.apps import apps as global_apps
from django.core.management import CommandError, call_command

from xinyong.accounts.models import AuditEntry, Role, User
from xinyong.workdays import services
from xinyong.workdays.models import (
    CalendarDay,
    CalendarDayKind,
    CalendarSource,
    CalendarYear,
    CalendarYearStatus,
)
from xinyong.workdays.selectors import working_days_add
from xinyong.workdays.signals import seed_calendar_after_migrate

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def operator() -> User:
    return User.objects.create_user(username="calendar-op", role=Role.OPERATOR)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


def test_fresh_database_has_the_package_calendar():
    exceptions = services.calendar_package_exceptions()
    assert services.calendar_package_years() == list(range(2004, 2027))
    assert CalendarDay.objects.count() == len(exceptions)
    assert set(CalendarDay.objects.values_list("source", flat=True)) == {CalendarSource.PACKAGE}
    years = CalendarYear.objects.filter(status=CalendarYearStatus.COMPLETE, source=CalendarSource.PACKAGE)
    assert sorted(years.values_list("year", flat=True)) == list(range(2004, 2027))
    spring = CalendarDay.objects.get(date=D(2024, 2, 12))
    assert (spring.kind, spring.name, spring.is_workday) == (CalendarDayKind.HOLIDAY, "春节", False)
    sunday = CalendarDay.objects.get(date=D(2024, 2, 18))
    assert (sunday.kind, sunday.name, sunday.is_workday) == (CalendarDayKind.ADJUSTED_WORKDAY, "春节", True)
    # Only exceptions to the weekend rule are stored: Saturday 10 Feb 2024 is off anyway.
    assert not CalendarDay.objects.filter(date=D(2024, 2, 10)).exists()


def test_seeding_again_changes_nothing_and_logs_nothing():
    before = AuditEntry.objects.count()
    report = services.calendar_seed()
    assert (report.created, report.updated, report.removed, report.years_confirmed) == (0, 0, 0, [])
    assert not report.changed
    assert AuditEntry.objects.count() == before


def test_seeding_repairs_package_rows_but_never_touches_operator_rows(operator):
    # The operator registers 除夕 2024 as a holiday and takes over a package row by editing it.
    services.calendar_day_save(
        day=CalendarDay(date=D(2024, 2, 9), kind=CalendarDayKind.HOLIDAY, name="春节（除夕）"), actor=operator
    )
    edited = CalendarDay.objects.get(date=D(2025, 10, 8))
    edited.name = "国庆节、中秋节"
    services.calendar_day_save(day=edited, actor=operator)
    # Package rows drift: one renamed, one deleted.
    CalendarDay.objects.filter(date=D(2024, 10, 1)).update(name="改过的名称")
    CalendarDay.objects.filter(date=D(2024, 2, 18)).delete()

    report = services.calendar_seed()
    assert (report.created, report.updated, report.removed) == (1, 1, 0)
    assert report.kept_operator == 1  # 2025-10-08 is in the package too; 2024-02-09 is not
    assert CalendarDay.objects.get(date=D(2024, 10, 1)).name == "国庆节"
    assert CalendarDay.objects.get(date=D(2024, 2, 18)).source == CalendarSource.PACKAGE
    kept = CalendarDay.objects.get(date=D(2025, 10, 8))
    assert (kept.name, kept.source, kept.entered_by) == ("国庆节、中秋节", CalendarSource.OPERATOR, operator)
    assert CalendarDay.objects.get(date=D(2024, 2, 9)).source == CalendarSource.OPERATOR
    assert working_days_add(start=D(2024, 2, 8), days=1) == (D(2024, 2, 18), False)
    assert AuditEntry.objects.filter(action="import", object_type="workdays.calendarday").exists()

    again = services.calendar_seed()
    assert not again.changed


def test_seeding_removes_package_rows_the_package_no_longer_has():
    CalendarDay.objects.create(
        date=D(2024, 3, 13), kind=CalendarDayKind.HOLIDAY, name="旧版数据", source=CalendarSource.PACKAGE
    )
    report = services.calendar_seed()
    assert report.removed == 1
    assert not CalendarDay.objects.filter(date=D(2024, 3, 13)).exists()


def test_after_migrate_only_new_years_are_seeded(operator):
    services.calendar_year_reopen(year=2026, actor=operator, reason="核对中")
    CalendarYear.objects.filter(year=2025).delete()
    CalendarDay.objects.filter(date__year=2025).delete()

    seed_calendar_after_migrate(sender=None, using="default", apps=global_apps, verbosity=0)

    # The reopened year stays reopened (an operator decision); the missing year comes back.
    assert CalendarYear.objects.get(year=2026).status == CalendarYearStatus.PENDING
    assert CalendarYear.objects.get(year=2025).status == CalendarYearStatus.COMPLETE
    assert working_days_add(start=D(2025, 9, 26), days=7) == (D(2025, 10, 13), False)


def test_explicit_seed_confirms_a_pending_package_year(operator):
    services.calendar_year_reopen(year=2026, actor=operator, reason="核对中")
    report = services.calendar_seed()
    assert report.years_confirmed == [2026]
    row = CalendarYear.objects.get(year=2026)
    assert (row.status, row.source, row.confirmed_by) == (
        CalendarYearStatus.COMPLETE,
        CalendarSource.PACKAGE,
        None,
    )


def test_seed_command_reports_what_it_did():
    CalendarDay.objects.filter(date__year=2024).delete()
    expected = sum(1 for day in services.calendar_package_exceptions() if day.year == 2024)
    out = run("seed")
    assert f"2004–2026 年；新增 {expected} 天" in out
    assert CalendarDay.objects.filter(date__year=2024).count() == expected
    assert "工作日历已是最新" in run("seed")


def test_status_command_lists_years_and_alerts(operator):
    out = run("status", "--as-of", "2026-11-23")
    assert "已录入年度：2004–2026" in out
    assert "2027年法定节假日和调休安排尚未录入" in out
    with pytest.raises(CommandError):
        run("status", "--as-of", "2026-11-23", "--check")

    services.calendar_period_enter(name="元旦", first=D(2027, 1, 1), last=D(2027, 1, 1), actor=operator)
    assert "未录入完毕：2027年（已登记放假 1 天、调休上班 0 天）" in run("status", "--as-of", "2026-11-23")
    services.calendar_year_confirm(year=2027, actor=operator, note="测试通知")
    out = run("status", "--as-of", "2026-11-23", "--check")
    assert "已录入年度：2004–2027" in out
    assert "2027年：人工确认（calendar-op" in out
    assert "提醒（截至 2026-11-23）：无" in out


def test_deadline_and_between_commands():
    assert run("deadline", "2024-02-08", "7").strip() == "2024-02-23"
    assert run("deadline", "2026-12-24", "7").strip() == "2027-01-04（暂定：涉及未录入年度，按周末推算）"
    assert run("between", "2025-09-26", "2025-10-13").strip() == "7"
    with pytest.raises(CommandError, match="日期“2024-02-30”无效"):
        run("deadline", "2024-02-30", "7")
