"""A streaming XLSX writer for the batch check's result file: one sheet, a million rows in seconds.

openpyxl's write-only mode costs about a millisecond per row of nine cells, a quarter of an hour for a full
batch; this writer emits the sheet's XML directly. Text cells are inline strings (``t="inlineStr"``), never
formulas; a text a spreadsheet would read as a formula (``xinyong.core.spreadsheet.needs_quote``) gets the
cell style with Excel's quote prefix, as ``xlsx_text_cell`` does for openpyxl cells. Integers are numbers.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from xinyong.collection.readers.limits import column_letter
from xinyong.core.spreadsheet import needs_quote

__all__ = ["rows_xml", "write_xlsx", "write_xlsx_parts"]

# Characters XML 1.0 cannot hold (openpyxl drops the same ones).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="等线"/></font>'
    '<font><b/><sz val="11"/><name val="等线"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1" applyAlignment="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_QUOTED, _BOLD = 1, 2


def _workbook(title: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{_text(title)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def _text(value: str) -> str:
    if value.isalnum():
        return value
    return _ILLEGAL.sub("", value).translate(_ESCAPES).replace('"', "&quot;")


def _row(number: int, values: Sequence[Any], letters: list[str], *, style: int = 0) -> str:
    cells = []
    for letter, value in zip(letters, values, strict=False):
        ref = f"{letter}{number}"
        if value is None or value == "":
            continue
        if value.__class__ is int:
            cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            continue
        text = str(value)
        cell_style = style if text[0].isalnum() else (_QUOTED if needs_quote(text) else style)
        s = f' s="{cell_style}"' if cell_style else ""
        cells.append(f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{_text(text)}</t></is></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def rows_xml(rows: Iterable[Sequence[Any]], *, first: int, width: int) -> str:
    """The sheet XML of ``rows``, numbered from ``first`` (a fragment :func:`write_xlsx_parts` joins)."""
    letters = [column_letter(i + 1) for i in range(width)]
    return "".join(_row(number, values, letters) for number, values in enumerate(rows, first))


def write_xlsx_parts(
    path: Path, *, headers: Sequence[str], parts: Iterable[bytes], title: str, widths: Sequence[int] = ()
) -> None:
    """Write a one-sheet XLSX: ``headers`` (bold) and the rows of ``parts`` (UTF-8 fragments of
    :func:`rows_xml`, in order) as the sheet ``title``."""
    letters = [column_letter(i + 1) for i in range(len(headers))]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _ROOT_RELS)
        package.writestr("xl/workbook.xml", _workbook(title))
        package.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        package.writestr("xl/styles.xml", _STYLES)
        with package.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            cols = "".join(
                f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1)
            )
            sheet.write(
                (
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    + (f"<cols>{cols}</cols>" if cols else "")
                    + "<sheetData>"
                    + _row(1, headers, letters, style=_BOLD)
                ).encode("utf-8")
            )
            for part in parts:
                sheet.write(part)
            sheet.write(b"</sheetData></worksheet>")


def write_xlsx(
    path: Path,
    *,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    title: str,
    widths: Sequence[int] = (),
) -> None:
    """Write ``headers`` (bold) and ``rows`` as the one sheet ``title`` of a new XLSX file at ``path``."""

    def parts() -> Iterable[bytes]:
        buffer: list[Sequence[Any]] = []
        first = 2
        for values in rows:
            buffer.append(values)
            if len(buffer) >= 2000:
                yield rows_xml(buffer, first=first, width=len(headers)).encode("utf-8")
                first += len(buffer)
                buffer = []
        yield rows_xml(buffer, first=first, width=len(headers)).encode("utf-8")

    write_xlsx_parts(path, headers=headers, parts=parts(), title=title, widths=widths)
