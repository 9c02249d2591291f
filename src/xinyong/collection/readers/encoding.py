"""The text encoding of a CSV or JSON file, detected rather than asked.

A BOM means ``utf-8-sig`` (or ``utf-16``); otherwise the first 64 KB holding a non-ASCII byte are decoded as
strict UTF-8 (``utf-8``), then as GB18030 (``gb18030``, a superset of GBK, so GBK files report ``gb18030``
too). Bytes later in the file that do not decode are the readers' concern (one bad row, not a lost file).
"""

from __future__ import annotations

import codecs
from typing import IO

from xinyong.collection.readers.errors import ReadError
from xinyong.collection.readers.table import SAMPLE_BYTES

#: Bytes scanned for a non-ASCII sample before a file is taken as UTF-8.
_ENCODING_SCAN_LIMIT = 16 * 1024 * 1024


def detect_encoding(f: IO[bytes]) -> str:
    """``utf-8-sig`` / ``utf-16`` by BOM; else the first non-ASCII sample decoded as UTF-8, then GB18030."""
    f.seek(0)
    head = f.read(4)
    f.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    scanned = 0
    encoding = "utf-8"
    while scanned < _ENCODING_SCAN_LIMIT:
        chunk = f.read(SAMPLE_BYTES)
        if not chunk:
            break
        scanned += len(chunk)
        if chunk.isascii():
            continue
        final = len(chunk) < SAMPLE_BYTES
        for candidate in ("utf-8", "gb18030"):
            try:
                # Incremental: a multi-byte character cut at the end of the sample is not an error.
                codecs.getincrementaldecoder(candidate)().decode(chunk, final=final)
            except UnicodeDecodeError:
                continue
            encoding = candidate
            break
        else:
            raise ReadError("encoding_unknown")
        break
    f.seek(0)
    return encoding
