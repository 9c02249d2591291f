"""Background task of the batch check (django-tasks, worked by ``xinyong db_worker`` like batch loading).

A worker asked to stop (SIGTERM, Ctrl-C) stops after the chunk it is storing: the batch is queued again
and the next worker resumes after its last stored chunk.
"""

from __future__ import annotations

from django_tasks import task

from xinyong.core.stopping import StopRequested, stop_at_safe_point
from xinyong.jrp.channels.running import batch_check_requeue, batch_check_run
from xinyong.jrp.models import BatchCheck

__all__ = ["batch_check_enqueue", "run_batch_check"]


@task()
def run_batch_check(batch_id: int) -> dict:
    """Run a queued batch check; returns its counts (stored with the task result)."""
    with stop_at_safe_point() as stop:
        try:
            batch = batch_check_run(batch_id=batch_id, progress=stop.check)
        except StopRequested:
            batch = batch_check_requeue(batch_id=batch_id)
            batch_check_enqueue(batch=batch)
    return {
        "batch": batch.ref,
        "status": batch.status,
        "total": batch.total,
        "done": batch.done,
        "hits": batch.hits,
        "not_found": batch.not_found,
        "invalid": batch.invalid,
        "duplicates": batch.duplicates,
    }


def batch_check_enqueue(*, batch: BatchCheck) -> BatchCheck:
    """Queue the run of a batch check."""
    run_batch_check.enqueue(batch.pk)
    batch.refresh_from_db()
    return batch
