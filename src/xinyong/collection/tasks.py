"""Background tasks of the collection app (django-tasks; worked by ``xinyong db_worker``, which ``xinyong
serve`` starts)."""

from __future__ import annotations

from django_tasks import task

from xinyong.collection.services import batch_process, batch_requeue_interrupted
from xinyong.core.stopping import StopRequested, stop_at_safe_point


@task()
def process_batch(batch_id: str) -> dict:
    """Load a queued batch; returns its final counts (stored with the task result).

    A worker asked to stop (SIGTERM, Ctrl-C) stops after the chunk it is writing: the batch is queued
    again and the next worker continues after its last committed chunk.
    """
    with stop_at_safe_point() as stop:
        try:
            batch = batch_process(batch_id=batch_id, progress=stop.check)
        except StopRequested:
            batch = batch_requeue_interrupted(batch_id=batch_id)
    return {
        "batch_id": str(batch.pk),
        "status": batch.status,
        "rows_read": batch.rows_read,
        "created": batch.created,
        "new_version": batch.new_version,
        "duplicate": batch.duplicate,
        "rejected": batch.rejected,
    }
