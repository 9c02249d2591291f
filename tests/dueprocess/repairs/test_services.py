"""The repair workflow: applying with a commitment and evidence, deadlines, decisions, notices, revocation."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied

from tests.dueprocess.repairs.conftest import PDF, evidence, penalty
from xinyong.accounts.models import AuditEntry
from xinyong.core.codes import Polarity
from xinyong.dueprocess.models import CaseEvent, CaseKind, CommitmentKind, EvidenceFile, SubjectAccount
from xinyong.dueprocess.repairs.models import RepairApplication, RepairState
from xinyong.dueprocess.repairs.scheduled import repairs_overdue_daily
from xinyong.dueprocess.repairs.selectors import repair_notices, repair_stats
from xinyong.dueprocess.repairs.services import (
    RepairError,
    repair_accept,
    repair_apply,
    repair_approve,
    repair_extend,
    repair_notice_issue,
    repair_refuse,
    repair_reject,
    repair_revoke,
)
from xinyong.records.models import CreditRecord, RecordStatus
from xinyong.reports.models import CreditReport, ReportKind

pytestmark = pytest.mark.django_db

DECIDED = dt.date(2026, 4, 15)  # 令第36号, 一般: repair from 2026-07-16
FILED = dt.date(2026, 7, 20)  # a Monday


def apply(rp, record, *, on=FILED, account=None):
    return repair_apply(
        account=account or rp["account"],
        record=record,
        statement="已于 2026 年 5 月 10 日缴清罚款，并完成整改",
        signatory="王经理",
        evidence=evidence(),
        on_date=on,
    )


def test_apply_signs_a_repair_commitment_stores_evidence_and_sets_the_accept_deadline(rp):
    record = penalty(rp, on=DECIDED)
    application = apply(rp, record)
    assert application.number.startswith("XF20260720")
    assert application.state == RepairState.SUBMITTED
    assert application.deciding_department == rp["samr"]
    # 2 working days from Monday 2026-07-20.
    assert application.due_on == dt.date(2026, 7, 22)
    assert application.commitment.kind == CommitmentKind.REPAIR
    assert application.commitment.signatory == "王经理"
    assert EvidenceFile.objects.filter(case_kind=CaseKind.REPAIR, case_id=application.pk).count() == 1
    assert CaseEvent.objects.filter(case_kind=CaseKind.REPAIR, case_id=application.pk).count() == 1
    assert AuditEntry.objects.filter(action="create", object_id=str(application.pk)).exists()
    # A second application on the same record waits for the first.
    with pytest.raises(RepairError) as again:
        apply(rp, record)
    assert again.value.code == "repair_open_application"


def test_apply_refused_before_the_window_without_evidence_or_without_a_link(rp):
    record = penalty(rp, on=DECIDED)
    with pytest.raises(RepairError) as early:
        apply(rp, record, on=dt.date(2026, 7, 15))
    assert early.value.code == "repair_too_early" and "2026年07月16日" in early.value.message
    with pytest.raises(RepairError) as bare:
        repair_apply(
            account=rp["account"],
            record=record,
            statement="已缴清",
            signatory="王",
            evidence=[],
            on_date=FILED,
        )
    assert bare.value.code == "repair_evidence_required"
    stranger = SubjectAccount.objects.create(login_name="x@example.com", display_name="路人")
    with pytest.raises(PermissionDenied):
        apply(rp, record, account=stranger)
    with pytest.raises(Exception) as wrong_type:
        repair_apply(
            account=rp["account"],
            record=record,
            statement="已缴清",
            signatory="王",
            evidence=[("a.exe", io.BytesIO(b"MZ" + b"0" * 100))],
            on_date=FILED,
        )
    assert getattr(wrong_type.value, "code", "") == "evidence_type_invalid"
    assert not RepairApplication.objects.exists()


def test_only_the_deciding_department_or_an_operator_decides(rp):
    application = apply(rp, penalty(rp, on=DECIDED))
    with pytest.raises(PermissionDenied):
        repair_accept(application=application, actor=rp["users"]["tax_officer"], on_date=FILED)
    with pytest.raises(PermissionDenied):
        repair_accept(application=application, actor=rp["users"]["auditor"], on_date=FILED)
    accepted = repair_accept(
        application=application, actor=rp["users"]["reviewer"], on_date=dt.date(2026, 7, 21)
    )
    assert accepted.state == RepairState.ACCEPTED and accepted.accepted_on == dt.date(2026, 7, 21)
    # 10 working days from Tuesday 2026-07-21.
    assert accepted.due_on == dt.date(2026, 8, 4)
    event = CaseEvent.objects.filter(case_kind=CaseKind.REPAIR, case_id=application.pk).last()
    assert event.due_on == dt.date(2026, 7, 22) and event.on_time is True


def test_extension_only_once(rp):
    application = apply(rp, penalty(rp, on=DECIDED))
    repair_accept(application=application, actor=rp["users"]["officer"], on_date=FILED)
    extended = repair_extend(
        application=application, actor=rp["users"]["officer"], on_date=FILED, reasons="需现场核查"
    )
    assert extended.extended and extended.due_on > dt.date(2026, 8, 3)
    with pytest.raises(RepairError) as again:
        repair_extend(application=application, actor=rp["users"]["officer"], on_date=FILED, reasons="再延")
    assert again.value.code == "repair_already_extended"


def test_approval_repairs_the_record_and_issues_the_decision_with_reasons(rp):
    record = penalty(rp, on=DECIDED)
    application = apply(rp, record)
    repair_accept(application=application, actor=rp["users"]["officer"], on_date=FILED)
    with pytest.raises(RepairError) as no_reason:
        repair_approve(application=application, actor=rp["users"]["officer"], on_date=FILED, reasons=" ")
    assert no_reason.value.code == "repair_reasons_required"
    approved = repair_approve(
        application=application, actor=rp["users"]["officer"], on_date=FILED, reasons="罚款已缴清，整改到位"
    )
    assert approved.state == RepairState.APPROVED and approved.decided_on == FILED
    assert approved.publication_stop_due == dt.date(2026, 7, 23)
    record = CreditRecord.objects.get(pk=record.pk)
    assert record.status == RecordStatus.REPAIRED
    assert application.number in record.current_version.change_reason
    [notice] = repair_notices(application=approved)
    assert notice.kind == ReportKind.REPAIR_DECISION and notice.subject == rp["company"]
    text = " ".join(notice.content["statements"])
    assert "准予信用修复" in text and "罚款已缴清，整改到位" in text and "停止共享和使用" in text
    assert notice.content["issuer"] == "甲市市场监督管理局"


def test_refusal_and_rejection_are_written_decisions(rp):
    first = apply(rp, penalty(rp, on=DECIDED))
    refused = repair_refuse(
        application=first, actor=rp["users"]["officer"], on_date=FILED, reasons="未提交缴款凭证原件"
    )
    assert refused.state == RepairState.REFUSED
    assert "不予受理" in " ".join(repair_notices(application=refused)[0].content["statements"])
    second = apply(rp, penalty(rp, on=DECIDED))
    repair_accept(application=second, actor=rp["users"]["officer"], on_date=FILED)
    rejected = repair_reject(
        application=second, actor=rp["users"]["operator"], on_date=FILED, reasons="整改未完成"
    )
    assert rejected.state == RepairState.REJECTED
    assert CreditRecord.objects.get(pk=second.record_id).status == RecordStatus.EFFECTIVE
    # A decided application may not be decided again.
    with pytest.raises(RepairError) as again:
        repair_approve(application=rejected, actor=rp["users"]["operator"], on_date=FILED, reasons="再议")
    assert again.value.code == "repair_state_invalid"


def test_revocation_restores_the_record_and_creates_a_negative_record(rp):
    record = penalty(rp, on=DECIDED)
    application = apply(rp, record)
    repair_accept(application=application, actor=rp["users"]["officer"], on_date=FILED)
    repair_approve(application=application, actor=rp["users"]["officer"], on_date=FILED, reasons="整改到位")
    revoked = repair_revoke(
        application=application,
        actor=rp["users"]["officer"],
        on_date=dt.date(2026, 9, 1),
        reasons="缴款凭证系伪造",
    )
    assert revoked.state == RepairState.REVOKED and revoked.revoked_on == dt.date(2026, 9, 1)
    assert CreditRecord.objects.get(pk=record.pk).status == RecordStatus.EFFECTIVE
    negative = CreditRecord.objects.get(item__code="commitment_breach", subject=rp["company"])
    assert negative.polarity == Polarity.NEGATIVE
    assert "缴款凭证系伪造" in negative.current_version.fields["WN_WNQX"]
    promise = CreditRecord.objects.get(item__code="commitment", subject=rp["company"])
    assert promise.current_version.fields["CN_LXZT"] == "未履行"
    assert [n.content["statements"][0] for n in repair_notices(application=revoked)][-1].startswith(
        "经审查，撤销信用修复决定"
    )


def test_repair_notice_with_the_penalty_decision_says_when_and_how(rp):
    record = penalty(rp, on=DECIDED)
    notice = repair_notice_issue(record=record, actor=rp["users"]["officer"], on_date=DECIDED)
    assert notice.kind == ReportKind.REPAIR_NOTICE
    facts = dict(notice.content["facts"])
    assert facts["可申请信用修复"] == "自 2026年07月16日 起"
    text = " ".join(notice.content["statements"])
    assert "我的信用" in text and "2 个工作日" in text and "未与正式文本核对" in text
    with pytest.raises(PermissionDenied):
        repair_notice_issue(record=record, actor=rp["users"]["tax_officer"], on_date=DECIDED)
    assert CreditReport.objects.filter(kind=ReportKind.REPAIR_NOTICE).count() == 1


def test_overdue_applications_are_escalated_once(rp):
    application = apply(rp, penalty(rp, on=DECIDED))
    assert repairs_overdue_daily(as_of=dt.date(2026, 7, 22)) is None  # due that day
    assert repairs_overdue_daily(as_of=dt.date(2026, 7, 23)) == "信用修复超期督办 1 件"
    assert repairs_overdue_daily(as_of=dt.date(2026, 7, 24)) is None
    application.refresh_from_db()
    assert application.escalated_on == dt.date(2026, 7, 23)
    # Accepting late is recorded as late in the statistics.
    repair_accept(application=application, actor=rp["users"]["officer"], on_date=dt.date(2026, 7, 24))
    stats = repair_stats(
        user=rp["users"]["operator"],
        date_from=dt.date(2026, 1, 1),
        date_to=dt.date(2026, 12, 31),
        as_of=FILED,
    )
    assert stats.total.steps_late == 1 and stats.total.on_time_rate == "0.0%"
    assert stats.count("accepted") == 1
    assert (stats.by_department[0].name, stats.by_department[0].figures.filed) == ("甲市市场监督管理局", 1)
    # Another department's officer counts only its own department's applications.
    other = repair_stats(
        user=rp["users"]["tax_officer"],
        date_from=dt.date(2026, 1, 1),
        date_to=dt.date(2026, 12, 31),
        as_of=FILED,
    )
    assert other.total.filed == 0 and sum(n for _, _, n in other.by_state) == 0


def test_pdf_evidence_is_kept_encrypted(rp, settings):
    application = apply(rp, penalty(rp, on=DECIDED))
    stored = EvidenceFile.objects.get(case_kind=CaseKind.REPAIR, case_id=application.pk)
    raw = (settings.DUEPROCESS_EVIDENCE_DIR / stored.storage_name).read_bytes()
    assert PDF[:20] not in raw


def test_repair_of_an_abnormal_operations_entry_ends_the_entry_and_its_record(rp):
    from tests.dueprocess.repairs.test_eligibility import _abnormal
    from xinyong.lists.models import EntryState, ListEntry
    from xinyong.lists.selectors import entries_in_force
    from xinyong.lists.services import list_entries_sync, list_types_load

    record = _abnormal(rp, on=dt.date(2026, 5, 10))
    list_types_load(as_of=dt.date(2026, 5, 10))
    list_entries_sync(record_ids=[record.pk], as_of=dt.date(2026, 5, 10))
    entry = ListEntry.objects.get(record=record)
    application = repair_apply(
        account=rp["account"],
        entry=entry,
        statement="已补报 2025 年度报告",
        signatory="王经理",
        evidence=evidence(),
        on_date=FILED,
    )
    assert application.list_entry == entry and application.deciding_department == rp["samr"]
    repair_accept(application=application, actor=rp["users"]["officer"], on_date=FILED)
    repair_approve(application=application, actor=rp["users"]["officer"], on_date=FILED, reasons="已补报年报")
    entry.refresh_from_db()
    assert entry.state == EntryState.REPAIRED and entry.ended_on == FILED
    assert not entries_in_force(as_of=FILED).filter(pk=entry.pk).exists()
    assert CreditRecord.objects.get(pk=record.pk).status == RecordStatus.REPAIRED
    # False materials: the entry is listed again.
    repair_revoke(
        application=application, actor=rp["users"]["officer"], on_date=FILED, reasons="年报数据虚假"
    )
    entry.refresh_from_db()
    assert entry.state == EntryState.EFFECTIVE and entry.ended_on is None
    assert entries_in_force(as_of=FILED).filter(pk=entry.pk).exists()


def test_statistics_count_working_days_from_filing_to_decision(rp):
    # Filed Monday 07-20, accepted 07-21, approved Friday 07-24: 4 working days.
    application = apply(rp, penalty(rp, on=DECIDED))
    application = repair_accept(
        application=application, actor=rp["users"]["officer"], on_date=dt.date(2026, 7, 21)
    )
    repair_approve(
        application=application,
        actor=rp["users"]["officer"],
        on_date=dt.date(2026, 7, 24),
        reasons="整改到位",
    )
    stats = repair_stats(
        user=rp["users"]["operator"],
        date_from=dt.date(2026, 7, 1),
        date_to=dt.date(2026, 7, 31),
        as_of=dt.date(2026, 8, 1),
    )
    assert (stats.total.filed, stats.total.decided, stats.total.median_working_days) == (1, 1, 4.0)
    assert stats.total.steps_late == 0 and stats.total.overdue_open == 0
    assert stats.count("approved") == 1
    (department,) = stats.by_department
    assert department.extra == 1  # approved
