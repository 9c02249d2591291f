"""Feedback rules: answers and reasons, who may answer, earlier answers kept, the notice, overdue across a
holiday, bulk all-or-nothing, the daily count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.jrp.feedback.conftest import AS_OF
from xinyong.accounts.models import AuditEntry
from xinyong.jrp.deadlines import feedback_due_on
from xinyong.jrp.feedback import selectors
from xinyong.jrp.feedback.services import (
    FeedbackError,
    FeedbackItem,
    feedback_overdue_count,
    feedback_record,
    feedback_record_many,
)
from xinyong.jrp.models import FeedbackOverdueCount, FeedbackState, MeasureFeedback
from xinyong.reports.measure_notices import measure_notice_find, measure_notice_render_html
from xinyong.reports.models import MeasureNotice

NOW = timezone.make_aware(dt.datetime(2026, 6, 16, 10, 0))


def test_applied_records_the_answer_issues_a_notice_and_marks_the_subject_notified(world):
    (item,) = world.check()
    change = feedback_record(feedback=item, state="applied", actor=world.officer, channel="console", now=NOW)
    item.refresh_from_db()
    assert item.state == FeedbackState.APPLIED and item.recorded_by == world.officer
    assert item.subject_notified_at == NOW
    notice = change.notice
    assert notice.number.startswith("XYGZ20260616")
    assert measure_notice_find(number=notice.number, code=notice.verification_code) == notice
    assert measure_notice_find(number=notice.number, code="WRONGCODE") is None
    html = measure_notice_render_html(notice=notice)
    assert "联合惩戒措施实施告知书" in html and world.company.name in html and "限制参加政府采购活动" in html
    assert "失信被执行人" in html
    entry = AuditEntry.objects.filter(action="feedback_record").get()
    assert entry.detail["notice"] == notice.number


@pytest.mark.parametrize("state", ["not_applied", "not_applicable"])
def test_not_applied_and_not_applicable_require_a_reason(world, state):
    (item,) = world.check()
    with pytest.raises(FeedbackError) as caught:
        feedback_record(feedback=item, state=state, reason=" \u200b ", actor=world.officer, channel="console")
    assert caught.value.code == "feedback_reason_required"
    feedback_record(
        feedback=item, state=state, reason="申请人已履行义务", actor=world.officer, channel="console"
    )
    item.refresh_from_db()
    assert item.state == state and item.reason == "申请人已履行义务"
    assert item.subject_notified_at is None and not MeasureNotice.objects.exists()


def test_pending_is_not_an_answer(world):
    (item,) = world.check()
    with pytest.raises(FeedbackError) as caught:
        feedback_record(feedback=item, state="pending", actor=world.officer, channel="console")
    assert caught.value.code == "feedback_state_invalid"


def test_only_the_implementing_department_answers(world):
    (item,) = world.check()
    for actor in (world.other, world.operator, world.auditor):
        with pytest.raises(FeedbackError) as caught:
            feedback_record(feedback=item, state="applied", actor=actor, channel="console")
        assert caught.value.code == "feedback_forbidden"
    assert MeasureFeedback.objects.get(pk=item.pk).state == FeedbackState.PENDING


def test_changing_an_answer_keeps_the_earlier_one_and_notifies_once(world):
    (item,) = world.check()
    feedback_record(
        feedback=item, state="not_applied", reason="系统故障", actor=world.officer, channel="console", now=NOW
    )
    later = NOW + dt.timedelta(hours=2)
    feedback_record(feedback=item, state="applied", actor=world.clerk, channel="api", now=later)
    feedback_record(feedback=item, state="applied", actor=world.clerk, channel="api", now=later)  # no change
    item.refresh_from_db()
    assert item.state == FeedbackState.APPLIED and item.recorded_by == world.clerk
    assert [h["state"] for h in item.history] == ["not_applied"]
    assert item.history[0]["reason"] == "系统故障" and item.history[0]["recorded_by"] == world.officer.pk
    feedback_record(
        feedback=item, state="not_applicable", reason="主体已移出名单", actor=world.clerk, channel="console"
    )
    item.refresh_from_db()
    assert [h["state"] for h in item.history] == ["not_applied", "applied"]
    assert MeasureNotice.objects.count() == 1  # the subject is told once
    assert AuditEntry.objects.filter(action="feedback_record").count() == 3


def test_overdue_counts_working_days_across_a_holiday(world):
    checked = dt.date(2026, 9, 29)  # the National Day holiday follows
    assert feedback_due_on(checked_on=checked) == dt.date(2026, 10, 12)
    (item,) = world.check(on=checked)
    assert item.due_on == dt.date(2026, 10, 12)
    # Ten calendar days later, but inside the five working days: not overdue.
    rows = selectors.feedback_queue(department_ids={world.dept_a.pk}, as_of=dt.date(2026, 10, 9))
    assert [r.overdue for r in rows] == [False]
    assert selectors.pending_counts_by_department(as_of=dt.date(2026, 10, 12))[0]["overdue"] == 0
    assert selectors.pending_counts_by_department(as_of=dt.date(2026, 10, 13))[0]["overdue"] == 1


def test_the_queue_puts_overdue_first_and_stays_in_the_department(world):
    (fresh,) = world.check(on=AS_OF)
    (late,) = world.check(on=dt.date(2026, 5, 4))
    (answered,) = world.check(on=dt.date(2026, 5, 1))
    feedback_record(feedback=answered, state="applied", actor=world.officer, channel="console")
    world.check(department=world.dept_b)
    rows = list(selectors.feedback_queue(department_ids={world.dept_a.pk}, as_of=AS_OF))
    assert [r.pk for r in rows] == [late.pk, fresh.pk, answered.pk]
    assert [r.overdue for r in rows] == [True, False, False]
    assert len(selectors.feedback_queue(department_ids=None, as_of=AS_OF)) == 4


def test_bulk_is_all_or_nothing_with_one_audit_entry(world):
    items = [*world.check(measures=("M-BID", "M-INSPECT")), *world.check(department=world.dept_b)]
    batch = [
        FeedbackItem(number=i, check_id=None, measure_code="", state="applied", reason="", feedback=f)
        for i, f in enumerate(items)
    ]
    result = feedback_record_many(items=batch, actor=world.officer, channel="console", now=NOW)
    assert [e.error_code for e in result.errors] == ["feedback_forbidden"]
    assert not MeasureFeedback.objects.exclude(state="pending").exists()
    good = [
        FeedbackItem(number=i, check_id=None, measure_code="", state="applied", reason="", feedback=f)
        for i, f in enumerate(items[:2])
    ]
    result = feedback_record_many(items=good, actor=world.officer, channel="console", now=NOW)
    assert result.changed == 2 and len(result.notices) == 2
    assert AuditEntry.objects.filter(action="feedback_record_bulk").count() == 1
    assert not AuditEntry.objects.filter(action="measure_notice_issue").exists()


def test_the_daily_job_counts_overdue_per_department_once_per_day(world):
    world.check(on=dt.date(2026, 5, 4), measures=("M-BID", "M-INSPECT"))
    world.check(on=AS_OF)
    world.check(department=world.dept_b, on=dt.date(2026, 5, 6))
    assert feedback_overdue_count(as_of=AS_OF) == 3
    assert feedback_overdue_count(as_of=AS_OF) == 3
    counts = {c.department_id: (c.pending, c.overdue) for c in FeedbackOverdueCount.objects.filter(day=AS_OF)}
    assert counts == {world.dept_a.pk: (3, 2), world.dept_b.pk: (1, 1)}
