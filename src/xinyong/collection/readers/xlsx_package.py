"""The parts of an XLSX package: sheet list, date styles, shared strings, merged cells, used range.

Also decides which sheets calamine may load whole (:meth:`XlsxPackage.calamine_can_load`): only sheets whose
XML and cell rectangle are small, and whose parts inflate to what they declare (docs/limits.md); larger
ones are streamed (:mod:`.xlsx_stream`). Shared strings of very large workbooks are spilled to a temporary
file.
"""

from __future__ import annotations

import mmap
import re
import tempfile
import zipfile
import zlib
from array import array
from pathlib import Path
from xml.etree import ElementTree
from xml.parsers import expat

from xinyong.collection.readers.errors import ReadError
from xinyong.collection.readers.limits import ReadLimits
from xinyong.collection.readers.packages import inflate_part, sheet_cell_extent

__all__ = ["CALAMINE_MAX_CELLS", "XlsxPackage", "column_index", "parse_range"]

#: Sheets whose XML part is larger than this are streamed instead of loaded by calamine (which holds the
#: whole sheet in memory, about 1.5 × the XML size).
CALAMINE_MAX_SHEET_BYTES = 64 * 1024 * 1024

#: Shared-string tables larger than this (uncompressed XML) are kept in a temporary file, not in memory.
SHARED_STRINGS_SPILL_BYTES = 64 * 1024 * 1024

#: calamine loads a sheet as one rectangle from A1 to its farthest value: sheets whose rectangle holds more
#: cells than this are streamed (a value in A1 and one in XFD1048576 would make 17 billion cells).
CALAMINE_MAX_CELLS = 5_000_000

#: XLSX parts read whole into memory (workbook, relationships, styles) may not be larger than this.
XLSX_METADATA_MAX_BYTES = 32 * 1024 * 1024

#: The parts calamine reads when it opens a workbook, checked first (see ``limits.inflate_part``).
_CALAMINE_OPEN_PARTS = (
    "[Content_Types].xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "xl/sharedStrings.xml",
)


def column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


_REF = re.compile(r"([A-Z]+)(\d+)")


def _parse_ref(ref: str) -> tuple[int, int]:
    """``"B3"`` → (row 2, column 1), both 0-based."""
    m = _REF.fullmatch(ref.replace("$", ""))
    if not m:
        raise ValueError(ref)
    return int(m[2]) - 1, column_index(m[1])


def parse_range(ref: str) -> tuple[int, int, int, int]:
    first, _, last = ref.partition(":")
    r1, c1 = _parse_ref(first)
    r2, c2 = _parse_ref(last or first)
    return r1, c1, r2, c2


class _StringStore:
    """Shared strings; kept in a temporary file (offsets in memory) when the table is very large."""

    def __init__(self, spill: bool) -> None:
        self._list: list[str] | None = None if spill else []
        # Owned by the store and closed by close(), when the table is closed.
        self._file = tempfile.TemporaryFile() if spill else None  # noqa: SIM115
        self._offsets = array("Q", [0])
        self._map: mmap.mmap | None = None

    def append(self, text: str) -> None:
        if self._list is not None:
            self._list.append(text)
            return
        assert self._file is not None
        data = text.encode("utf-8")
        self._file.write(data)
        self._offsets.append(self._offsets[-1] + len(data))

    def finish(self) -> None:
        if self._file is not None and self._offsets[-1]:
            self._file.flush()
            self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)

    def __getitem__(self, index: int) -> str:
        if self._list is not None:
            return self._list[index]
        if self._map is None:
            if 0 <= index < len(self._offsets) - 1:
                return ""
            raise IndexError(index)
        return self._map[self._offsets[index] : self._offsets[index + 1]].decode("utf-8")

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
        if self._file is not None:
            self._file.close()


def _local(name: str) -> str:
    return name[name.rfind("}") + 1 :]


_DATE_FORMAT_IDS = frozenset({*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)})


def _date_styles(zf: zipfile.ZipFile) -> tuple[frozenset[int], frozenset[int]]:
    """Indexes of cell styles that format numbers as dates, and those among them that show a time."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    try:
        root = ElementTree.fromstring(zf.read("xl/styles.xml"))
    except KeyError:
        return frozenset(), frozenset()
    custom: dict[int, str] = {}
    xfs: list[int] = []
    for el in root:
        tag = _local(el.tag)
        if tag == "numFmts":
            for fmt in el:
                custom[int(fmt.get("numFmtId", "0"))] = fmt.get("formatCode", "")
        elif tag == "cellXfs":
            xfs = [int(xf.get("numFmtId", "0")) for xf in el]
    dates: set[int] = set()
    times: set[int] = set()
    for index, fmt_id in enumerate(xfs):
        code = custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id, "")
        is_date = fmt_id in _DATE_FORMAT_IDS or (
            bool(code) and is_date_format(code) and not is_timedelta_format(code)
        )
        if is_date:
            dates.add(index)
            if re.search(r"[hs]", re.sub(r'"[^"]*"|\[[^\]]*\]', "", code.lower())):
                times.add(index)
    return frozenset(dates), frozenset(times)


class XlsxPackage:
    """The parts of an XLSX package the streaming reader needs (sheet list, styles, shared strings)."""

    NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    def __init__(self, path: Path, limits: ReadLimits) -> None:
        self.path = path
        self.limits = limits
        try:
            self.zf = zipfile.ZipFile(path)
            for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"):
                if self.part_size(name) > XLSX_METADATA_MAX_BYTES:
                    raise ReadError("xlsx_invalid", detail=f"“{name}”异常庞大，不像是正常导出的表格")
            workbook = ElementTree.fromstring(self.zf.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(self.zf.read("xl/_rels/workbook.xml.rels"))
        except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
            raise ReadError("xlsx_invalid", detail=f"文件结构不完整：{exc}") from exc
        self._verified: set[str] = set()
        targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
        self.sheets: list[tuple[str, str, bool]] = []  # name, part, visible
        self.date1904 = False
        for el in workbook.iter():
            tag = _local(el.tag)
            if tag == "workbookPr":
                self.date1904 = el.get("date1904") in ("1", "true")
            elif tag == "sheet":
                target = targets.get(el.get(f"{{{self.NS_REL}}}id"), "")
                part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                self.sheets.append((el.get("name", ""), part, el.get("state", "visible") == "visible"))
        self._strings: _StringStore | None = None
        self._styles: tuple[frozenset[int], frozenset[int]] | None = None

    def part_size(self, part: str) -> int:
        try:
            return self.zf.getinfo(part).file_size
        except KeyError:
            return 0

    def calamine_can_load(self, part: str) -> bool:
        """May calamine load this sheet? Only when what it will inflate is what the parts declare, and the
        sheet's rectangle of cells is small (calamine holds it all in memory)."""
        if self.part_size(part) > CALAMINE_MAX_SHEET_BYTES:
            return False
        if self.part_size("xl/sharedStrings.xml") > SHARED_STRINGS_SPILL_BYTES:
            return False  # calamine holds every shared string in memory
        for name in (*_CALAMINE_OPEN_PARTS, part):
            if name in self._verified:
                continue
            try:
                info = self.zf.getinfo(name)
            except KeyError:
                continue
            if name == part:
                rows, columns = sheet_cell_extent(inflate_part(self.path, info))
                if rows * columns > CALAMINE_MAX_CELLS:
                    return False
            else:
                for _chunk in inflate_part(self.path, info):
                    pass
            self._verified.add(name)
        return True

    @property
    def styles(self) -> tuple[frozenset[int], frozenset[int]]:
        if self._styles is None:
            self._styles = _date_styles(self.zf)
        return self._styles

    @property
    def strings(self) -> _StringStore:
        if self._strings is None:
            self._strings = self._read_strings()
        return self._strings

    def _read_strings(self) -> _StringStore:
        part = "xl/sharedStrings.xml"
        store = _StringStore(spill=self.part_size(part) > SHARED_STRINGS_SPILL_BYTES)
        if not self.part_size(part):
            return store
        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        state = {"depth_rph": 0, "in_t": False, "chars": 0}
        parts: list[str] = []
        max_chars = self.limits.max_cell_chars

        def start(name: str, _attrs: dict[str, str]) -> None:
            tag = _local(name)
            if tag == "si":
                parts.clear()
                state["chars"] = 0
            elif tag == "rPh":
                state["depth_rph"] += 1
            elif tag == "t" and not state["depth_rph"]:
                state["in_t"] = True

        def end(name: str) -> None:
            tag = _local(name)
            if tag == "si":
                store.append("".join(parts))
            elif tag == "rPh":
                state["depth_rph"] -= 1
            elif tag == "t":
                state["in_t"] = False

        def chars(data: str) -> None:
            if state["in_t"]:
                state["chars"] += len(data)
                if state["chars"] > max_chars:
                    raise self.limits.cell_too_long("共享字符串表中", "")
                parts.append(data)

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = chars
        try:
            with self.zf.open(part) as f:
                while chunk := f.read(1 << 20):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except (zipfile.BadZipFile, expat.ExpatError, zlib.error) as exc:
            store.close()
            raise ReadError("xlsx_invalid", detail=f"共享字符串表已损坏：{str(exc)[:120]}") from exc
        except ReadError:
            store.close()
            raise
        store.finish()
        return store

    def merges(self, part: str) -> list[tuple[int, int, int, int]]:
        """Merged ranges of a sheet (they follow the cell data, so the part is scanned once, unparsed)."""
        pattern = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z$]+\d+(?::[A-Z$]+\d+)?)"')
        found: list[tuple[int, int, int, int]] = []
        tail = b""
        with self.zf.open(part) as f:
            while chunk := f.read(1 << 18):
                data = tail + chunk
                for m in pattern.finditer(data):
                    found.append(parse_range(m[1].decode()))
                tail = data[-256:]
                # A match inside the overlap is found again next round: drop duplicates at the end.
        return sorted(set(found))

    def dimension(self, part: str) -> tuple[int, int, int, int] | None:
        """The used range declared at the top of a sheet (0-based first row/column, last row/column)."""
        with self.zf.open(part) as f:
            head = f.read(4096)
        m = re.search(rb'<(?:\w+:)?dimension\s+ref="([A-Z$]+\d+(?::[A-Z$]+\d+)?)"', head)
        return parse_range(m[1].decode()) if m else None

    def close(self) -> None:
        if self._strings is not None:
            self._strings.close()
        self.zf.close()
