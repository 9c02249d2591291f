"""Errors of the lists app: a stable code and a zh-hans message."""

from __future__ import annotations


class ListsError(Exception):
    """A refused action on list types or entries."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(message)
