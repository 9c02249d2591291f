"""Jurisdiction profiles: shipped as dated data, deadlines in working or calendar days."""

import datetime as dt

import pytest

from xinyong.dueprocess.models import JurisdictionProfile
from xinyong.dueprocess.profiles.selectors import (
    OBJECTION,
    REPAIR,
    ProfileError,
    profile_in_force,
    profile_steps,
    step_due,
)
from xinyong.dueprocess.profiles.services import profiles_load

pytestmark = pytest.mark.django_db


def test_shipped_profiles_load_once(profiles):
    codes = set(JurisdictionProfile.objects.values_list("code", flat=True))
    assert {
        "shanghai",
        "guangzhou",
        "credit_reporting",
        "county_15wd",
        "county_15wd_reply",
        "county_20d",
    } <= codes
    again = profiles_load()
    assert again.created == []


def test_default_profile_is_shanghai(profiles):
    profile = profile_in_force(on_date=dt.date(2026, 6, 15))
    assert profile.code == "shanghai"
    labels = [s.label for s in profile_steps(profile=profile, workflow=OBJECTION)]
    assert labels[0] == "异议标注"


def test_profile_missing_before_its_date(profiles):
    with pytest.raises(ProfileError) as err:
        profile_in_force(on_date=dt.date(2010, 1, 1), code="guangzhou")
    assert err.value.code == "profile_missing"


def test_working_days_skip_spring_festival_2026(profiles):
    # 2026-02-14 (Sat) is an adjusted workday, 02-15 … 02-23 the Spring Festival holiday.
    profile = profile_in_force(on_date=dt.date(2026, 2, 13))
    due = step_due(profile=profile, workflow=OBJECTION, step="decide", start=dt.date(2026, 2, 13))
    assert due.due == dt.date(2026, 2, 27)
    assert due.period_text == "5 个工作日"
    assert due.provisional is False


def test_calendar_days_of_credit_reporting_regulation(profiles):
    profile = profile_in_force(on_date=dt.date(2026, 9, 25), code="credit_reporting")
    due = step_due(profile=profile, workflow=OBJECTION, step="decide", start=dt.date(2026, 9, 25))
    # 20 calendar days, National Day or not.
    assert due.due == dt.date(2026, 10, 15)
    assert due.unit == "calendar" and due.period_text == "20 日"


def test_repair_figures_of_order_36_are_marked_unverified(profiles):
    profile = profile_in_force(on_date=dt.date(2026, 6, 15))
    steps = profile_steps(profile=profile, workflow=REPAIR)
    assert [s.step for s in steps] == ["accept", "decide", "extension", "stop_publication"]
    assert all(not s.verified for s in steps)
    assert "第36号" in steps[0].basis


def test_a_deadline_in_a_year_without_its_holidays_is_provisional(profiles):
    # The working-day calendar holds the holidays of the years the State Council has announced; a deadline that
    # falls in a later year is counted by weekends only and marked provisional.
    profile = profile_in_force(on_date=dt.date(2026, 12, 28))
    due = step_due(profile=profile, workflow=OBJECTION, step="source_decide", start=dt.date(2026, 12, 28))
    assert due.due == dt.date(2027, 1, 4)
    assert due.provisional is True
    before = step_due(profile=profile, workflow=OBJECTION, step="decide", start=dt.date(2026, 12, 1))
    assert before.provisional is False
