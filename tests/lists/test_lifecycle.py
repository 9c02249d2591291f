# ruff: noqa: F811  (fixtures imported from tests.lists.decided_support)
"""The lifecycle of entries on lists decided on the platform: propose → notify → effective → ended."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.lists.decided_support import (  # noqa: F401
    catalog,
    company,
    decided_type,
    escalation_rules,
    fast_password_hashing,
    list_type_make,
    operator,
    penalty,
    samr,
    work_calendar,
)
from xinyong.accounts.models import AuditEntry
from xinyong.lists.lifecycle import (
    LifecycleError,
    entry_decline,
    entry_make_effective,
    entry_propose,
    entry_remove,
)
from xinyong.lists.models import EntryOrigin, EntryState, ListColour, ListEntry, ListingMode
from xinyong.lists.scheduled import decided_entries_daily
from xinyong.lists.selectors import entries_in_force
from xinyong.lists.services import list_entries_expire
from xinyong.records.models import Channel, CreditRecord
from xinyong.records.selectors import records_in_force
from xinyong.reports.models import ReportKind
from xinyong.reports.notices import notice_for_entry, notice_issue
from xinyong.reports.selectors import report_verify
from xinyong.reports.services import report_render_html

pytestmark = pytest.mark.django_db

NOTIFIED_ON = dt.date(2026, 9, 29)  # Tuesday before the National Day holiday 2026 (10-01 … 10-07)
DUE = dt.date(2026, 10, 12)  # 5 working days: 09-30, 10-08, 10-09, 10-10 (调休 Saturday), 10-12


@pytest.fixture
def proposed(catalog, company, samr, decided_type, operator):
    record = penalty(company, samr, on=dt.date(2026, 9, 1))
    return entry_propose(
        list_type=decided_type,
        subject=company,
        reason="发生较大生产安全责任事故，造成 3 人死亡",
        basis_record_ids=[record.pk],
        on_date=dt.date(2026, 9, 20),
        actor=operator,
        department=samr,
    )


@pytest.fixture
def notified(proposed, operator, work_calendar):
    notice_issue(entry=proposed, on_date=NOTIFIED_ON, actor=operator)
    proposed.refresh_from_db()
    return proposed


def test_propose_creates_a_proposed_entry_with_its_event(proposed, operator):
    assert proposed.state == EntryState.PROPOSED
    assert proposed.origin == EntryOrigin.PLATFORM
    events = list(proposed.events.all())
    assert [(e.from_state, e.to_state) for e in events] == [("", EntryState.PROPOSED)]
    assert events[0].actor == operator
    assert AuditEntry.objects.filter(action="list_entry_transition").count() == 1


def test_propose_refusals(catalog, company, samr, decided_type, operator, proposed):
    record_id = proposed.basis_record_ids[0]
    kwargs = dict(subject=company, on_date=dt.date(2026, 9, 20), actor=operator, department=samr)
    with pytest.raises(LifecycleError) as exc:
        entry_propose(list_type=decided_type, reason="再次", basis_record_ids=[record_id], **kwargs)
    assert exc.value.code == "entry_already_open"
    other = list_type_make("other_type")
    with pytest.raises(LifecycleError) as exc:
        entry_propose(list_type=other, reason="  ", basis_record_ids=[record_id], **kwargs)
    assert exc.value.code == "reason_required"
    with pytest.raises(LifecycleError) as exc:
        entry_propose(list_type=other, reason="事由", basis_record_ids=[], **kwargs)
    assert exc.value.code == "basis_required"
    with pytest.raises(LifecycleError) as exc:
        entry_propose(list_type=other, reason="事由", basis_record_ids=[record_id + 999], **kwargs)
    assert exc.value.code == "basis_not_found"
    mirrored = list_type_make("court_list", listing_mode=ListingMode.MIRRORED)
    with pytest.raises(LifecycleError) as exc:
        entry_propose(list_type=mirrored, reason="事由", basis_record_ids=[record_id], **kwargs)
    assert exc.value.code == "list_type_not_decided"
    assert "导入即生效" in exc.value.message


def test_notice_is_a_numbered_verifiable_document_and_opens_the_window_across_national_day(notified):
    assert notified.state == EntryState.NOTIFIED
    assert notified.notified_on == NOTIFIED_ON
    assert notified.objection_due == DUE
    notice = notice_for_entry(entry_id=notified.pk)
    assert notice.kind == ReportKind.NOTICE
    assert notice.number.startswith("XYBG") and len(notice.verification_code) == 8
    assert notice.content["objection_due"] == "2026-10-12"
    html = report_render_html(report=notice)
    assert "失信惩戒告知书" in html and "安全生产严重失信主体名单" in html and "2026年10月12日" in html
    assert notice.number in notified.events.last().reason


def test_notify_twice_is_refused(notified, operator):
    with pytest.raises(LifecycleError) as exc:
        notice_issue(entry=notified, on_date=NOTIFIED_ON, actor=operator)
    assert exc.value.code == "entry_state_invalid"
    assert "已告知" in exc.value.message


def test_make_effective_only_after_the_objection_window(notified, operator):
    with pytest.raises(LifecycleError) as exc:
        entry_make_effective(entry=notified, on_date=DUE, actor=operator)
    assert exc.value.code == "objection_window_open"
    entry = entry_make_effective(entry=notified, on_date=DUE + dt.timedelta(days=1), actor=operator)
    assert entry.state == EntryState.EFFECTIVE
    assert entry.effective_from == dt.date(2026, 10, 13)
    assert entry.effective_until == dt.date(2029, 10, 12)
    record = entry.record
    assert record.item.code == "serious_dishonesty"
    assert record.current_version.channel == Channel.SYSTEM
    assert record.current_version.fields["SX_MDMC"] == "安全生产严重失信主体名单"
    assert records_in_force(as_of=dt.date(2026, 10, 20)).filter(pk=record.pk).exists()
    assert list(entries_in_force(as_of=dt.date(2026, 10, 20))) == [entry]


def test_disputed_entry_does_not_become_effective(notified, operator):
    notified.disputed = True
    notified.save()
    with pytest.raises(LifecycleError) as exc:
        entry_make_effective(entry=notified, on_date=DUE + dt.timedelta(days=5), actor=operator)
    assert exc.value.code == "entry_disputed"


def test_make_effective_from_proposed_is_refused(proposed, operator):
    with pytest.raises(LifecycleError) as exc:
        entry_make_effective(entry=proposed, on_date=dt.date(2027, 1, 1), actor=operator)
    assert exc.value.code == "entry_state_invalid"


def test_decline_a_proposal_and_refuse_declining_twice(proposed, operator):
    entry = entry_decline(entry=proposed, on_date=dt.date(2026, 9, 21), reason="事实不清", actor=operator)
    assert entry.state == EntryState.DECLINED and entry.end_reason == "事实不清"
    with pytest.raises(LifecycleError) as exc:
        entry_decline(entry=entry, on_date=dt.date(2026, 9, 21), reason="再次", actor=operator)
    assert exc.value.code == "entry_state_invalid"


def test_decline_needs_a_reason(proposed, operator):
    with pytest.raises(LifecycleError) as exc:
        entry_decline(entry=proposed, on_date=dt.date(2026, 9, 21), reason="", actor=operator)
    assert exc.value.code == "reason_required"


def test_remove_ends_the_entry_and_its_record(notified, operator):
    entry = entry_make_effective(entry=notified, on_date=dt.date(2026, 10, 13), actor=operator)
    with pytest.raises(LifecycleError) as exc:
        entry_remove(entry=entry, on_date=dt.date(2027, 3, 1), reason="", actor=operator)
    assert exc.value.code == "reason_required"
    entry = entry_remove(
        entry=entry, on_date=dt.date(2027, 3, 1), reason="已整改到位，经审核移出", actor=operator
    )
    assert entry.state == EntryState.REMOVED and entry.ended_on == dt.date(2027, 3, 1)
    record = CreditRecord.objects.get(pk=entry.record_id)
    assert record.publish_until == dt.date(2027, 2, 28)
    assert record.current_version.fields["SX_YCYY"] == "已整改到位，经审核移出"
    assert not entries_in_force(as_of=dt.date(2027, 3, 2)).exists()
    with pytest.raises(LifecycleError) as exc:
        entry_remove(entry=entry, on_date=dt.date(2027, 3, 2), reason="再次", actor=operator)
    assert exc.value.code == "entry_state_invalid"


def test_expiry(notified, operator):
    entry = entry_make_effective(entry=notified, on_date=dt.date(2026, 10, 13), actor=operator)
    assert list_entries_expire(as_of=dt.date(2029, 10, 12)) == 0
    assert list_entries_expire(as_of=dt.date(2029, 10, 13)) == 1
    entry.refresh_from_db()
    assert entry.state == EntryState.EXPIRED and entry.ended_on == dt.date(2029, 10, 13)
    assert AuditEntry.objects.filter(action="list_entries_expire").count() == 1
    assert list_entries_expire(as_of=dt.date(2029, 10, 14)) == 0


def test_red_list_decision_is_an_honour_record(catalog, company, samr, operator, work_calendar):
    red = list_type_make("contract_honour", colour=ListColour.RED, department_codes=())
    record = penalty(company, samr, on=dt.date(2026, 9, 1))
    entry = entry_propose(
        list_type=red,
        subject=company,
        reason="连续三年守合同重信用",
        basis_record_ids=[record.pk],
        on_date=dt.date(2026, 9, 20),
        actor=operator,
        department=samr,
    )
    notice_issue(entry=entry, on_date=NOTIFIED_ON, actor=operator)
    entry.refresh_from_db()
    entry = entry_make_effective(entry=entry, on_date=dt.date(2026, 10, 13), actor=operator)
    assert entry.record.item.code == "honour"
    assert entry.record.polarity == "positive"


def test_the_notice_verifies_on_the_verification_page(notified, client):
    notice = notice_for_entry(entry_id=notified.pk)
    assert report_verify(number=notice.number, code=notice.verification_code.lower()).ok
    page = client.get("/reports/verify/", {"number": notice.number, "code": notice.verification_code})
    assert "失信惩戒告知书" in page.content.decode()
    # Not a public report: its public page does not exist.
    assert client.get(f"/reports/{notice.number}/{notice.verification_code}/").status_code == 404


def test_daily_job_expires_proposes_and_counts_the_queue(notified, operator, escalation_rules):
    summary = decided_entries_daily(as_of=DUE + dt.timedelta(days=1))
    assert "可列入 1 条" in summary
    assert "可列入 0 条" in decided_entries_daily(as_of=DUE)


def test_invisible_characters_are_dropped_from_reasons(proposed, operator):
    entry = entry_decline(
        entry=proposed, on_date=dt.date(2026, 9, 21), reason="\u200b事实\u200d不清 ", actor=operator
    )
    assert entry.end_reason == "事实不清"


def test_a_decided_black_listing_takes_the_subject_off_the_red_lists_of_its_domain(notified, operator):
    red = list_type_make("safety_model", colour=ListColour.RED, listing_mode=ListingMode.MIRRORED)
    honour = ListEntry.objects.create(
        list_type=red,
        subject=notified.subject,
        origin=EntryOrigin.IMPORT,
        state=EntryState.EFFECTIVE,
        subject_kind=notified.subject.kind,
        effective_from=dt.date(2025, 1, 1),
    )
    entry_make_effective(entry=notified, on_date=DUE + dt.timedelta(days=1), actor=operator)
    honour.refresh_from_db()
    assert honour.state == EntryState.REMOVED
    assert "列入同领域黑名单" in honour.end_reason
    assert not entries_in_force(as_of=DUE + dt.timedelta(days=2)).filter(pk=honour.pk).exists()
