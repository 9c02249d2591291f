import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from tests.factories import subject_create
from tests.subjects.factories import RIC, RIC_MASKED, item_version, received, uscc
from xinyong.accounts.models import AuditEntry
from xinyong.catalog.models import DisclosureScope
from xinyong.core.codes import SubjectKind
from xinyong.records.models import (
    Channel,
    CreditRecord,
    CreditRecordVersion,
    EffectiveStatus,
    RecordDeletionRefused,
    RecordStatus,
)
from xinyong.records.rules import RecordError
from xinyong.records.selectors import record_effective_status, records_with_effective_status
from xinyong.records.services import record_change_status, version_protected_values

pytestmark = pytest.mark.django_db


def test_first_receipt_creates_record_and_version(items, dept_a, officer_a, ingest, company):
    outcome = ingest(items["public"], dept_a, "甲市监罚〔2026〕12号", uploader=officer_a)
    assert outcome.outcome == "created"
    record = outcome.record
    version = record.current_version
    assert version.number == 1 and version.supersedes is None
    assert (record.item, record.department, record.subject) == (items["public"].item, dept_a, company)
    assert record.status == RecordStatus.EFFECTIVE and record.severity == "general"
    assert record.polarity == "negative"  # from the item version when not given
    assert record.disclosure_scope == DisclosureScope.PUBLIC
    assert (version.channel, version.batch_ref, version.uploader) == (Channel.FILE, "batch-1", officer_a)
    assert len(version.content_hash) == 64
    # One audit entry per load, with its counts (the loader audits a chunk, not each record).
    entry = AuditEntry.objects.get(action="bulk_ingest", object_type="records.creditrecord")
    assert entry.actor_user == officer_a and entry.detail["created"] == 1 and entry.detail["rows"] == 1


def test_same_content_again_is_a_counted_duplicate(items, dept_a, ingest):
    first = ingest(items["public"], dept_a, "甲市监罚〔2026〕12号")
    # Same document written with other brackets and widths, received later through another batch.
    again = ingest(
        items["public"], dept_a, "甲市监罚[２０２６]12号 ", batch_ref="batch-2", received_at=received(3)
    )
    assert again.outcome == "duplicate" and again.is_duplicate
    assert again.record.pk == first.record.pk
    assert again.record.duplicate_count == 1 and again.record.last_duplicate_at == received(3)
    assert again.version == first.version
    assert CreditRecordVersion.objects.count() == 1
    entries = AuditEntry.objects.filter(object_type="records.creditrecord").order_by("seq")
    assert [e.detail["duplicate"] for e in entries] == [0, 1]


def test_changed_content_is_a_new_version_and_the_old_one_stays(items, dept_a, ingest):
    first = ingest(items["public"], dept_a, "甲市监罚〔2026〕12号")
    changed = ingest(
        items["public"],
        dept_a,
        "甲市监罚〔2026〕12号",
        fields={"CF_NR": "罚款人民币八千元"},
        severity="serious",
        received_at=received(5),
        batch_ref="batch-2",
    )
    assert changed.outcome == "new_version"
    record = CreditRecord.objects.get(pk=first.record.pk)
    assert record.current_version.number == 2 and record.severity == "serious"
    assert record.updated_at > first.record.updated_at  # server time of the write, for changed_since
    old, new = record.versions.order_by("number")
    assert old.fields["CF_NR"] == "罚款人民币五千元" and old.severity == "general"
    assert new.fields["CF_NR"] == "罚款人民币八千元" and new.supersedes == old
    entry = AuditEntry.objects.filter(object_type="records.creditrecord").order_by("seq").last()
    assert (
        entry.action == "bulk_ingest"
        and entry.detail["new_version"] == 1
        and entry.detail["batch_ref"] == "batch-2"
    )


def test_resending_an_old_file_does_not_roll_back_a_correction(items, dept_a, ingest):
    ingest(items["public"], dept_a, "罚1号")
    ingest(items["public"], dept_a, "罚1号", fields={"CF_NR": "更正后的内容"})
    replay = ingest(items["public"], dept_a, "罚1号")
    assert replay.outcome == "duplicate" and replay.version.number == 1
    replay.record.refresh_from_db()
    assert replay.record.current_version.number == 2


def test_same_number_in_other_department_or_item_is_another_record(items, dept_a, dept_b, ingest):
    a = ingest(items["public"], dept_a, "罚1号").record
    b = ingest(items["public"], dept_b, "罚1号").record
    c = ingest(items["shared"], dept_a, "罚1号").record
    assert len({a.pk, b.pk, c.pk}) == 3


def test_revoke_creates_a_version_and_is_audited(items, dept_a, officer_a, ingest, as_of):
    record = ingest(items["public"], dept_a, "罚1号").record
    version = record_change_status(
        record=record,
        status=RecordStatus.REVOKED,
        actor=officer_a,
        reason="复议决定撤销（甲复决〔2026〕3号）",
        as_of=as_of,
    )
    record.refresh_from_db()
    assert record.status == RecordStatus.REVOKED and record.current_version == version
    assert version.number == 2 and version.status_date == as_of and version.supersedes.status == "effective"
    assert version.fields == version.supersedes.fields
    entry = AuditEntry.objects.filter(action="update", object_type="records.creditrecord").get()
    assert entry.detail["status"] == "revoked" and entry.actor_user == officer_a
    # Re-sending the original (effective) content does not undo the revocation.
    assert ingest(items["public"], dept_a, "罚1号").outcome == "duplicate"
    record.refresh_from_db()
    assert record.status == RecordStatus.REVOKED


def test_status_change_rules(items, dept_a, officer_a, officer_b, auditor, ingest, as_of):
    record = ingest(items["public"], dept_a, "罚1号").record
    with pytest.raises(RecordError) as excinfo:
        record_change_status(
            record=record, status=RecordStatus.EFFECTIVE, actor=officer_a, reason="x", as_of=as_of
        )
    assert excinfo.value.code == "status_unchanged"
    with pytest.raises(RecordError) as excinfo:
        record_change_status(
            record=record, status=RecordStatus.WITHDRAWN, actor=officer_a, reason=" ", as_of=as_of
        )
    assert excinfo.value.code == "reason_required"
    for outsider in (officer_b, auditor):
        with pytest.raises(PermissionDenied):
            record_change_status(
                record=record, status=RecordStatus.WITHDRAWN, actor=outsider, reason="x", as_of=as_of
            )
    assert AuditEntry.objects.filter(outcome="denied").count() == 2
    withdrawn = record_change_status(
        record=record, status=RecordStatus.WITHDRAWN, actor=officer_a, reason="撤回公示", as_of=as_of
    )
    assert withdrawn.status == RecordStatus.WITHDRAWN


def test_expired_by_window_is_computed(items, dept_a, ingest, as_of):
    record = ingest(
        items["public"], dept_a, "罚1号", publish_from=dt.date(2023, 1, 1), publish_until=dt.date(2026, 6, 14)
    ).record
    assert record_effective_status(version=record.current_version, as_of=as_of) == EffectiveStatus.EXPIRED
    assert record_effective_status(version=record, as_of=dt.date(2026, 6, 14)) == EffectiveStatus.EFFECTIVE
    assert record.status == RecordStatus.EFFECTIVE  # stored status untouched


def test_records_are_never_deleted(items, dept_a, ingest):
    record = ingest(items["public"], dept_a, "罚1号").record
    with pytest.raises(RecordDeletionRefused):
        record.delete()
    with pytest.raises(RecordDeletionRefused):
        CreditRecord.objects.filter(pk=record.pk).delete()
    with pytest.raises(RecordDeletionRefused):
        record.current_version.delete()
    with pytest.raises(RecordDeletionRefused):
        CreditRecordVersion.objects.all().delete()
    assert CreditRecord.objects.count() == 1 and CreditRecordVersion.objects.count() == 1


def test_personal_id_fields_are_masked_and_encrypted(items, dept_a, ingest, person, operator, officer_a):
    outcome = ingest(
        items["public"], dept_a, "罚2号", subject=person, fields={"CF_XDR_MC": "张三", "CF_XDR_ZJHM": RIC}
    )
    version = outcome.record.current_version
    assert version.fields["CF_XDR_ZJHM"] == RIC_MASKED
    assert RIC not in version.fields_protected
    # A record about a natural person takes the item's natural-person scope.
    assert outcome.record.disclosure_scope == DisclosureScope.SHARED
    with connection.cursor() as cursor:
        for table in ("records_creditrecord", "records_creditrecordversion", "accounts_auditentry"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            assert RIC not in repr(cursor.fetchall()), table
    assert version_protected_values(version=version, actor=operator, purpose="复核") == {"CF_XDR_ZJHM": RIC}
    with pytest.raises(PermissionDenied):
        version_protected_values(version=version, actor=officer_a, purpose="复核")
    # The same content again is a duplicate although the ciphertext would differ.
    again = ingest(
        items["public"], dept_a, "罚2号", subject=person, fields={"CF_XDR_MC": "张三", "CF_XDR_ZJHM": RIC}
    )
    assert again.outcome == "duplicate"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"document_number": " \u3000"}, "document_number_required"),
        ({"severity": "huge"}, "severity_invalid"),
        ({"status": "deleted"}, "status_invalid"),
        ({"channel": "fax"}, "channel_invalid"),
        ({"polarity": "bad"}, "polarity_invalid"),
    ],
)
def test_bad_input_is_rejected_with_a_code(items, dept_a, ingest, overrides, code):
    kwargs = {"document_number": "罚1号", **overrides}
    with pytest.raises(RecordError) as excinfo:
        ingest(items["public"], dept_a, **kwargs)
    assert excinfo.value.code == code and excinfo.value.message
    assert not CreditRecord.objects.exists()


def test_item_rules_source_department_and_subject_kind(dept_a, ingest, person):
    only_b = item_version("license", scope=DisclosureScope.PUBLIC, source_departments=["dept-b"])
    with pytest.raises(RecordError) as excinfo:
        ingest(only_b, dept_a, "许1号")
    assert excinfo.value.code == "department_not_source"
    orgs_only = item_version(
        "abnormal", scope=DisclosureScope.PUBLIC, subject_kinds=[SubjectKind.ORGANISATION]
    )
    with pytest.raises(RecordError) as excinfo:
        ingest(orgs_only, dept_a, "异1号", subject=person)
    assert excinfo.value.code == "subject_kind_not_allowed"


def test_correction_can_move_record_to_another_subject(items, dept_a, ingest):
    first = ingest(items["public"], dept_a, "罚1号").record
    other = subject_create(kind=SubjectKind.ORGANISATION, name="乙公司", uscc=uscc(2))
    outcome = ingest(items["public"], dept_a, "罚1号", subject=other)
    assert outcome.outcome == "new_version"
    first.refresh_from_db()
    assert first.subject == other and first.versions.get(number=1).subject != other


def test_effective_status_filter_matches_the_computed_status(items, dept_a, officer_a, ingest, as_of):
    past = ingest(items["public"], dept_a, "罚1号", publish_until=dt.date(2026, 6, 14)).record
    last_day = ingest(items["public"], dept_a, "罚2号", publish_until=as_of).record
    open_ended = ingest(items["public"], dept_a, "罚3号").record
    revoked = ingest(items["public"], dept_a, "罚4号", publish_until=dt.date(2020, 1, 1)).record
    record_change_status(record=revoked, status="revoked", actor=officer_a, reason="复议撤销", as_of=as_of)
    everything = [past, last_day, open_ended, revoked]
    for status in EffectiveStatus.values:
        found = set(
            CreditRecord.objects.filter(
                records_with_effective_status(status=status, as_of=as_of)
            ).values_list("pk", flat=True)
        )
        fresh = CreditRecord.objects.filter(pk__in=[r.pk for r in everything])
        computed = {r.pk for r in fresh if record_effective_status(version=r, as_of=as_of) == status}
        assert found == computed, status
    assert (
        CreditRecord.objects.filter(records_with_effective_status(status="expired", as_of=as_of)).get()
        == past
    )
