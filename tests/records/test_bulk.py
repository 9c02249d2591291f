"""The bulk loader stores a chunk as its rows received one by one would be, set-based and in one transaction."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from tests.factories import record_ingest_row, subject_create
from tests.subjects.factories import RIC, item_version, received, ric, uscc
from xinyong.accounts.models import AuditEntry
from xinyong.accounts.selectors import audit_verify
from xinyong.core.codes import SubjectKind
from xinyong.records.loading import ingest as loading_ingest
from xinyong.records.loading import write as loading_write
from xinyong.records.loading.ingest import records_bulk_ingest
from xinyong.records.loading.prepare import RecordInput, RecordPreparer
from xinyong.records.models import Channel, CreditRecord, CreditRecordVersion
from xinyong.records.normalize import jsonable
from xinyong.records.rules import RecordError, content_hash, split_protected
from xinyong.records.selectors import protected_field_codes
from xinyong.records.timeliness import PUBLICATION_DEADLINE_WD, publication_deadline
from xinyong.subjects import crypto
from xinyong.subjects.models import Subject

pytestmark = pytest.mark.django_db

DECIDED = dt.date(2026, 5, 20)


class _Rollback(Exception):
    pass


@pytest.fixture
def subjects(db):
    return {
        "company": subject_create(kind=SubjectKind.ORGANISATION, name="甲市某某科技有限公司", uscc=uscc(1)),
        "other": subject_create(kind=SubjectKind.ORGANISATION, name="甲市另一家有限公司", uscc=uscc(2)),
        "person": subject_create(kind=SubjectKind.NATURAL_PERSON, name="张三", ric=RIC),
    }


def row(
    number, document, subject, *, content="罚款人民币五千元", decided=DECIDED, severity="general", **extra
):
    fields = {"CF_XDR_MC": subject.name, "CF_WSH": document, "CF_NR": content, "CF_JDRQ": decided}
    if subject.kind == SubjectKind.NATURAL_PERSON:
        fields["CF_XDR_ZJHM"] = extra.pop("id_number", RIC)
    return (
        RecordInput(
            number=number,
            document_number=document,
            decision_date=decided,
            fields=fields,
            severity=severity,
            **extra,
        ),
        subject.pk,
    )


def _one_by_one(rows, *, item, department, received_at, batch_ref):
    """Each row received on its own: a chunk of one row per call."""
    outcomes = []
    for record_input, subject_id in rows:
        outcome = record_ingest_row(
            item_version=item,
            department=department,
            document_number=record_input.document_number,
            subject=Subject.objects.get(pk=subject_id),
            decision_date=record_input.decision_date,
            fields=record_input.fields,
            severity=record_input.severity,
            polarity=record_input.polarity,
            status=record_input.status,
            publish_from=record_input.publish_from,
            publish_until=record_input.publish_until,
            channel=Channel.FILE,
            received_at=received_at,
            batch_ref=batch_ref,
        )
        outcomes.append(outcome.outcome)
    return outcomes


def _snapshot():
    """Every record and version, keyed by dedupe key and version number instead of ids."""
    key_of = dict(CreditRecord.objects.values_list("pk", "document_number_key"))
    number_of = dict(CreditRecordVersion.objects.values_list("pk", "number"))
    records = {}
    for record in CreditRecord.objects.select_related("current_version"):
        records[record.document_number_key] = (
            record.item_id,
            record.department_id,
            record.document_number,
            record.subject_id,
            record.current_version.number,
            record.item_version_id,
            record.subject_kind,
            record.disclosure_scope,
            record.decision_date,
            record.severity,
            record.polarity,
            record.status,
            record.publish_from,
            record.publish_until,
            record.duplicate_count,
            record.last_duplicate_at,
            record.lag_working_days,
            record.lag_provisional,
            record.is_late,
            record.created_at,
            record.publishable,
            record.repair_from,
            record.no_early_stop,
            record.window_rule,
            record.rule_set_code,
            record.status_date,
            record.withdrawal_due,
            record.withdrawn_at is not None,
            record.in_publication,
        )
    versions = {}
    for v in CreditRecordVersion.objects.all():
        versions[(key_of[v.record_id], v.number)] = (
            v.item_version_id,
            v.subject_id,
            v.document_number,
            v.decision_date,
            v.severity,
            v.polarity,
            v.status,
            v.status_date,
            v.change_reason,
            v.publish_from,
            v.publish_until,
            v.fields,
            crypto.decrypt(v.fields_protected) if v.fields_protected else "",
            v.content_hash,
            v.channel,
            v.batch_ref,
            v.uploader_id,
            v.api_client_id,
            v.received_at,
            number_of.get(v.supersedes_id),
            v.publishable,
            v.repair_from,
            v.no_early_stop,
            v.window_rule,
            v.rule_set_code,
        )
    return records, versions


def _chunk(s):
    company, other, person = s["company"], s["other"], s["person"]
    return [
        row(2, "甲罚〔2026〕1号", company),  # known: same content → duplicate
        row(3, "甲罚〔2026〕2号", company, content="罚款人民币八千元"),  # known: changed → new version
        row(4, "甲罚〔2026〕2号", company),  # back to the first content: a duplicate of version 1
        row(5, "甲罚〔2026〕10号", company),  # new
        row(6, "甲罚[２０２６]10号 ", company),  # same document, other spelling, same content → duplicate
        row(7, "甲罚〔2026〕10号", company, content="罚款人民币一万元"),  # changed within the chunk
        row(8, "甲罚〔2026〕10号", company, content="罚款人民币一万元"),  # …and repeated
        row(9, "甲罚〔2026〕11号", other, severity="serious"),
        row(10, "甲罚〔2026〕11号", company, severity="serious"),  # other subject: new version
        row(11, "甲罚〔2026〕12号", person),  # natural person: personal ID masked and encrypted
        row(12, "甲罚〔2026〕12号", person),
        row(13, "甲罚〔2026〕13号", person, id_number=ric(5), decided=dt.date(2026, 3, 2)),
        row(14, "甲罚〔2026〕3号", company, decided=dt.date(2026, 5, 1)),  # known: decision corrected
        row(15, "甲罚〔2026〕14号", company, status="revoked", publish_until=dt.date(2029, 5, 20)),
    ]


def _seed(items, dept_a, s):
    known = [
        row(1, "甲罚〔2026〕1号", s["company"]),
        row(1, "甲罚〔2026〕2号", s["company"]),
        row(1, "甲罚〔2026〕3号", s["company"]),
    ]
    _one_by_one(known, item=items["public"], department=dept_a, received_at=received(1), batch_ref="b0")


def test_a_chunk_stores_what_its_rows_one_by_one_store(items, dept_a, subjects):
    _seed(items, dept_a, subjects)
    chunk = _chunk(subjects)
    args = {"item": items["public"], "department": dept_a}
    try:
        with transaction.atomic():
            expected_outcomes = _one_by_one(chunk, **args, received_at=received(3), batch_ref="b1")
            expected = _snapshot()
            raise _Rollback
    except _Rollback:
        pass
    result = records_bulk_ingest(
        item_version=items["public"],
        department=dept_a,
        rows=chunk,
        channel=Channel.FILE,
        batch_ref="b1",
        received_at=received(3),
    )
    assert result.outcomes == expected_outcomes
    assert expected_outcomes == [
        "duplicate",
        "new_version",
        "duplicate",
        "created",
        "duplicate",
        "new_version",
        "duplicate",
        "created",
        "new_version",
        "created",
        "duplicate",
        "created",
        "new_version",
        "created",
    ]
    assert (result.created, result.new_version, result.duplicate) == (5, 4, 5)
    records, versions = _snapshot()
    assert records == expected[0]
    assert versions == expected[1]


def test_counts_after_reloading_the_same_chunk(items, dept_a, subjects):
    chunk = _chunk(subjects)
    ingest = dict(item_version=items["public"], department=dept_a, channel=Channel.FILE, batch_ref="b")
    first = records_bulk_ingest(**ingest, rows=chunk, received_at=received(2))
    assert first.created == CreditRecord.objects.count() == 8
    assert first.created + first.new_version == CreditRecordVersion.objects.count()
    again = records_bulk_ingest(**ingest, rows=chunk, received_at=received(4))
    assert again.outcomes == ["duplicate"] * len(chunk)
    assert CreditRecordVersion.objects.count() == first.created + first.new_version
    record = CreditRecord.objects.get(document_number_key="甲罚(2026)10号")
    # Received four times in the first chunk (created, duplicate, new version, duplicate), four again now.
    assert record.duplicate_count == 2 + 4 and record.last_duplicate_at == received(4)
    assert record.current_version.number == 2 and record.current_version.fields["CF_NR"] == "罚款人民币一万元"
    assert record.current_version.supersedes.number == 1


def test_within_chunk_changes_keep_every_version(items, dept_a, subjects):
    company = subjects["company"]
    chunk = [row(i, "罚1号", company, content=f"内容{i % 3}") for i in range(1, 8)]
    result = records_bulk_ingest(
        item_version=items["public"],
        department=dept_a,
        rows=chunk,
        channel=Channel.API,
        batch_ref="b",
        received_at=received(2),
    )
    assert result.outcomes == ["created", "new_version", "new_version"] + ["duplicate"] * 4
    record = CreditRecord.objects.get()
    versions = list(record.versions.order_by("number"))
    assert [v.fields["CF_NR"] for v in versions] == ["内容1", "内容2", "内容0"]
    assert [v.supersedes_id for v in versions] == [None, versions[0].pk, versions[1].pk]
    assert record.current_version == versions[2] and record.duplicate_count == 4


def test_personal_ids_are_encrypted_and_never_stored_in_clear(items, dept_a, subjects):
    records_bulk_ingest(
        item_version=items["public"],
        department=dept_a,
        rows=[row(1, "罚1号", subjects["person"]), row(2, "罚2号", subjects["person"], id_number=ric(5))],
        channel=Channel.FILE,
        batch_ref="b",
        received_at=received(2),
    )
    version = CreditRecordVersion.objects.get(document_number="罚1号")
    assert version.fields["CF_XDR_ZJHM"] == "110105********002X"
    assert crypto.decrypt(version.fields_protected) == f'{{"CF_XDR_ZJHM": "{RIC}"}}'
    record = CreditRecord.objects.get(document_number="罚1号")
    assert record.disclosure_scope == "shared"  # the item narrows natural persons to 政务共享
    for table in ("records_creditrecord", "records_creditrecordversion", "subjects_subject"):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            text = repr(cursor.fetchall())
        for number in (RIC, ric(5)):
            assert number not in text and number[:17] not in text, table


def test_lag_in_working_days_across_the_spring_festival(dept_a, subjects):
    penalty = item_version("penalty", scope="public")
    received_at = timezone.make_aware(dt.datetime(2024, 2, 20, 10, 0))
    rows = [
        # 2024-02-09 (Friday, 除夕) is a working day; 10–17 February holidays; Sunday 18 February a workday.
        row(1, "罚1号", subjects["company"], decided=dt.date(2024, 2, 8)),
        row(2, "罚2号", subjects["company"], decided=dt.date(2024, 1, 29)),
        row(3, "罚3号", subjects["company"], decided=dt.date(2024, 2, 20)),
    ]
    records_bulk_ingest(
        item_version=penalty,
        department=dept_a,
        rows=rows,
        channel=Channel.FILE,
        batch_ref="b",
        received_at=received_at,
    )
    lags = {
        r.document_number: (r.lag_working_days, r.lag_provisional, r.is_late)
        for r in CreditRecord.objects.all()
    }
    assert lags == {"罚1号": (4, False, False), "罚2号": (13, False, True), "罚3号": (0, False, False)}
    # A row received on its own fills the same columns.
    single = record_ingest_row(
        item_version=penalty,
        department=dept_a,
        document_number="罚4号",
        subject=subjects["company"],
        decision_date=dt.date(2024, 2, 8),
        fields={"CF_NR": "警告"},
        channel=Channel.FORM,
        received_at=received_at,
    ).record
    single.refresh_from_db()
    assert (single.lag_working_days, single.lag_provisional, single.is_late) == (4, False, False)


def test_items_without_a_deadline_get_a_lag_but_no_late_flag(items, dept_a, subjects):
    assert publication_deadline("penalty") == PUBLICATION_DEADLINE_WD == 7
    assert publication_deadline("inspection") is None
    records_bulk_ingest(
        item_version=items["shared"],
        department=dept_a,
        rows=[row(1, "查1号", subjects["company"], decided=dt.date(2026, 1, 5))],
        channel=Channel.FILE,
        batch_ref="b",
        received_at=received(2),
    )
    record = CreditRecord.objects.get()
    assert record.lag_working_days > 7 and record.is_late is None


def test_a_corrected_decision_date_recomputes_the_lag_from_the_first_receipt(items, dept_a, subjects):
    ingest = dict(item_version=items["public"], department=dept_a, channel=Channel.FILE, batch_ref="b")
    records_bulk_ingest(
        **ingest,
        rows=[row(1, "罚1号", subjects["company"], decided=dt.date(2026, 5, 29))],
        received_at=received(1),
    )
    assert CreditRecord.objects.get().lag_working_days == 1  # 29 May (Fri) → 1 June (Mon)
    records_bulk_ingest(
        **ingest,
        rows=[row(1, "罚1号", subjects["company"], decided=dt.date(2026, 5, 20))],
        received_at=received(20),
    )
    record = CreditRecord.objects.get()
    assert record.lag_working_days == 8 and record.is_late  # still counted to 1 June, the first receipt


def test_one_audit_entry_per_call_and_the_chain_verifies(items, dept_a, officer_a, subjects):
    before = AuditEntry.objects.count()
    result = records_bulk_ingest(
        item_version=items["public"],
        department=dept_a,
        rows=_chunk(subjects),
        channel=Channel.FILE,
        batch_ref="batch-42",
        received_at=received(2),
        uploader=officer_a,
    )
    entries = list(AuditEntry.objects.order_by("seq")[before:])
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.action, entry.actor_user, entry.object_type) == (
        "bulk_ingest",
        officer_a,
        "records.creditrecord",
    )
    assert entry.detail["batch_ref"] == "batch-42"
    assert (entry.detail["created"], entry.detail["new_version"], entry.detail["duplicate"]) == (
        result.created,
        result.new_version,
        result.duplicate,
    )
    assert audit_verify().ok
    assert set(CreditRecordVersion.objects.values_list("uploader", flat=True)) == {officer_a.pk}


def test_queries_do_not_grow_with_the_chunk(items, dept_a, subjects):
    ingest = dict(item_version=items["public"], department=dept_a, channel=Channel.FILE, batch_ref="b")

    def queries(rows, day):
        with CaptureQueriesContext(connection) as captured:
            records_bulk_ingest(**ingest, rows=rows, received_at=received(day))
        return len(captured.captured_queries)

    queries([row(1, "首1号", subjects["company"])], 1)  # per-process look-ups (sequences, role) done once
    small = queries([row(i, f"小{i}号", subjects["company"]) for i in range(5)], 1)
    large = queries([row(i, f"大{i}号", subjects["company"]) for i in range(500)], 2)
    # SQLite inserts with executemany: one statement per table whatever the row count.
    assert large == small <= 20
    again = queries([row(i, f"大{i}号", subjects["company"], content="改") for i in range(500)], 3)
    # a few statements more, not more per row: version hashes, the updates, PostgreSQL's planner settings
    assert again <= small + 4


def test_an_invalid_row_refuses_the_whole_chunk(items, dept_a, subjects):
    rows = [row(1, "罚1号", subjects["company"]), row(2, " ", subjects["company"])]
    with pytest.raises(RecordError) as excinfo:
        records_bulk_ingest(
            item_version=items["public"],
            department=dept_a,
            rows=rows,
            channel=Channel.FILE,
            batch_ref="b",
            received_at=received(2),
        )
    assert excinfo.value.code == "document_number_required" and "第 2 行" in excinfo.value.message
    assert not CreditRecord.objects.exists()


def test_subject_kind_and_source_department_are_checked(dept_a, subjects):
    only_orgs = item_version("penalty", scope="public", subject_kinds=[SubjectKind.ORGANISATION])
    with pytest.raises(RecordError) as excinfo:
        records_bulk_ingest(
            item_version=only_orgs,
            department=dept_a,
            rows=[row(7, "罚1号", subjects["person"])],
            channel=Channel.FILE,
            batch_ref="b",
            received_at=received(2),
        )
    assert excinfo.value.code == "subject_kind_not_allowed"
    other_source = item_version("license", scope="public", source_departments=["dept-b"])
    with pytest.raises(RecordError) as excinfo:
        records_bulk_ingest(
            item_version=other_source,
            department=dept_a,
            rows=[row(1, "许1号", subjects["company"])],
            channel=Channel.FILE,
            batch_ref="b",
            received_at=received(2),
        )
    assert excinfo.value.code == "department_not_source"


def test_a_failure_mid_call_leaves_nothing_behind(items, dept_a, subjects, monkeypatch):
    write_rows = loading_write._write_rows

    def fail_after_records(model, columns, rows):
        write_rows(model, columns, rows)
        if model is CreditRecord:
            raise RuntimeError("disk full")

    monkeypatch.setattr(loading_write, "_write_rows", fail_after_records)
    audit_before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        records_bulk_ingest(
            item_version=items["public"],
            department=dept_a,
            rows=_chunk(subjects),
            channel=Channel.FILE,
            batch_ref="b",
            received_at=received(2),
        )
    assert not CreditRecord.objects.exists() and not CreditRecordVersion.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_a_concurrent_insert_is_retried_once(items, dept_a, subjects, monkeypatch):
    write_rows = loading_write._write_rows
    failures = []

    def conflict_once(model, columns, rows):
        if not failures:
            failures.append(model)
            raise IntegrityError("duplicate key value violates unique constraint")
        write_rows(model, columns, rows)

    monkeypatch.setattr(loading_write, "_write_rows", conflict_once)
    result = records_bulk_ingest(
        item_version=items["public"],
        department=dept_a,
        rows=[row(1, "罚1号", subjects["company"])],
        channel=Channel.FILE,
        batch_ref="b",
        received_at=received(2),
    )
    assert result.outcomes == ["created"] and CreditRecord.objects.count() == 1


def test_a_document_stored_meanwhile_by_another_upload_is_found_on_the_retry(
    items, dept_a, subjects, monkeypatch
):
    ingest = dict(item_version=items["public"], department=dept_a, channel=Channel.FILE, batch_ref="b")
    records_bulk_ingest(**ingest, rows=[row(1, "罚1号", subjects["company"])], received_at=received(1))
    load_known = loading_ingest.records_known
    calls = []

    def stale_first_read(**kwargs):
        # The first read misses the record, as if another upload had stored it just after our read.
        calls.append(1)
        return {} if len(calls) == 1 else load_known(**kwargs)

    monkeypatch.setattr(loading_ingest, "records_known", stale_first_read)
    result = records_bulk_ingest(
        **ingest, rows=[row(1, "罚1号", subjects["company"])], received_at=received(2)
    )
    assert result.outcomes == ["duplicate"] and len(calls) == 2
    assert CreditRecord.objects.get().duplicate_count == 1


def test_three_uploads_colliding_in_turn_do_not_fail_the_chunk(items, dept_a, subjects, monkeypatch):
    """Each collision means another upload committed the rows; a third upload may collide twice."""
    ingest = dict(item_version=items["public"], department=dept_a, channel=Channel.FILE, batch_ref="b")
    records_bulk_ingest(**ingest, rows=[row(1, "罚1号", subjects["company"])], received_at=received(1))
    load_known = loading_ingest.records_known
    calls = []

    def stale_reads(**kwargs):
        calls.append(1)
        return {} if len(calls) <= 2 else load_known(**kwargs)

    monkeypatch.setattr(loading_ingest, "records_known", stale_reads)
    result = records_bulk_ingest(
        **ingest, rows=[row(1, "罚1号", subjects["company"])], received_at=received(2)
    )
    assert result.outcomes == ["duplicate"] and len(calls) == 3
    assert CreditRecord.objects.count() == 1


def test_canonical_json_is_the_documented_serialisation():
    """The content hash of stored versions depends on this text: it must never change."""
    import decimal
    import json
    from collections import OrderedDict

    from xinyong.records.normalize import canonical_json

    value = {
        "b": [dt.date(2024, 2, 8), (decimal.Decimal("1.50"), None, True)],
        "a": {"处罚": "罚款", 2: dt.datetime(2024, 2, 8, 9, 30), "n": OrderedDict(z=1.5, y="Ｆ")},
    }
    expected = (
        '{"a":{"2":"2024-02-08T09:30:00","n":{"y":"Ｆ","z":1.5},"处罚":"罚款"},'
        '"b":["2024-02-08",["1.50",null,true]]}'
    )
    assert canonical_json(value) == expected
    assert json.loads(expected)["a"]["处罚"] == "罚款"


# -- the prepared row and the PostgreSQL write path ------------------------------------------------

_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=0x2FFFF), min_size=0, max_size=12
)


@hyp_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fields=st.dictionaries(
        st.sampled_from(["CF_NR", "CF_SY", "CF_NR_FK", "CF_BZ", "CF_XDR_MC"]),
        st.one_of(_TEXT, st.integers(-(2**70), 2**70), st.booleans(), st.none(), st.floats(allow_nan=False)),
    ),
    document=st.sampled_from(["甲罚〔2026〕1号", " 甲罚[２０２６]1号 ", "罚\t1\n号"]),
    id_number=st.sampled_from([None, RIC]),
    subject_id=st.integers(1, 10**12),
    severity=st.sampled_from(["", "general", "serious"]),
    status=st.sampled_from(["effective", "revoked"]),
)
def test_the_prepared_hash_is_the_content_hash_rule(
    items, dept_a, fields, document, id_number, subject_id, severity, status
):
    """prepare(row).content_hash(subject) == records.rules.content_hash, whatever the field values."""

    fields = {**fields, "CF_WSH": document}
    if id_number:
        fields["CF_XDR_ZJHM"] = id_number
    record_input = RecordInput(
        number=2,
        document_number=document,
        decision_date=DECIDED,
        fields=fields,
        severity=severity,
        status=status,
    )
    item = items["public"]
    for postgres in (False, True):
        prepared = RecordPreparer(item_version=item, department=dept_a, postgres=postgres).prepare(
            record_input
        )
        stored, secret = split_protected(
            fields=jsonable(fields), protected=protected_field_codes(item_version=item)
        )
        expected = content_hash(
            item_version=item,
            subject_id=subject_id,
            decision_date=DECIDED,
            severity=severity,
            polarity=item.polarity,
            status=status,
            stored_fields=stored,
            secret_fields=secret,
        )
        assert prepared.content_hash(subject_id) == expected


def test_tabs_newlines_and_backslashes_survive_the_copy_text(items, dept_a, subjects):
    text = "第一行\t制表\n第二行 \\ 反斜杠 \\N \r 回车"
    records_bulk_ingest(
        item_version=items["public"],
        department=dept_a,
        rows=[row(2, "甲罚〔2026〕\t7号", subjects["company"], content=text)],
        channel=Channel.FILE,
        batch_ref="b",
        received_at=received(2),
    )
    version = CreditRecordVersion.objects.get()
    assert version.fields["CF_NR"] == text
    assert (
        version.document_number == "甲罚〔2026〕\t7号"
        and version.record.document_number_key == "甲罚(2026)7号"
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL foreign-key triggers")
def test_without_the_foreign_key_triggers_the_tables_are_the_same(items, dept_a, subjects, monkeypatch):
    """The set-based reference checks leave the same rows as the per-row triggers do."""
    from xinyong.core import bulk as core_bulk

    _seed(items, dept_a, subjects)
    args = dict(
        item_version=items["public"],
        department=dept_a,
        rows=_chunk(subjects),
        channel=Channel.FILE,
        batch_ref="b1",
        received_at=received(3),
    )
    unchecked = []
    real = core_bulk.unchecked_writes

    def spy(*models):
        manager = real(*models)
        value = manager.__enter__()
        unchecked.append(value)

        class Wrapper:
            def __enter__(self):
                return value

            def __exit__(self, *exc):
                return manager.__exit__(*exc)

        return Wrapper()

    monkeypatch.setattr(loading_write, "unchecked_writes", spy)
    try:
        with transaction.atomic():
            unchecked_outcomes = records_bulk_ingest(**args).outcomes  # references checked set-based
            unchecked_tables = _snapshot()
            raise _Rollback
    except _Rollback:
        pass
    monkeypatch.setattr(core_bulk, "_UNCHECKED", {})
    monkeypatch.setattr(core_bulk, "_may_skip_triggers", lambda models: False)
    triggered_outcomes = records_bulk_ingest(**args).outcomes  # the per-row triggers check them
    assert unchecked == [True, False]
    assert unchecked_outcomes == triggered_outcomes
    assert _snapshot() == unchecked_tables


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL foreign-key triggers")
def test_a_missing_subject_is_refused_without_the_triggers(items, dept_a, subjects):
    from xinyong.core.bulk import _may_skip_triggers

    assert _may_skip_triggers([CreditRecord, CreditRecordVersion])  # the tests run as a superuser
    with pytest.raises(RecordError, match="主体不存在"):
        records_bulk_ingest(
            item_version=items["public"],
            department=dept_a,
            rows=[(row(2, "罚1号", subjects["company"])[0], 987654321)],
            channel=Channel.FILE,
            batch_ref="b",
            received_at=received(2),
        )
    with pytest.raises(IntegrityError, match="Subject rows"):
        records_bulk_ingest(
            item_version=items["public"],
            department=dept_a,
            rows=[(row(2, "罚1号", subjects["company"])[0], 987654321)],
            subject_kinds={987654321: SubjectKind.ORGANISATION},  # a caller that is wrong about it
            channel=Channel.FILE,
            batch_ref="b",
            received_at=received(2),
        )
    assert not CreditRecord.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL planner settings")
def test_updates_of_known_records_probe_the_index_and_restore_the_settings(items, dept_a, subjects):
    """Re-sent rows update their records by key: never a hash or merge join over the whole records table
    (what stale statistics after a bulk load lead to), and the transaction's own settings come back."""
    from xinyong.core.bulk import index_probes

    update = (
        f"UPDATE {CreditRecord._meta.db_table} AS r SET duplicate_count = r.duplicate_count + v.n "
        "FROM unnest(%s::bigint[], %s::integer[]) AS v(id, n) WHERE r.id = v.id"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_mergejoin = off")  # the caller's own choice, kept
        with index_probes():
            cursor.execute("EXPLAIN " + update, [list(range(1, 5001)), [1] * 5000])
            plan = "\n".join(line for (line,) in cursor.fetchall())
        cursor.execute("SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin')")
        assert cursor.fetchone() == ("on", "off")
    assert "Nested Loop" in plan and "Hash Join" not in plan and "Merge Join" not in plan, plan

    _seed(items, dept_a, subjects)
    again = records_bulk_ingest(
        item_version=items["public"],
        department=dept_a,
        rows=_chunk(subjects),
        channel=Channel.FILE,
        batch_ref="b2",
        received_at=received(4),
    )
    assert again.duplicate or again.new_version
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_hashjoin')")
        assert cursor.fetchone() == ("on",)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL planner settings")
def test_an_error_inside_index_probes_is_the_one_raised():
    from django.db import DataError

    from xinyong.core.bulk import index_probes

    # Not "current transaction is aborted" from restoring the settings afterwards.
    with pytest.raises(DataError), transaction.atomic(), index_probes(), connection.cursor() as cursor:
        cursor.execute("SELECT 1 / 0")


def test_copy_text_of_string_subclasses():
    from django.utils.safestring import mark_safe

    from xinyong.core.bulk import copy_line

    assert (
        copy_line([mark_safe("甲\t乙"), SubjectKind.ORGANISATION, None, True, 7])
        == "甲\\t乙\torganisation\t\\N\tt\t7"
    )
