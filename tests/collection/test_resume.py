"""A crash in the middle of a batch leaves whole chunks only; processing again finishes it exactly once."""

from __future__ import annotations

import pytest

from tests.collection.batch_support import (
    CrashOnCall,
    assert_counts_add_up,
    bad_rows,
    counts,
    ready_batch,
    valid_rows,
    write_csv,
)
from xinyong.collection.errors import CollectionError
from xinyong.collection.lifecycle import batch_resume, batches_resume_interrupted
from xinyong.collection.loading import engine
from xinyong.collection.loading.engine import BatchLoader
from xinyong.collection.loading.run import batch_process
from xinyong.collection.models import Batch, BatchStatus
from xinyong.records.models import CreditRecord

pytestmark = pytest.mark.django_db

CHUNK = 3


def rows_with_mistakes() -> list[dict]:
    """14 valid rows with a bad row every fourth line (so every chunk mixes good and bad rows)."""
    valid = valid_rows(14)
    bad = list(bad_rows().values())
    out = []
    for i, row in enumerate(valid):
        out.append(row)
        if i % 3 == 2 and bad:
            out.append(bad.pop(0))
    return out + bad


@pytest.fixture
def source(tmp_path):
    return write_csv(tmp_path / "处罚.csv", rows_with_mistakes())


@pytest.fixture
def clean_run(catalog, source, dept_b, operator):
    """The same file loaded without incident (by another department), for comparison."""
    batch = batch_process(batch_id=ready_batch(source, dept_b, operator).pk, chunk_size=CHUNK)
    assert batch.status == BatchStatus.DONE
    return batch


def test_crash_on_the_third_chunk_then_resume(clean_run, source, dept_a, officer_a, monkeypatch):
    all_rows = rows_with_mistakes()
    crash = CrashOnCall(engine.records_bulk_ingest, 3)
    monkeypatch.setattr(engine, "records_bulk_ingest", crash)
    batch = ready_batch(source, dept_a, officer_a)
    seen = []
    with pytest.raises(RuntimeError):
        batch_process(batch_id=batch.pk, chunk_size=CHUNK, progress=lambda b: seen.append(counts(b)))

    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and batch.error_code == "processing_error"
    assert "继续处理" in batch.error_message
    # Two chunks committed, whole; the third left nothing behind: no record, no rejected row, no subject.
    assert batch.rows_committed == 2 * CHUNK and len(seen) == 2
    assert_counts_add_up(batch)
    for snapshot in seen:
        rows_read, created, new_version, duplicate, rejected, _ = snapshot
        assert rows_read == created + new_version + duplicate + rejected
    loaded = set(CreditRecord.objects.filter(department=dept_a).values_list("document_number", flat=True))
    assert loaded == {r["行政处罚决定书文号"] for r in all_rows[: 2 * CHUNK] if r in valid_rows(14)}
    third_chunk = all_rows[2 * CHUNK : 3 * CHUNK]
    assert not CreditRecord.objects.filter(
        department=dept_a, document_number__in=[r["行政处罚决定书文号"] for r in third_chunk]
    ).exists()
    assert max(batch.rejected_rows.values_list("number", flat=True)) <= 1 + 2 * CHUNK

    monkeypatch.setattr(engine, "records_bulk_ingest", crash.real)
    resumed = batch_resume(batch=batch, actor=officer_a)  # immediate task backend: runs now
    assert resumed.status == BatchStatus.DONE
    assert_counts_add_up(resumed)
    assert counts(resumed) == counts(clean_run)
    assert sorted(resumed.rejected_rows.values_list("number", flat=True)) == sorted(
        clean_run.rejected_rows.values_list("number", flat=True)
    )
    assert resumed.errors == clean_run.errors
    assert CreditRecord.objects.filter(department=dept_a).count() == clean_run.created


def test_the_first_rows_of_a_resumed_batch_are_skipped(catalog, source, dept_a, officer_a, monkeypatch):
    """The resume point is rows_committed: a resumed run starts reading after it."""
    monkeypatch.setattr(engine, "records_bulk_ingest", CrashOnCall(engine.records_bulk_ingest, 2))
    batch = ready_batch(source, dept_a, officer_a)
    with pytest.raises(RuntimeError):
        batch_process(batch_id=batch.pk, chunk_size=CHUNK)
    monkeypatch.undo()
    read: list[int] = []
    real_prepare = BatchLoader.prepare

    def spy(self, rows):
        read.extend(r.number for r in rows)
        return real_prepare(self, rows)

    monkeypatch.setattr(BatchLoader, "prepare", spy)
    batch = batch_process(batch_id=batch.pk, chunk_size=CHUNK)
    assert batch.status == BatchStatus.DONE
    assert read[0] == 2 + CHUNK  # line 1 is the header, the first chunk (lines 2–4) was committed


def test_an_interrupted_import_is_resumable(catalog, source, dept_a, officer_a, monkeypatch):
    monkeypatch.setattr(
        engine, "records_bulk_ingest", CrashOnCall(engine.records_bulk_ingest, 2, KeyboardInterrupt())
    )
    batch = ready_batch(source, dept_a, officer_a)
    with pytest.raises(KeyboardInterrupt):
        batch_process(batch_id=batch.pk, chunk_size=CHUNK)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and batch.error_code == "interrupted"
    monkeypatch.undo()
    assert batch_process(batch_id=batch.pk, chunk_size=CHUNK).status == BatchStatus.DONE


def test_a_stale_worker_cannot_commit_a_chunk_twice(clean_run, source, dept_a, officer_a):
    """A run that another run overtook (a resumed copy finished the batch meanwhile) stops without
    committing its next chunk: every row is loaded once."""
    batch = ready_batch(source, dept_a, officer_a)
    overtaken: list[Batch] = []

    def overtake(progress: Batch) -> None:
        # After the stale run's first chunk, another run takes the batch over and finishes it.
        if not overtaken:
            overtaken.append(batch_process(batch_id=batch.pk, chunk_size=CHUNK))

    stale = batch_process(batch_id=batch.pk, chunk_size=CHUNK, progress=overtake)
    assert overtaken[0].status == BatchStatus.DONE
    assert stale.status == BatchStatus.DONE and counts(stale) == counts(clean_run)
    assert_counts_add_up(stale)
    assert CreditRecord.objects.filter(department=dept_a).count() == clean_run.created
    assert stale.rejected_rows.count() == clean_run.rejected


def test_server_start_requeues_batches_left_loading(catalog, source, dept_a, officer_a, monkeypatch):
    monkeypatch.setattr(engine, "records_bulk_ingest", CrashOnCall(engine.records_bulk_ingest, 2))
    batch = ready_batch(source, dept_a, officer_a)
    with pytest.raises(RuntimeError):
        batch_process(batch_id=batch.pk, chunk_size=CHUNK)
    monkeypatch.undo()
    # A killed worker leaves the batch "loading" (it had no chance to record the failure).
    Batch.objects.filter(pk=batch.pk).update(status=BatchStatus.LOADING, error_code="", error_message="")
    (resumed,) = batches_resume_interrupted()
    assert resumed.pk == batch.pk and resumed.status == BatchStatus.DONE
    assert_counts_add_up(resumed)


def test_a_finished_batch_is_not_processed_again(catalog, source, dept_a, officer_a):
    batch = batch_process(batch_id=ready_batch(source, dept_a, officer_a).pk, chunk_size=CHUNK)
    before = counts(batch)
    assert counts(batch_process(batch_id=batch.pk, chunk_size=CHUNK)) == before
    with pytest.raises(CollectionError):
        batch_resume(batch=batch, actor=officer_a)
