"""Hostile files, generated small, and a way to read them in a process whose memory is capped.

``bench/hostile_files.py`` builds the full-size versions with the same XLSX parts and runs them the same way.

A reader that regresses on one of these files could take the whole machine's memory: the cases run in a
forked child limited to its current address space plus a margin, which reports the outcome, the time it
took and how much its resident memory grew.
"""

from __future__ import annotations

import multiprocessing
import resource
import struct
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MiB = 1024 * 1024


def _status(field: str) -> int:
    """A ``/proc/self/status`` figure in bytes (VmRSS, VmHWM, VmSize)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


@dataclass(frozen=True)
class Outcome:
    result: str  # repr of the return value, or "<ExceptionClass>:<code>"
    seconds: float
    growth: int  # peak resident memory minus resident memory at the start, in bytes


def run_bounded(fn: Callable[[], object], *, margin: int = 768 * MiB, timeout: float = 60) -> Outcome:
    """Run ``fn`` in a forked child whose address space may grow by ``margin`` at most."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def child() -> None:
        size = _status("VmSize") + margin
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")  # reset the peak (VmHWM) to the current resident size
        except OSError:
            pass
        start = _status("VmRSS")
        started = time.perf_counter()
        try:
            result = repr(fn())
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            result = f"{type(exc).__name__}:{getattr(exc, 'code', '')}"
        sender.send(Outcome(result, time.perf_counter() - started, _status("VmHWM") - start))

    process = context.Process(target=child)
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise AssertionError(f"no answer within {timeout} s")
        try:
            return receiver.recv()
        except EOFError:
            process.join()
            raise AssertionError(f"the process died (exit code {process.exitcode})") from None
    finally:
        process.kill()
        process.join()


# ---------------------------------------------------------------------------------------------------
# Files


def nested_json(path: Path, depth: int = 100_000) -> Path:
    path.write_bytes(b"[" * depth)
    return path


def wide_csv(path: Path, columns: int = 1_200_000) -> Path:
    """A CSV whose header has ``columns`` columns (2.4 MB for 1.2 million) and one short data row."""
    path.write_bytes(b"a," * (columns - 1) + b"a\r\n1,2\r\n")
    return path


SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"
XLSX_PARTS = {
    "[Content_Types].xml": (
        b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
        b'"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
        b'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
        b'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def _cell(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


HEADER_ROW = b'<row r="1">' + _cell("A1", "行政相对人名称") + _cell("B1", "处罚决定书文号") + b"</row>"


def xlsx_package(path: Path, sheet_chunks, *, level: int = 9) -> Path:
    """An XLSX package whose single sheet is the bytes of ``sheet_chunks`` (streamed into the zip)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, data in XLSX_PARTS.items():
            zf.writestr(name, data)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(SHEET_HEAD)
            for chunk in sheet_chunks:
                part.write(chunk)
            part.write(SHEET_TAIL)
    return path


def xlsx_bomb(path: Path, *, inflated: int = 20 * MiB) -> Path:
    """A header and then ``inflated`` bytes of identical rows: compresses about 1,000 times."""
    row = b"<row>" + _cell("", "x").replace(b' r=""', b"") * 2 + b"</row>"
    block = row * (MiB // len(row))

    def chunks():
        yield HEADER_ROW
        for _ in range(max(1, inflated // len(block))):
            yield block

    return xlsx_package(path, chunks())


def xlsx_far_cell(path: Path) -> Path:
    """A header in row 1 and a single value in XFD1048576: a rectangle of 17 billion cells."""
    return xlsx_package(path, [HEADER_ROW, b'<row r="1048576">' + _cell("XFD1048576", "x") + b"</row>"])


def xlsx_small(path: Path, rows: list[list[str]]) -> Path:
    def chunks():
        for r, values in enumerate(rows, 1):
            cells = b"".join(_cell(f"{_letters(c)}{r}", v) for c, v in enumerate(values, 1))
            yield f'<row r="{r}">'.encode() + cells + b"</row>"

    return xlsx_package(path, chunks())


def _letters(number: int) -> str:
    out = ""
    while number:
        number, rem = divmod(number - 1, 26)
        out = chr(65 + rem) + out
    return out


def understate_part_size(path: Path, part: str, *, declared: int) -> Path:
    """Rewrite the declared uncompressed size of ``part`` (local header and central directory) to ``declared``.

    The CRC is set to that of the first ``declared`` bytes, so a reader that stops at the declared size
    finds nothing wrong; the deflate stream still inflates to the full size.
    """
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(part)
        with zf.open(info) as f:
            prefix = f.read(declared)
    crc = zlib.crc32(prefix)
    # Local header: CRC at +14, compressed size at +18, uncompressed at +22 (or in the zip64 extra field).
    offset = info.header_offset
    struct.pack_into("<I", data, offset + 14, crc)
    name_length, extra_length = struct.unpack_from("<HH", data, offset + 26)
    if struct.unpack_from("<I", data, offset + 22)[0] == 0xFFFFFFFF:
        extra = offset + 30 + name_length
        struct.pack_into("<Q", data, extra + 4, declared)
    else:
        struct.pack_into("<I", data, offset + 22, declared)
    # Central directory entry.
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46 : central + 46 + name_len]) == part.encode():
            break
        central = data.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 16, crc)
    if struct.unpack_from("<I", data, central + 24)[0] == 0xFFFFFFFF:
        extra = central + 46 + name_len
        struct.pack_into("<Q", data, extra + 4, declared)
    else:
        struct.pack_into("<I", data, central + 24, declared)
    path.write_bytes(bytes(data))
    return path


_ODS_CONTENT = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    '<office:body><office:spreadsheet><table:table table:name="处罚">'
    '<table:table-row><table:table-cell office:value-type="string"><text:p>行政相对人名称</text:p>'
    '</table:table-cell><table:table-cell office:value-type="string"><text:p>处罚决定书文号</text:p>'
    "</table:table-cell></table:table-row>"
    '<table:table-row table:number-rows-repeated="{rows}"><table:table-cell '
    'table:number-columns-repeated="{columns}" office:value-type="string"><text:p>x</text:p>'
    "</table:table-cell></table:table-row>"
    # The padding LibreOffice writes to the end of a sheet: empty, repeated, not counted.
    '<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
    'table:number-columns-repeated="1024"/></table:table-row>'
    "</table:table></office:spreadsheet></office:body></office:document-content>"
)


def ods_repeated(path: Path, *, rows: int, columns: int) -> Path:
    """An ODS file whose second row, ``columns`` filled cells wide, is repeated ``rows`` times (800 bytes)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED
        )
        zf.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
            'opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path='
            '"/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
            'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
        )
        zf.writestr("content.xml", _ODS_CONTENT.format(rows=rows, columns=columns))
    return path
