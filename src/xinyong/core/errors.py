"""The one error type users can act on: a stable machine code and a zh-hans message saying how to fix it.

Services raise subclasses of :class:`CodedError` (``accounts.ServiceError``, ``records.RecordError`` …);
the API renders every one of them, and its own failures, as ``{"code": ..., "message": ...}``
(``xinyong.api.errors``, with the body of ``xinyong.core.api``), and the console shows the message.
"""

from __future__ import annotations


class CodedError(Exception):
    """An error with a stable snake_case ``code`` and a zh-hans ``message``."""

    # HTTP status the API answers with when the error reaches it unhandled.
    status = 400

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)
