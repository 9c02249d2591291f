"""Errors of the collection app: why a submission (file, API body, form entry) is refused as asked."""

from __future__ import annotations

from django.utils import timezone

from xinyong.collection.models import Batch
from xinyong.core.errors import CodedError


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
