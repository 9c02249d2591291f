"""Operators keep the calendar in the admin console; everybody there sees the missing-year alert."""

import datetime as dt

import pytest
from django.urls import reverse

from xinyong.accounts.models import AuditEntry, Role, User
from xinyong.workdays.models import (
    CalendarDay,
    CalendarDayKind,
    CalendarSource,
    CalendarYear,
    CalendarYearStatus,
)
from xinyong.workdays.selectors import working_days_add

pytestmark = pytest.mark.django_db

D = dt.date
ALERT_2027 = "2027年法定节假日和调休安排尚未录入"
DAY_ADD = reverse("admin:workdays_calendarday_add")
YEAR_ADD = reverse("admin:workdays_calendaryear_add")
PERIOD = reverse("admin:workdays_calendarday_enter_period")


@pytest.fixture(autouse=True)
def console_today(monkeypatch):
    """The console judges alerts by today's date; pin it to late November 2026."""
    monkeypatch.setattr("xinyong.workdays.templatetags.workdays_calendar.today", lambda: D(2026, 11, 23))


def make_user(username: str, role: str) -> User:
    return User.objects.create_user(username=username, role=role)


@pytest.fixture
def operator_client(client):
    client.force_login(make_user("calendar-op", Role.OPERATOR))
    return client


def add_day(client, date: str, kind: str, name: str = "元旦", note: str = ""):
    return client.post(DAY_ADD, {"date": date, "kind": kind, "name": name, "note": note})


def test_alert_on_index_and_calendar_pages_until_the_year_is_confirmed(operator_client):
    for url in (
        reverse("admin:index"),
        reverse("admin:workdays_calendarday_changelist"),
        reverse("admin:workdays_calendaryear_changelist"),
    ):
        page = operator_client.get(url).content.decode()
        assert ALERT_2027 in page, url
        assert "标为“暂定”" in page

    response = operator_client.post(
        PERIOD,
        {
            "name": "元旦",
            "first": "2027-01-01",
            "last": "2027-01-03",
            "adjusted_workdays": "",
            "note": "测试通知",
        },
    )
    assert response.status_code == 302
    assert (
        ALERT_2027 in operator_client.get(reverse("admin:index")).content.decode()
    )  # entered, not confirmed

    year = CalendarYear.objects.get(year=2027)
    response = operator_client.post(
        reverse("admin:workdays_calendaryear_change", args=[year.pk]), {"note": "测试通知", "confirm": "on"}
    )
    assert response.status_code == 302, response.content.decode()
    year.refresh_from_db()
    assert (year.status, year.source, year.confirmed_by.username) == (
        CalendarYearStatus.COMPLETE,
        CalendarSource.OPERATOR,
        "calendar-op",
    )
    for url in (reverse("admin:index"), reverse("admin:workdays_calendarday_changelist")):
        assert ALERT_2027 not in operator_client.get(url).content.decode()
    assert working_days_add(start=D(2026, 12, 24), days=7) == (D(2027, 1, 5), False)


def test_operator_adds_a_day_and_it_is_recorded(operator_client):
    response = add_day(operator_client, "2027-01-01", CalendarDayKind.HOLIDAY, note="测试通知")
    assert response.status_code == 302
    day = CalendarDay.objects.get(date=D(2027, 1, 1))
    assert (day.source, day.entered_by.username, day.is_workday) == (
        CalendarSource.OPERATOR,
        "calendar-op",
        False,
    )
    assert CalendarYear.objects.get(year=2027).status == CalendarYearStatus.PENDING
    entries = AuditEntry.objects.filter(object_type="workdays.calendarday", object_id=str(day.pk))
    assert [(e.action, e.actor_name) for e in entries] == [("create", "calendar-op")]  # logged once


def test_holiday_on_a_weekend_is_refused(operator_client):
    response = add_day(operator_client, "2027-01-02", CalendarDayKind.HOLIDAY)
    assert response.status_code == 200
    assert "2027年1月2日（星期六）是周末，本来就不上班，无需登记为法定节假日" in response.content.decode()
    assert not CalendarDay.objects.filter(date=D(2027, 1, 2)).exists()


def test_adjusted_workday_on_a_weekday_is_refused(operator_client):
    response = add_day(operator_client, "2027-02-08", CalendarDayKind.ADJUSTED_WORKDAY, name="春节")
    assert "2027年2月8日（星期一）本来就是工作日，不能登记为调休上班" in response.content.decode()
    assert not CalendarDay.objects.filter(date=D(2027, 2, 8)).exists()


def test_duplicate_date_and_missing_name_are_refused(operator_client):
    response = add_day(operator_client, "2024-02-12", CalendarDayKind.HOLIDAY, name="春节")
    assert "该日期已登记，请直接修改原有记录" in response.content.decode()
    response = add_day(operator_client, "2027-01-01", CalendarDayKind.HOLIDAY, name="")
    assert response.status_code == 200
    assert not CalendarDay.objects.filter(date=D(2027, 1, 1)).exists()


def test_mistyped_year_is_refused(operator_client):
    response = add_day(operator_client, "2207-01-01", CalendarDayKind.HOLIDAY)
    assert "年份应在1990年至2100年之间" in response.content.decode()


def test_editing_a_package_day_makes_it_the_operators(operator_client):
    day = CalendarDay.objects.get(date=D(2025, 10, 8))
    response = operator_client.post(
        reverse("admin:workdays_calendarday_change", args=[day.pk]),
        {"date": "2025-10-08", "kind": CalendarDayKind.HOLIDAY, "name": "国庆节、中秋节", "note": ""},
    )
    assert response.status_code == 302
    day.refresh_from_db()
    assert (day.name, day.source) == ("国庆节、中秋节", CalendarSource.OPERATOR)


def test_deleting_a_day_is_logged(operator_client):
    day = CalendarDay.objects.get(date=D(2024, 2, 18))
    response = operator_client.post(
        reverse("admin:workdays_calendarday_delete", args=[day.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert working_days_add(start=D(2024, 2, 8), days=2) == (
        D(2024, 2, 19),
        False,
    )  # Sunday 18 Feb no longer counts
    assert AuditEntry.objects.filter(object_type="workdays.calendarday", action="delete").exists()


def test_period_entry_registers_only_weekday_holidays_and_weekend_workdays(operator_client):
    response = operator_client.post(
        PERIOD,
        {
            "name": "春节",
            "first": "2028-01-25",
            "last": "2028-02-01",
            "adjusted_workdays": "2028年1月22日（周六）、2028-02-05",
            "note": "测试数据",
        },
    )
    assert response.status_code == 302
    rows = CalendarDay.objects.filter(date__year=2028).order_by("date")
    assert [(r.date, r.kind) for r in rows] == [
        (D(2028, 1, 22), CalendarDayKind.ADJUSTED_WORKDAY),
        (D(2028, 1, 25), CalendarDayKind.HOLIDAY),
        (D(2028, 1, 26), CalendarDayKind.HOLIDAY),
        (D(2028, 1, 27), CalendarDayKind.HOLIDAY),
        (D(2028, 1, 28), CalendarDayKind.HOLIDAY),
        (D(2028, 1, 31), CalendarDayKind.HOLIDAY),
        (D(2028, 2, 1), CalendarDayKind.HOLIDAY),
        (D(2028, 2, 5), CalendarDayKind.ADJUSTED_WORKDAY),
    ]
    assert {r.note for r in rows} == {"测试数据"}


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"first": "2028-02-01", "last": "2028-01-25"}, "早于开始日期"),
        ({"first": "2028-01-01", "last": "2028-03-01"}, "放假期间超过31天"),
        ({"adjusted_workdays": "2028-01-24"}, "2028年1月24日（星期一）本来就是工作日，不能登记为调休上班"),
        ({"adjusted_workdays": "2028-01-26"}, "在放假期间内"),
        ({"adjusted_workdays": "下周六"}, "无法识别“下周六”"),
        ({"adjusted_workdays": "2028-02-30"}, "不是有效日期"),
        ({"name": "   "}, "请填写节日名称"),
    ],
)
def test_period_entry_errors(operator_client, form, message):
    data = {"name": "春节", "first": "2028-01-25", "last": "2028-02-01", "adjusted_workdays": "", "note": ""}
    response = operator_client.post(PERIOD, {**data, **form})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CalendarDay.objects.filter(date__year=2028).exists()


def test_confirming_an_empty_year_is_refused(operator_client):
    response = operator_client.post(YEAR_ADD, {"year": "2028", "note": "", "confirm": "on"})
    assert response.status_code == 200
    assert "2028年还没有录入任何法定节假日，不能确认该年度" in response.content.decode()
    assert not CalendarYear.objects.filter(year=2028).exists()


def test_adding_an_existing_year_is_refused(operator_client):
    response = operator_client.post(YEAR_ADD, {"year": "2026", "note": ""})
    assert "该年度已存在" in response.content.decode()


def test_reopen_action_brings_the_alert_back(operator_client, monkeypatch):
    monkeypatch.setattr("xinyong.workdays.templatetags.workdays_calendar.today", lambda: D(2026, 6, 15))
    index = reverse("admin:index")
    assert "2026年法定节假日" not in operator_client.get(index).content.decode()
    year = CalendarYear.objects.get(year=2026)
    response = operator_client.post(
        reverse("admin:workdays_calendaryear_changelist"),
        {"action": "reopen_years", "_selected_action": [year.pk]},
    )
    assert response.status_code == 302
    assert "2026年法定节假日和调休安排尚未录入" in operator_client.get(index).content.decode()
    response = operator_client.post(
        reverse("admin:workdays_calendaryear_changelist"),
        {"action": "confirm_years", "_selected_action": [year.pk]},
    )
    assert "2026年法定节假日" not in operator_client.get(index).content.decode()
    assert CalendarYear.objects.get(year=2026).confirmed_by.username == "calendar-op"


def test_years_cannot_be_deleted(operator_client):
    year = CalendarYear.objects.get(year=2026)
    assert (
        operator_client.get(reverse("admin:workdays_calendaryear_delete", args=[year.pk])).status_code == 403
    )


def test_auditor_reads_but_cannot_change(client):
    client.force_login(make_user("auditor", Role.AUDITOR))
    assert client.get(reverse("admin:workdays_calendarday_changelist")).status_code == 200
    assert add_day(client, "2027-01-01", CalendarDayKind.HOLIDAY).status_code == 403
    assert (
        client.post(PERIOD, {"name": "元旦", "first": "2027-01-01", "last": "2027-01-01"}).status_code == 403
    )
    assert not CalendarDay.objects.filter(date=D(2027, 1, 1)).exists()


def test_window_clerk_has_no_calendar_admin_but_sees_the_alert(client):
    client.force_login(make_user("clerk", Role.WINDOW_CLERK))
    assert client.get(reverse("admin:workdays_calendarday_changelist")).status_code == 403
    assert add_day(client, "2027-01-01", CalendarDayKind.HOLIDAY).status_code == 403
    page = client.get(reverse("admin:index")).content.decode()
    assert ALERT_2027 in page
    assert reverse("admin:workdays_calendaryear_changelist") not in page
