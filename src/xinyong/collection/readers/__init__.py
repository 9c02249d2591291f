"""Streaming readers for uploaded tables (CSV, XLSX / XLS / ODS, JSON, NDJSON) and the rejection-file writer.

:func:`open_table` opens a file and gives a :class:`Table`: its format, detected encoding, sheets, headers
and a :meth:`Table.rows` iterator of :class:`SourceRow`. Nothing reads a whole file into memory: CSV and
NDJSON are read line by line, JSON arrays object by object, large XLSX sheets row by row. What a file may
expand to is bounded (:class:`ReadLimits`, docs/limits.md); a file that cannot be read raises
:class:`ReadError` with a stable code and a zh-hans message.

These are a reader protocol (a context manager and iterators, as for ``open()`` and ``csv.reader``), not
services. The modules: :mod:`.table` (row model, ``Table``, header helpers), :mod:`.opening` (format
detection), :mod:`.encoding`, one reader per format (:mod:`.csv_table`, :mod:`.spreadsheet` with
:mod:`.xlsx_package` and :mod:`.xlsx_stream`, :mod:`.json_tables`), the bounds (:mod:`.limits`,
:mod:`.packages` for zip bombs), :mod:`.errors`, and :mod:`.rejection_file`.
"""

from xinyong.collection.readers.errors import READ_ERROR_MESSAGES, ReadError
from xinyong.collection.readers.limits import LIMIT_CODES, ReadLimits, human_size
from xinyong.collection.readers.opening import open_table
from xinyong.collection.readers.rejection_file import rejection_filename, write_rejection_file
from xinyong.collection.readers.table import SourceRow, Table

__all__ = [
    "LIMIT_CODES",
    "READ_ERROR_MESSAGES",
    "ReadError",
    "ReadLimits",
    "SourceRow",
    "Table",
    "human_size",
    "open_table",
    "rejection_filename",
    "write_rejection_file",
]
