"""The spreadsheet reader: XLSX, legacy XLS and ODS.

Sheets are chosen by name; by default the first visible sheet with data. The header is the first non-empty
row; a first row with a single filled cell followed by a fuller row is a title and is skipped. A **two-row
header** is recognised when the header row has merged cells (spanning several columns, or both header
rows): a column under a cell merged over several columns is named ``上级-下级`` (e.g. ``行政相对人-名称``), a
column whose lower cell is empty keeps the upper text. The lower text alone is ambiguous (``名称`` of which
party?), so it is never used alone; column mapping resolves ``上级-下级`` first as a whole
(``行政相对人名称``) and then by its lower part (``统一社会信用代码``). Numbers stay ``float`` (so a USCC
mangled into ``9.13501E+17`` reaches the identifier checks), date cells become ``date`` (``datetime`` when
they carry a time).

XLSX sheets whose XML is small are read with ``python-calamine`` (fast, but it loads the whole sheet);
larger ones (above ``xlsx_package.CALAMINE_MAX_SHEET_BYTES`` of sheet XML) with the streaming parser of
:mod:`.xlsx_stream`. Legacy ``.xls`` and ``.ods`` files are read with calamine (``.xls`` holds at most
65,536 rows) and report format ``xlsx``: their rejection file is an ``.xlsx``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from xinyong.collection.readers.errors import ReadError
from xinyong.collection.readers.limits import LIMIT_CODES, ReadLimits
from xinyong.collection.readers.packages import check_zip_package, inflate_part, ods_cell_extent
from xinyong.collection.readers.table import SourceRow, Table, check_header, header_text, shape, trim_headers
from xinyong.collection.readers.xlsx_package import CALAMINE_MAX_CELLS, XlsxPackage
from xinyong.collection.readers.xlsx_stream import xlsx_stream_rows

__all__ = ["XlsxTable"]


def _cell_blank(value: Any) -> bool:
    return value is None or value == ""


def _combine_two_row_header(
    top: list[Any], lower: list[Any], merges: list[tuple[int, int, int, int]], top_row: int
) -> list[str]:
    """Headers of a two-row header: ``上级-下级`` under a cell merged over several columns."""
    width = max(len(top), len(lower))
    top = [*top, *[""] * (width - len(top))]
    lower = [*lower, *[""] * (width - len(lower))]
    anchor_of: dict[int, int] = {}
    for r1, c1, _r2, c2 in merges:
        if r1 == top_row and c2 > c1:
            for c in range(c1, c2 + 1):
                anchor_of[c] = c1
    out = []
    for c in range(width):
        upper = header_text(top[anchor_of.get(c, c)])
        below = header_text(lower[c])
        if upper and below:
            out.append(f"{upper}-{below}")
        else:
            out.append(upper or below)
    return trim_headers(out)


def _verify_zip_parts(path: Path) -> None:
    """Inflate every part of a small zip package (ODS) once: refused when one inflates beyond its declared size."""
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    for info in infos:
        for _chunk in inflate_part(path, info):
            pass


class XlsxTable(Table):
    """One sheet of an XLSX, XLS or ODS workbook (``kind``), read by calamine or streamed."""

    format = "xlsx"

    def __init__(self, path: Path, limits: ReadLimits, *, sheet: str | None, kind: str) -> None:
        super().__init__(path, limits)
        self._package: XlsxPackage | None = None
        self._calamine = None
        self._sheet_obj = None
        self._part = ""
        self._start = (0, 0)
        self._merges: list[tuple[int, int, int, int]] = []
        self._data_after = 0  # 0-based index of the last header row
        if kind in ("xlsx", "ods"):
            # Zip packages: refused before any part is opened when they would inflate beyond the bounds.
            check_zip_package(path, limits=limits)
        if kind == "xlsx":
            self._package = XlsxPackage(path, limits)
            self._closers.append(self._package.close)
            self.sheet_names = [name for name, _part, _visible in self._package.sheets]
        else:
            if kind == "ods":
                _verify_zip_parts(path)
                rows, columns = ods_cell_extent(path)
                if rows * columns > CALAMINE_MAX_CELLS:
                    # No streaming reader for ODS: a sheet calamine cannot hold is refused.
                    raise ReadError(
                        "too_many_cells", count=f"{rows * columns:,}", limit=f"{CALAMINE_MAX_CELLS:,}"
                    )
            self._open_calamine()
            self.sheet_names = list(self._calamine.sheet_names)  # type: ignore[union-attr]
        self._choose_sheet(sheet)

    # -- opening -----------------------------------------------------------------------------------

    def _open_calamine(self) -> None:
        from python_calamine import CalamineError, CalamineWorkbook

        if self._calamine is not None:
            return
        try:
            self._calamine = CalamineWorkbook.from_path(str(self.path))
        except (CalamineError, OSError, ValueError) as exc:
            raise ReadError("xlsx_invalid", detail=str(exc).splitlines()[0][:200]) from exc
        self._closers.append(self._calamine.close)

    def _visible_order(self) -> list[str]:
        if self._package is not None:
            sheets = self._package.sheets
            return [n for n, _p, v in sheets if v] + [n for n, _p, v in sheets if not v]
        meta = self._calamine.sheets_metadata  # type: ignore[union-attr]
        visible = [m.name for m in meta if str(m.visible).endswith("Visible")]
        return visible + [m.name for m in meta if m.name not in visible]

    def _choose_sheet(self, wanted: str | None) -> None:
        if wanted is not None:
            names = {n.strip(): n for n in self.sheet_names}
            name = wanted if wanted in self.sheet_names else names.get(wanted.strip())
            if name is None:
                raise ReadError(
                    "sheet_not_found", sheet=wanted, names="、".join(self.sheet_names) or "（无）"
                )
            if not self._load(name):
                raise ReadError("sheet_empty", sheet=name)
            return
        # Templates often start with a 填表说明 sheet: prefer the first sheet with a table (2+ headers).
        first_with_data = None
        for name in self._visible_order():
            try:
                loaded = self._load(name)
            except ReadError as exc:
                if exc.code in LIMIT_CODES:
                    raise
                continue  # a chart sheet or a damaged sheet: look at the next one
            if loaded:
                if len(self.headers) >= 2:
                    return
                first_with_data = first_with_data or name
        if first_with_data is None:
            raise ReadError("file_empty")
        self._load(first_with_data)

    def _load(self, name: str) -> bool:
        """Prepare sheet ``name`` and read its header; False when it has no data."""
        self.sheet = name
        if self._package is not None:
            part = next(p for n, p, _v in self._package.sheets if n == name)
            self._part = part
            if not self._package.calamine_can_load(part):
                self._sheet_obj = None
                used = self._package.dimension(part)
                self._start = used[:2] if used else (0, 0)
                self._merges = self._package.merges(part)
                if not self._read_header():
                    return False
                if used:
                    self.total_rows = max(0, used[2] + 1 - self.header_row)
                return True
        self._open_calamine()
        from python_calamine import CalamineError

        try:
            sheet = self._calamine.get_sheet_by_name(name)  # type: ignore[union-attr]
        except CalamineError as exc:
            raise ReadError("xlsx_invalid", detail=str(exc).splitlines()[0][:200]) from exc
        if not sheet.height or sheet.start is None:
            return False
        self._sheet_obj = sheet
        self._start = sheet.start
        self._merges = [(r1, c1, r2, c2) for (r1, c1), (r2, c2) in (sheet.merged_cell_ranges or [])]
        self.total_rows = None
        return self._read_header()

    def _raw_rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(0-based absolute row index, cells from the sheet's first used column) for every row."""
        col0 = self._start[1]
        if self._sheet_obj is not None:
            # python-calamine 0.9.1 yields every row from the sheet's first row (row 1), each holding the
            # cells from the first used column on.
            yield from enumerate(self._sheet_obj.iter_rows())
            return
        assert self._package is not None
        for index, cells in xlsx_stream_rows(self._package, self._part):
            yield index, cells[col0:] if col0 else cells

    def _read_header(self) -> bool:
        peeked: list[tuple[int, list[Any]]] = []
        for index, cells in self._raw_rows():
            self.limits.check_cells(cells, where=f"第 {index + 1} 行", headers=[])
            if all(_cell_blank(c) for c in cells):
                continue
            peeked.append((index, cells))
            if len(peeked) == 3:
                break
        if not peeked:
            return False
        col0 = self._start[1]
        filled = [sum(1 for c in cells if not _cell_blank(c)) for _i, cells in peeked]
        if len(peeked) > 1 and filled[0] == 1 and filled[1] >= 2:
            peeked = peeked[1:]  # a title row above the header
        top_index, top = peeked[0]
        merges = [(r1, c1 - col0, r2, c2 - col0) for r1, c1, r2, c2 in self._merges]
        two_rows = len(peeked) > 1 and any(
            r1 == top_index and (c2 > c1 or r2 > r1) and r2 <= top_index + 1 for r1, c1, r2, c2 in merges
        )
        if two_rows and peeked[1][0] == top_index + 1:
            self.headers = _combine_two_row_header(top, peeked[1][1], merges, top_index)
            self._data_after = top_index + 1
        else:
            self.headers = trim_headers([header_text(c) for c in top])
            self._data_after = top_index
        self.header_row = self._data_after + 1
        check_header(self.headers)
        if self._sheet_obj is not None:
            self.total_rows = max(0, self._start[0] + self._sheet_obj.height - self.header_row)
        return True

    def _rows(self) -> Iterator[SourceRow]:
        width = len(self.headers)
        after = self._data_after
        check = self.limits.check_cells
        for index, cells in self._raw_rows():
            if index <= after:
                continue
            check(cells, where=f"第 {index + 1} 行", headers=self.headers)
            if all(_cell_blank(c) for c in cells):
                continue
            yield SourceRow(index + 1, shape(list(cells), width))
