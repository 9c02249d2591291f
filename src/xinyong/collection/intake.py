"""Intake: receiving a submission — an uploaded file, a command-line file, an API request body — storing it
encrypted, reading its header and creating its batch; and refusing the same file twice.

The batch comes out ``uploaded`` (its mapping is complete), ``mapping`` (the officer must complete it) or
``failed`` (the file cannot be read). What happens next — confirming the mapping, starting, loading,
resuming — is ``collection.lifecycle``. A corrected rejection file is a new upload whose ``parent`` is the
original batch (``collection.rejections``). Form entries (单条录入) are ``collection.entry``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from xinyong.accounts.models import ApiClient, AuditAction, AuditOutcome, Department
from xinyong.accounts.services import audit_log
from xinyong.catalog.models import CatalogItemVersion
from xinyong.collection.checks import item_version_for_submission, upload_permission_require
from xinyong.collection.errors import CollectionError, DuplicateUpload, IdempotencyKeyReused
from xinyong.collection.mapping import (
    batch_mapping_problems,
    column_mapping_saved,
    mapping_propose,
    proposal_mapping,
)
from xinyong.collection.models import RESUMABLE_ERRORS, Batch, BatchChannel, BatchStatus
from xinyong.collection.readers import ReadError, human_size
from xinyong.collection.rejections import EXTENSIONS
from xinyong.collection.source import batch_file_path, batch_source_open
from xinyong.collection.storage import batch_dir, open_stored, store_chunks

_SAFE_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")


_COPY_BUFFER = 1024 * 1024


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(_COPY_BUFFER):
            yield chunk


def _stream_chunks(stream: IO[bytes]) -> Iterator[bytes]:
    while chunk := stream.read(_COPY_BUFFER):
        yield chunk


def _stored_name(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    return "upload" + (suffix if _SAFE_SUFFIX.match(suffix) else "")


def _estimate_rows(path: Path, *, fmt: str, size: int) -> int | None:
    """Data rows of a text file estimated from its first MiB (refined from the bytes read while loading)."""
    if fmt not in ("csv", "ndjson") or size == 0:
        return None
    with open_stored(path=path) as fh:
        sample = fh.read(_COPY_BUFFER)
    lines = sample.count(b"\n") + (0 if sample.endswith(b"\n") else 1)
    header = 1 if fmt == "csv" else 0
    if len(sample) >= size:
        return max(lines - header, 0)
    return max(round(size * lines / len(sample)) - header, 0)


def _new_batch(
    *,
    batch_id: uuid.UUID,
    department: Department,
    version: CatalogItemVersion,
    channel: str,
    original_filename: str,
    stored: Path,
    size: int,
    sha256: str,
    as_of: dt.date,
    received_at: dt.datetime,
    **extra: Any,
) -> Batch:
    """An unsaved batch for a stored file (upload or API body); the caller inspects and saves it."""
    return Batch(
        id=batch_id,
        department=department,
        item_id=version.item_id,
        item_version=version,
        channel=channel,
        original_filename=original_filename,
        file_path=str(stored.relative_to(settings.MEDIA_ROOT)),
        file_size=size,
        file_sha256=sha256,
        as_of=as_of,
        received_at=received_at,
        **extra,
    )


def batch_create_from_file(
    *,
    department: Department,
    item_code: str,
    actor,
    uploaded_file=None,
    path: Path | str | None = None,
    filename: str | None = None,
    channel: str = BatchChannel.FILE,
    sheet: str | None = None,
    as_of: dt.date | None = None,
    received_at: dt.datetime | None = None,
    parent: Batch | None = None,
    allow_duplicate: bool = False,
) -> Batch:
    """Store an uploaded file as a new batch, read its header and propose a column mapping; audited.

    Give either ``uploaded_file`` (a Django ``UploadedFile``) or ``path``. The returned batch is
    ``uploaded`` (mapping complete), ``mapping`` (the officer must complete the mapping) or ``failed``
    (the file cannot be read; ``error_code`` / ``error_message`` say why). Raises ``DuplicateUpload`` when
    the department already uploaded the identical file for the item, unless ``allow_duplicate``.
    """
    if (uploaded_file is None) == (path is None):
        raise ValueError("give exactly one of uploaded_file and path")
    if channel not in (BatchChannel.FILE, BatchChannel.CLI):
        raise ValueError(f"file batches come through the file or cli channel, not {channel!r}")
    received_at = received_at or timezone.now()
    as_of = as_of or timezone.localdate(received_at)
    upload_permission_require(actor=actor, department=department, action=AuditAction.IMPORT)
    version = item_version_for_submission(item_code=item_code, on=as_of, department=department)
    if parent is not None and (parent.department_id != department.pk or parent.item_id != version.item_id):
        raise CollectionError("parent_mismatch", "更正文件只能对应同一部门、同一目录项的原批次")

    filename, chunks = _upload_source(uploaded_file=uploaded_file, path=path, filename=filename)

    batch_id = uuid.uuid4()
    directory = batch_dir(batch_id=batch_id)
    stored = directory / _stored_name(filename)
    limit = settings.XINYONG_UPLOAD_MAX_BYTES
    too_large = CollectionError(
        "file_too_large", f"文件超过 {human_size(limit)} 的上限；请拆分为多个文件后分别上传", status=413
    )
    try:
        size, sha256 = store_chunks(chunks=chunks, dest=stored, limit=limit, too_large=too_large)
        previous = _same_file_check(
            department=department, item_id=version.item_id, sha256=sha256, allow_duplicate=allow_duplicate
        )
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise

    batch = _new_batch(
        batch_id=batch_id,
        department=department,
        version=version,
        channel=channel,
        original_filename=filename,
        stored=stored,
        size=size,
        sha256=sha256,
        as_of=as_of,
        received_at=received_at,
        status=BatchStatus.UPLOADED,
        uploaded_by=actor if not isinstance(actor, ApiClient) and actor is not None else None,
        parent=parent,
        duplicate_of=previous,
    )
    _inspect(batch, sheet=sheet)
    try:
        _save_uploaded(
            batch,
            actor=actor,
            detail={
                "filename": filename,
                "size": size,
                "sha256": sha256,
                "item": item_code,
                "department": department.code,
                "channel": channel,
                "parent": str(parent.pk) if parent else None,
                "duplicate_of": str(previous.pk) if previous else None,
            },
        )
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return batch


def _upload_source(
    *, uploaded_file, path: Path | str | None, filename: str | None
) -> tuple[str, Iterable[bytes]]:
    """The name to keep for an uploaded or command-line file (no directories, 255 characters at most) and
    its content in pieces."""
    if uploaded_file is not None:
        filename = filename or getattr(uploaded_file, "name", "") or "upload"
        chunks: Iterable[bytes] = uploaded_file.chunks()
    else:
        path = Path(path)
        if not path.is_file():
            raise CollectionError("file_not_found", f"找不到文件：{path}")
        filename = filename or path.name
        chunks = _file_chunks(path)
    return Path(str(filename)).name[:255], chunks


def _save_uploaded(batch: Batch, *, actor, detail: dict[str, Any]) -> None:
    """Insert a new batch together with its upload audit entry (an unreadable file is audited as an error)."""
    with transaction.atomic():
        batch.save(force_insert=True)
        audit_log(
            actor=actor,
            action=AuditAction.IMPORT,
            obj=batch,
            outcome=AuditOutcome.ERROR if batch.status == BatchStatus.FAILED else AuditOutcome.SUCCESS,
            detail={"stage": "upload", **detail, "error_code": batch.error_code or None},
        )


# Batches that loaded or are loading their file; unreadable files and batches that failed on their content
# do not count. Uploads waiting for their mapping or their start (abandoned ones too) are checked when
# they start (``batch_refuse_second_start``).
_STARTED = Q(status__in=(BatchStatus.QUEUED, BatchStatus.LOADING, BatchStatus.DONE)) | Q(
    status=BatchStatus.FAILED, error_code__in=RESUMABLE_ERRORS
)


_WAITING = Q(status__in=(BatchStatus.UPLOADED, BatchStatus.MAPPING))


def _previous_upload(
    *, department: Department, item_id: int, sha256: str, waiting: bool = False
) -> Batch | None:
    """The first batch that loaded (or is loading) the same file for the department and item; with
    ``waiting``, also one that was uploaded and not started yet."""
    return (
        Batch.objects.filter(
            _STARTED | _WAITING if waiting else _STARTED,
            department=department,
            item_id=item_id,
            file_sha256=sha256,
        )
        .order_by("created_at", "id")
        .first()
    )


def _same_file_check(
    *, department: Department, item_id: int, sha256: str, allow_duplicate: bool
) -> Batch | None:
    """The earlier batch of the same file, which this upload duplicates (re-processing confirmed); refused
    with ``DuplicateUpload`` unless ``allow_duplicate``."""
    previous = _previous_upload(department=department, item_id=item_id, sha256=sha256)
    if previous is not None and not allow_duplicate:
        raise DuplicateUpload(previous)
    if allow_duplicate and previous is None:
        # The re-processing is confirmed also against an upload not started yet: both may load.
        previous = _previous_upload(department=department, item_id=item_id, sha256=sha256, waiting=True)
    return previous


def batch_refuse_second_start(*, batch: Batch) -> None:
    """Refuse to start a batch whose file another batch of the department and item already started.

    Two uploads of one file both pass the upload check while neither has started (two officers at the
    same moment, or an upload left at its mapping step). Whichever starts second is refused here, unless
    its uploader confirmed the re-processing (``duplicate_of``). The same-file batches are locked in one
    order, so two starts at the same moment run this check one after the other (SQLite: the write lock
    of the transaction).
    """
    if not batch.file_sha256 or batch.duplicate_of_id is not None:
        return
    same_file = Batch.objects.select_for_update().filter(
        department_id=batch.department_id, item_id=batch.item_id, file_sha256=batch.file_sha256
    )
    locked = list(same_file.order_by("created_at", "id").values_list("pk", flat=True))
    previous = (
        Batch.objects.filter(_STARTED, pk__in=locked)
        .exclude(pk=batch.pk)
        .order_by("created_at", "id")
        .first()
    )
    if previous is not None:
        raise DuplicateUpload(previous)


def _inspect(batch: Batch, *, sheet: str | None) -> None:
    """Read the header of the stored file: format, encoding, sheet, headers, row estimate, proposed mapping."""
    path = batch_file_path(batch=batch)
    try:
        with batch_source_open(batch=batch, sheet=sheet) as table:
            batch.format = table.format or ""
            batch.encoding = table.encoding or ""
            batch.sheet = table.sheet or ""
            batch.headers = [("" if h is None else str(h)) for h in table.headers]
            known = table.total_rows
    except ReadError as exc:
        batch.status = BatchStatus.FAILED
        batch.error_code = exc.code
        batch.error_message = exc.message
        return
    # XLSX knows its row count (empty rows included); text files are estimated from their size.
    batch.rows_total = (
        known if known is not None else _estimate_rows(path, fmt=batch.format, size=batch.file_size)
    )
    batch.rows_total_exact = False
    proposal = mapping_propose(batch=batch, saved=column_mapping_saved(batch=batch))
    batch.mapping = proposal_mapping(proposal=proposal)
    batch.status = BatchStatus.MAPPING if batch_mapping_problems(batch=batch) else BatchStatus.UPLOADED


def batch_receive_api(
    *,
    api_client: ApiClient,
    item_code: str,
    stream: IO[bytes],
    content_format: str,
    idempotency_key: str = "",
    as_of: dt.date | None = None,
    received_at: dt.datetime | None = None,
) -> tuple[Batch, bool]:
    """Store a JSON array or NDJSON body as a new batch of the client's department, its rows counted; audited.

    Returns the batch and whether it is an earlier request's batch: with an ``idempotency_key`` already
    used for the same request, that request's batch is returned and nothing is stored; the same key with
    a different body raises ``IdempotencyKeyReused``. A body that cannot be read or mapped gives a
    ``failed`` batch.
    """
    if content_format not in ("json", "ndjson"):
        raise ValueError("content_format must be json or ndjson")
    department = api_client.department
    upload_permission_require(actor=api_client, department=department, action=AuditAction.IMPORT)
    received_at = received_at or timezone.now()
    as_of = as_of or timezone.localdate(received_at)
    limit = settings.XINYONG_API_MAX_BODY_BYTES

    batch_id = uuid.uuid4()
    directory = batch_dir(batch_id=batch_id)
    filename = f"request{EXTENSIONS[content_format]}"
    stored = directory / filename
    too_large = CollectionError(
        "body_too_large",
        f"请求体超过 {human_size(limit)} 的上限；请分多次提交（每次不超过上限），或改用文件上传",
        status=413,
    )
    try:
        size, body_sha = store_chunks(
            chunks=_stream_chunks(stream), dest=stored, limit=limit, too_large=too_large
        )
        request_sha = hashlib.sha256(f"{item_code}\n{content_format}\n{body_sha}".encode()).hexdigest()
        if idempotency_key:
            previous = Batch.objects.filter(api_client=api_client, idempotency_key=idempotency_key).first()
            if previous is not None:
                shutil.rmtree(directory, ignore_errors=True)
                return _same_request(previous, request_sha=request_sha), True
        if size == 0:
            raise CollectionError("body_empty", "请求体为空：请提交 JSON 数组或 NDJSON（每行一个 JSON 对象）")
        version = item_version_for_submission(item_code=item_code, on=as_of, department=department)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise

    batch = _new_batch(
        batch_id=batch_id,
        department=department,
        version=version,
        channel=BatchChannel.API,
        original_filename=filename,
        stored=stored,
        size=size,
        sha256=body_sha,
        as_of=as_of,
        received_at=received_at,
        api_client=api_client,
        idempotency_key=idempotency_key,
        request_sha256=request_sha,
    )
    _inspect_api_body(batch)
    try:
        _save_uploaded(
            batch,
            actor=api_client,
            detail={
                "size": size,
                "sha256": body_sha,
                "item": item_code,
                "channel": BatchChannel.API,
                "idempotency_key": idempotency_key or None,
            },
        )
    except IntegrityError:
        # A concurrent request with the same key won the race: answer as a retry of it.
        shutil.rmtree(directory, ignore_errors=True)
        previous = Batch.objects.get(api_client=api_client, idempotency_key=idempotency_key)
        return _same_request(previous, request_sha=request_sha), True
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return batch, False


def _inspect_api_body(batch: Batch) -> None:
    """Read an API body's keys and count its rows; a body that cannot be mapped fails like an unreadable one."""
    _inspect(batch, sheet=None)
    if batch.status != BatchStatus.FAILED:
        _count_rows(batch)
    if batch.status == BatchStatus.MAPPING:
        # An API client names fields by code or Chinese name; what cannot be mapped is an error of the request.
        problem = batch_mapping_problems(batch=batch)[0]
        batch.status = BatchStatus.FAILED
        batch.error_code = problem.code
        batch.error_message = problem.message


def _same_request(previous: Batch, *, request_sha: str) -> Batch:
    """The batch of an earlier request with the same Idempotency-Key, if it was this very request."""
    if previous.request_sha256 != request_sha:
        raise IdempotencyKeyReused(previous)
    return previous


def _count_rows(batch: Batch) -> None:
    """Exact row count of an API body (one streaming pass), so small requests can be answered at once."""
    try:
        with batch_source_open(batch=batch) as table:
            count = sum(1 for _ in table.rows())
    except ReadError as exc:
        batch.status = BatchStatus.FAILED
        batch.error_code = exc.code
        batch.error_message = exc.message
        return
    if count == 0:
        batch.status = BatchStatus.FAILED
        batch.error_code = "body_empty"
        batch.error_message = "请求中没有任何记录：请提交 JSON 数组或 NDJSON（每行一个 JSON 对象）"
        return
    batch.rows_total = count
    batch.rows_total_exact = True
