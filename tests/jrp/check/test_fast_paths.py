"""The check's fast paths answer as the general ones: one-subject facts, the cached feedback deadline, the
API's answer written once, and a check dated by ``checked_at``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.jrp.check.conftest import AS_OF, LISTED_USCC, MATTER, listed_record
from tests.support import make_user
from xinyong.accounts.models import Role
from xinyong.jrp.check import selectors
from xinyong.jrp.check.services import check_run
from xinyong.jrp.deadlines import feedback_due_on
from xinyong.jrp.models import CheckLog, MeasureFeedback
from xinyong.workdays.models import CalendarDay, CalendarDayKind
from xinyong.workdays.selectors import working_days_add
from xinyong.workdays.services import calendar_day_delete, calendar_day_save

pytestmark = pytest.mark.django_db


def test_one_subject_facts_equal_the_set_based_ones(world):
    listed_record(department=world.samr, subject=world.listed, number="F-2", decision=dt.date(2026, 5, 2))
    listed_record(department=world.samr, subject=world.listed, number="F-3", decision=dt.date(2022, 1, 5))
    one = selectors.facts_for(subjects=[selectors.subject_row(subject_id=world.listed.pk)], as_of=AS_OF)
    both = selectors.facts_for(
        subjects=[
            selectors.subject_row(subject_id=world.listed.pk),
            selectors.subject_row(subject_id=world.clean.pk),
        ],
        as_of=AS_OF,
    )
    assert one[world.listed.pk] == both[world.listed.pk]
    assert one[world.listed.pk].last_negative_on == dt.date(2026, 5, 2)
    assert one[world.listed.pk].negative_count_3y == 2
    assert both[world.clean.pk].last_negative_on is None and both[world.clean.pk].negative_count_3y == 0


def test_feedback_deadline_follows_the_setting_and_calendar_edits(settings):
    checked = dt.date(2026, 9, 29)  # the National Day holiday follows
    assert feedback_due_on(checked_on=checked) == dt.date(2026, 10, 12)
    settings.JRP_FEEDBACK_WORKING_DAYS = 3
    three = working_days_add(start=checked, days=3).date
    assert three < dt.date(2026, 10, 12) and feedback_due_on(checked_on=checked) == three
    settings.JRP_FEEDBACK_WORKING_DAYS = 5
    operator = make_user("cal-op", role=Role.OPERATOR)
    day = calendar_day_save(
        day=CalendarDay(date=dt.date(2026, 10, 12), kind=CalendarDayKind.HOLIDAY, name="示例"), actor=operator
    )
    later = working_days_add(start=checked, days=5).date
    assert (
        later > dt.date(2026, 10, 12) and feedback_due_on(checked_on=checked) == later
    )  # not the cached one
    calendar_day_delete(day=day, actor=operator)
    assert feedback_due_on(checked_on=checked) == dt.date(2026, 10, 12)


def test_checked_at_dates_the_log_and_the_feedback(world):
    at = timezone.make_aware(dt.datetime(2026, 9, 29, 9, 30))
    answer = check_run(
        requester=world.requester(),
        purpose="办理食品经营许可",
        matter_code=MATTER,
        query=LISTED_USCC,
        as_of=dt.date(2026, 9, 29),
        channel="api",
        checked_at=at,
    )
    log = CheckLog.objects.get(pk=answer.check_id)
    assert log.checked_at == at and log.checked_on == dt.date(2026, 9, 29)
    due = set(MeasureFeedback.objects.filter(check_id=answer.check_id).values_list("checked_on", "due_on"))
    assert due == {(dt.date(2026, 9, 29), dt.date(2026, 10, 12))}
