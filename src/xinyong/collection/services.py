"""Writes of the collection app: create batches from files, API requests and forms; map, load and report them.

The life of a file batch::

    batch_create_from_file  → status uploaded (mapping complete) or mapping (the officer must complete it),
                              or failed when the file cannot be read at all
    batch_preview           → first rows, the proposed mapping and what validation says about those rows
    batch_confirm_mapping   → the officer's mapping, remembered for the department and item
    batch_start             → queued; a background task runs batch_process
    batch_process           → loading … done (or failed)
    batch_rejection_file    → the rejected rows with their errors, to fix and upload again (parent = batch)

``batch_process`` reads the file as a stream and loads it in chunks. Each chunk is ONE transaction holding
its records, its rejected rows, the batch counters and ``rows_committed``: a crash leaves whole chunks only,
``rows_read == created + new_version + duplicate + rejected`` holds at every commit (a database constraint
checks it too), and processing a batch again continues after the last committed chunk. Two processes
working on the same batch cannot both commit a chunk: each commit checks, under a row lock, that
``rows_committed`` is still what the process started from.

A chunk is first prepared — validated, its subjects and records checked and prepared as far as no database
is needed (``_BatchLoader.prepare``) — then written (``load_prepared``). For a large file a forked reading
process prepares chunk N+1 while this one writes chunk N (``_prepared_chunks``); it never touches the
database and only ever runs ahead of what is committed, so crashes and resumes behave as without it. The
chunk transactions commit without waiting for the WAL flush (``synchronous_commit = off``): a database
crash may lose the last chunks, whole, with their ``rows_committed``, and processing the batch again loads
them again.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import gc
import hashlib
import json
import logging
import multiprocessing
import os
import pickle
import re
import shutil
import signal
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from xinyong.accounts.models import ApiClient, AuditAction, AuditOutcome, Department
from xinyong.accounts.services import audit_log
from xinyong.catalog.models import CatalogItemVersion
from xinyong.catalog.selectors import (
    catalog_item_current_version,
    catalog_item_unknown_error,
    catalog_version_schema,
)
from xinyong.catalog.spec import FieldType, ItemSchema, is_empty
from xinyong.collection.limits import human_size
from xinyong.collection.mapping import MappingProposal, mapping_apply, mapping_suggest, platform_filled_fields
from xinyong.collection.models import (
    Batch,
    BatchChannel,
    BatchIssueCount,
    BatchStatus,
    ColumnMapping,
    IssueKind,
    RejectedRow,
    RowWarning,
)
from xinyong.collection.read_errors import READ_ERROR_MESSAGES
from xinyong.collection.readers import ReadError, SourceRow, open_table, write_rejection_file
from xinyong.collection.row_warnings import WarningEntry, row_warnings_build, warning_entry
from xinyong.collection.selectors import can_upload_for, uscc_confirmations_for
from xinyong.collection.storage import (
    FileTampered,
    StoredFilesPurged,
    batch_dir,
    batch_file_generate,
    open_stored,
    plaintext_copy,
    store_chunks,
)
from xinyong.collection.validation import RowIssue, RowResult, RowValidator, row_validate
from xinyong.core.errors import CodedError
from xinyong.core.masking import mask_ric
from xinyong.core.spreadsheet import restore
from xinyong.records.loading.ingest import records_bulk_ingest
from xinyong.records.loading.prepare import PreparedRecord, RecordPreparer
from xinyong.records.models import Channel, CreditRecord
from xinyong.records.normalize import jsonable, normalize_document_number
from xinyong.records.rules import RecordError
from xinyong.subjects import crypto
from xinyong.subjects.bulk import PreparedSubject, SubjectPreparer, subjects_resolve_bulk
from xinyong.subjects.services import confirmed_codes_record_registered

logger = logging.getLogger(__name__)

CHUNK_SIZE = 2000
# A failed batch with one of these codes stopped half-way for a reason unrelated to its content; processing
# it again continues after the last committed chunk.
RESUMABLE_ERRORS = frozenset({"processing_error", "interrupted"})
# Rows of a processing run that may be re-started: queued or loading (a worker died), or failed as above.
PROCESSABLE_STATUSES = frozenset({BatchStatus.UPLOADED, BatchStatus.QUEUED, BatchStatus.LOADING})

RECORD_CHANNEL = {
    BatchChannel.FILE: Channel.FILE,
    BatchChannel.CLI: Channel.FILE,
    BatchChannel.API: Channel.API,
    BatchChannel.FORM: Channel.FORM,
}
EXTENSIONS = {"csv": ".csv", "xlsx": ".xlsx", "json": ".json", "ndjson": ".ndjson"}
_SAFE_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")
_COPY_BUFFER = 1024 * 1024


class CollectionError(CodedError):
    """A submission cannot be accepted as asked: a stable ``code`` and a zh-hans ``message`` saying what to do."""

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        super().__init__(code, message)
        self.status = status


class DuplicateUpload(CollectionError):
    """The same department already uploaded this very file for this item; ``previous`` is that batch."""

    def __init__(self, previous: Batch) -> None:
        self.previous = previous
        when = timezone.localtime(previous.received_at).strftime("%Y-%m-%d %H:%M")
        super().__init__(
            "file_already_uploaded",
            f"该文件已于 {when} 上传过（批次 {previous.pk}）。同一文件无需重复报送；如确需重新处理，"
            "请在提交时确认重新处理（控制台勾选“确认重新处理同一文件”，命令行加 --force）",
            status=409,
        )


class IdempotencyKeyReused(CollectionError):
    """An Idempotency-Key was sent again with a different request body."""

    def __init__(self, previous: Batch) -> None:
        self.previous = previous
        super().__init__(
            "idempotency_key_reused",
            f"幂等键（Idempotency-Key）已用于另一份不同的请求（批次 {previous.pk}）；"
            "重试时请原样发送同一请求，新的请求请使用新的幂等键",
            status=409,
        )


class _Superseded(Exception):
    """Another process committed a chunk of this batch first; this run stops without touching it."""


# ---------------------------------------------------------------------------------------------------
# Helpers


def _actor_of(batch: Batch):
    return batch.api_client if batch.api_client_id else batch.uploaded_by


def _check_upload_permission(actor, department: Department, *, action: str, obj=None) -> None:
    """Refuse (and audit) an actor that may not submit data as ``department``."""
    if can_upload_for(actor, department):
        return
    audit_log(
        actor=actor,
        action=action,
        obj=obj if obj is not None else Batch,
        outcome=AuditOutcome.DENIED,
        detail={"department": department.code},
    )
    own = getattr(getattr(actor, "department", None), "name", None)
    if own:
        raise PermissionDenied(f"只能以本部门名义报送数据：您属于“{own}”，不能为“{department.name}”报送")
    raise PermissionDenied(f"您没有为“{department.name}”报送数据的权限；请由本部门数据报送员或平台管理员操作")


def _item_version(item_code: str, *, on: dt.date, department: Department) -> CatalogItemVersion:
    try:
        version = catalog_item_current_version(item_code, on=on)
    except CatalogItemVersion.DoesNotExist as exc:
        raise CollectionError(*catalog_item_unknown_error(item_code, on=on)) from exc
    if version.source_departments and department.code not in version.source_departments:
        raise CollectionError(
            "department_not_source",
            f"“{department.name}”不是目录项“{version.item.name}”的数据来源部门，"
            "请核对目录项或联系平台管理员调整目录",
        )
    return version


def batch_file_path(batch: Batch) -> Path:
    """Absolute path of the stored (encrypted) source file of a batch."""
    return Path(settings.MEDIA_ROOT) / batch.file_path


def _restores_quotes(batch: Batch) -> bool:
    """Is the file a corrected CSV rejection file, whose formula-like cells the platform quoted (``'=…``)?"""
    return batch.parent_id is not None and (batch.parent.format or "csv") == "csv"


@contextlib.contextmanager
def _open_source(batch: Batch, *, sheet: str | None = None) -> Iterator[Any]:
    """The batch's stored file opened as a table (decrypted for the readers; quoted formulas restored)."""
    if batch.files_purged_at is not None:
        raise StoredFilesPurged(batch)
    with (
        plaintext_copy(batch_file_path(batch)) as plain,
        open_table(plain, filename=batch.original_filename, sheet=sheet) as table,
    ):
        if _restores_quotes(batch):
            # In place: the column mapper keeps a reference to this list.
            table.headers[:] = [restore(h) for h in table.headers]
        yield table


def _restore_rows(rows: list[SourceRow], *, enabled: bool) -> list[SourceRow]:
    """Undo the quotes the rejection-file writer put before formula-like cells (corrected CSV files only)."""
    if enabled:
        for row in rows:
            row.values = [restore(v) for v in row.values]
    return rows


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


def header_keys(headers: list[str]) -> list[str]:
    """Unique keys for the columns of a file: the header, with ``#2``, ``#3`` … for repeated headers."""
    seen: Counter[str] = Counter()
    keys = []
    for header in headers:
        text = "" if header is None else str(header)
        seen[text] += 1
        keys.append(text if seen[text] == 1 else f"{text}#{seen[text]}")
    return keys


def _estimate_rows(path: Path, *, fmt: str, size: int) -> int | None:
    """Data rows of a text file estimated from its first MiB (refined from the bytes read while loading)."""
    if fmt not in ("csv", "ndjson") or size == 0:
        return None
    with open_stored(path) as fh:
        sample = fh.read(_COPY_BUFFER)
    lines = sample.count(b"\n") + (0 if sample.endswith(b"\n") else 1)
    header = 1 if fmt == "csv" else 0
    if len(sample) >= size:
        return max(lines - header, 0)
    return max(round(size * lines / len(sample)) - header, 0)


def _issue_dict(issue: RowIssue, *, personal_fields: set[str]) -> dict[str, Any]:
    value = jsonable(issue.value)
    if issue.field in personal_fields and not is_empty(value):
        value = mask_ric(value)
    return {
        "code": issue.code,
        "field": issue.field or "",
        "column": issue.column or "",
        "value": value,
        "message": issue.message,
    }


# ---------------------------------------------------------------------------------------------------
# Creating a batch


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
    _check_upload_permission(actor, department, action=AuditAction.IMPORT)
    version = _item_version(item_code, on=as_of, department=department)
    if parent is not None and (parent.department_id != department.pk or parent.item_id != version.item_id):
        raise CollectionError("parent_mismatch", "更正文件只能对应同一部门、同一目录项的原批次")

    if uploaded_file is not None:
        filename = filename or getattr(uploaded_file, "name", "") or "upload"
        chunks: Iterable[bytes] = uploaded_file.chunks()
    else:
        path = Path(path)
        if not path.is_file():
            raise CollectionError("file_not_found", f"找不到文件：{path}")
        filename = filename or path.name
        chunks = _file_chunks(path)
    filename = Path(str(filename)).name[:255]

    batch_id = uuid.uuid4()
    directory = batch_dir(batch_id)
    stored = directory / _stored_name(filename)
    limit = settings.XINYONG_UPLOAD_MAX_BYTES
    too_large = CollectionError(
        "file_too_large", f"文件超过 {human_size(limit)} 的上限；请拆分为多个文件后分别上传", status=413
    )
    try:
        size, sha256 = store_chunks(chunks, stored, limit=limit, too_large=too_large)
        previous = _previous_upload(department=department, item_id=version.item_id, sha256=sha256)
        if previous is not None and not allow_duplicate:
            raise DuplicateUpload(previous)
        if allow_duplicate and previous is None:
            # The re-processing is confirmed also against an upload not started yet: both may load.
            previous = _previous_upload(
                department=department, item_id=version.item_id, sha256=sha256, waiting=True
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
# they start (``_refuse_second_start``).
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


def _refuse_second_start(batch: Batch) -> None:
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


def _saved_mapping(batch: Batch) -> dict[str, str] | None:
    saved = ColumnMapping.objects.filter(department_id=batch.department_id, item_id=batch.item_id).first()
    return dict(saved.mapping) if saved is not None else None


def _proposal(batch: Batch, *, saved: dict[str, str] | None) -> MappingProposal:
    return mapping_suggest(headers=list(batch.headers), item_version=batch.item_version, saved=saved)


def _proposal_mapping(proposal: MappingProposal) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for column in proposal.columns:
        if column.field_code and column.header not in mapping:
            mapping[column.header] = column.field_code
    return mapping


def _inspect(batch: Batch, *, sheet: str | None) -> None:
    """Read the header of the stored file: format, encoding, sheet, headers, row estimate, proposed mapping."""
    path = batch_file_path(batch)
    try:
        with _open_source(batch, sheet=sheet) as table:
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
    proposal = _proposal(batch, saved=_saved_mapping(batch))
    batch.mapping = _proposal_mapping(proposal)
    batch.status = BatchStatus.MAPPING if batch_mapping_problems(batch) else BatchStatus.UPLOADED


def batch_width_problem(batch: Batch) -> CollectionError | None:
    """A batch stored before columns were bounded may name more columns than can be mapped: refused."""
    limit = settings.XINYONG_FILE_MAX_COLUMNS
    if len(batch.headers or ()) <= limit:
        return None
    message = READ_ERROR_MESSAGES["too_many_columns"].format(
        where="文件第一行", count=f"{len(batch.headers):,}", limit=f"{limit:,}"
    )
    return CollectionError("too_many_columns", message)


def batch_mapping_problems(batch: Batch, mapping: dict[str, str] | None = None) -> list[CollectionError]:
    """``mapping_problems`` of a batch's mapping (or of ``mapping`` for it)."""
    too_wide = batch_width_problem(batch)
    if too_wide is not None:
        return [too_wide]
    return mapping_problems(
        batch.mapping if mapping is None else mapping,
        schema=catalog_version_schema(batch.item_version),
        keyed=batch.format in ("json", "ndjson"),
    )


def mapping_problems(
    mapping: dict[str, str], *, schema: ItemSchema, keyed: bool = False
) -> list[CollectionError]:
    """What keeps a column mapping from being used: unknown fields, a field in several columns, required fields missing.

    ``keyed``: JSON objects, where each record may name a field by code or by Chinese header; two keys of
    one field are then alternatives, not competing columns.
    """
    problems: list[CollectionError] = []
    known = set(schema.field_codes)
    unknown = sorted({code for code in mapping.values() if code and code not in known})
    if unknown:
        problems.append(
            CollectionError("mapping_unknown_field", f"目录项中没有以下字段代码：{'、'.join(unknown)}")
        )
    columns_by_field: dict[str, list[str]] = {}
    for header, code in mapping.items():
        if code in known:
            columns_by_field.setdefault(code, []).append(header)
    for code, headers in columns_by_field.items():
        # A multi-value field may come from several columns (2016 template: 处罚类别1, 处罚类别2).
        if len(headers) > 1 and not keyed and schema.field(code).type != FieldType.CODES:
            problems.append(
                CollectionError(
                    "mapping_field_repeated",
                    f"字段“{schema.field(code).name}”（{code}）对应了多列：{'、'.join(headers)}；请只保留一列",
                )
            )
    filled = set(platform_filled_fields(schema))
    missing = [
        spec
        for spec in schema.fields
        if spec.required and spec.code not in columns_by_field and spec.code not in filled
    ]
    if missing:
        names = "、".join(f"{spec.name}（{spec.code}）" for spec in missing)
        problems.append(
            CollectionError(
                "mapping_missing_required",
                f"以下必填字段没有对应的列：{names}；请在列映射中指定，或在文件中补充这些列",
            )
        )
    return problems


# ---------------------------------------------------------------------------------------------------
# Preview and mapping


@dataclass(frozen=True)
class Preview:
    headers: list[str]
    proposal: MappingProposal  # what the catalog and the department's saved mapping suggest
    sample_rows: list[SourceRow]
    # Validation with ``mapping`` of the first rows (the sample rows and more: PREVIEW_VALIDATE_ROWS).
    results: list[RowResult] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # the batch's current mapping
    total_rows: int | None = None


#: The preview validates this many first rows (bounded: the page answers in about a second).
PREVIEW_VALIDATE_ROWS = 300


def batch_preview(*, batch: Batch, rows: int = 10, validate_rows: int = PREVIEW_VALIDATE_ROWS) -> Preview:
    """The first ``rows`` rows of a batch's file, the mapping proposal and the validation of the first
    ``validate_rows`` rows (at least ``rows``)."""
    if not batch.headers and batch.status == BatchStatus.FAILED:
        raise CollectionError(batch.error_code or "file_unreadable", batch.error_message or "文件无法读取")
    too_wide = batch_width_problem(batch)
    if too_wide is not None:
        raise too_wide
    proposal = _proposal(batch, saved=_saved_mapping(batch))
    schema = catalog_version_schema(batch.item_version)
    mapping = batch.mapping or _proposal_mapping(proposal)
    try:
        with _open_source(batch, sheet=batch.sheet or None) as table:
            stream = table.rows()
            checked = _restore_rows(
                list(islice(stream, max(rows, validate_rows, 0))), enabled=_restores_quotes(batch)
            )
            stream.close()  # before the table closes its file
            mapper = mapping_apply(table.headers, mapping, schema=schema)
            validator = RowValidator(
                schema=schema,
                department=batch.department,
                as_of=batch.as_of,
                columns=mapper.columns,
                confirmed=uscc_confirmations_for(
                    item_version=batch.item_version, department=batch.department
                ),
            )
            results = [validator.validate_source(row, mapper) for row in checked]
            sample = checked[: max(rows, 0)]
    except (ReadError, FileTampered, StoredFilesPurged) as exc:
        raise CollectionError(exc.code, exc.message) from exc
    return Preview(
        headers=list(batch.headers),
        proposal=proposal,
        sample_rows=sample,
        results=results,
        mapping=dict(mapping),
        total_rows=batch.rows_total,
    )


def batch_confirm_mapping(*, batch: Batch, mapping: dict[str, str], actor, remember: bool = True) -> Batch:
    """Set the column mapping of a batch (header → field code) and remember it for the department and item; audited."""
    _check_upload_permission(actor, batch.department, action=AuditAction.UPDATE, obj=batch)
    if batch.status not in (BatchStatus.UPLOADED, BatchStatus.MAPPING):
        raise CollectionError("batch_not_editable", "该批次已开始处理或已结束，不能再修改列映射")
    headers = set(batch.headers)
    unknown_headers = sorted(h for h in mapping if h not in headers)
    if unknown_headers:
        raise CollectionError("mapping_unknown_column", f"文件中没有以下列：{'、'.join(unknown_headers)}")
    clean = {header: code for header, code in mapping.items() if code}
    problems = batch_mapping_problems(batch, clean)
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


# ---------------------------------------------------------------------------------------------------
# Starting, resuming


def _enqueue(batch: Batch) -> Batch:
    # Imported here: the task module registers with the task backend at import time.
    from xinyong.collection.tasks import process_batch

    # No on_commit: with the database backend the task row commits together with the status change, and
    # the immediate backend runs the task right here.
    result = process_batch.enqueue(str(batch.pk))
    Batch.objects.filter(pk=batch.pk).update(task_id=str(result.id)[:64])
    batch.refresh_from_db()
    return batch


def batch_start(*, batch: Batch, actor) -> Batch:
    """Queue a batch whose mapping is complete for loading in the background; audited."""
    _check_upload_permission(actor, batch.department, action=AuditAction.IMPORT, obj=batch)
    if batch.status not in (BatchStatus.UPLOADED, BatchStatus.MAPPING):
        raise CollectionError(
            "batch_not_startable", f"该批次当前状态为“{batch.get_status_display()}”，不能开始处理"
        )
    problems = batch_mapping_problems(batch)
    if problems:
        raise problems[0]
    with transaction.atomic():
        _refuse_second_start(batch)
        batch.status = BatchStatus.QUEUED
        batch.save(update_fields=["status"])
        audit_log(actor=actor, action=AuditAction.IMPORT, obj=batch, detail={"stage": "queued"})
    return _enqueue(batch)


def batch_is_resumable(batch: Batch) -> bool:
    """True when processing stopped (or a worker died) part-way for a reason unrelated to the file's content."""
    if batch.status in (BatchStatus.QUEUED, BatchStatus.LOADING):
        return True
    return batch.status == BatchStatus.FAILED and batch.error_code in RESUMABLE_ERRORS


def batch_resume(*, batch: Batch, actor) -> Batch:
    """Queue an interrupted batch again; loading continues after the last committed chunk; audited."""
    _check_upload_permission(actor, batch.department, action=AuditAction.IMPORT, obj=batch)
    if not batch_is_resumable(batch):
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
    return _enqueue(batch)


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
        resumed.append(_enqueue(batch))
    return resumed


def batch_requeue_interrupted(*, batch_id: uuid.UUID | str) -> Batch:
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
    return _enqueue(batch)


# ---------------------------------------------------------------------------------------------------
# Processing


@dataclass
class _ChunkOutcome:
    rows_consumed: int = 0
    rows_read: int = 0
    created: int = 0
    new_version: int = 0
    duplicate: int = 0
    rejected: list[tuple[int, dict[str, Any], str, list[dict]]] = field(default_factory=list)
    warnings: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    row_warnings: list[tuple[int, WarningEntry]] = field(default_factory=list)
    registered: set[str] = field(default_factory=set)  # codes a registration authority reported


_NO_WARNINGS: tuple[WarningEntry, ...] = ()


@dataclass
class _PreparedChunk:
    """A chunk after everything that needs no database: validated, subjects and records prepared.

    ``valid`` holds, per row that passed validation, (number, values as read, warnings of the validation
    as ``WarningEntry`` tuples, PreparedSubject, PreparedRecord — or the RecordError preparing it raised).
    ``rejected`` holds the rows validation refused, ready to store. Built by ``_BatchLoader.prepare``, in this process or in the
    reading process (``_prepared_chunks``), and pickled between them.
    """

    rows_consumed: int
    valid: list[tuple] = field(default_factory=list)
    rejected: list[tuple[int, dict[str, Any], str, list[dict]]] = field(default_factory=list)
    position: int = 0  # bytes of the file read when the chunk was complete
    headers: list[str] | None = None  # the table's headers, when JSON keys seen late extended them
    seconds: float = 0.0  # CPU time of the preparation
    pid: int = 0  # the process that prepared it

    def __reduce__(self):
        # Plain tuples, strings and bytes pickle several times faster than objects; cells are only needed
        # again for a row rejected after all, so they travel as one string where that is lossless.
        valid = [
            (
                number,
                _pack_cells(cells),
                warnings,
                tuple(subject),
                tuple(record) if isinstance(record, PreparedRecord) else record,
            )
            for number, cells, warnings, subject, record in self.valid
        ]
        return (
            _unpickle_chunk,
            (self.rows_consumed, valid, self.rejected, self.position, self.headers, self.seconds, self.pid),
        )


_CELL_SEPARATOR = "\x1f"


def _pack_cells(cells: list[Any]) -> list[Any] | str:
    if all(c.__class__ is str for c in cells):
        packed = _CELL_SEPARATOR.join(cells)
        if packed.count(_CELL_SEPARATOR) == len(cells) - 1:
            return packed
    return cells


def _unpack_cells(cells: list[Any] | str) -> list[Any]:
    return cells.split(_CELL_SEPARATOR) if isinstance(cells, str) else cells


def _unpickle_chunk(rows_consumed, valid, rejected, position, headers, seconds, pid) -> _PreparedChunk:
    subject, record = PreparedSubject.make_from, PreparedRecord.make
    return _PreparedChunk(
        rows_consumed,
        [
            (number, cells, warnings, subject(s), record(r) if r.__class__ is tuple else r)
            for number, cells, warnings, s, r in valid
        ],
        rejected,
        position,
        headers,
        seconds,
        pid,
    )


class _BatchLoader:
    """Loads the chunks of one processing run of a batch from its opened table."""

    def __init__(self, batch: Batch, table) -> None:
        self.batch = batch
        self.table = table
        self.schema = catalog_version_schema(batch.item_version)
        # The mapper keeps a reference to table.headers: JSON keys first seen late are picked up.
        self.mapper = mapping_apply(table.headers, batch.mapping or {}, schema=self.schema)
        # Read once per run: a code confirmed or revoked meanwhile counts from the next batch on.
        self.confirmed = uscc_confirmations_for(item_version=batch.item_version, department=batch.department)
        self.validator = RowValidator(
            schema=self.schema,
            department=batch.department,
            as_of=batch.as_of,
            columns=self.mapper.columns,
            confirmed=self.confirmed,
        )
        self.subjects = SubjectPreparer(as_of=batch.as_of, confirmed=self.confirmed)
        self.records = RecordPreparer(item_version=batch.item_version, department=batch.department)
        self.keys = header_keys(list(batch.headers))
        # Decided here: the reading process that prepares chunks never touches the database.
        self.restore_quotes = _restores_quotes(batch)
        self.personal_fields = {spec.code for spec in self.schema.fields if spec.personal}
        self._personal: dict[str, bool] = {}
        self.subject_uscc_field = (batch.item_version.core_fields or {}).get("subject_uscc", "")
        self.channel = RECORD_CHANNEL[batch.channel]
        self.source = f"batch:{batch.pk}"
        self.position = 0
        # Seconds per phase of this run: wall time, and "<phase> cpu" this process's CPU time ("prepare" is the
        # CPU time of the process that prepared the chunks).
        self.timings: Counter = Counter()

    # -- per row

    def _row_values(self, number: int, cells: list[Any]) -> tuple[dict[str, Any], str]:
        """Original values keyed by header (empty cells left out), the personal ones also encrypted."""
        if len(self.keys) != len(self.table.headers):
            # JSON keys first seen after the header scan were appended to the table's headers.
            self.keys = header_keys(list(self.table.headers))
        values: dict[str, Any] = {}
        protected: dict[str, Any] = {}
        for index, raw in enumerate(cells):
            if is_empty(raw):
                continue
            # Cells beyond the header row are kept too ("#<column number>"): the mistake may be there.
            key = self.keys[index] if index < len(self.keys) else f"#{index + 1}"
            value = jsonable(raw)
            if self._is_personal(key):
                protected[key] = value
                value = mask_ric(value)
            values[key] = value
        token = crypto.encrypt(json.dumps(protected, ensure_ascii=False)) if protected else ""
        return values, token

    def _is_personal(self, key: str) -> bool:
        """Does the column hold personal identifiers (身份证号码 …)? Those are stored encrypted."""
        personal = self._personal.get(key)
        if personal is None:
            header = key.rsplit("#", 1)[0] if "#" in key[1:] else key
            personal = self._personal[key] = self.mapper.field_for(header, late=True) in self.personal_fields
        return personal

    def _rejected(self, number: int, cells: list[Any] | str, issues: list[dict]) -> tuple:
        values, token = self._row_values(number, _unpack_cells(cells))
        return (number, values, token, issues)

    def _issues(self, issues: Iterable[RowIssue]) -> list[dict]:
        return [_issue_dict(i, personal_fields=self.personal_fields) for i in issues]

    def _subject_issue(self, issue, subject) -> dict:
        """A problem found while resolving the subject, attributed to the column of the identifier it concerns."""
        core = self.batch.item_version.core_fields or {}
        code = getattr(issue, "code", "subject_error")
        if code.startswith("org_code"):
            role = "subject_org_code"
        elif code.startswith("ric") or (code.startswith("excel") and subject.ric and not subject.uscc):
            role = "subject_id_number"
        elif code.startswith(("uscc", "excel")) and subject.uscc:
            role = "subject_uscc"
        else:
            role = "subject_name"
        field_code = core.get(role, "")
        return {
            "code": code,
            "field": field_code,
            "column": self.mapper.columns.get(field_code, ""),
            "value": None,
            "message": getattr(issue, "message", str(issue)),
        }

    # -- per chunk

    def prepare(self, rows: list[SourceRow]) -> _PreparedChunk:
        """Validate a chunk and prepare its subjects and records: no database, so it may run elsewhere."""
        started = time.process_time()
        chunk = _PreparedChunk(rows_consumed=len(rows))
        validate, mapper = self.validator.validate_source, self.mapper
        prepare_subject, prepare_record = self.subjects.prepare, self.records.prepare
        for row in rows:
            result = validate(row, mapper)
            if not result.ok:
                chunk.rejected.append(self._rejected(row.number, row.values, self._issues(result.errors)))
                continue
            try:
                record: Any = prepare_record(result.record)
            except RecordError as exc:
                record = exc  # reported after the subject is resolved, as record_ingest would fail
            warnings = (
                tuple(warning_entry(w, personal_fields=self.personal_fields) for w in result.warnings)
                if result.warnings
                else _NO_WARNINGS
            )
            chunk.valid.append((row.number, row.values, warnings, prepare_subject(result.subject), record))
        chunk.seconds = time.process_time() - started
        chunk.pid = os.getpid()
        return chunk

    def load(self, rows: list[SourceRow], *, expected_committed: int) -> Batch:
        """Load one chunk in one transaction with its rejected rows, the batch counters and the resume point."""
        return self.load_prepared(self.prepare(rows), expected_committed=expected_committed)

    def load_prepared(self, chunk: _PreparedChunk, *, expected_committed: int) -> Batch:
        """Store a prepared chunk: one transaction with its rejected rows, the counters and the resume point."""
        self.timings["prepare"] += chunk.seconds
        if chunk.headers is not None and len(chunk.headers) > len(self.table.headers):
            self.table.headers.extend(chunk.headers[len(self.table.headers) :])
        self.position = chunk.position
        outcome = _ChunkOutcome(
            rows_consumed=chunk.rows_consumed, rows_read=len(chunk.valid) + len(chunk.rejected)
        )
        outcome.rejected.extend(chunk.rejected)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # The chunk's commit need not wait for its WAL to reach the disk: after a crash the last
                # chunks may be lost, but whole (their records, rejected rows and rows_committed share the
                # transaction), and processing the batch again loads them again.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
            locked = Batch.objects.select_for_update().get(pk=self.batch.pk)
            if locked.rows_committed != expected_committed or locked.status != BatchStatus.LOADING:
                raise _Superseded()
            if chunk.valid:
                self._load_valid(chunk.valid, outcome)
            started = self._clock()
            self._commit(
                locked, outcome, rows_total=self._estimate_total(expected_committed + chunk.rows_consumed)
            )
        self._lap("commit", started)
        self.batch = locked
        return locked

    @staticmethod
    def _clock() -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    def _lap(self, phase: str, started: tuple[float, float]) -> tuple[float, float]:
        """Add the wall and CPU time since ``started`` to the phase; returns the new start."""
        now = self._clock()
        self.timings[phase] += now[0] - started[0]
        self.timings[f"{phase} cpu"] += now[1] - started[1]
        return now

    def _estimate_total(self, consumed: int) -> int | None:
        """Total data rows of a large text file, extrapolated from the bytes read so far (None: keep)."""
        if self.batch.rows_total_exact or self.table.total_rows is not None:
            return None
        # The reading process reports how far it read; in this process the table says.
        position = getattr(self, "position", 0) or self.table.position
        # Readers read ahead in blocks: only well into a large file do the bytes read track the rows read
        # (the estimate from the first MiB is about exact for smaller files).
        if position < _COPY_BUFFER or not self.table.size:
            return None
        return max(round(consumed * self.table.size / position), consumed)

    def _load_valid(self, valid: list[tuple], outcome: _ChunkOutcome) -> None:
        started = self._clock()
        resolved = subjects_resolve_bulk(
            inputs=[subject for _n, _v, _w, subject, _r in valid],
            source=self.source,
            as_of=self.batch.as_of,
            actor=_actor_of(self.batch),
            preparer=self.subjects,
        )
        loadable: list[tuple[int, list[Any], Any, int]] = []
        kinds: dict[int, str] = {}
        failed: list[tuple] = []
        for (number, cells, warnings, subject_input, record), subject in zip(valid, resolved, strict=True):
            if subject.warnings:
                warnings = self._with_subject_warnings(warnings, subject.warnings, subject_input)
            if warnings:
                # Counted once per row and code, like the errors of rejected rows.
                outcome.warnings.update({entry[0] for entry in warnings})
                outcome.row_warnings.extend((number, entry) for entry in warnings)
                if subject.subject_id is not None and subject_input.mode == "uscc":
                    outcome.registered.update(
                        subject_input.key
                        for entry in warnings
                        if entry[0] == "uscc_check_digit_registered" and entry[1] == self.subject_uscc_field
                    )
            if subject.errors or subject.subject_id is None:
                issues = [self._subject_issue(e, subject_input) for e in subject.errors] or [
                    {
                        "code": "subject_unresolved",
                        "field": "",
                        "column": "",
                        "value": None,
                        "message": "无法确定行政相对人，请核对名称和证件号码",
                    }
                ]
                outcome.rejected.append(self._rejected(number, cells, issues))
            elif isinstance(record, RecordError):
                failed.append((number, cells, record))
            else:
                loadable.append((number, cells, record, subject.subject_id))
                if subject.kind:
                    kinds[subject.subject_id] = subject.kind
        started = self._lap("subjects", started)
        try:
            if loadable:
                # A savepoint: if the call refuses the chunk as a whole, retry row by row to find the culprits.
                with transaction.atomic():
                    bulk = self._ingest([(record, sid) for _n, _c, record, sid in loadable], kinds)
                outcome.created += bulk.created
                outcome.new_version += bulk.new_version
                outcome.duplicate += bulk.duplicate
        except RecordError:
            for number, cells, record, sid in loadable:
                try:
                    with transaction.atomic():
                        one = self._ingest([(record, sid)], kinds)
                except RecordError as exc:
                    failed.append((number, cells, exc))
                else:
                    outcome.created += one.created
                    outcome.new_version += one.new_version
                    outcome.duplicate += one.duplicate
            failed.sort(key=lambda item: item[0])
        for number, cells, exc in failed:
            issue = {"code": exc.code, "field": "", "column": "", "value": None, "message": exc.message}
            outcome.rejected.append(self._rejected(number, cells, [issue]))
        if outcome.registered:
            # Accepted for every item from now on, as the rule says (docs/identifiers.md).
            confirmed_codes_record_registered(
                codes=outcome.registered,
                department=self.batch.department,
                origin=self.source,
                actor=_actor_of(self.batch),
            )
        self._lap("records", started)

    def _with_subject_warnings(
        self, warnings: tuple[WarningEntry, ...], issues, subject_input
    ) -> tuple[WarningEntry, ...]:
        """The row's warnings plus those of the subject registry it does not already have (the registry
        repeats some identifier warnings of the validation)."""
        seen = {entry[0] for entry in warnings}
        extra = []
        for issue in issues:
            if issue.code not in seen:
                seen.add(issue.code)
                extra.append(warning_entry(self._subject_issue(issue, subject_input)))
        return (*warnings, *extra) if extra else warnings

    def _ingest(self, rows: list[tuple[PreparedRecord, int]], kinds: dict[int, str]):
        return records_bulk_ingest(
            item_version=self.batch.item_version,
            department=self.batch.department,
            rows=rows,
            channel=self.channel,
            batch_ref=str(self.batch.pk),
            received_at=self.batch.received_at,
            uploader=self.batch.uploaded_by,
            api_client=self.batch.api_client,
            subject_kinds=kinds,
            preparer=self.records,
        )

    def _commit(self, locked: Batch, outcome: _ChunkOutcome, *, rows_total: int | None) -> None:
        rejected_rows = []
        for number, values, token, issues in outcome.rejected:
            rejected_rows.append(
                RejectedRow(batch=locked, number=number, values=values, values_protected=token, errors=issues)
            )
            outcome.errors.update({issue["code"] for issue in issues})
        RejectedRow.objects.bulk_create(rejected_rows)
        if outcome.row_warnings:
            RowWarning.objects.bulk_create(row_warnings_build(locked, outcome.row_warnings), batch_size=2000)
        locked.rows_read += outcome.rows_read
        locked.created += outcome.created
        locked.new_version += outcome.new_version
        locked.duplicate += outcome.duplicate
        locked.rejected += len(outcome.rejected)
        locked.rows_committed += outcome.rows_consumed
        locked.warnings = _merge_counts(locked.warnings, outcome.warnings)
        locked.errors = _merge_counts(locked.errors, outcome.errors)
        locked.progress_at = timezone.now()
        if rows_total is not None:
            locked.rows_total = rows_total
        assert locked.rows_read == locked.created + locked.new_version + locked.duplicate + locked.rejected, (
            "batch counts must add up"
        )
        locked.save(
            update_fields=[
                "rows_read",
                "created",
                "new_version",
                "duplicate",
                "rejected",
                "rows_committed",
                "warnings",
                "errors",
                "progress_at",
                "rows_total",
            ]
        )
        _add_issue_counts(locked, IssueKind.ERROR, outcome.errors)
        _add_issue_counts(locked, IssueKind.WARNING, outcome.warnings)


def _merge_counts(stored: dict | None, new: Counter) -> dict[str, int]:
    merged = Counter({k: int(v) for k, v in (stored or {}).items()})
    merged.update(new)
    return dict(sorted(merged.items(), key=lambda kv: (-kv[1], kv[0])))


def _add_issue_counts(batch: Batch, kind: str, counts: Counter) -> None:
    for code, count in counts.items():
        updated = BatchIssueCount.objects.filter(batch=batch, kind=kind, code=code).update(
            count=F("count") + count
        )
        if not updated:
            BatchIssueCount.objects.create(batch=batch, kind=kind, code=code, count=count)


@contextlib.contextmanager
def _collect_between_chunks() -> Iterator[Callable[[], None]]:
    """Python's cyclic garbage collector off while chunks are processed; the caller collects after each.

    Loading creates and drops hundreds of thousands of small objects per chunk, each allocation counting
    towards an automatic collection, which then walks the long-lived caches too (validation, subjects,
    records): a third of the CPU time of a chunk. Collecting the young generations once per chunk finds
    the same garbage at a fraction of the cost.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield lambda: gc.collect(1)
    finally:
        if enabled:
            gc.enable()


def _chunks(rows: Iterator[SourceRow], size: int) -> Iterator[list[SourceRow]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _prepare_all(loader: _BatchLoader, table, *, skip: int, chunk_size: int) -> Iterator[_PreparedChunk]:
    """The table's chunks after the first ``skip`` rows, prepared (see ``_BatchLoader.prepare``)."""
    rows = table.rows()
    try:
        # Resume: the first rows_committed data rows are already loaded (or rejected) for good.
        for _ in islice(rows, skip):
            pass
        width = len(table.headers)
        for chunk in _chunks(rows, chunk_size):
            prepared = loader.prepare(_restore_rows(chunk, enabled=loader.restore_quotes))
            prepared.position = table.position
            if len(table.headers) != width:
                width = len(table.headers)
                prepared.headers = list(table.headers)
            yield prepared
    finally:
        rows.close()  # before the table closes its file


def _use_reading_process(table) -> bool:
    """Prepare in a second process? For files large enough to repay starting it, where fork exists."""
    minimum = getattr(settings, "XINYONG_COLLECTION_PIPELINE_MIN_BYTES", 4 * 1024 * 1024)
    return minimum >= 0 and table.size >= minimum and "fork" in multiprocessing.get_all_start_methods()


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int) -> None:
    """Have the kernel kill this process when its parent dies, even by SIGKILL (Linux ``prctl``).

    Strictly, when the parent's thread that forked it ends: that thread waits in ``_prepared_chunks`` until
    this process has ended.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the parent-alive check between chunks does it
    if os.getppid() != parent_pid:
        os._exit(1)  # the parent died before the request was made


def _reading_process(
    conn, unused_end, parent_pid: int, loader: _BatchLoader, table, skip: int, chunk_size: int
) -> None:
    """Body of the reading process: prepared chunks, pickled, into ``conn``; then an end or error marker."""
    _die_with_parent(parent_pid)
    # The fork copied the pipe's reading end: closed, a send fails once the parent is gone instead of
    # waiting forever for a reader that is this process itself.
    unused_end.close()
    # Ctrl-C reaches the whole process group: the loading process decides what happens and stops this one.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker's own SIGTERM handler (finish the current task) was copied by the fork: this process has
    # nothing to finish and stops at once.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        with _collect_between_chunks() as collect:
            for prepared in _prepare_all(loader, table, skip=skip, chunk_size=chunk_size):
                if os.getppid() != parent_pid:
                    os._exit(1)  # orphaned (where the kernel does not kill it with its parent)
                conn.send_bytes(pickle.dumps(("chunk", prepared), protocol=pickle.HIGHEST_PROTOCOL))
                del prepared
                collect()
        conn.send_bytes(pickle.dumps(("end", None)))
    except ReadError as exc:
        conn.send_bytes(pickle.dumps(("read_error", (exc.code, exc.message))))
    except BaseException as exc:  # noqa: BLE001 - reported to the loading process, which fails the batch
        conn.send_bytes(pickle.dumps(("error", f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()


def _prepared_chunks(loader: _BatchLoader, table, *, skip: int, chunk_size: int) -> Iterator[_PreparedChunk]:
    """Prepared chunks in file order: from a forked reading process for large files, else from this one.

    The reading process reads, validates and prepares chunk N+1 (Python work, on the second core) while
    this process resolves and writes chunk N (mostly waiting for the database). It never touches the
    database: it only sends prepared chunks through a pipe, one ahead at most, since a send waits for the
    previous one to be read. Anything it cannot do is reported here, in order, and raised as if read here.
    """
    if not _use_reading_process(table):
        yield from _prepare_all(loader, table, skip=skip, chunk_size=chunk_size)
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_reading_process,
        args=(sender, receiver, os.getpid(), loader, table, skip, chunk_size),
        name="xinyong-collection-reader",
        daemon=True,
    )
    process.start()
    sender.close()
    try:
        while True:
            try:
                kind, payload = pickle.loads(receiver.recv_bytes())
            except EOFError:
                process.join(5)
                raise RuntimeError(
                    f"reading process ended unexpectedly (exit code {process.exitcode})"
                ) from None
            if kind == "chunk":
                yield payload
            elif kind == "end":
                return
            elif kind == "read_error":
                raise ReadError(payload[0], payload[1])
            else:
                raise RuntimeError(f"reading process failed: {payload}")
    finally:
        receiver.close()
        if process.is_alive():
            process.terminate()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()


def _fail(batch: Batch, *, code: str, message: str, outcome: str = AuditOutcome.ERROR) -> Batch:
    with transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED, error_code=code, error_message=message, progress_at=timezone.now()
        )
        batch.refresh_from_db()
        audit_log(
            actor=_actor_of(batch),
            action=AuditAction.IMPORT,
            obj=batch,
            outcome=outcome,
            detail={"stage": "failed", "error_code": code, **_counts(batch)},
        )
    return batch


def _counts(batch: Batch) -> dict[str, int]:
    return {
        "rows_read": batch.rows_read,
        "created": batch.created,
        "new_version": batch.new_version,
        "duplicate": batch.duplicate,
        "rejected": batch.rejected,
        "rows_committed": batch.rows_committed,
    }


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
    if batch.status == BatchStatus.FAILED and batch.error_code not in RESUMABLE_ERRORS:
        raise CollectionError(
            "batch_not_resumable", f"该批次已失败（{batch.error_message}），请修正后重新上传"
        )
    if batch.status not in PROCESSABLE_STATUSES and batch.status != BatchStatus.FAILED:
        raise CollectionError("batch_not_ready", "该批次的列映射尚未完成，请先确认列映射")
    problems = batch_mapping_problems(batch)
    if problems:
        raise problems[0]

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
    batch.refresh_from_db()
    try:
        with _open_source(batch, sheet=batch.sheet or None) as table:
            if [("" if h is None else str(h)) for h in table.headers] != list(batch.headers):
                return _fail(batch, code="file_changed", message="存储的文件与上传时不一致，请重新上传")
            loader = _BatchLoader(batch, table)
            chunks = _prepared_chunks(loader, table, skip=batch.rows_committed, chunk_size=chunk_size)
            try:
                with _collect_between_chunks() as collect:
                    while True:
                        started = loader._clock()
                        prepared = next(chunks, None)
                        loader._lap("read", started)
                        if prepared is None:
                            break
                        batch = loader.load_prepared(prepared, expected_committed=batch.rows_committed)
                        del prepared
                        collect()
                        if progress is not None:
                            progress(batch)
            finally:
                chunks.close()
                if timings is not None:
                    timings.update(loader.timings)
    except ReadError as exc:
        return _fail(
            batch,
            code=exc.code,
            message=f"读取到第 {batch.rows_committed + 1} 个数据行附近时出错：{exc.message}",
        )
    except (FileTampered, StoredFilesPurged) as exc:
        return _fail(batch, code=exc.code, message=exc.message)
    except _Superseded:
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
    return _finish(batch)


def _finish(batch: Batch) -> Batch:
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
            actor=_actor_of(locked),
            action=AuditAction.IMPORT,
            obj=locked,
            detail={"stage": "done", **_counts(locked), "warnings": locked.warnings},
        )
    return locked


# ---------------------------------------------------------------------------------------------------
# Rejection file


def rejected_row_values(row: RejectedRow) -> dict[str, Any]:
    """The original values of a rejected row, personal identifiers decrypted (for the rejection file only)."""
    values = dict(row.values)
    if row.values_protected:
        values.update(json.loads(crypto.decrypt(row.values_protected)))
    return values


def batch_rejection_file(*, batch: Batch, actor=None) -> Path:
    """Write the rejected rows of a batch (original columns + error columns, same format as uploaded); audited.

    The file is stored encrypted in the batch directory (read it with ``storage.open_stored``); it can be
    written until the batch's files are purged at the end of the retention period.
    """
    if batch.channel == BatchChannel.FORM:
        raise CollectionError("no_rejection_file", "在线填报的记录没有退回文件")
    if batch.files_purged_at is not None:
        raise StoredFilesPurged(batch)
    fmt = batch.format or "csv"
    keys = header_keys(list(batch.headers))
    known = set(keys)
    # Keys of JSON objects first seen late become further columns; cells beyond a CSV row's headers
    # ("#<n>") follow the error columns, as the writer places values beyond the headers.
    late: dict[str, None] = {}
    beyond: dict[str, None] = {}
    for values in batch.rejected_rows.values_list("values", flat=True).iterator(chunk_size=2000):
        for key in values:
            if key not in known:
                (beyond if re.fullmatch(r"#\d+", key) else late).setdefault(key, None)
    columns = keys + list(late)
    extra = sorted(beyond, key=lambda k: int(k[1:]))

    def rows() -> Iterator[tuple[list[Any], list[RowIssue]]]:
        for row in batch.rejected_rows.order_by("number", "pk").iterator(chunk_size=2000):
            values = rejected_row_values(row)
            issues = [
                RowIssue(
                    code=e.get("code", ""),
                    field=e.get("field", ""),
                    column=e.get("column", ""),
                    value=e.get("value"),
                    message=e.get("message", ""),
                )
                for e in row.errors
            ]
            # A row that could not be read at all (a line that is not JSON) has no values.
            cells = [values.get(k) for k in columns] + [values.get(k) for k in extra] if values else []
            yield cells, issues

    path = batch_file_generate(
        batch=batch,
        name=f"rejected{EXTENSIONS.get(fmt, '.csv')}",
        write=lambda plain: write_rejection_file(
            plain,
            format=fmt,
            encoding=batch.encoding or None,
            headers=[*batch.headers, *late],
            rows=rows(),
        ),
    )
    audit_log(
        actor=actor,
        action=AuditAction.EXPORT,
        obj=batch,
        detail={"stage": "rejection_file", "rejected": batch.rejected, "format": fmt},
    )
    return path


def batch_rejection_file_export(*, batch: Batch, dest: Path, actor=None) -> Path:
    """Write the rejection file of a batch in clear to ``dest`` (the command line's copy for its operator)."""
    stored = batch_rejection_file(batch=batch, actor=actor)
    dest.parent.mkdir(parents=True, exist_ok=True)
    # It holds the rows as submitted (full ID numbers): readable by its owner only.
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when the file was there before
    with open_stored(stored) as src, os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(src, out, _COPY_BUFFER)
    return dest


# ---------------------------------------------------------------------------------------------------
# API submissions


@dataclass(frozen=True)
class ApiSubmission:
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
    if content_format not in ("json", "ndjson"):
        raise ValueError("content_format must be json or ndjson")
    department = api_client.department
    _check_upload_permission(api_client, department, action=AuditAction.IMPORT)
    received_at = received_at or timezone.now()
    as_of = as_of or timezone.localdate(received_at)
    limit = settings.XINYONG_API_MAX_BODY_BYTES
    sync_max_rows = settings.XINYONG_API_SYNC_MAX_ROWS if sync_max_rows is None else sync_max_rows

    batch_id = uuid.uuid4()
    directory = batch_dir(batch_id)
    filename = f"request{EXTENSIONS[content_format]}"
    stored = directory / filename
    too_large = CollectionError(
        "body_too_large",
        f"请求体超过 {human_size(limit)} 的上限；请分多次提交（每次不超过上限），或改用文件上传",
        status=413,
    )
    try:
        size, body_sha = store_chunks(_stream_chunks(stream), stored, limit=limit, too_large=too_large)
        request_sha = hashlib.sha256(f"{item_code}\n{content_format}\n{body_sha}".encode()).hexdigest()
        if idempotency_key:
            previous = Batch.objects.filter(api_client=api_client, idempotency_key=idempotency_key).first()
            if previous is not None:
                shutil.rmtree(directory, ignore_errors=True)
                return _replay(previous, request_sha=request_sha, sync_max_rows=sync_max_rows)
        if size == 0:
            raise CollectionError("body_empty", "请求体为空：请提交 JSON 数组或 NDJSON（每行一个 JSON 对象）")
        version = _item_version(item_code, on=as_of, department=department)
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
    _inspect(batch, sheet=None)
    if batch.status != BatchStatus.FAILED:
        _count_rows(batch)
    if batch.status == BatchStatus.MAPPING:
        # An API client names fields by code or Chinese name; what cannot be mapped is an error of the request.
        problem = batch_mapping_problems(batch)[0]
        batch.status = BatchStatus.FAILED
        batch.error_code = problem.code
        batch.error_message = problem.message
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
        return _replay(previous, request_sha=request_sha, sync_max_rows=sync_max_rows)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    if batch.status == BatchStatus.FAILED:
        return ApiSubmission(batch=batch, replayed=False, background=False)
    return _run_api_batch(batch, sync_max_rows=sync_max_rows, replayed=False)


def _count_rows(batch: Batch) -> None:
    """Exact row count of an API body (one streaming pass), so small requests can be answered at once."""
    try:
        with _open_source(batch) as table:
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


def _run_api_batch(batch: Batch, *, sync_max_rows: int, replayed: bool) -> ApiSubmission:
    if (batch.rows_total or 0) <= sync_max_rows:
        if batch.status != BatchStatus.DONE:
            batch = batch_process(batch_id=batch.pk)
        return ApiSubmission(batch=batch, replayed=replayed, background=False)
    if batch.status == BatchStatus.UPLOADED:
        batch = batch_start(batch=batch, actor=batch.api_client)
    elif batch_is_resumable(batch) and batch.status == BatchStatus.FAILED:
        batch = batch_resume(batch=batch, actor=batch.api_client)
    return ApiSubmission(batch=batch, replayed=replayed, background=True)


def _replay(previous: Batch, *, request_sha: str, sync_max_rows: int) -> ApiSubmission:
    if previous.request_sha256 != request_sha:
        raise IdempotencyKeyReused(previous)
    background = (previous.rows_total or 0) > sync_max_rows
    if previous.status == BatchStatus.DONE or (
        previous.status == BatchStatus.FAILED and not batch_is_resumable(previous)
    ):
        return ApiSubmission(batch=previous, replayed=True, background=background)
    # Still loading in the background, or interrupted part-way: the retry finishes it (committed chunks stay).
    return _run_api_batch(previous, sync_max_rows=sync_max_rows, replayed=True)


# ---------------------------------------------------------------------------------------------------
# Form entry


@dataclass(frozen=True)
class FormResult:
    ok: bool
    record: CreditRecord | None = None
    outcome: str = ""  # created | new_version | duplicate
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    batch: Batch | None = None


def _id_issue_to_row_issue(issue, *, field_code: str = "", column: str = "") -> RowIssue:
    return RowIssue(
        code=getattr(issue, "code", "subject_error"),
        field=field_code,
        column=column,
        value=None,
        message=getattr(issue, "message", str(issue)),
    )


def record_submit_form(
    *,
    department: Department,
    item_code: str,
    values: dict[str, Any],
    actor,
    as_of: dt.date | None = None,
    received_at: dt.datetime | None = None,
) -> FormResult:
    """Validate and store one record entered in a console form (values keyed by field code); audited.

    Returns ``FormResult(ok=False, errors=…)`` without storing anything when the entry is invalid.
    """
    received_at = received_at or timezone.now()
    as_of = as_of or timezone.localdate(received_at)
    _check_upload_permission(actor, department, action=AuditAction.CREATE)
    version = _item_version(item_code, on=as_of, department=department)
    schema = catalog_version_schema(version)
    columns = {spec.code: spec.name for spec in schema.fields}
    confirmed = uscc_confirmations_for(item_version=version, department=department)
    result = row_validate(
        number=1,
        values={code: value for code, value in values.items() if code in columns},
        schema=schema,
        department=department,
        as_of=as_of,
        columns=columns,
        confirmed=confirmed,
    )
    if not result.ok:
        return FormResult(ok=False, errors=list(result.errors), warnings=list(result.warnings))
    warnings = list(result.warnings)
    with transaction.atomic():
        resolved = subjects_resolve_bulk(
            inputs=[result.subject],
            source="form",
            as_of=as_of,
            actor=actor,
            preparer=SubjectPreparer(as_of=as_of, confirmed=confirmed),
        )[0]
        if resolved.errors or resolved.subject_id is None:
            transaction.set_rollback(True)
            return FormResult(
                ok=False,
                errors=[_id_issue_to_row_issue(e) for e in resolved.errors]
                or [RowIssue("subject_unresolved", "", "", None, "无法确定行政相对人，请核对名称和证件号码")],
                warnings=warnings,
            )
        warnings += [_id_issue_to_row_issue(w) for w in resolved.warnings]
        batch = Batch.objects.create(
            department=department,
            item_id=version.item_id,
            item_version=version,
            channel=BatchChannel.FORM,
            status=BatchStatus.LOADING,
            as_of=as_of,
            received_at=received_at,
            uploaded_by=actor if not isinstance(actor, ApiClient) else None,
            api_client=actor if isinstance(actor, ApiClient) else None,
            rows_total=1,
            rows_total_exact=True,
            started_at=received_at,
        )
        try:
            with transaction.atomic():
                bulk = records_bulk_ingest(
                    item_version=version,
                    department=department,
                    rows=[(result.record, resolved.subject_id)],
                    channel=Channel.FORM,
                    batch_ref=str(batch.pk),
                    received_at=received_at,
                    uploader=batch.uploaded_by,
                    api_client=batch.api_client,
                )
        except RecordError as exc:
            transaction.set_rollback(True)
            return FormResult(
                ok=False, errors=[RowIssue(exc.code, "", "", None, exc.message)], warnings=warnings
            )
        outcome = bulk.outcomes[0]
        setattr(batch, outcome, 1)
        batch.rows_read = batch.rows_committed = 1
        batch.status = BatchStatus.DONE
        batch.finished_at = timezone.now()
        batch.warnings = dict(Counter(w.code for w in warnings))
        batch.save()
        _add_issue_counts(batch, IssueKind.WARNING, Counter(w.code for w in warnings))
        personal = {spec.code for spec in schema.fields if spec.personal}
        # The subject registry repeats some identifier warnings of the validation: one per code.
        unique = {w.code: w for w in reversed(warnings)}
        RowWarning.objects.bulk_create(
            row_warnings_build(
                batch,
                [(1, warning_entry(w, personal_fields=personal)) for w in warnings if unique[w.code] is w],
            )
        )
        subject_field = (version.core_fields or {}).get("subject_uscc", "")
        if result.subject.uscc and any(
            w.code == "uscc_check_digit_registered" and w.field == subject_field for w in warnings
        ):
            confirmed_codes_record_registered(
                codes=[result.subject.uscc], department=department, origin=f"batch:{batch.pk}", actor=actor
            )
        record = CreditRecord.objects.get(
            item_id=version.item_id,
            department=department,
            document_number_key=normalize_document_number(result.record.document_number),
        )
        audit_log(
            actor=actor,
            action=AuditAction.IMPORT,
            obj=batch,
            detail={
                "stage": "done",
                "channel": BatchChannel.FORM,
                "outcome": outcome,
                "record_id": record.pk,
            },
        )
    return FormResult(ok=True, record=record, outcome=outcome, warnings=warnings, batch=batch)
