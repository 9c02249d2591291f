"""The JSON and NDJSON readers.

A JSON file is an array of objects, read object by object with ``ijson`` raw events, each record built
within the bounds of docs/limits.md (depth, keys, cell and record size); NDJSON is one object per line
(blank lines skipped; a line that is not a JSON object is a row with ``error = "json_line_invalid"``, not a
file error). Headers are the union of the keys of the first :data:`JSON_HEADER_SCAN` objects in order of
first appearance; a key first seen later is appended to ``Table.headers`` when its row is read (values are
aligned with the headers at that moment, so later rows are longer). JSON numbers arrive as ``int`` or
``Decimal`` (exact).
"""

from __future__ import annotations

import io
import json
from abc import abstractmethod
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from xinyong.collection.readers.encoding import detect_encoding
from xinyong.collection.readers.errors import ReadError
from xinyong.collection.readers.limits import ProgressGuard, ReadLimits, json_value
from xinyong.collection.readers.table import SAMPLE_BYTES, SourceRow, Table
from xinyong.core.jsondepth import json_depth_exceeds

__all__ = ["JSON_HEADER_SCAN", "JsonTable", "NdjsonTable"]

#: Objects scanned for the headers of a JSON / NDJSON table.
JSON_HEADER_SCAN = 1000

_IJSON_BUFFER = 64 * 1024


class _Utf8Stream(io.RawIOBase):
    """A text stream re-encoded as UTF-8 bytes (for a JSON file in GB18030 or UTF-16)."""

    def __init__(self, text: IO[str]) -> None:
        self._text = text
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while len(self._pending) < len(buffer):
            chunk = self._text.read(SAMPLE_BYTES)
            if not chunk:
                break
            self._pending += chunk.encode("utf-8")
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def _json_detail(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


class _KeyedTable(Table):
    """JSON-like tables: rows are objects, headers the keys in order of first appearance."""

    @abstractmethod
    def _objects(self) -> Iterator[tuple[int, Any, str]]:
        """(row number, parsed value, raw text when the value is not an object) for every record."""

    def _where(self, number: int) -> str:
        return f"第 {number} 行" if self.format == "ndjson" else f"第 {number} 条记录"

    def _scan_headers(self) -> None:
        seen: dict[str, None] = {}
        limit = self.limits.max_columns
        for count, (number, obj, _raw) in enumerate(self._objects(), 1):
            if isinstance(obj, dict):
                for key in obj:
                    seen.setdefault(str(key), None)
                if len(seen) > limit:
                    raise self.limits.too_many_columns(f"截至{self._where(number)}，各记录", len(seen))
            if count >= JSON_HEADER_SCAN:
                break
        self.headers = list(seen)

    def _rows(self) -> Iterator[SourceRow]:
        index = {h: i for i, h in enumerate(self.headers)}
        for number, obj, raw in self._objects():
            if not isinstance(obj, dict):
                code = "json_line_invalid" if self.format == "ndjson" else "json_item_invalid"
                yield SourceRow(number, [], error=code, detail=raw)
                continue
            values: list[Any] = [None] * len(self.headers)
            for key, value in obj.items():
                key = str(key)
                i = index.get(key)
                if i is None:
                    i = index[key] = len(self.headers)
                    if i >= self.limits.max_columns:
                        raise self.limits.too_many_columns(f"截至{self._where(number)}，各记录", i + 1)
                    self.headers.append(key)
                    values.append(None)
                values[i] = value
            yield SourceRow(number, values)


class JsonTable(_KeyedTable):
    """A JSON array of objects, parsed as a stream."""

    format = "json"

    def __init__(self, path: Path, limits: ReadLimits) -> None:
        super().__init__(path, limits)
        with path.open("rb") as f:
            self.encoding = detect_encoding(f)
        self._scan_headers()

    def _binary(self) -> IO[bytes]:
        raw = self.path.open("rb")
        self._closers.append(raw.close)
        self._position = raw.tell
        if self.encoding == "utf-8":
            return raw
        if self.encoding == "utf-8-sig":
            raw.read(3)
            return raw
        text = io.TextIOWrapper(raw, encoding=self.encoding, errors="replace")
        return io.BufferedReader(_Utf8Stream(text))

    def _objects(self) -> Iterator[tuple[int, Any, str]]:
        import ijson

        stream = self._binary()
        limits = self.limits
        try:
            # Raw events, each record built here within the bounds (limits.json_value).
            current = [0]
            # At most a row's worth of bytes (4 per character) past the start of the record being read,
            # plus the parser's read-ahead.
            guard = ProgressGuard(
                stream,
                limit=limits.max_row_chars * 4 + 2 * _IJSON_BUFFER,
                refuse=lambda: limits.row_too_long(f"第 {current[0]} 条记录"),
            )
            events = ijson.basic_parse(guard, buf_size=_IJSON_BUFFER)
            first = next(events, None)
            if first is None:
                raise ReadError("file_empty")
            if first[0] != "start_array":
                raise ReadError("json_not_array")
            for number, (event, value) in enumerate(events, 1):
                if event == "end_array":
                    break
                current[0] = number
                guard.mark()
                obj = json_value(event, value, events, limits=limits, where=f"第 {number} 条记录")
                raw = "" if isinstance(obj, dict) else json.dumps(obj, ensure_ascii=False, default=str)
                yield number, obj, raw
            for _event in events:
                pass  # anything after the array is reported as an error
        except ijson.JSONError as exc:
            raise ReadError("json_invalid", detail=_json_detail(exc)) from exc
        finally:
            stream.close()


class NdjsonTable(_KeyedTable):
    """One JSON object per line."""

    format = "ndjson"

    def __init__(self, path: Path, limits: ReadLimits) -> None:
        super().__init__(path, limits)
        with path.open("rb") as f:
            self.encoding = detect_encoding(f)
        self._scan_headers()
        if not self.headers and not any(True for _ in self._objects()):
            raise ReadError("file_empty")

    def _check_record(self, obj: dict[str, Any], number: int) -> None:
        limits = self.limits
        if len(obj) > limits.max_columns:
            raise limits.too_many_columns(f"第 {number} 行", len(obj))
        for key, value in obj.items():
            if value.__class__ is str and len(value) > limits.max_cell_chars:
                raise limits.cell_too_long(f"第 {number} 行", str(key))

    def _objects(self) -> Iterator[tuple[int, Any, str]]:
        raw = self.path.open("rb")
        self._closers.append(raw.close)
        self._position = raw.tell
        text = io.TextIOWrapper(raw, encoding=self.encoding, errors="replace", newline=None)
        limits = self.limits
        limit = limits.max_row_chars
        number = 0
        try:
            # At most one row's worth of text at a time: an endless line is refused, not read.
            while line := text.readline(limit + 1):
                number += 1
                if len(line) > limit and not line.endswith("\n"):
                    raise limits.row_too_long(f"第 {number} 行")
                stripped = line.strip().lstrip("\ufeff")
                if not stripped:
                    continue
                if json_depth_exceeds(stripped, limits.max_depth):
                    # Checked on the text: json.loads recurses once per level.
                    raise limits.too_deep(f"第 {number} 行")
                try:
                    obj = json.loads(stripped, parse_float=Decimal)
                except ValueError:
                    yield number, None, stripped
                    continue
                if isinstance(obj, dict):
                    self._check_record(obj, number)
                    yield number, obj, ""
                else:
                    yield number, obj, stripped
        finally:
            text.detach()
            raw.close()
