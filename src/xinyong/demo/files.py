"""The departments' files of the demo county: columns, header and date styles, CSV encodings and reproducible
XLSX workbooks (``county.UPLOADS`` says which department sends what)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from xinyong.catalog.spec import ItemSchema
from xinyong.demo.county import (
    COUNTY,
    UPLOADS,
    Upload,
)
from xinyong.demo.decisions import COLUMNS, DemoRow

SOURCE_COLUMNS = {"XK_LYDW", "XK_LYDWDM", "CF_SJLY", "CF_SJLYDM"}
ENCODINGS = {"csv-gbk": "gbk", "csv-utf8": "utf-8", "csv-utf8-bom": "utf-8-sig"}


@dataclass(frozen=True)
class DemoFile:
    department: str
    item: str
    path: Path
    received_at: dt.datetime
    rows: int
    purpose: str = "regular"  # regular | errors (typical mistakes, loaded) | pending (left for the user)


def _header(schema: ItemSchema, code: str, style: str) -> str:
    spec = schema.field(code)
    if style == "name":
        return spec.name
    if style == "synonym":
        return spec.synonyms[0] if spec.synonyms else spec.name
    if style == "legacy":
        return spec.legacy_codes[0] if spec.legacy_codes else code
    return code


def _date_text(day: dt.date, style: str) -> str:
    if style == "slash":
        return f"{day:%Y/%m/%d}"
    if style == "compact":
        return f"{day:%Y%m%d}"
    if style == "chinese":
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()


def _cell(value: Any, *, upload: Upload) -> Any:
    if isinstance(value, dt.date):
        return (
            value if upload.format == "xlsx" and upload.dates == "cell" else _date_text(value, upload.dates)
        )
    if isinstance(value, float):
        # Amounts: numbers in a spreadsheet, plain decimals in a CSV.
        return value if upload.format == "xlsx" else format(Decimal(repr(value)).normalize(), "f")
    return value


def _write(path: Path, *, upload: Upload, headers: list[str], rows: list[list[Any]], stamp: dt.date) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if upload.format == "xlsx":
        _write_xlsx(path, headers=headers, rows=rows, stamp=stamp)
        return
    with path.open("w", encoding=ENCODINGS[upload.format], newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(["" if v is None else v for v in row] for row in rows)


def _write_xlsx(path: Path, *, headers: list[str], rows: list[list[Any]], stamp: dt.date) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("报送数据")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    notes = book.create_sheet("填报说明")
    notes.append(["日期列为日期格式；统一社会信用代码、身份证号码列为文本格式；金额单位为万元。"])
    moment = dt.datetime.combine(stamp, dt.time(9, 0))
    book.properties.creator = COUNTY
    book.properties.created = moment
    buffer = io.BytesIO()
    book.save(buffer)
    # openpyxl stamps the entries and docProps with the current time; fixed values make the file reproducible.
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(<)",
                    rb"\g<1>" + f"{moment:%Y-%m-%dT%H:%M:%SZ}".encode() + rb"\2",
                    data,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=moment.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)


def demo_file_write(
    directory: Path,
    *,
    department: str,
    item: str,
    name: str,
    rows: list[DemoRow],
    schema: ItemSchema,
    received_at: dt.datetime,
    purpose: str,
) -> DemoFile:
    upload = UPLOADS[department]
    present = {code for row in rows for code in row.fields}
    columns = [code for code in COLUMNS[item] if code in present]
    if not upload.source_columns:
        columns = [code for code in columns if code not in SOURCE_COLUMNS]
    headers = [_header(schema, code, upload.headers) for code in columns]
    cells = [[_cell(row.fields.get(code), upload=upload) for code in columns] for row in rows]
    extension = "xlsx" if upload.format == "xlsx" else "csv"
    path = directory / f"{name}.{extension}"
    _write(path, upload=upload, headers=headers, rows=cells, stamp=received_at.date())
    return DemoFile(department, item, path, received_at, len(rows), purpose)
