"""The 异议标注 and 已信用修复 marks of credit records: set by services, carried by corrected versions."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tests.jrp.check.conftest import AS_OF, LISTED_USCC, MATTER, listed_record
from tests.support import make_user
from xinyong.accounts.models import AuditEntry, Role
from xinyong.jrp.check.services import check_run
from xinyong.records.models import CreditRecord, RecordStatus
from xinyong.records.rules import RecordError
from xinyong.records.selectors import records_in_force, records_public
from xinyong.records.services import record_mark_disputed, record_mark_repaired

pytestmark = pytest.mark.django_db

NUMBER = "甲市监严〔2026〕1号"


def correct(world, **fields):
    """The department re-sends the listing with a corrected field: a new version through the bulk loader."""
    return listed_record(department=world.samr, subject=world.listed, number=NUMBER, **fields)


def test_disputed_mark_writes_a_version_and_one_audit_entry(world):
    audits = AuditEntry.objects.count()
    version = record_mark_disputed(
        record=world.record, disputed=True, actor=None, reason="异议 1", on_date=AS_OF
    )
    record = CreditRecord.objects.get(pk=world.record.pk)
    assert record.disputed and version.disputed and version.number == 2
    assert record.current_version_id == version.pk and record.status == RecordStatus.EFFECTIVE
    assert AuditEntry.objects.count() == audits + 1
    with pytest.raises(RecordError) as again:
        record_mark_disputed(record=record, disputed=True, actor=None, reason="异议 1", on_date=AS_OF)
    assert again.value.code == "disputed_unchanged"


def test_marks_need_a_reason_and_the_right_actor(world):
    with pytest.raises(RecordError):
        record_mark_disputed(record=world.record, disputed=True, actor=None, reason=" ", on_date=AS_OF)
    clerk = make_user("clerk", role=Role.WINDOW_CLERK, department=world.samr)
    with pytest.raises(PermissionDenied):
        record_mark_repaired(record=world.record, actor=clerk, reason="修复", on_date=AS_OF)
    operator = make_user("op", role=Role.OPERATOR)
    record_mark_repaired(record=world.record, actor=operator, reason="修复决定 1 号", on_date=AS_OF)
    with pytest.raises(RecordError) as again:
        record_mark_repaired(record=world.record, actor=operator, reason="修复决定 1 号", on_date=AS_OF)
    assert again.value.code == "status_unchanged"


def test_repaired_record_leaves_the_public_set_and_is_not_in_force(world):
    assert records_public(as_of=AS_OF).filter(pk=world.record.pk).exists()
    record_mark_repaired(record=world.record, actor=None, reason="修复决定 1 号", on_date=AS_OF)
    assert not records_public(as_of=AS_OF).filter(pk=world.record.pk).exists()
    assert not records_in_force(as_of=AS_OF).filter(pk=world.record.pk).exists()
    record = CreditRecord.objects.get(pk=world.record.pk)
    assert record.status_date == AS_OF and record.withdrawal_due is not None


def test_marks_survive_a_corrected_version(world):
    record_mark_disputed(record=world.record, disputed=True, actor=None, reason="异议 1", on_date=AS_OF)
    record_mark_repaired(record=world.record, actor=None, reason="修复决定 1 号", on_date=AS_OF)
    corrected = correct(world, severity="serious")
    assert corrected.pk == world.record.pk
    record = CreditRecord.objects.get(pk=world.record.pk)
    current = record.current_version
    assert current.number == 4 and current.severity == "serious"
    assert current.disputed and record.disputed
    assert current.status == RecordStatus.REPAIRED and record.status == RecordStatus.REPAIRED
    assert not records_in_force(as_of=AS_OF).filter(pk=record.pk).exists()
    # Re-sending the same correction is a duplicate, not another version.
    correct(world, severity="serious")
    assert CreditRecord.objects.get(pk=record.pk).current_version.number == 4


def test_disputed_mark_survives_a_correction_and_keeps_suspending(world):
    record_mark_disputed(record=world.record, disputed=True, actor=None, reason="异议 1", on_date=AS_OF)
    correct(world, severity="serious")
    record = CreditRecord.objects.get(pk=world.record.pk)
    assert record.disputed and record.current_version.disputed and record.status == RecordStatus.EFFECTIVE
    answer = check_run(
        requester=world.requester(),
        purpose="核查",
        matter_code=MATTER,
        query=LISTED_USCC,
        as_of=AS_OF,
        channel="api",
    )
    assert answer.measures and all(m.suspended for m in answer.measures)


def test_new_records_are_not_disputed(world):
    record = listed_record(department=world.samr, subject=world.clean, number="甲市监严〔2026〕9号")
    assert not record.disputed and not record.current_version.disputed
