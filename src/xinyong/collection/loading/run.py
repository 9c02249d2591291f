"""Running the loading of a batch: one processing run from its current resume point to the end of its file.

Each chunk commits in its own transaction (``engine.BatchLoader``), so a crash leaves whole chunks only and
running the batch again continues after the last committed chunk (``rows_committed``). The chunk
transactions commit without waiting for the WAL flush (``synchronous_commit = off``): a database crash may
lose the last chunks, whole, with their ``rows_committed``, and running the batch again loads them again.
A run ends done, failed (an unreadable or changed file: not resumable; an interruption or an unexpected
error: resumable, ``RESUMABLE_ERRORS``), or stops when another run took the batch over.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from xinyong.accounts.models import AuditAction, AuditOutcome
from xinyong.accounts.services import audit_log
from xinyong.collection.checks import batch_actor
from xinyong.collection.errors import CollectionError
from xinyong.collection.loading.chunks import collect_between_chunks
from xinyong.collection.loading.engine import BatchLoader, Superseded
from xinyong.collection.loading.reader_process import prepared_chunks
from xinyong.collection.mapping import batch_mapping_problems
from xinyong.collection.models import RESUMABLE_ERRORS, Batch, BatchStatus
from xinyong.collection.readers import ReadError
from xinyong.collection.source import batch_source_open
from xinyong.collection.storage import FileTampered, StoredFilesPurged
from xinyong.lists.hooks import lists_after_batch

logger = logging.getLogger(__name__)

# Statuses a run may start from besides a resumable failure: uploaded (the command line and small API
# requests run at once), queued (the background task), loading (a run that died part-way).
PROCESSABLE_STATUSES = frozenset({BatchStatus.UPLOADED, BatchStatus.QUEUED, BatchStatus.LOADING})


CHUNK_SIZE = 2000


def batch_process(
    *,
    batch_id: uuid.UUID | str,
    chunk_size: int | None = None,
    progress: Callable[[Batch], None] | None = None,
    timings: Counter | None = None,
) -> Batch:
    """Load a batch in chunked transactions, continuing after ``rows_committed`` (the background task body).

    ``progress`` is called with the batch after every committed chunk. A file that turns out unreadable
    fails the batch (returned, not raised); any other exception fails it as resumable and is re-raised.
    ``timings`` receives the seconds spent per phase — read (getting prepared chunks), prepare (validation
    and preparation, CPU time of the process doing it), subjects, records, commit — wall time, and as
    "<phase> cpu" this process's CPU time.
    """
    chunk_size = chunk_size or CHUNK_SIZE
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    batch = Batch.objects.select_related(
        "department", "item", "item_version", "item_version__item", "uploaded_by", "api_client"
    ).get(pk=batch_id)
    if batch.status == BatchStatus.DONE:
        return batch
    _refuse_unprocessable(batch)
    _begin_run(batch)
    batch.refresh_from_db()
    try:
        with batch_source_open(batch=batch, sheet=batch.sheet or None) as table:
            if [("" if h is None else str(h)) for h in table.headers] != list(batch.headers):
                return _fail(batch, code="file_changed", message="存储的文件与上传时不一致，请重新上传")
            batch = _load_chunks(batch, table, chunk_size=chunk_size, progress=progress, timings=timings)
    except ReadError as exc:
        return _fail(
            batch,
            code=exc.code,
            message=f"读取到第 {batch.rows_committed + 1} 个数据行附近时出错：{exc.message}",
        )
    except (FileTampered, StoredFilesPurged) as exc:
        return _fail(batch, code=exc.code, message=exc.message)
    except Superseded:
        logger.info("batch %s is being processed by another worker; this run stops", batch.pk)
        return Batch.objects.get(pk=batch.pk)
    except KeyboardInterrupt:
        _fail(
            batch,
            code="interrupted",
            message=f"处理被中断；已入库 {batch.rows_committed} 行，继续处理将从下一行开始",
        )
        raise
    except Exception as exc:
        logger.exception("batch %s failed after %s rows", batch.pk, batch.rows_committed)
        _fail(
            batch,
            code="processing_error",
            message=(
                f"处理中断（{type(exc).__name__}）；已入库的 {batch.rows_committed} 行不受影响，"
                "继续处理将从下一行开始。如反复出现，请联系平台管理员"
            ),
        )
        raise
    batch = _finish(batch)
    if batch.status == BatchStatus.DONE:
        _after_batch(batch)
    return batch


def _after_batch(batch: Batch) -> None:
    """List entries and escalation proposals for the loaded records; a failure leaves the batch done."""
    try:
        lists_after_batch(batch_ref=str(batch.pk), as_of=timezone.localdate(), actor=batch_actor(batch=batch))
    except Exception:
        logger.exception("lists after batch %s failed; the daily sweep will catch up", batch.pk)


def _refuse_unprocessable(batch: Batch) -> None:
    """Refuse a batch that failed on its content, or whose mapping is not complete."""
    if batch.status == BatchStatus.FAILED and batch.error_code not in RESUMABLE_ERRORS:
        raise CollectionError(
            "batch_not_resumable", f"该批次已失败（{batch.error_message}），请修正后重新上传"
        )
    if batch.status not in PROCESSABLE_STATUSES and batch.status != BatchStatus.FAILED:
        raise CollectionError("batch_not_ready", "该批次的列映射尚未完成，请先确认列映射")
    problems = batch_mapping_problems(batch=batch)
    if problems:
        raise problems[0]


def _begin_run(batch: Batch) -> None:
    """Mark the batch loading and note where and when this run starts (for its rate and time left)."""
    now = timezone.now()
    with transaction.atomic():
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        locked.status = BatchStatus.LOADING
        locked.started_at = locked.started_at or now
        locked.run_started_at = now
        locked.run_start_rows = locked.rows_committed
        locked.progress_at = now
        locked.error_code = ""
        locked.error_message = ""
        locked.save(
            update_fields=[
                "status",
                "started_at",
                "run_started_at",
                "run_start_rows",
                "progress_at",
                "error_code",
                "error_message",
            ]
        )


def _load_chunks(
    batch: Batch,
    table,
    *,
    chunk_size: int,
    progress: Callable[[Batch], None] | None,
    timings: Counter | None,
) -> Batch:
    """Load the table's chunks after ``rows_committed``, one transaction each; returns the batch as committed.

    On an exception ``batch`` (the caller's) still says how far the committed chunks went: the caller's
    failure message quotes it, so the progress is copied onto it after every chunk.
    """
    loader = BatchLoader(batch, table)
    chunks = prepared_chunks(loader=loader, table=table, skip=batch.rows_committed, chunk_size=chunk_size)
    current = batch
    try:
        with collect_between_chunks() as collect:
            while True:
                started = loader.clock()
                prepared = next(chunks, None)
                loader.lap("read", started)
                if prepared is None:
                    return current
                current = loader.load_prepared(prepared, expected_committed=current.rows_committed)
                batch.rows_committed = current.rows_committed
                del prepared
                collect()
                if progress is not None:
                    progress(current)
    finally:
        chunks.close()
        if timings is not None:
            timings.update(loader.timings)


def _fail(batch: Batch, *, code: str, message: str, outcome: str = AuditOutcome.ERROR) -> Batch:
    """Mark the batch failed with ``code`` and ``message``; audited with its counts."""
    with transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED, error_code=code, error_message=message, progress_at=timezone.now()
        )
        batch.refresh_from_db()
        audit_log(
            actor=batch_actor(batch=batch),
            action=AuditAction.IMPORT,
            obj=batch,
            outcome=outcome,
            detail={"stage": "failed", "error_code": code, **_counts(batch)},
        )
    return batch


def _counts(batch: Batch) -> dict[str, int]:
    """The batch's outcome counts, for its audit entries."""
    return {
        "rows_read": batch.rows_read,
        "created": batch.created,
        "new_version": batch.new_version,
        "duplicate": batch.duplicate,
        "rejected": batch.rejected,
        "rows_committed": batch.rows_committed,
    }


def _finish(batch: Batch) -> Batch:
    """Mark the batch done, unless another run took it over meanwhile; audited."""
    with transaction.atomic():
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != BatchStatus.LOADING or locked.rows_committed != batch.rows_committed:
            return locked
        now = timezone.now()
        locked.status = BatchStatus.DONE
        locked.finished_at = now
        locked.progress_at = now
        locked.rows_total = locked.rows_committed
        locked.rows_total_exact = True
        locked.save(update_fields=["status", "finished_at", "progress_at", "rows_total", "rows_total_exact"])
        audit_log(
            actor=batch_actor(batch=locked),
            action=AuditAction.IMPORT,
            obj=locked,
            detail={"stage": "done", **_counts(locked), "warnings": locked.warnings},
        )
    return locked
