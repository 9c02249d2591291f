"""The check's fast paths answer as the general ones: one-subject facts, the cached feedback deadline, the
API's answer written once, a check dated by ``checked_at``, the one-statement read of a USCC (with the entries
that ended when a measure continues after removal), the log row and its feedback written in one statement, and
prepared statements (PostgreSQL) on or off."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.jrp.check.conftest import (
    AS_OF,
    CLEAN_USCC,
    LISTED_USCC,
    MATTER,
    continuing_measure,
    entry_create,
    listed_record,
)
from tests.support import make_user
from xinyong.accounts.models import Role
from xinyong.jrp.check import selectors, services
from xinyong.jrp.check.log import answer_json_text
from xinyong.jrp.check.services import check_run
from xinyong.jrp.deadlines import feedback_due_on
from xinyong.jrp.measures.rulebook import rulebook_compiled
from xinyong.jrp.models import CheckLog, FeedbackState, MeasureFeedback
from xinyong.lists.models import EntryState, ListEntry
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


def _separate_reads(code: str):
    found = selectors.subjects_by_uscc(codes=[code])
    subject = found.get(code)
    if subject is None:
        return None, [], None
    hits = selectors.hits_in_force(subject_ids=[subject.id], as_of=AS_OF).get(subject.id, [])
    return subject, hits, selectors.facts_for(subjects=[subject], as_of=AS_OF)[subject.id]


def test_one_statement_read_of_a_uscc_equals_the_separate_reads(world):
    listed_record(department=world.samr, subject=world.listed, number="F-2", decision=dt.date(2025, 5, 2))
    undated = listed_record(department=world.samr, subject=world.listed, number="F-4")
    entry_create(
        list_type=world.list_type, subject=world.listed, record=undated, department=world.samr, start=None
    )
    earlier = listed_record(department=world.samr, subject=world.listed, number="F-5")
    entry_create(
        list_type=world.list_type,
        subject=world.listed,
        record=earlier,
        department=world.samr,
        start=dt.date(2026, 1, 5),
        disputed=True,
    )
    one = selectors.subject_checked_by_uscc(code=LISTED_USCC, as_of=AS_OF)
    if connection.vendor != "postgresql":
        assert one is None  # read apart where the database has no lateral joins
        return
    subject, hits, facts = one
    assert (subject, hits, facts) == _separate_reads(LISTED_USCC)
    assert [h.effective_from for h in hits] == [dt.date(2026, 1, 5), dt.date(2026, 3, 1), None]
    assert facts.negative_count_3y == 4 and any(h.disputed for h in hits)
    clean, clean_hits, _facts = selectors.subject_checked_by_uscc(code=CLEAN_USCC, as_of=AS_OF)
    assert clean == _separate_reads(CLEAN_USCC)[0] and clean_hits == []
    assert selectors.subject_checked_by_uscc(code="91350100MA00000000", as_of=AS_OF) == (None, [], None)


def test_one_statement_read_with_ended_entries_equals_the_separate_reads(world):
    """Entries that ended are read in the same statement, after those in force, as ``hits_in_force`` does."""
    continuing_measure(world)
    ended = {}
    for number, change in (
        ("E-1", {"state": EntryState.REMOVED, "ended_on": dt.date(2026, 5, 1)}),  # removed: continues
        ("E-2", {"effective_until": dt.date(2026, 4, 30)}),  # past its date, not yet marked expired
        ("E-3", {"state": EntryState.EXPIRED, "effective_until": dt.date(2024, 12, 31)}),  # too long ago
        (
            "E-4",
            {"state": EntryState.REMOVED, "ended_on": dt.date(2026, 5, 1), "end_reason": "撤销：认定有误"},
        ),
        ("E-5", {"state": EntryState.REPAIRED, "ended_on": dt.date(2026, 5, 1)}),
    ):
        record = listed_record(department=world.samr, subject=world.listed, number=number)
        entry = entry_create(
            list_type=world.list_type, subject=world.listed, record=record, department=world.samr
        )
        ListEntry.objects.filter(pk=entry.pk).update(**change)
        ended[number] = entry.pk
    assert rulebook_compiled().max_continuation_months == 12
    hits = selectors.hits_in_force(subject_ids=[world.listed.pk], as_of=AS_OF, continuation_months=12)
    found = [(h.entry_id, h.ended_on) for h in hits[world.listed.pk]]
    assert found == [
        (world.entry.pk, None),
        (ended["E-1"], dt.date(2026, 5, 1)),
        (ended["E-2"], dt.date(2026, 5, 1)),
    ]
    one = selectors.subject_checked_by_uscc(code=LISTED_USCC, as_of=AS_OF, continuation_months=12)
    if connection.vendor != "postgresql":
        assert one is None
    else:
        subject, one_hits, facts = one
        assert (subject, one_hits, facts) == (
            _separate_reads(LISTED_USCC)[0],
            hits[world.listed.pk],
            _separate_reads(LISTED_USCC)[2],
        )
        # Without continuation months, the statement reads the entries in force only.
        assert [h.entry_id for h in selectors.subject_checked_by_uscc(code=LISTED_USCC, as_of=AS_OF)[1]] == [
            world.entry.pk
        ]
    # The check passes them on: the ended entries carry no measure (the one in force does), so they are not shown.
    answer = _check(world)
    assert [h.entry_id for h in answer.hits] == [world.entry.pk] and "M-AFTER" in {
        m.code for m in answer.measures
    }


def _check(world, **kw):
    return check_run(
        requester=world.requester(),
        purpose="办理食品经营许可",
        matter_code=MATTER,
        query=LISTED_USCC,
        as_of=AS_OF,
        channel="api",
        **kw,
    )


def _feedback_of(check_id: int) -> list[tuple]:
    return sorted(
        MeasureFeedback.objects.filter(check_id=check_id).values_list(
            "measure_code", "subject_id", "list_entry_id", "rulebook_number", "matter_code", "department_id",
            "checked_on", "due_on", "state", "reason", "channel", "history", "recorded_at", "recorded_by_id",
            "subject_notified_at",
        )
    )  # fmt: skip


def test_answers_and_feedback_equal_with_and_without_prepared_statements(world, settings):
    settings.XINYONG_DB_PREPARED = False
    plain = _check(world)
    settings.XINYONG_DB_PREPARED = True
    _check(world)  # a connection prepares a statement the second time it sends it
    prepared = _check(world)
    assert plain.check_id != prepared.check_id
    assert answer_json_text(plain).replace(f'"check_id":{plain.check_id}', "") == answer_json_text(
        prepared
    ).replace(f'"check_id":{prepared.check_id}', "")
    rows = _feedback_of(prepared.check_id)
    assert rows == _feedback_of(plain.check_id)
    assert [r[0] for r in rows] == ["M-LIMIT", "M-PERSON"]
    assert all(r[8:] == (FeedbackState.PENDING, "", "", [], None, None, None) for r in rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            statements = [row[0] for row in cursor.fetchall()]
        assert any("jrp_checklog" in text for text in statements)


def test_log_row_and_feedback_are_written_together_or_not_at_all(world, monkeypatch):
    logged = CheckLog.objects.count()
    original = services._feedback_rows

    def twice(**kw):
        rows = original(**kw)
        return rows + [MeasureFeedback(**{f.attname: getattr(rows[0], f.attname) for f in MeasureFeedback._meta.concrete_fields if not f.primary_key})]  # fmt: skip

    monkeypatch.setattr(services, "_feedback_rows", twice)
    with pytest.raises(IntegrityError), transaction.atomic():
        _check(world)
    assert CheckLog.objects.count() == logged
    assert not MeasureFeedback.objects.exists()


def test_a_calendar_edit_between_checks_gives_the_next_check_the_new_due_date(world):
    """The write assumes the calendar version read last and checks it in the same statement (PostgreSQL)."""
    at = timezone.make_aware(dt.datetime(2026, 9, 29, 9, 30))

    def due_of_a_check() -> set[dt.date]:
        answer = _check(world, checked_at=at)
        return set(MeasureFeedback.objects.filter(check_id=answer.check_id).values_list("due_on", flat=True))

    assert due_of_a_check() == {dt.date(2026, 10, 12)}
    with CaptureQueriesContext(connection) as statements:
        answer = _check(world, checked_at=at)  # the version read before, checked by the write
    if connection.vendor == "postgresql":
        assert len(statements) == 2  # the subject with its hits and facts; the log row with its feedback
    assert set(MeasureFeedback.objects.filter(check_id=answer.check_id).values_list("due_on", flat=True)) == {
        dt.date(2026, 10, 12)
    }
    operator = make_user("cal-op", role=Role.OPERATOR)
    day = calendar_day_save(
        day=CalendarDay(date=dt.date(2026, 10, 12), kind=CalendarDayKind.HOLIDAY, name="示例"), actor=operator
    )
    later = working_days_add(start=dt.date(2026, 9, 29), days=5).date
    assert later > dt.date(2026, 10, 12)
    assert due_of_a_check() == {later}
    calendar_day_delete(day=day, actor=operator)
    assert due_of_a_check() == {dt.date(2026, 10, 12)}
    assert CheckLog.objects.count() == 4 and MeasureFeedback.objects.count() == 8
