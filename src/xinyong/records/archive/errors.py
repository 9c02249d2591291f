"""Errors of the credit archive: a stable ``code`` and a zh-hans ``message``, for the console and the API."""

from __future__ import annotations

from xinyong.core.errors import CodedError


class ArchiveError(CodedError):
    """The archive cannot be opened as asked: a stable ``code`` and a zh-hans ``message``."""


class ArchiveSubjectNotFound(ArchiveError):
    """The subject does not exist or the principal may not see it (the two are not told apart)."""

    status = 404

    def __init__(self) -> None:
        super().__init__("subject_not_found", "未找到该主体，或您无权查看其信用档案")
