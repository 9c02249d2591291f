"""A worker told to stop (SIGTERM) in the middle of a batch stops after the chunk it is writing; the batch is
queued again and the next worker continues after the last committed chunk."""

from __future__ import annotations

import os
import signal

import pytest
from django_tasks_db.models import DBTaskResult

from tests.collection.batch_support import DB_QUEUE, assert_counts_add_up, valid_rows, write_csv
from tests.collection.test_resume import CHUNK, counts, ready_batch
from xinyong.accounts.models import AuditEntry
from xinyong.collection.lifecycle import batch_start
from xinyong.collection.loading import engine, run
from xinyong.collection.loading.run import batch_process
from xinyong.collection.models import BatchStatus
from xinyong.collection.tasks import process_batch
from xinyong.records.models import CreditRecord

pytestmark = pytest.mark.django_db


class SigtermOnCall:
    """Wraps the bulk loader: the n-th call sends this process SIGTERM, as a service manager would."""

    def __init__(self, real, n: int) -> None:
        self.real, self.n, self.calls = real, n, 0

    def __call__(self, **kwargs):
        self.calls += 1
        if self.calls == self.n:
            os.kill(os.getpid(), signal.SIGTERM)
        return self.real(**kwargs)


@pytest.fixture
def worker_signals():
    """SIGTERM handled like django-tasks-db's worker does: noted, the process goes on with its task."""
    seen: list[int] = []
    before = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    yield seen
    signal.signal(signal.SIGTERM, before)


def test_sigterm_while_loading_stops_at_the_chunk_boundary_and_requeues(
    catalog, tmp_path, dept_a, dept_b, officer_a, operator, settings, monkeypatch, worker_signals
):
    source = write_csv(tmp_path / "处罚.csv", valid_rows(20))
    clean = batch_process(batch_id=ready_batch(source, dept_b, operator).pk, chunk_size=CHUNK)
    settings.TASKS = DB_QUEUE
    monkeypatch.setattr(run, "CHUNK_SIZE", CHUNK)
    monkeypatch.setattr(engine, "records_bulk_ingest", SigtermOnCall(engine.records_bulk_ingest, 2))
    batch = batch_start(batch=ready_batch(source, dept_a, officer_a), actor=officer_a)
    queued = DBTaskResult.objects.filter(status="READY", args_kwargs__args=[str(batch.pk)])
    assert queued.count() == 1

    result = process_batch.call(str(batch.pk))  # what the worker runs

    batch.refresh_from_db()
    # The chunk being written when the signal came was committed whole; nothing after it was read.
    assert batch.rows_committed == 2 * CHUNK and batch.status == BatchStatus.QUEUED
    assert result["status"] == BatchStatus.QUEUED
    assert CreditRecord.objects.filter(department=dept_a).count() == 2 * CHUNK
    assert worker_signals == [signal.SIGTERM]  # the worker itself was told: it takes no further task
    assert queued.count() == 2  # queued again: the next worker to start picks it up
    assert AuditEntry.objects.filter(detail__reason="worker_stopped", object_id=str(batch.pk)).exists()

    monkeypatch.undo()
    process_batch.call(str(batch.pk))  # the next worker
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert_counts_add_up(batch)
    assert counts(batch) == counts(clean)
    assert CreditRecord.objects.filter(department=dept_a).count() == 20
