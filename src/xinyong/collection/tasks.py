"""Background tasks of the collection app (django-tasks; worked by ``xinyong db_worker``, which ``xinyong
serve`` starts)."""

from __future__ import annotations

from django_tasks import task


@task()
def process_batch(batch_id: str) -> dict:
    """Load a queued batch; returns its final counts (stored with the task result)."""
    from xinyong.collection.services import batch_process

    batch = batch_process(batch_id=batch_id)
    return {
        "batch_id": str(batch.pk),
        "status": batch.status,
        "rows_read": batch.rows_read,
        "created": batch.created,
        "new_version": batch.new_version,
        "duplicate": batch.duplicate,
        "rejected": batch.rejected,
    }
