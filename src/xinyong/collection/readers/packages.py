"""Zip bombs: the checks on XLSX and ODS packages before and while their parts are inflated (docs/limits.md).

A zip package declares the size of each part; a hostile one declares little and inflates to much, or
compresses repetition so well that a few kilobytes describe billions of cells. These checks refuse such a
file before calamine or the streaming reader expands it (codes ``file_too_large_uncompressed``,
``compression_ratio_too_high``, ``xlsx_size_mismatch``, ``too_many_cells``).
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.parsers import expat

from xinyong.collection.readers.errors import ReadError
from xinyong.collection.readers.limits import ReadLimits, human_size

__all__ = ["check_zip_package", "inflate_part", "ods_cell_extent", "sheet_cell_extent"]

#: Parts smaller than this may compress as well as they like (an empty sheet is mostly repetition).
RATIO_CHECK_MIN_BYTES = 1024 * 1024


def check_zip_package(path: Path, *, limits: ReadLimits) -> None:
    """Refuse a zip package whose parts declare more than the bounds allow, before any part is opened."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReadError("xlsx_invalid", detail=f"文件结构不完整：{exc}") from exc
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size >= RATIO_CHECK_MIN_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                raise ReadError(
                    "compression_ratio_too_high",
                    member=info.filename[:80],
                    ratio=f"{ratio:,.0f}",
                    limit=limits.max_compression_ratio,
                )
    if total > limits.max_uncompressed_bytes:
        raise ReadError(
            "file_too_large_uncompressed",
            size=human_size(total),
            limit=human_size(limits.max_uncompressed_bytes),
        )


def inflate_part(path: Path, info: zipfile.ZipInfo, *, chunk: int = 1 << 20) -> Iterator[bytes]:
    """The bytes a part actually inflates to, read from the file itself; refused past its declared size.

    Python's ``zipfile`` stops at the declared size, but other readers (calamine) inflate what is there:
    this is what they would get.
    """
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ReadError("xlsx_invalid", detail=f"“{info.filename[:80]}”使用了不支持的压缩方式")
    with path.open("rb") as f:
        f.seek(info.header_offset)
        header = f.read(30)
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            raise ReadError("xlsx_invalid", detail=f"“{info.filename[:80]}”的文件头已损坏")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        f.seek(info.header_offset + 30 + name_length + extra_length)
        yield from _inflate(f, info, chunk=chunk)


def _inflate(f: IO[bytes], info: zipfile.ZipInfo, *, chunk: int) -> Iterator[bytes]:
    remaining = info.compress_size
    produced = 0
    stored = info.compress_type == zipfile.ZIP_STORED
    decompressor = None if stored else zlib.decompressobj(-zlib.MAX_WBITS)
    while remaining > 0:
        data = f.read(min(remaining, 1 << 16))
        if not data:
            break
        remaining -= len(data)
        while data:
            if decompressor is None:
                out, data = data, b""
            else:
                try:
                    out = decompressor.decompress(data, chunk)
                except zlib.error as exc:
                    raise ReadError("xlsx_invalid", detail=f"“{info.filename[:80]}”已损坏") from exc
                data = decompressor.unconsumed_tail
            produced += len(out)
            if produced > info.file_size:
                raise ReadError("xlsx_size_mismatch", member=info.filename[:80])
            if out:
                yield out
            if decompressor is not None and decompressor.eof:
                return


# Cell references (only cells carry ``r="<letters><digits>"``); two simple patterns are several times faster
# than one that also tells empty cells apart, and counting a styled empty cell only ever over-estimates.
_CELL_COLUMN = re.compile(rb"r\s*=\s*[\"']([A-Za-z]{1,3})[0-9]")
_CELL_ROW = re.compile(rb"r\s*=\s*[\"'][A-Za-z]{1,3}([0-9]{1,9})[\"']")


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ch - 64
    return number


def sheet_cell_extent(chunks: Iterator[bytes]) -> tuple[int, int]:
    """(rows, columns) of the rectangle from A1 to the farthest cell referenced in a sheet's XML.

    A reader that loads a sheet as one rectangle (calamine) allocates that many cells, whatever the file
    size: a value in A1 and one in XFD1048576 make 17 billion of them.
    """
    rows = columns = 0
    tail = b""
    for data in chunks:
        text = tail + data
        letters = set(_CELL_COLUMN.findall(text))
        if letters:
            columns = max(columns, *(_column_number(x) for x in letters))
        numbers = _CELL_ROW.findall(text)
        if numbers:
            rows = max(rows, max(map(int, numbers)))
        tail = text[-32:]
    return rows, columns


def ods_cell_extent(path: Path) -> tuple[int, int]:
    """(rows, columns) of the largest rectangle from A1 to the farthest value in an ODS file's tables.

    ODS compresses repetition itself (``number-rows-repeated``, ``number-columns-repeated``): 800 bytes can
    describe a hundred million filled cells, which calamine expands. Empty repeated cells (the usual padding
    to the end of a sheet) do not count.
    """
    best = (0, 0)
    state = {"row": 0, "row_repeat": 1, "col": 0, "rows": 0, "cols": 0, "cell_repeat": 1, "valued": False}

    def attr(attrs: dict[str, str], name: str) -> int:
        for key, value in attrs.items():
            if key.endswith(" " + name):
                try:
                    return max(1, min(int(value), 1 << 24))
                except ValueError:
                    return 1
        return 1

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(" ")[2]
        if local == "table":
            state.update(row=0, col=0, rows=0, cols=0)
        elif local == "table-row":
            state["row_repeat"] = attr(attrs, "number-rows-repeated")
            state["col"] = 0
        elif local in ("table-cell", "covered-table-cell"):
            state["cell_repeat"] = attr(attrs, "number-columns-repeated")
            state["valued"] = any(key.endswith(" value-type") for key in attrs)
        elif local == "p":
            state["valued"] = True

    def end(name: str) -> None:
        nonlocal best
        local = name.rpartition(" ")[2]
        if local in ("table-cell", "covered-table-cell"):
            state["col"] += state["cell_repeat"]
            if state["valued"]:
                state["cols"] = max(state["cols"], state["col"])
                state["rows"] = max(state["rows"], state["row"] + state["row_repeat"])
            state["valued"] = False
        elif local == "table-row":
            state["row"] += state["row_repeat"]
        elif local == "table" and state["rows"] * state["cols"] > best[0] * best[1]:
            best = (state["rows"], state["cols"])

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        with zipfile.ZipFile(path) as zf, zf.open("content.xml") as f:
            while chunk := f.read(1 << 20):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except (KeyError, zipfile.BadZipFile, expat.ExpatError, zlib.error) as exc:
        raise ReadError("xlsx_invalid", detail=f"ODS 文件内容已损坏：{str(exc)[:120]}") from exc
    return best
