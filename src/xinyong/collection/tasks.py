"""Background tasks of the collection app (django-tasks; worked by ``xinyong db_worker``, which ``xinyong
serve`` starts): loading a queued batch, enqueueing it, and queueing again a batch a stopping worker left.

``collection.lifecycle`` queues batches through ``batch_enqueue``; this module uses only the loading itself
(``collection.loading``), so the two do not import each other.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django_tasks import task

from xinyong.accounts.models import AuditAction
from xinyong.accounts.services import audit_log
from xinyong.collection.loading.run import batch_process
from xinyong.collection.models import Batch, BatchChannel, BatchStatus
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
            batch = _batch_requeue_interrupted(batch_id=batch_id)
    return {
        "batch_id": str(batch.pk),
        "status": batch.status,
        "rows_read": batch.rows_read,
        "created": batch.created,
        "new_version": batch.new_version,
        "duplicate": batch.duplicate,
        "rejected": batch.rejected,
    }


def batch_enqueue(*, batch: Batch) -> Batch:
    """Enqueue the loading of a queued batch and note its task id."""
    # No on_commit: with the database backend the task row commits together with the status change, and
    # the immediate backend runs the task right here.
    result = process_batch.enqueue(str(batch.pk))
    Batch.objects.filter(pk=batch.pk).update(task_id=str(result.id)[:64])
    batch.refresh_from_db()
    return batch


def _batch_requeue_interrupted(*, batch_id: uuid.UUID | str) -> Batch:
    """Queue again a console or API batch that a stopping worker interrupted between chunks; audited.

    The next worker to start continues it after its last committed chunk. Any other batch is returned as
    it is.
    """
    with transaction.atomic():
        batch = Batch.objects.select_for_update().select_related("department").get(pk=batch_id)
        if (
            batch.status != BatchStatus.FAILED
            or batch.error_code != "interrupted"
            or batch.channel == BatchChannel.CLI
        ):
            return batch
        batch.status = BatchStatus.QUEUED
        batch.error_code = ""
        batch.error_message = ""
        batch.save(update_fields=["status", "error_code", "error_message"])
        audit_log(
            actor=None,
            action=AuditAction.IMPORT,
            obj=batch,
            detail={"stage": "resume", "rows_committed": batch.rows_committed, "reason": "worker_stopped"},
        )
    return batch_enqueue(batch=batch)
