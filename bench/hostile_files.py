"""Hostile files at full size through ``xinyong import`` and the collection API, with the memory each took.

The test suite reads small versions of these files in a memory-capped process; this script builds the sizes
that once took the platform down and checks that each is refused with its error code, quickly and in little
memory:

- ``[`` × 100,000 (100 KB) as a JSON file and as an API request body (the server grew to 24 GB);
- an XLSX whose sheet inflates to 2 GB (``xinyong import`` grew to 8 GB on such a file);
- a 12 MB CSV whose header has 1.2 million columns (the console ran 207 s into a MemoryError);
- an XLSX with one value in XFD1048576, an XLSX part inflating to 200 MB while declaring 4 KB, an ODS
  repeating a filled row a hundred million cells' worth, a 200 MB CSV line, a 50 MB NDJSON line and a
  JSON record holding one 60 MB string.

A fresh SQLite platform is built in a temporary directory. Each case runs in a forked process whose
address space is capped (a regression fails the case instead of exhausting the machine); its memory is the
peak resident size (``VmHWM`` from ``/proc``, reset when the case starts) minus the size it started with.
Run ``.venv/bin/python bench/hostile_files.py``: one line per case, exit status 1 when a case is not
refused as expected (about a minute on 2 vCPUs).
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

# The builders and the capped process of the test suite's small versions of these files.
from tests.collection.hostile_support import (  # noqa: E402
    HEADER_ROW,
    SHEET_HEAD,
    SHEET_TAIL,
    XLSX_PARTS,
    MiB,
    nested_json,
    ods_repeated,
    run_bounded,
    understate_part_size,
    wide_csv,
    xlsx_far_cell,
)

DEPARTMENT = "hostile"
#: What one refusal may add to the resident memory of the process, and how long it may take.
MAX_GROWTH = 200 * MiB
MAX_SECONDS = 10.0
#: Address space a case may add before it fails with MemoryError.
CAP = 2048 * MiB


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return c.compress(data) + c.flush()


def write_zip(path: Path, parts: dict) -> Path:
    """A zip whose parts are given as ([(raw deflate piece, times repeated)], (crc, inflated size)).

    Written by hand so that a part of gigabytes costs the compression of one block: a block compressed
    after a full flush may be repeated as it is.
    """
    entries = []
    with path.open("wb") as f:
        for name, (pieces, (crc, size)) in parts.items():
            data_size = sum(len(piece) * times for piece, times in pieces)
            offset = f.tell()
            encoded = name.encode()
            header = (b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, data_size, size, len(encoded), 0)
            f.write(struct.pack("<4s5H3L2H", *header) + encoded)
            for piece, times in pieces:
                for _ in range(times):
                    f.write(piece)
            entries.append((encoded, crc, data_size, size, offset))
        start = f.tell()
        for encoded, crc, data_size, size, offset in entries:
            fields = (
                b"PK\x01\x02",
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                data_size,
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            f.write(struct.pack("<4s6H3L5H2L", *fields) + encoded)
        end = f.tell()
        f.write(
            struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), end - start, start, 0)
        )
    return path


def small_part(data: bytes):
    return [(_deflate(data), 1)], (zlib.crc32(data), len(data))


def bomb_part(head: bytes, block: bytes, count: int, tail: bytes):
    """head + block × count + tail, deflated with the block compressed once."""
    c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    head_z = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    block_z = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    tail_z = c.compress(tail) + c.flush()
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    return [(head_z, 1), (block_z, count), (tail_z, 1)], (crc, len(head) + len(block) * count + len(tail))


def xlsx(path: Path, sheet) -> Path:
    parts = {name: small_part(data) for name, data in XLSX_PARTS.items()}
    parts["xl/worksheets/sheet1.xml"] = sheet
    return write_zip(path, parts)


def sheet_with_rows(inflated: int):
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c><c t="inlineStr"><is><t>x</t></is></c></row>'
    block = row * (MiB // len(row))
    return bomb_part(SHEET_HEAD + HEADER_ROW, block, inflated // len(block), SHEET_TAIL)


def write_files(directory: Path) -> dict[str, Path]:
    files = {name: directory / name for name in CASES}
    nested_json(files["deep.json"], depth=100_000)
    xlsx(files["bomb.xlsx"], sheet_with_rows(2048 * MiB))
    xlsx_far_cell(files["far.xlsx"])
    xlsx(files["lying.xlsx"], sheet_with_rows(200 * MiB))
    understate_part_size(files["lying.xlsx"], "xl/worksheets/sheet1.xml", declared=4096)
    ods_repeated(files["bomb.ods"], rows=99_000, columns=1000)
    wide_csv(files["wide.csv"], columns=1_200_000)
    with files["line.csv"].open("wb") as f:
        for _ in range(200):
            f.write(b"x" * MiB)
    files["line.ndjson"].write_bytes(b'{"a": "' + b"x" * (50 * MiB) + b'"}\n')
    files["string.json"].write_bytes(b'[{"CF_WSH": "' + b"x" * (60 * MiB) + b'"}]')
    return files


#: file → the code ``xinyong import`` must refuse it with.
CASES = {
    "deep.json": "json_too_deep",
    "bomb.xlsx": "compression_ratio_too_high",
    "far.xlsx": "too_many_columns",
    "lying.xlsx": "xlsx_size_mismatch",
    "bomb.ods": "too_many_cells",
    "wide.csv": "too_many_columns",
    "line.csv": "row_too_long",
    "line.ndjson": "row_too_long",
    "string.json": "row_too_long",
}


# ---------------------------------------------------------------------------------------------------
# Running the cases


def cli_import(path: Path) -> str:
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = io.StringIO()
    try:
        call_command(
            "import", str(path), "--item", "penalty", "--department", DEPARTMENT, stdout=out, stderr=out
        )
    except CommandError as exc:
        out.write(str(exc))
    return out.getvalue()


def api_post(key: str, path: Path) -> str:
    from django.test import Client

    response = Client().generic(
        "POST",
        "/api/collection/penalty/records",
        path.read_bytes(),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    return f"{response.status_code} {response.content.decode()}"


def prepare() -> str:
    """Migrate, load the catalog, add a department and an API key for it; returns the key."""
    import io

    from django.core.management import call_command

    from xinyong.accounts.models import ApiScope, Department
    from xinyong.accounts.services import apiclient_create

    call_command("migrate", verbosity=0)
    call_command("catalog", "load", stdout=io.StringIO())
    department, _ = Department.objects.get_or_create(code=DEPARTMENT, defaults={"name": "甲县测试局"})
    _client, key = apiclient_create(name="hostile", department=department, scopes=[ApiScope.RECORDS_WRITE])
    return key


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    started = time.perf_counter()
    home = Path(tempfile.mkdtemp(prefix="xinyong-hostile-"))
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(
        XINYONG_HOME=str(home),
        XINYONG_ENV="development",
        XINYONG_TASKS_BACKEND="immediate",
        DJANGO_SETTINGS_MODULE="xinyong.settings",
    )
    try:
        import django

        django.setup()
        from django.db import connections

        key = prepare()
        files = write_files(home)
        sizes = ", ".join(f"{name} {path.stat().st_size / MiB:.1f} MB" for name, path in files.items())
        print(f"prepared in {time.perf_counter() - started:.0f} s: {sizes}")
        runs = [
            (f"xinyong import {name}", code, lambda p=files[name]: cli_import(p))
            for name, code in CASES.items()
        ]
        runs.append(
            (
                "POST /api/collection/penalty/records [×100,000",
                "json_too_deep",
                lambda: api_post(key, files["deep.json"]),
            )
        )
        failures = 0
        for name, code, fn in runs:
            connections.close_all()  # the capped child opens its own
            try:
                outcome = run_bounded(fn, margin=CAP, timeout=120)
                output, seconds, growth = outcome.result, outcome.seconds, outcome.growth
            except AssertionError as exc:  # no answer in time, or the child died
                output, seconds, growth = str(exc), 0.0, 0
            refused = f"（{code}）" in output or f'"code": "{code}"' in output or f'"code":"{code}"' in output
            ok = refused and seconds < MAX_SECONDS and growth < MAX_GROWTH
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {name:48} {code:27} {seconds:5.1f} s {growth / MiB:6.0f} MB")
            if not ok:
                print("     " + output.strip()[-1000:])
        total = time.perf_counter() - started
        print(f"{len(runs) - failures} of {len(runs)} refused as expected; {total:.0f} s in all")
        return 1 if failures else 0
    finally:
        if args.keep:
            print(f"kept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
