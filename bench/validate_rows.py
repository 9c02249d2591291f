"""Throughput of the collection front half: reading, column mapping and row validation (no database).

    .venv/bin/python bench/validate_rows.py [--rows 100000] [--format csv|xlsx|ndjson]

Generates a file of typical 行政处罚 rows (valid enterprise rows with distinct USCCs, one authority), then
times, on the same rows: validation alone (``RowValidator.validate`` on prepared dicts), and the whole
front half (``open_table`` → ``mapping_apply`` → ``RowValidator.validate_source``).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

import yaml  # noqa: E402

from xinyong.catalog.services import DEFAULT_FIXTURES_DIR  # noqa: E402
from xinyong.catalog.spec import ItemSchema  # noqa: E402
from xinyong.collection.mapping import mapping_apply, mapping_suggest  # noqa: E402
from xinyong.collection.readers import open_table  # noqa: E402
from xinyong.collection.validation import RowValidator  # noqa: E402
from xinyong.core.identifiers import generate_uscc  # noqa: E402

AS_OF = dt.date(2026, 6, 15)


def penalty_schema() -> ItemSchema:
    lists = yaml.safe_load((DEFAULT_FIXTURES_DIR / "code_lists.yaml").read_text(encoding="utf-8"))[
        "code_lists"
    ]
    item = yaml.safe_load((DEFAULT_FIXTURES_DIR / "items" / "penalty.yaml").read_text(encoding="utf-8"))[
        "items"
    ][0]
    used = {f["code_list"] for f in item["fields"] if f.get("code_list")}
    return ItemSchema.build(
        item_code="penalty",
        version_number=1,
        fields=item["fields"],
        code_lists={c["code"]: c for c in lists if c["code"] in used},
        core_fields=item["core_fields"],
        ignored_legacy_columns=item["ignored_legacy_columns"],
        legacy_defaults=item["legacy_defaults"],
    )


def rows(n: int):
    rng = random.Random(1)
    authority = generate_uscc(rng, category="11")
    kinds = ["警告;罚款", "罚款", "警告", "罚款、没收违法所得"]
    for i in range(n):
        kind = kinds[i % 4]
        yield {
            "行政相对人名称": f"某某食品有限公司{i}",
            "行政相对人类别": "法人及非法人组织",
            "统一社会信用代码": generate_uscc(rng),
            "法定代表人": "张三",
            "行政处罚决定书文号": f"甲市监罚〔2026〕{i}号",
            "违法行为类型": "销售过期食品",
            "违法事实": f"当事人销售超过保质期的食品，货值金额{i % 1000}元",
            "处罚依据": "《中华人民共和国食品安全法》第一百二十四条",
            "处罚类别": kind,
            "处罚内容": "警告，并处罚款",
            "罚款金额（万元）": f"{rng.randint(1, 50000) / 100}",
            "没收违法所得、没收非法财物的金额（万元）": "0.12" if "没收" in kind else "",
            "处罚决定日期": f"2026-{rng.randint(1, 5):02d}-{rng.randint(1, 28):02d}",
            "处罚有效期": "2027-06-30",
            "处罚机关": "甲市市场监督管理局",
            "处罚机关统一社会信用代码": authority,
            "数据来源单位": "甲市市场监督管理局",
            "数据来源单位统一社会信用代码": authority,
        }


def write(path: Path, fmt: str, n: int) -> None:
    data = rows(n)
    first = next(data)
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(first))
            writer.writeheader()
            writer.writerow(first)
            writer.writerows(data)
    elif fmt == "ndjson":
        with path.open("w", encoding="utf-8") as f:
            for row in (first, *data):
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("处罚")
        ws.append(list(first))
        ws.append(list(first.values()))
        for row in data:
            ws.append(list(row.values()))
        wb.save(path)


@contextmanager
def timed(label: str, rows: int):
    """Print rows/s by the wall clock and by this process's CPU time (stable on a busy machine)."""
    notes: list[str] = []
    wall, cpu = time.perf_counter(), time.process_time()
    yield notes.append
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    extra = f" ({', '.join(notes)})" if notes else ""
    print(f"{label:<24} {rows / wall:>10,.0f} rows/s wall, {rows / cpu:>10,.0f} rows/s CPU{extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=["csv", "xlsx", "ndjson"], default="csv")
    args = parser.parse_args()
    schema = penalty_schema()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"penalty.{args.format}"
        started = time.perf_counter()
        write(path, args.format, args.rows)
        print(
            f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s"
        )

        with open_table(path) as table:
            proposal = mapping_suggest(headers=table.headers, item_version=schema)
            mapper = mapping_apply(headers=table.headers, mapping=proposal.as_mapping(), schema=schema)
            validator = RowValidator(schema=schema, as_of=AS_OF, columns=mapper.columns, department=None)

            prepared = [mapper(r.values) for r in table.rows()]
            with timed("validation only", len(prepared)) as note:
                note(f"{sum(validator.validate(i + 2, v).ok for i, v in enumerate(prepared)):,} valid")
            count = len(prepared)
            del prepared
            with timed(f"read only ({table.format})", count):
                sum(1 for _ in table.rows())
            with timed("read + map + validate", count) as note:
                note(f"{sum(validator.validate_source(row, mapper).ok for row in table.rows()):,} valid")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
