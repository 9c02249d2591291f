"""Large files are read, validated and prepared in a second process while this one writes: same batch."""

from __future__ import annotations

import json
import os

import pytest
from django.db import transaction

from tests.collection.batch_support import (
    COUNTS,
    CrashOnCall,
    assert_counts_add_up,
    bad_rows,
    counts,
    penalty_row,
    ready_batch,
    valid_rows,
    write_csv,
)
from xinyong.collection.loading import engine, reader_process
from xinyong.collection.loading.engine import BatchLoader
from xinyong.collection.loading.run import batch_process
from xinyong.collection.models import BatchStatus
from xinyong.collection.readers import ReadError
from xinyong.collection.readers.csv_table import CsvTable
from xinyong.records.models import CreditRecord, CreditRecordVersion
from xinyong.records.rules import content_hash
from xinyong.subjects import crypto
from xinyong.subjects.models import Subject, SubjectAlias, SubjectReview

pytestmark = pytest.mark.django_db

CHUNK = 4


class _Rollback(Exception):
    pass


def mixed_rows() -> list[dict]:
    """Valid rows, broken rows, exact repeats, corrections and a renamed company, across chunks."""
    rows = valid_rows(18)
    bad = list(bad_rows().values())
    out = []
    for i, row in enumerate(rows):
        out.append(row)
        if i % 4 == 1 and bad:
            out.append(bad.pop(0))
        if i % 5 == 3:
            out.append(dict(rows[i - 2]))  # a repeat: duplicate
        if i % 6 == 4:
            out.append({**rows[i - 3], "违法事实": rows[i - 3]["违法事实"] + "（更正）"})  # a new version
    out.append(penalty_row(3, 行政相对人名称="甲市第3贸易有限责任公司"))  # former name of a known subject
    return out + bad


def snapshot(batch) -> dict:
    batch.refresh_from_db()
    return {
        "counts": tuple(getattr(batch, name) for name in COUNTS),
        "warnings": batch.warnings,
        "errors": batch.errors,
        "rejected": sorted(
            (r.number, [e["code"] for e in r.errors], r.values) for r in batch.rejected_rows.all()
        ),
        "records": sorted(
            (
                r.document_number_key,
                r.subject.uscc or r.subject.ric_hmac,
                r.current_version.number,
                r.duplicate_count,
            )
            for r in CreditRecord.objects.select_related("subject", "current_version")
        ),
        "versions": sorted(
            (v.record.document_number_key, v.number, v.subject.name, v.fields)
            for v in CreditRecordVersion.objects.select_related("record", "subject")
        ),
        "subjects": sorted((s.kind, s.uscc or s.ric_hmac, s.name) for s in Subject.objects.all()),
        "aliases": sorted(
            (a.subject.name, a.kind, a.value) for a in SubjectAlias.objects.select_related("subject")
        ),
        "reviews": SubjectReview.objects.count(),
    }


def assert_hashes_follow_the_rule() -> None:
    """Every version's content hash is the one records.rules computes (ids differ between runs)."""
    for v in CreditRecordVersion.objects.select_related("item_version"):
        secret = json.loads(crypto.decrypt(v.fields_protected)) if v.fields_protected else {}
        assert v.content_hash == content_hash(
            item_version=v.item_version,
            subject_id=v.subject_id,
            decision_date=v.decision_date,
            severity=v.severity,
            polarity=v.polarity,
            status=v.status,
            stored_fields=v.fields,
            secret_fields=secret,
        )


def run(source, department, actor, monkeypatch, *, reading_process: bool) -> tuple[dict, set[int]]:
    pids: set[int] = set()
    real = BatchLoader.load_prepared

    def spy(self, chunk, *, expected_committed):
        pids.add(chunk.pid)
        return real(self, chunk, expected_committed=expected_committed)

    monkeypatch.setattr(BatchLoader, "load_prepared", spy)
    monkeypatch.setattr(reader_process, "_use_reading_process", lambda table: reading_process)
    batch = batch_process(batch_id=ready_batch(source, department, actor).pk, chunk_size=CHUNK)
    assert batch.status == BatchStatus.DONE
    assert_counts_add_up(batch)
    assert_hashes_follow_the_rule()
    return snapshot(batch), pids


@pytest.fixture
def source(tmp_path):
    return write_csv(tmp_path / "处罚.csv", mixed_rows())


def test_the_reading_process_gives_the_same_batch(catalog, source, dept_a, officer_a, monkeypatch):
    try:
        with transaction.atomic():
            expected, pids = run(source, dept_a, officer_a, monkeypatch, reading_process=False)
            raise _Rollback
    except _Rollback:
        pass
    assert pids == {os.getpid()}
    assert not CreditRecord.objects.exists()
    got, pids = run(source, dept_a, officer_a, monkeypatch, reading_process=True)
    assert len(pids) == 1 and os.getpid() not in pids  # prepared in another process
    assert got == expected
    assert got["counts"][1:5] != (0, 0, 0, 0) and all(got["counts"][1:5])  # every outcome occurs


def test_a_crash_while_the_reading_process_runs_ahead_then_resume(
    catalog, source, dept_a, officer_a, monkeypatch
):
    monkeypatch.setattr(reader_process, "_use_reading_process", lambda table: True)
    crash = CrashOnCall(engine.records_bulk_ingest, 3)
    monkeypatch.setattr(engine, "records_bulk_ingest", crash)
    batch = ready_batch(source, dept_a, officer_a)
    with pytest.raises(RuntimeError):
        batch_process(batch_id=batch.pk, chunk_size=CHUNK)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and batch.rows_committed == 2 * CHUNK
    monkeypatch.setattr(engine, "records_bulk_ingest", crash.real)
    resumed = batch_process(batch_id=batch.pk, chunk_size=CHUNK)
    assert resumed.status == BatchStatus.DONE
    assert_counts_add_up(resumed)
    assert counts(resumed)[0] == len(mixed_rows())


def test_a_read_error_in_the_reading_process_fails_the_batch_after_the_good_chunks(
    catalog, tmp_path, dept_a, officer_a, monkeypatch
):
    monkeypatch.setattr(reader_process, "_use_reading_process", lambda table: True)
    real_rows = CsvTable._rows

    def broken_after_six(self):
        for index, row in enumerate(real_rows(self)):
            if index == 6:
                raise ReadError("csv_invalid", line=row.number, detail="unexpected end of data")
            yield row

    monkeypatch.setattr(CsvTable, "_rows", broken_after_six)
    path = write_csv(tmp_path / "处罚.csv", valid_rows(10))
    batch = batch_process(batch_id=ready_batch(path, dept_a, officer_a).pk, chunk_size=CHUNK)
    assert batch.status == BatchStatus.FAILED and batch.error_code == "csv_invalid"
    assert "第 5 个数据行" in batch.error_message
    assert batch.rows_committed == CHUNK  # the first chunk was loaded; nothing of the second
    assert_counts_add_up(batch)
