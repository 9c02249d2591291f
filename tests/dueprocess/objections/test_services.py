"""Objections: every transition, its deadline from the profile, the mark on the record, and the check."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from tests.dueprocess.objections.conftest import account_create, pdf_file
from tests.jrp.check.conftest import LISTED_USCC, MATTER, listed_record
from xinyong.accounts.models import AuditEntry
from xinyong.dueprocess.cases.models import CaseEvent, EvidenceFile
from xinyong.dueprocess.cases.services import CaseError
from xinyong.dueprocess.objections.models import FilerKind, Objection, ObjectionOutcome, ObjectionState
from xinyong.dueprocess.objections.selectors import objection_history, objection_notices
from xinyong.dueprocess.objections.services import (
    ObjectionError,
    objection_accept,
    objection_decide,
    objection_evidence_open,
    objection_file,
    objection_forward,
    objection_notify,
    objection_refuse,
    objections_escalate_overdue,
)
from xinyong.jrp.check.services import check_run
from xinyong.lists.models import EntryState, ListEntry
from xinyong.records.models import CreditRecord, RecordStatus

pytestmark = pytest.mark.django_db

D = dt.date(2026, 6, 1)  # a Monday (06-19 is the Dragon Boat Festival)


def suspended(world) -> bool:
    answer = check_run(
        requester=world.requester(),
        purpose="核查",
        matter_code=MATTER,
        query=LISTED_USCC,
        as_of=D,
        channel="api",
    )
    assert answer.measures
    return all(m.suspended for m in answer.measures)


def file(world, filer, on_date=D, **kw) -> Objection:
    kw.setdefault("record", world.record)
    return objection_file(filer=filer, on_date=on_date, statement="处罚决定已被撤销，记录有误", **kw)


def events(objection) -> list[tuple[str, str, dt.date | None, bool | None]]:
    rows = objection_history(objection=objection)
    return [(r.event.from_state, r.event.to_state, r.event.due_on, r.event.on_time) for r in rows]


def test_a_subject_files_and_the_record_is_marked_at_once(world, people, account):
    assert not suspended(world)
    objection = file(world, account, files=[pdf_file()])
    assert objection.number.startswith("YY20260601")
    assert objection.filer_kind == FilerKind.SUBJECT and objection.state == ObjectionState.MARKED
    record = CreditRecord.objects.get(pk=world.record.pk)
    assert record.disputed and objection.record_version_filed == record.current_version.number
    assert suspended(world)
    # Shanghai: marked within 1 wd (met at once), accepted within 1 wd of filing.
    assert events(objection) == [("", "marked", dt.date(2026, 6, 2), True)]
    assert objection.due_on == dt.date(2026, 6, 2)
    (evidence,) = EvidenceFile.objects.filter(case_id=objection.pk)
    with objection_evidence_open(objection=objection, evidence=evidence, principal=account) as stream:
        assert stream.read().startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="objection_file").count() == 1
    assert AuditEntry.objects.filter(action="objection_evidence_open").count() == 1


def test_platform_decides_maintained_mark_lifted_notice_issued(world, people, account):
    op = people["operator"]
    objection = file(world, account)
    objection = objection_accept(objection=objection, actor=op, on_date=dt.date(2026, 6, 2))
    assert objection.state == ObjectionState.ACCEPTED and objection.due_on == dt.date(2026, 6, 8)
    assert suspended(world)
    objection = objection_decide(
        objection=objection,
        actor=op,
        on_date=dt.date(2026, 6, 5),
        outcome="maintained",
        reasons="经核查记录准确",
    )
    assert objection.state == ObjectionState.DECIDED and objection.outcome == ObjectionOutcome.MAINTAINED
    assert not CreditRecord.objects.get(pk=world.record.pk).disputed
    assert not suspended(world)
    # Reply within 2 wd of the decision.
    assert objection.due_on == dt.date(2026, 6, 9)
    notice = objection_notify(objection=objection, actor=op, on_date=dt.date(2026, 6, 8))
    objection.refresh_from_db()
    assert objection.state == ObjectionState.CLOSED and objection.due_on is None
    assert notice.kind == "objection_decision" and notice.subject_id == world.listed.pk
    assert notice.content["case"] == {"objection": objection.number}
    assert "经核查记录准确" in "".join(notice.content["statements"])
    assert objection_notices(objection=objection) == [notice]
    assert events(objection) == [
        ("", "marked", dt.date(2026, 6, 2), True),
        ("marked", "accepted", dt.date(2026, 6, 2), True),
        ("accepted", "decided", dt.date(2026, 6, 8), True),
        ("decided", "closed", dt.date(2026, 6, 9), True),
    ]
    for action in ("objection_accept", "objection_decide", "objection_notify"):
        assert AuditEntry.objects.filter(action=action).count() == 1


def test_forwarded_and_withdrawn_by_the_source_department(world, people):
    op, officer = people["operator"], people["officer"]
    objection = file(world, op)  # registered by the platform on the subject's behalf
    assert objection.filer_kind == FilerKind.OPERATOR
    objection = objection_accept(objection=objection, actor=op, on_date=D)
    objection = objection_forward(objection=objection, actor=op, on_date=dt.date(2026, 6, 3))
    assert objection.state == ObjectionState.FORWARDED and objection.source_department == world.samr
    assert objection.due_on == dt.date(2026, 6, 10)  # 5 wd from forwarding
    with pytest.raises(PermissionDenied):
        objection_decide(
            objection=objection, actor=people["other"], on_date=D, outcome="withdrawn", reasons="x"
        )
    objection = objection_decide(
        objection=objection,
        actor=officer,
        on_date=dt.date(2026, 6, 12),
        outcome="withdrawn",
        reasons="原处罚决定已被撤销",
    )
    record = CreditRecord.objects.get(pk=world.record.pk)
    assert record.status == RecordStatus.WITHDRAWN and not record.disputed
    history = events(objection)
    assert history[2] == ("accepted", "forwarded", dt.date(2026, 6, 3), True)
    assert history[3] == ("forwarded", "decided", dt.date(2026, 6, 10), False)  # two days late


def test_corrected_needs_a_new_version_through_the_loader(world, people, account):
    op = people["operator"]
    objection = file(world, account)
    objection_accept(objection=objection, actor=op, on_date=D)
    with pytest.raises(ObjectionError) as err:
        objection_decide(objection=objection, actor=op, on_date=D, outcome="corrected", reasons="已更正")
    assert err.value.code == "correction_missing"
    # The department re-sends the record with the corrected field: a new version, still disputed.
    listed_record(
        department=world.samr, subject=world.listed, number="甲市监严〔2026〕1号", severity="serious"
    )
    assert CreditRecord.objects.get(pk=world.record.pk).disputed
    objection = objection_decide(
        objection=objection, actor=op, on_date=D, outcome="corrected", reasons="已更正"
    )
    record = CreditRecord.objects.get(pk=world.record.pk)
    assert (
        objection.outcome == "corrected"
        and not record.disputed
        and record.current_version.severity == "serious"
    )


def test_refused_with_reasons_lifts_the_mark(world, people, account):
    op = people["operator"]
    objection = file(world, account)
    with pytest.raises(ObjectionError) as err:
        objection_refuse(objection=objection, actor=op, on_date=D, reasons=" ")
    assert err.value.code == "reasons_required"
    objection = objection_refuse(
        objection=objection, actor=op, on_date=dt.date(2026, 6, 3), reasons="非本人信息"
    )
    assert objection.state == ObjectionState.REFUSED and not suspended(world)
    assert events(objection)[-1] == ("marked", "refused", dt.date(2026, 6, 2), False)
    notice = objection_notify(objection=objection, actor=op, on_date=dt.date(2026, 6, 3))
    assert "不予受理" in "".join(notice.content["statements"])


def test_undetermined_is_recorded(world, people, account):
    op = people["operator"]
    objection = file(world, account)
    objection_accept(objection=objection, actor=op, on_date=D)
    objection = objection_decide(
        objection=objection, actor=op, on_date=D, outcome="undetermined", reasons="无法核实"
    )
    assert objection.outcome == "undetermined" and not CreditRecord.objects.get(pk=world.record.pk).disputed
    notice = objection_notify(objection=objection, actor=op, on_date=D)
    assert "一并记录" in "".join(notice.content["statements"])


def test_wrong_states_are_refused(world, people, account):
    op = people["operator"]
    objection = file(world, account)
    with pytest.raises(ObjectionError) as err:
        objection_forward(objection=objection, actor=op, on_date=D)
    assert err.value.code == "objection_state_invalid"
    with pytest.raises(ObjectionError):
        objection_notify(objection=objection, actor=op, on_date=D)
    with pytest.raises(ObjectionError):
        objection_decide(objection=objection, actor=op, on_date=D, outcome="maintained", reasons="x")


def test_a_second_open_objection_is_refused_then_allowed_after_decision(world, people, account):
    op = people["operator"]
    first = file(world, account)
    with pytest.raises(ObjectionError) as err:
        file(world, op)
    assert err.value.code == "objection_open_exists"
    # Through the list entry resting on the same record: the same record, refused too.
    with pytest.raises(ObjectionError):
        objection_file(filer=op, on_date=D, statement="名单有误", list_entry=world.entry)
    objection_accept(objection=first, actor=op, on_date=D)
    objection_decide(objection=first, actor=op, on_date=D, outcome="maintained", reasons="准确")
    second = file(world, account)
    assert second.state == ObjectionState.MARKED and CreditRecord.objects.get(pk=world.record.pk).disputed


def test_who_may_file(world, people, account):
    stranger = account_create(world.clean, login="13800000009")
    with pytest.raises(PermissionDenied):
        file(world, stranger)
    with pytest.raises(PermissionDenied):
        file(world, people["other"])  # another department's record
    with pytest.raises(PermissionDenied):
        file(world, people["clerk"])
    assert AuditEntry.objects.filter(action="objection_file", outcome="denied").count() == 3
    objection = file(world, people["officer"])
    assert objection.filer_kind == FilerKind.DEPARTMENT and objection.filed_by_department == world.samr


def test_who_may_handle(world, people, account):
    objection = file(world, account)
    for user in (people["officer"], people["auditor"]):
        with pytest.raises(PermissionDenied):
            objection_accept(objection=objection, actor=user, on_date=D)
    with pytest.raises(PermissionDenied):
        objection_accept(objection=objection, actor=account, on_date=D)
    # Refusals are audited (outside the step's transaction, which is rolled back).
    assert AuditEntry.objects.filter(action="objection_accept", outcome="denied").count() == 3
    assert Objection.objects.get(pk=objection.pk).state == ObjectionState.MARKED


def test_entry_objection_marks_the_documenting_record_and_withdraws_the_entry(world, people, account):
    op = people["operator"]
    objection = objection_file(filer=account, on_date=D, statement="不应列入", list_entry=world.entry)
    assert objection.record == world.record and ListEntry.objects.get(pk=world.entry.pk).disputed
    assert suspended(world)
    objection_accept(objection=objection, actor=op, on_date=D)
    objection_decide(objection=objection, actor=op, on_date=D, outcome="withdrawn", reasons="列入依据不足")
    entry = ListEntry.objects.get(pk=world.entry.pk)
    assert entry.state == EntryState.REMOVED and not entry.disputed
    assert not CreditRecord.objects.get(pk=world.record.pk).disputed


def test_evidence_limits(world, people, account, settings):
    import io

    with pytest.raises(CaseError) as err:
        file(world, account, files=[pdf_file(), ("a.exe", io.BytesIO(b"MZ" + b"0" * 100))])
    assert err.value.code == "evidence_type_invalid"
    assert not Objection.objects.exists() and not CreditRecord.objects.get(pk=world.record.pk).disputed
    assert not any(settings.DUEPROCESS_EVIDENCE_DIR.iterdir())  # the first file went with the filing
    settings.DUEPROCESS_EVIDENCE_MAX_BYTES = 100
    with pytest.raises(CaseError) as err:
        file(world, account, files=[pdf_file()])
    assert err.value.code == "evidence_too_large"


def test_evidence_is_shown_only_to_those_who_may_see_the_objection(world, people, account):
    objection = file(world, account, files=[pdf_file()])
    (evidence,) = EvidenceFile.objects.filter(case_id=objection.pk)
    stranger = account_create(world.clean, login="13800000009")
    for principal in (stranger, people["other"], people["clerk"]):
        with pytest.raises(PermissionDenied):
            objection_evidence_open(objection=objection, evidence=evidence, principal=principal)
    for principal in (people["officer"], people["operator"], people["auditor"]):
        objection_evidence_open(objection=objection, evidence=evidence, principal=principal).close()


def test_overdue_escalation_once_per_step(world, people, account):
    op = people["operator"]
    objection = file(world, account)
    assert objections_escalate_overdue(as_of=dt.date(2026, 6, 2)) == 0  # due today: not late
    assert objections_escalate_overdue(as_of=dt.date(2026, 6, 3)) == 1
    assert objections_escalate_overdue(as_of=dt.date(2026, 6, 4)) == 0
    objection.refresh_from_db()
    assert objection.escalated_on == dt.date(2026, 6, 3)
    last = CaseEvent.objects.filter(case_id=objection.pk).order_by("-id").first()
    assert "超期督办" in last.note and last.actor_role == "system"
    objection = objection_accept(objection=objection, actor=op, on_date=dt.date(2026, 6, 3))
    assert objection.escalated_on is None
    assert objections_escalate_overdue(as_of=dt.date(2026, 6, 8)) == 0  # decide is due 06-08
    assert objections_escalate_overdue(as_of=dt.date(2026, 6, 9)) == 1


# Deadlines across the holidays: Spring Festival and National Day, 2025 and 2026.
@pytest.mark.parametrize(
    ("code", "filed", "accept_due", "decide_due"),
    [
        # Shanghai: accept 1 wd, decide 5 wd from filing.
        ("shanghai", dt.date(2025, 1, 27), dt.date(2025, 2, 5), dt.date(2025, 2, 10)),
        ("shanghai", dt.date(2025, 9, 30), dt.date(2025, 10, 9), dt.date(2025, 10, 14)),
        ("shanghai", dt.date(2026, 2, 13), dt.date(2026, 2, 14), dt.date(2026, 2, 27)),
        ("shanghai", dt.date(2026, 9, 30), dt.date(2026, 10, 8), dt.date(2026, 10, 13)),
        # 征信业管理条例: 20 calendar days, holidays or not.
        ("credit_reporting", dt.date(2026, 9, 25), dt.date(2026, 9, 28), dt.date(2026, 10, 15)),
        ("credit_reporting", dt.date(2025, 1, 20), dt.date(2025, 1, 21), dt.date(2025, 2, 9)),
        # Guangzhou: accept 2 wd from filing; self-check 2 wd from acceptance.
        ("guangzhou", dt.date(2026, 2, 13), dt.date(2026, 2, 24), None),
        # County: check within 15 wd of filing.
        ("county_15wd", dt.date(2025, 9, 26), dt.date(2025, 9, 29), dt.date(2025, 10, 23)),
    ],
)
def test_deadlines_across_holidays(world, people, account, code, filed, accept_due, decide_due):
    objection = file(world, account, on_date=filed, profile_code=code)
    assert objection.profile.code == code and objection.due_on == accept_due
    objection = objection_accept(objection=objection, actor=people["operator"], on_date=accept_due)
    assert events(objection)[-1][2:] == (accept_due, True)
    if decide_due is not None:
        assert objection.due_on == decide_due


def test_guangzhou_self_check_counts_from_acceptance(world, people, account):
    objection = file(world, account, on_date=dt.date(2026, 2, 13), profile_code="guangzhou")
    objection = objection_accept(objection=objection, actor=people["operator"], on_date=dt.date(2026, 2, 24))
    assert objection.due_on == dt.date(2026, 2, 26)
    objection = objection_forward(objection=objection, actor=people["operator"], on_date=dt.date(2026, 2, 26))
    # 10 wd from forwarding.
    assert objection.due_on == dt.date(2026, 3, 11)  # 10 wd from forwarding; Saturday 02-28 is a workday


def test_daily_job_escalates_and_says_how_many(world, people, account):
    from xinyong.dueprocess.objections.scheduled import objections_overdue_daily
    from xinyong.scheduled import DAILY_JOBS

    assert "xinyong.dueprocess.objections.scheduled.objections_overdue_daily" in DAILY_JOBS
    file(world, account)
    assert objections_overdue_daily(as_of=dt.date(2026, 6, 2)) is None
    assert objections_overdue_daily(as_of=dt.date(2026, 6, 3)) == "异议申请超期督办 1 件"
    assert objections_overdue_daily(as_of=dt.date(2026, 6, 3)) is None  # the same day again: nothing twice
    assert AuditEntry.objects.filter(action="objections_escalate").count() == 1


@pytest.mark.parametrize(
    ("dates", "dues", "on_time"),
    [
        # Spring Festival 2026 (02-15 … 02-23 off; Saturdays 02-14 and 02-28 are workdays).
        (
            ("2026-02-12", "2026-02-13", "2026-02-24", "2026-03-02", "2026-03-04"),
            ("2026-02-13", "2026-02-13", "2026-02-24", "2026-03-02", "2026-03-04"),
            (True, True, True, True, True),
        ),
        # National Day 2025 (10-01 … 10-08 off; Saturday 10-11 is a workday); the department is a day late.
        (
            ("2025-09-29", "2025-09-30", "2025-10-10", "2025-10-17", "2025-10-21"),
            ("2025-09-30", "2025-09-30", "2025-10-10", "2025-10-16", "2025-10-21"),
            (True, True, True, False, True),
        ),
    ],
)
def test_every_step_across_the_holidays(world, people, account, dates, dues, on_time):
    """File, accept, forward, decide at the source department, notify: each step's due date and whether met."""
    filed, accepted, forwarded, decided, notified = (dt.date.fromisoformat(d) for d in dates)
    op, officer = people["operator"], people["officer"]
    objection = file(world, account, on_date=filed)
    objection = objection_accept(objection=objection, actor=op, on_date=accepted)
    objection = objection_forward(objection=objection, actor=op, on_date=forwarded)
    objection = objection_decide(
        objection=objection, actor=officer, on_date=decided, outcome="maintained", reasons="准确"
    )
    objection_notify(objection=objection, actor=op, on_date=notified)
    history = events(objection)
    assert [e[2] for e in history] == [dt.date.fromisoformat(d) for d in dues]
    assert [e[3] for e in history] == list(on_time)


def test_steps_count_only_from_events_that_happened(world, people, account):
    from xinyong.dueprocess.objections.selectors import objection_steps

    objection = file(world, account)
    due = {row.rule.step: row.due for row in objection_steps(objection=objection)}
    assert due["accept"] == dt.date(2026, 6, 2) and due["forward"] is None and due["reply"] is None
    objection = objection_accept(objection=objection, actor=people["operator"], on_date=D)
    due = {row.rule.step: row.due for row in objection_steps(objection=objection)}
    assert due["forward"] == dt.date(2026, 6, 3) and due["source_decide"] is None
