"""The life of a batch after intake — what the console, the API, the command line and the tasks call.

    intake.batch_create_from_file → uploaded (mapping complete) or mapping (the officer must complete it),
                                    or failed when the file cannot be read at all
    mapping.batch_preview         → first rows, the proposed mapping and what validation says about them
    batch_confirm_mapping         → the officer's mapping, remembered for the department and item
    batch_start                   → queued; the background task (tasks.process_batch) loads it
    loading.run.batch_process     → loading … done, or failed (resumable when the reason was not the file)
    batch_resume                  → an interrupted batch queued again; loading continues after its last
                                    committed chunk (also at server start: batches_resume_interrupted)
    rejections.batch_rejection_file → the rejected rows with their errors, to fix and upload again

An API request goes through the same steps at once (``batch_submit_api``): small bodies are loaded during
the request, large ones in the background.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xinyong.accounts.models import ApiClient, AuditAction
from xinyong.accounts.services import audit_log
from xinyong.collection.checks import upload_permission_require
from xinyong.collection.errors import CollectionError
from xinyong.collection.intake import batch_receive_api, batch_refuse_second_start
from xinyong.collection.loading.run import batch_process
from xinyong.collection.mapping import batch_mapping_problems
from xinyong.collection.models import Batch, BatchChannel, BatchStatus, ColumnMapping
from xinyong.collection.selectors import batch_is_resumable
from xinyong.collection.tasks import batch_enqueue


def batch_confirm_mapping(*, batch: Batch, mapping: dict[str, str], actor, remember: bool = True) -> Batch:
    """Set the column mapping of a batch (header → field code) and remember it for the department and item; audited."""
    upload_permission_require(actor=actor, department=batch.department, action=AuditAction.UPDATE, obj=batch)
    if batch.status not in (BatchStatus.UPLOADED, BatchStatus.MAPPING):
        raise CollectionError("batch_not_editable", "该批次已开始处理或已结束，不能再修改列映射")
    headers = set(batch.headers)
    unknown_headers = sorted(h for h in mapping if h not in headers)
    if unknown_headers:
        raise CollectionError("mapping_unknown_column", f"文件中没有以下列：{'、'.join(unknown_headers)}")
    clean = {header: code for header, code in mapping.items() if code}
    problems = batch_mapping_problems(batch=batch, mapping=clean)
    if problems:
        raise problems[0]
    now = timezone.now()
    with transaction.atomic():
        batch.mapping = clean
        batch.mapping_confirmed_at = now
        batch.mapping_confirmed_by = actor if not isinstance(actor, ApiClient) and actor is not None else None
        batch.status = BatchStatus.UPLOADED
        batch.save(update_fields=["mapping", "mapping_confirmed_at", "mapping_confirmed_by", "status"])
        if remember:
            saved, _ = ColumnMapping.objects.select_for_update().get_or_create(
                department_id=batch.department_id, item_id=batch.item_id
            )
            # Keep what the department confirmed for other files; this file's columns take the new choice,
            # including "" for a column deliberately left out, so it is not proposed again next time.
            merged = {k: v for k, v in saved.mapping.items() if k not in mapping}
            merged.update(mapping)
            saved.mapping = merged
            saved.updated_by = batch.mapping_confirmed_by
            saved.updated_at = now
            saved.save()
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=batch,
            detail={"stage": "mapping", "mapping": clean, "remember": remember},
        )
    return batch


def batch_start(*, batch: Batch, actor) -> Batch:
    """Queue a batch whose mapping is complete for loading in the background; audited."""
    upload_permission_require(actor=actor, department=batch.department, action=AuditAction.IMPORT, obj=batch)
    if batch.status not in (BatchStatus.UPLOADED, BatchStatus.MAPPING):
        raise CollectionError(
            "batch_not_startable", f"该批次当前状态为“{batch.get_status_display()}”，不能开始处理"
        )
    problems = batch_mapping_problems(batch=batch)
    if problems:
        raise problems[0]
    with transaction.atomic():
        batch_refuse_second_start(batch=batch)
        batch.status = BatchStatus.QUEUED
        batch.save(update_fields=["status"])
        audit_log(actor=actor, action=AuditAction.IMPORT, obj=batch, detail={"stage": "queued"})
    return batch_enqueue(batch=batch)


def batch_resume(*, batch: Batch, actor) -> Batch:
    """Queue an interrupted batch again; loading continues after the last committed chunk; audited."""
    upload_permission_require(actor=actor, department=batch.department, action=AuditAction.IMPORT, obj=batch)
    if not batch_is_resumable(batch=batch):
        raise CollectionError(
            "batch_not_resumable", f"该批次当前状态为“{batch.get_status_display()}”，无需继续处理"
        )
    with transaction.atomic():
        batch.status = BatchStatus.QUEUED
        batch.save(update_fields=["status"])
        audit_log(
            actor=actor,
            action=AuditAction.IMPORT,
            obj=batch,
            detail={"stage": "resume", "rows_committed": batch.rows_committed},
        )
    return batch_enqueue(batch=batch)


def batches_resume_interrupted() -> list[Batch]:
    """Queue again the console and API batches left loading by a worker that stopped (run at server start)."""
    resumed = []
    stale = Batch.objects.filter(status=BatchStatus.LOADING).exclude(channel=BatchChannel.CLI)
    for batch in stale.select_related("department"):
        with transaction.atomic():
            batch.status = BatchStatus.QUEUED
            batch.save(update_fields=["status"])
            audit_log(
                actor=None,
                action=AuditAction.IMPORT,
                obj=batch,
                detail={"stage": "resume", "rows_committed": batch.rows_committed, "reason": "restart"},
            )
        resumed.append(batch_enqueue(batch=batch))
    return resumed


@dataclass(frozen=True)
class ApiSubmission:
    """The answer to an API submission: its batch, and how the request was handled."""

    batch: Batch
    replayed: bool  # an earlier request with the same Idempotency-Key is answered again
    background: bool  # loading continues in the background (answer 202)


def batch_submit_api(
    *,
    api_client: ApiClient,
    item_code: str,
    stream: IO[bytes],
    content_format: str,
    idempotency_key: str = "",
    as_of: dt.date | None = None,
    received_at: dt.datetime | None = None,
    sync_max_rows: int | None = None,
) -> ApiSubmission:
    """Accept a JSON array or NDJSON body as a batch of the client's department; small ones are loaded at once.

    With an ``idempotency_key`` a repeated request returns the first request's batch (resuming it if it
    was interrupted) instead of loading again; the same key with a different body raises
    ``IdempotencyKeyReused``.
    """
    sync_max_rows = settings.XINYONG_API_SYNC_MAX_ROWS if sync_max_rows is None else sync_max_rows
    batch, replayed = batch_receive_api(
        api_client=api_client,
        item_code=item_code,
        stream=stream,
        content_format=content_format,
        idempotency_key=idempotency_key,
        as_of=as_of,
        received_at=received_at,
    )
    if replayed:
        return _replay(batch, sync_max_rows=sync_max_rows)
    if batch.status == BatchStatus.FAILED:
        return ApiSubmission(batch=batch, replayed=False, background=False)
    return _run_api_batch(batch, sync_max_rows=sync_max_rows, replayed=False)


def _run_api_batch(batch: Batch, *, sync_max_rows: int, replayed: bool) -> ApiSubmission:
    """Load a small request now; queue a large one (or resume it) for the background."""
    if (batch.rows_total or 0) <= sync_max_rows:
        if batch.status != BatchStatus.DONE:
            batch = batch_process(batch_id=batch.pk)
        return ApiSubmission(batch=batch, replayed=replayed, background=False)
    if batch.status == BatchStatus.UPLOADED:
        batch = batch_start(batch=batch, actor=batch.api_client)
    elif batch_is_resumable(batch=batch) and batch.status == BatchStatus.FAILED:
        batch = batch_resume(batch=batch, actor=batch.api_client)
    return ApiSubmission(batch=batch, replayed=replayed, background=True)


def _replay(previous: Batch, *, sync_max_rows: int) -> ApiSubmission:
    """Answer a repeated request with its first batch, finishing the loading if it was interrupted."""
    background = (previous.rows_total or 0) > sync_max_rows
    if previous.status == BatchStatus.DONE or (
        previous.status == BatchStatus.FAILED and not batch_is_resumable(batch=previous)
    ):
        return ApiSubmission(batch=previous, replayed=True, background=background)
    # Still loading in the background, or interrupted part-way: the retry finishes it (committed chunks stay).
    return _run_api_batch(previous, sync_max_rows=sync_max_rows, replayed=True)
