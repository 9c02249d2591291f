"""Commitments: signing writes the commitment's credit record through the loader; follow-up adds versions;
a broken commitment creates a negative record; 容缺受理 has its due date; overdue follow-ups are flagged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from tests.dueprocess.commitments.conftest import AS_OF
from xinyong.accounts.models import AuditEntry
from xinyong.dueprocess.cases.models import CaseEvent, CaseKind
from xinyong.dueprocess.commitments.scheduled import commitments_overdue_daily
from xinyong.dueprocess.commitments.selectors import (
    DUE,
    OVERDUE,
    commitment_history,
    commitment_statistics,
    commitments_queue,
    templates_in_force,
)
from xinyong.dueprocess.commitments.services import (
    OVERDUE_NOTE,
    CommitmentError,
    commitment_accept_with_missing_documents,
    commitment_break,
    commitment_fulfil,
    commitment_sign,
    commitment_sign_from_template,
    commitment_templates_load,
    commitments_overdue_flag,
)
from xinyong.dueprocess.models import CommitmentKind, CommitmentState
from xinyong.records.models import Channel, CreditRecord, RecordStatus
from xinyong.scheduled import DAILY_JOBS

pytestmark = pytest.mark.django_db


def sign(subject, department, actor, *, on=AS_OF, due=None, kind=CommitmentKind.NOTIFY_AND_COMMIT, **extra):
    return commitment_sign(
        subject=subject,
        kind=kind,
        matter_name=extra.pop("matter_name", "食品经营许可"),
        text=extra.pop("text", "本单位承诺所提交材料真实有效。"),
        signatory=extra.pop("signatory", "李四"),
        department=department,
        on_date=on,
        actor=actor,
        fulfilment_due=due,
        **extra,
    )


def test_signing_writes_the_commitment_record_through_the_loader(company, approval, clerk):
    commitment = sign(company, approval, clerk, due=AS_OF + dt.timedelta(days=30))
    assert commitment.number.startswith("CN20260615")
    record = commitment.record
    assert record is not None and record.item.code == "commitment"
    assert record.department == approval and record.subject == company
    assert record.document_number == commitment.number and record.decision_date == AS_OF
    version = record.current_version
    assert version.channel == Channel.SYSTEM and version.uploader == clerk
    fields = version.fields
    assert fields["CN_CNLX"] == "审批替代型" and fields["CN_LXZT"] == "履行中"
    assert fields["CN_SLDW"] == "示范县行政审批局" and fields["CN_LXQX"] == "2026-07-15"
    # Published where the catalog says so: an enterprise's commitment is public, until its fulfilment date.
    assert record.disclosure_scope == "public" and record.publish_until == dt.date(2026, 7, 15)
    assert AuditEntry.objects.filter(action="create", object_id=str(commitment.pk)).exists()
    [event] = commitment_history(commitment=commitment)
    assert event.to_state == CommitmentState.IN_PROGRESS and event.actor_user == clerk


def test_a_persons_commitment_is_shared_and_its_id_number_encrypted(person, approval, clerk):
    commitment = sign(person, approval, clerk)
    record = commitment.record
    assert record.disclosure_scope == "shared"
    # Stored masked; the full number only encrypted.
    assert record.current_version.fields["CN_ZJHM"] == "110105********002X"
    assert record.current_version.fields_protected


def test_signing_refuses_incomplete_commitments(company, approval, clerk):
    with pytest.raises(CommitmentError) as err:
        sign(company, approval, clerk, text="  ")
    assert err.value.code == "commitment_text_required"
    with pytest.raises(CommitmentError) as err:
        sign(company, approval, clerk, due=AS_OF - dt.timedelta(days=1))
    assert err.value.code == "commitment_due_before_signing"
    with pytest.raises(CommitmentError) as err:
        sign(company, approval, clerk, kind=CommitmentKind.ACCEPT_WITH_MISSING)
    assert err.value.code == "commitment_due_required"
    assert not CreditRecord.objects.exists()


def test_fulfilment_adds_a_version_with_the_new_status(company, approval, clerk, officer):
    commitment = sign(company, approval, clerk, due=AS_OF + dt.timedelta(days=30))
    done = commitment_fulfil(commitment=commitment, on_date=AS_OF + dt.timedelta(days=20), actor=officer)
    assert done.state == CommitmentState.FULFILLED and done.checked_on == AS_OF + dt.timedelta(days=20)
    record = CreditRecord.objects.get(pk=commitment.record_id)
    assert record.current_version.number == 2 and record.current_version.fields["CN_LXZT"] == "已履行"
    event = commitment_history(commitment=done).last()
    assert event.to_state == CommitmentState.FULFILLED and event.on_time is True
    with pytest.raises(CommitmentError) as err:
        commitment_fulfil(commitment=done, on_date=AS_OF + dt.timedelta(days=21), actor=officer)
    assert err.value.code == "commitment_closed"


def test_breach_creates_a_negative_record_through_the_loader(company, approval, clerk, officer):
    commitment = sign(company, approval, clerk, due=AS_OF + dt.timedelta(days=30))
    on = AS_OF + dt.timedelta(days=10)
    broken = commitment_break(
        commitment=commitment, on_date=on, actor=officer, reason="现场核查发现经营场所与承诺不符"
    )
    assert broken.state == CommitmentState.BROKEN
    own = CreditRecord.objects.get(pk=broken.record_id)
    assert own.current_version.fields["CN_LXZT"] == "未履行"
    assert own.current_version.fields["CN_LXQK"] == "现场核查发现经营场所与承诺不符"
    negative = broken.broken_record
    assert negative.item.code == "commitment_breach" and negative.polarity == "negative"
    assert negative.subject == company and negative.department == approval
    assert negative.status == RecordStatus.EFFECTIVE and negative.decision_date == on
    assert negative.document_number == f"{commitment.number}-WN"
    assert negative.current_version.fields["WN_WNQX"] == "现场核查发现经营场所与承诺不符"
    # Negative information is published for the rule set's period (令第36号, 一般: one year), not for ever.
    assert negative.publish_from == on and negative.publish_until is not None
    assert AuditEntry.objects.filter(action="commitment_break", object_id=str(commitment.pk)).exists()
    assert commitment_history(commitment=broken).last().to_state == CommitmentState.BROKEN


def test_breach_needs_the_facts_and_the_accepting_department(
    company, approval, clerk, outsider, auditor, operator
):
    commitment = sign(company, approval, clerk)
    with pytest.raises(CommitmentError) as err:
        commitment_break(commitment=commitment, on_date=AS_OF, actor=operator, reason=" ")
    assert err.value.code == "commitment_reason_required"
    for actor in (outsider, auditor, clerk):
        with pytest.raises(PermissionDenied):
            commitment_break(commitment=commitment, on_date=AS_OF, actor=actor, reason="虚假承诺")
    assert AuditEntry.objects.filter(action="commitment_break", outcome="denied").count() == 3
    assert not CreditRecord.objects.filter(item__code="commitment_breach").exists()


def test_accept_with_missing_documents_has_a_due_date_in_working_days(
    company, approval, clerk, officer, templates, work_calendar
):
    commitment = commitment_accept_with_missing_documents(
        subject=company,
        matter_name="食品经营许可",
        missing_documents=["食品安全管理制度文本", "从业人员健康证明"],
        signatory="李四",
        department=approval,
        on_date=dt.date(2026, 9, 30),
        actor=clerk,
        template=templates["accept_with_missing"],
    )
    # 5 working days after 30 September 2026: the National Day holidays are skipped.
    assert commitment.fulfilment_due == dt.date(2026, 10, 13)
    assert commitment.kind == CommitmentKind.ACCEPT_WITH_MISSING
    assert "从业人员健康证明" in commitment.text and "2026年10月13日" in commitment.text
    # Not broken before the date has passed.
    with pytest.raises(CommitmentError) as err:
        commitment_break(commitment=commitment, on_date=dt.date(2026, 10, 13), actor=officer, reason="未补齐")
    assert err.value.code == "commitment_not_yet_due"
    broken = commitment_break(
        commitment=commitment,
        on_date=dt.date(2026, 10, 14),
        actor=officer,
        reason="逾期未补齐从业人员健康证明",
    )
    assert broken.broken_record.item.code == "commitment_breach"
    assert broken.broken_record.current_version.fields["WN_CNLX"] == "容缺受理型"


def test_signing_from_a_template(company, approval, clerk, templates):
    template = templates["food_licence_notify_commit"]
    commitment = commitment_sign_from_template(
        template=template, subject=company, signatory="李四", on_date=AS_OF, actor=clerk, department=approval
    )
    assert commitment.template == template and commitment.matter_code == "SP-XK-001"
    assert commitment.fulfilment_due == AS_OF + dt.timedelta(days=30)
    assert commitment.text.startswith("本人（单位）申请食品经营许可")


def test_templates_load_once_and_list_per_kind(templates):
    assert commitment_templates_load().created == []
    codes = {t.code for t in templates_in_force(as_of=AS_OF)}
    assert {"licence_notify_commit", "accept_with_missing", "credit_repair"} <= codes
    kinds = {t.kind for t in templates_in_force(as_of=AS_OF, kind=CommitmentKind.REPAIR)}
    assert kinds == {CommitmentKind.REPAIR}


def test_repair_commitment_is_stored_as_such(company, approval, officer):
    commitment = sign(company, approval, officer, kind=CommitmentKind.REPAIR, matter_name="信用修复申请")
    assert commitment.kind == CommitmentKind.REPAIR
    assert commitment.record.current_version.fields["CN_CNLX"] == "信用修复型"


def test_queue_puts_overdue_first_and_filters(company, person, approval, other_department, clerk, operator):
    late = sign(company, approval, clerk, on=AS_OF - dt.timedelta(days=40), due=AS_OF - dt.timedelta(days=10))
    today = sign(person, approval, clerk, on=AS_OF - dt.timedelta(days=5), due=AS_OF)
    later = sign(company, approval, clerk, on=AS_OF - dt.timedelta(days=5), due=AS_OF + dt.timedelta(days=5))
    none = sign(company, approval, clerk, on=AS_OF - dt.timedelta(days=5))
    elsewhere = sign(
        company,
        other_department,
        operator,
        on=AS_OF - dt.timedelta(days=50),
        due=AS_OF - dt.timedelta(days=20),
    )
    done = sign(company, approval, clerk, on=AS_OF - dt.timedelta(days=60), due=AS_OF - dt.timedelta(days=30))
    commitment_fulfil(commitment=done, on_date=AS_OF - dt.timedelta(days=31), actor=operator)

    mine = list(commitments_queue(department_ids={approval.pk}, as_of=AS_OF))
    assert mine == [late, today, later, none, done]
    everything = list(commitments_queue(department_ids=None, as_of=AS_OF))
    assert everything[:2] == [elsewhere, late]
    assert list(commitments_queue(department_ids={approval.pk}, as_of=AS_OF, state=DUE)) == [late, today]
    assert list(commitments_queue(department_ids={approval.pk}, as_of=AS_OF, state=OVERDUE)) == [late]
    assert list(commitments_queue(department_ids=None, as_of=AS_OF, query="张三")) == [today]
    assert list(commitments_queue(department_ids=None, as_of=AS_OF, query=late.number)) == [late]


def test_statistics_count_by_kind_and_state(company, approval, clerk, officer):
    a = sign(company, approval, clerk, on=AS_OF - dt.timedelta(days=40), due=AS_OF - dt.timedelta(days=10))
    b = sign(company, approval, clerk, on=AS_OF - dt.timedelta(days=40), due=AS_OF + dt.timedelta(days=10))
    c = sign(company, approval, clerk, on=AS_OF - dt.timedelta(days=40), due=AS_OF + dt.timedelta(days=10))
    sign(company, approval, clerk, kind=CommitmentKind.VOLUNTARY)
    commitment_fulfil(commitment=b, on_date=AS_OF, actor=officer)
    commitment_break(commitment=c, on_date=AS_OF, actor=officer, reason="承诺不实")
    stats = commitment_statistics(department_ids=None, as_of=AS_OF)
    notify = next(r for r in stats.rows if r.kind == CommitmentKind.NOTIFY_AND_COMMIT)
    assert (notify.total, notify.in_progress, notify.fulfilled, notify.broken, notify.overdue) == (
        3,
        1,
        1,
        1,
        1,
    )
    assert notify.fulfilment_rate == 50.0
    assert stats.total.total == 4 and stats.total.overdue == 1
    assert [(d.label, d.total, d.overdue) for d in stats.departments] == [("示范县行政审批局", 4, 1)]
    assert a.pk  # the overdue one


def test_daily_job_flags_overdue_follow_ups_once(company, approval, clerk):
    late = sign(company, approval, clerk, on=AS_OF - dt.timedelta(days=40), due=AS_OF - dt.timedelta(days=1))
    sign(company, approval, clerk, on=AS_OF - dt.timedelta(days=40), due=AS_OF)
    assert commitments_overdue_flag(as_of=AS_OF) == 1
    assert commitments_overdue_flag(as_of=AS_OF) == 0
    assert commitments_overdue_flag(as_of=AS_OF + dt.timedelta(days=1)) == 1
    flags = CaseEvent.objects.filter(case_kind=CaseKind.COMMITMENT, case_id=late.pk, note=OVERDUE_NOTE)
    assert flags.count() == 1 and flags.get().actor_role == "system"
    assert AuditEntry.objects.filter(action="commitment_overdue_flag").count() == 2
    # The daily job (xinyong daily) says what it flagged, and nothing when nothing is new.
    assert commitments_overdue_daily(as_of=AS_OF + dt.timedelta(days=1)) is None
    sign(company, approval, clerk, on=AS_OF - dt.timedelta(days=40), due=AS_OF)
    assert commitments_overdue_daily(as_of=AS_OF + dt.timedelta(days=2)) == "信用承诺：新增逾期未核查 1 件"
    assert "xinyong.dueprocess.commitments.scheduled.commitments_overdue_daily" in DAILY_JOBS
