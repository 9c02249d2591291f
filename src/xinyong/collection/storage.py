"""Where batches keep their files, encrypted at rest, and how long: ``MEDIA_ROOT/batches/<batch id>/``.

Every file a batch stores — the upload or API body as received, the rejection file, any list generated from
it — is written encrypted (``xinyong.core.filecrypt``) as it streams in; nothing under the media directory
holds plaintext. Readers get the plaintext through :func:`open_stored` (a seekable file object) or, for the
table readers that open a path several times, :func:`plaintext_copy`: a private temporary copy outside the
media directory, deleted when the reading ends. Generated files are written to such a private temporary
file first and then encrypted into the batch directory (:func:`store_generated`).

Retention: the files of a batch are deleted ``XINYONG_UPLOAD_RETENTION_DAYS`` days (default 90) after it
was received (:func:`batch_files_purge`, run daily by the supervisor's sweep and by
``xinyong batches purge``); the batch and its records stay, the batch page says when the files were purged.
See docs/files-at-rest.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xinyong.accounts.models import AuditAction
from xinyong.accounts.services import audit_log
from xinyong.collection.models import Batch, BatchStatus
from xinyong.core.errors import CodedError
from xinyong.core.filecrypt import FileTampered, encrypt_file, is_encrypted, open_decrypted, open_encrypted

__all__ = [
    "FileTampered",
    "PurgeResult",
    "StoredFilesPurged",
    "batch_dir",
    "batch_file_generate",
    "batch_files_purge",
    "open_stored",
    "plaintext_copy",
    "retention_days",
    "store_chunks",
    "store_generated",
    "stale_plaintext_remove",
    "stored_files_encrypt",
]


_COPY = 1024 * 1024
# Batches whose file a worker may still be reading are never purged.
_IN_PROGRESS = (BatchStatus.QUEUED, BatchStatus.LOADING)


class StoredFilesPurged(CodedError):
    """The files of a batch were deleted at the end of their retention period."""

    def __init__(self, batch: Batch) -> None:
        day = timezone.localdate(batch.files_purged_at).isoformat() if batch.files_purged_at else ""
        super().__init__(
            "batch_files_purged",
            f"本批次的上传文件和退回文件已于 {day} 按 {retention_days()} 天的保存期限清除，不能再下载或处理；"
            "如需更正，请将修改后的完整文件重新上传。",
        )
        self.status = 410


def retention_days() -> int:
    """Days a batch's files are kept after it was received (``XINYONG_UPLOAD_RETENTION_DAYS``)."""
    return int(settings.XINYONG_UPLOAD_RETENTION_DAYS)


def batch_dir(*, batch_id: uuid.UUID | str) -> Path:
    """The directory holding a batch's files."""
    return Path(settings.MEDIA_ROOT) / "batches" / str(batch_id)


def store_chunks(*, chunks: Iterable[bytes], dest: Path, limit: int, too_large: Exception) -> tuple[int, str]:
    """Store ``chunks`` encrypted at ``dest``; returns the plaintext (size, sha256). Raises ``too_large`` past ``limit``."""
    digest = hashlib.sha256()
    size = 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open_encrypted(dest) as out:
        for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise too_large
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


def open_stored(*, path: Path) -> IO[bytes]:
    """The plaintext of a stored file as a seekable binary file object; raises ``FileTampered``.

    A file stored before encryption at rest existed is read as it is (``xinyong batches encrypt`` converts
    them).
    """
    if not is_encrypted(path):
        return path.open("rb")
    return open_decrypted(path)


_TEMP_PREFIX = "xinyong-plain-"
# A plaintext copy older than this was left by a killed process (loads take minutes, not days).
_STALE_AFTER = dt.timedelta(days=1)


@contextlib.contextmanager
def _private_tempdir() -> Iterator[Path]:
    # mkdtemp creates the directory readable by this user only (0700).
    directory = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def plaintext_copy(*, path: Path) -> Iterator[Path]:
    """A private temporary plaintext copy of a stored file, outside the media directory, for path readers."""
    with _private_tempdir() as directory:
        plain = directory / ("plain" + path.suffix)
        with open_stored(path=path) as src, plain.open("wb") as out:
            shutil.copyfileobj(src, out, _COPY)
        yield plain


def store_generated(*, dest: Path, write: Callable[[Path], None]) -> Path:
    """Let ``write`` produce a file at a private temporary path, then store it encrypted at ``dest``."""
    with _private_tempdir() as directory:
        plain = directory / ("plain" + dest.suffix)
        write(plain)
        dest.parent.mkdir(parents=True, exist_ok=True)
        # A name of its own: two requests generating the same file at once must not write into one
        # partial file (the last rename wins; each one is whole).
        partial = dest.with_name(f"{dest.name}.{uuid.uuid4().hex}.tmp")
        try:
            encrypt_file(plain, partial)
            partial.replace(dest)
        finally:
            partial.unlink(missing_ok=True)
    return dest


def batch_file_generate(*, batch: Batch, name: str, write: Callable[[Path], None]) -> Path:
    """Generate a file of ``batch`` (rejection file, warning list) into its directory, encrypted.

    Raises ``StoredFilesPurged`` when the batch's files are purged, also when the purge ran while the file
    was being written: the purge locks the batch row, so the check after writing waits for it and then
    removes what the writing left, and nothing outlives the retention period.
    """
    if batch.files_purged_at is not None:
        raise StoredFilesPurged(batch)
    dest = batch_dir(batch_id=batch.pk) / name
    try:
        store_generated(dest=dest, write=write)
    except FileNotFoundError:
        if not _purged_meanwhile(batch):
            raise
        raise StoredFilesPurged(batch) from None
    if _purged_meanwhile(batch):
        raise StoredFilesPurged(batch)
    return dest


def _purged_meanwhile(batch: Batch) -> bool:
    """Whether the batch's files were purged; if so, remove anything written into its directory since."""
    with transaction.atomic():
        purged_at = (
            Batch.objects.select_for_update()
            .filter(pk=batch.pk)
            .values_list("files_purged_at", flat=True)
            .first()
        )
        if purged_at is None:
            return False
        shutil.rmtree(batch_dir(batch_id=batch.pk), ignore_errors=True)
    batch.files_purged_at = purged_at
    return True


# ---------------------------------------------------------------------------------------------------
# Retention


@dataclass
class PurgeResult:
    as_of: dt.date
    cutoff: dt.date  # batches received on or before this day are purged
    dry_run: bool
    batches: list[Batch] = field(default_factory=list)
    bytes: int = 0


def stale_plaintext_remove(*, now: dt.datetime | None = None) -> int:
    """Delete plaintext copies that a process killed while reading left in the temporary directory."""
    limit = (now or timezone.now()).timestamp() - _STALE_AFTER.total_seconds()
    removed = 0
    for directory in Path(tempfile.gettempdir()).glob(_TEMP_PREFIX + "*"):
        with contextlib.suppress(OSError):
            if directory.is_dir() and directory.stat().st_mtime < limit:
                shutil.rmtree(directory, ignore_errors=True)
                removed += 1
    return removed


def _directory_size(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()) if directory.is_dir() else 0


def batch_files_purge(*, as_of: dt.date, dry_run: bool = False, actor=None) -> PurgeResult:
    """Delete the stored files of batches received more than the retention period before ``as_of``; audited.

    One audit entry per purged batch. Idempotent: a purged batch carries ``files_purged_at`` and is
    skipped. Batches still queued or loading are left for a later day. The daily sweep calls this with
    today's date. Plaintext copies left in the temporary directory by a killed process are removed too.
    """
    if not dry_run:
        stale_plaintext_remove()
    cutoff = as_of - dt.timedelta(days=retention_days())
    # received_at is compared in local days; the first instant after the cutoff day bounds it.
    limit = timezone.make_aware(dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time.min))
    due = (
        Batch.objects.filter(files_purged_at__isnull=True, received_at__lt=limit)
        .exclude(file_path="")
        .exclude(status__in=_IN_PROGRESS)
        .order_by("received_at", "pk")
    )
    result = PurgeResult(as_of=as_of, cutoff=cutoff, dry_run=dry_run)
    for batch_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            batch = (
                Batch.objects.select_for_update(of=("self",))
                .select_related("department")
                .filter(pk=batch_id, files_purged_at__isnull=True)
                .first()
            )
            if batch is None or batch.status in _IN_PROGRESS:
                continue
            directory = batch_dir(batch_id=batch.pk)
            size = _directory_size(directory)
            result.batches.append(batch)
            result.bytes += size
            if dry_run:
                continue
            files = sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []
            shutil.rmtree(directory, ignore_errors=True)
            batch.files_purged_at = timezone.now()
            batch.save(update_fields=["files_purged_at"])
            audit_log(
                actor=actor,
                action=AuditAction.DELETE,
                obj=batch,
                detail={
                    "stage": "files_purged",
                    "as_of": as_of.isoformat(),
                    "retention_days": retention_days(),
                    "received_at": batch.received_at.isoformat(),
                    "files": files,
                    "bytes": size,
                },
            )
    return result


def stored_files_encrypt() -> int:
    """Encrypt in place the files stored before encryption at rest existed; returns how many were converted."""
    root = Path(settings.MEDIA_ROOT) / "batches"
    converted = 0
    for path in sorted(root.glob("*/*")) if root.is_dir() else []:
        if not path.is_file() or path.name.endswith(".tmp") or is_encrypted(path):
            continue
        partial = path.with_name(path.name + ".tmp")
        encrypt_file(path, partial)
        os.replace(partial, path)
        converted += 1
    if converted:
        audit_log(
            actor=None,
            action=AuditAction.UPDATE,
            obj=Batch,
            detail={"stage": "files_encrypted", "files": converted},
        )
    return converted
