"""File and row builders for the batch, API, CLI and resume tests of the collection app.

Penalty rows of the shipped catalog's 行政处罚 item, generated with valid or deliberately broken values; batches
uploaded and ready to load, their row counters, and a bulk loader that fails on its n-th call.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xinyong.accounts.models import Department, User
from xinyong.accounts.services import apiclient_create
from xinyong.collection.intake import batch_create_from_file
from xinyong.collection.lifecycle import batch_confirm_mapping, batch_start
from xinyong.collection.models import Batch
from xinyong.collection.readers import rejection_filename
from xinyong.collection.rejections import batch_rejection_file_export
from xinyong.core.identifiers import check_uscc, generate_ric, generate_uscc

AS_OF = dt.date(2026, 6, 15)
RECEIVED = timezone.make_aware(dt.datetime(2026, 6, 15, 10, 0))
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTHORITY_USCC = generate_uscc(random.Random(7), category="11")
AUTHORITY = "甲市市场监督管理局"

HEADERS = [
    "行政相对人名称",
    "行政相对人类别",
    "统一社会信用代码",
    "法定代表人",
    "证件类型",
    "证件号码",
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额（万元）",
    "处罚决定日期",
    "处罚有效期",
    "处罚机关",
    "处罚机关统一社会信用代码",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
]


def org_uscc(i: int) -> str:
    return generate_uscc(random.Random(10_000 + i), category="91")


def person_ric(i: int) -> str:
    return generate_ric(random.Random(20_000 + i), birth_date=dt.date(1980, 5, 17), sex="M")


def broken_check_digit(code: str) -> str:
    """The same identifier with a different (wrong) last character."""
    last = code[-1]
    return code[:-1] + ("1" if last != "1" else "2")


def typo_uscc(code: str) -> str:
    """A USCC with one mistyped digit in its organisation-code part: both check characters fail."""
    for digit in "0123456789":
        candidate = code[:10] + digit + code[11:]
        if candidate != code and [e.code for e in check_uscc(candidate).errors] == ["uscc_check_digit"]:
            return candidate
    raise AssertionError(f"no single-digit typo of {code} fails the check")


def pilot_uscc(code: str) -> str:
    """A USCC whose last character is off but whose organisation code checks: rejected unless confirmed."""
    return broken_check_digit(code)


def penalty_row(i: int, *, person: bool = False, **overrides: Any) -> dict[str, Any]:
    """A valid penalty row keyed by Chinese header; ``overrides`` replace values by header."""
    row = {
        "行政相对人名称": f"甲市第{i}贸易有限公司",
        "行政相对人类别": "法人及非法人组织",
        "统一社会信用代码": org_uscc(i),
        "法定代表人": "王五",
        "证件类型": "",
        "证件号码": "",
        "行政处罚决定书文号": f"甲市监罚〔2026〕{i}号",
        "违法行为类型": "未按规定公示年度报告",
        "违法事实": "该企业未在规定期限内公示上一年度年度报告",
        "处罚依据": "《企业信息公示暂行条例》第十条",
        "处罚类别": "警告;罚款",
        "处罚内容": "警告，并处罚款人民币五千元",
        "罚款金额（万元）": "0.5",
        "处罚决定日期": "2026/06/01",
        "处罚有效期": "2027/06/01",
        "处罚机关": AUTHORITY,
        "处罚机关统一社会信用代码": AUTHORITY_USCC,
        "数据来源单位": AUTHORITY,
        "数据来源单位统一社会信用代码": AUTHORITY_USCC,
    }
    if person:
        row.update(
            {
                "行政相对人名称": f"张{i}",
                "行政相对人类别": "自然人",
                "统一社会信用代码": "",
                "法定代表人": "",
                "证件类型": "身份证",
                "证件号码": person_ric(i),
            }
        )
    row.update(overrides)
    return row


def valid_rows(n: int, *, start: int = 1) -> list[dict[str, Any]]:
    """``n`` valid rows, every fifth about a natural person."""
    return [penalty_row(i, person=(i % 5 == 0)) for i in range(start, start + n)]


# Each bad row breaks exactly one thing; the key is what the officer would be told about.
def bad_rows(start: int = 900) -> dict[str, dict[str, Any]]:
    return {
        "uscc_check_digit": penalty_row(start, 统一社会信用代码=typo_uscc(org_uscc(start))),
        "required_missing": penalty_row(start + 1, 行政处罚决定书文号=""),
        "date_invalid": penalty_row(start + 2, 处罚决定日期="2026-13-45"),
        "date_future": penalty_row(start + 3, 处罚决定日期="2026/07/01"),
        "code_unknown": penalty_row(start + 4, 处罚类别="打板子"),
        "amount_invalid": penalty_row(start + 5, **{"罚款金额（万元）": "五千元"}),
        "ric_check_digit": penalty_row(
            start + 6, person=True, 证件号码=broken_check_digit(person_ric(start + 6))
        ),
    }


def write_csv(path: Path, rows: list[dict[str, Any]], *, encoding: str = "utf-8", headers=None) -> Path:
    headers = headers or HEADERS
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(["" if row.get(h) is None else row.get(h) for h in headers])
    return path


def read_csv(path: Path, *, encoding: str = "utf-8-sig") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh))


def ndjson(rows: list[dict[str, Any]]) -> bytes:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode("utf-8") + b"\n"


def assert_counts_add_up(batch: Batch) -> None:
    batch.refresh_from_db()
    assert batch.rows_read == batch.created + batch.new_version + batch.duplicate + batch.rejected
    assert batch.rejected == batch.rejected_rows.count()


def api_client_with_key(department: Department, scopes: list[str]):
    client, key = apiclient_create(name=f"{department.name}业务系统", department=department, scopes=scopes)
    client.key = key
    return client


def run_db_worker(monkeypatch) -> None:
    """Run the database task worker until the queue is empty (``xinyong db_worker --batch``).

    The worker closes stale connections between tasks; inside a test transaction that would drop the
    test's own connection (PostgreSQL), so that step is skipped here.
    """
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0", verbosity=0)


def rejection_copy(batch: Batch, directory: Path, *, actor=None) -> Path:
    """The batch's rejection file in clear, in ``directory`` (the platform stores it encrypted)."""
    name = rejection_filename(batch.original_filename or "upload", format=batch.format or "csv")
    return batch_rejection_file_export(batch=batch, actor=actor, dest=directory / name)


def upload_penalties(path: Path, *, department: Department, actor: User, **kwargs: Any) -> Batch:
    """Upload the file at ``path`` as 行政处罚 data of ``department``, received at ``RECEIVED``."""
    return batch_create_from_file(
        department=department,
        item_code="penalty",
        uploaded_file=SimpleUploadedFile(path.name, path.read_bytes()),
        actor=actor,
        as_of=AS_OF,
        received_at=RECEIVED,
        **kwargs,
    )


def confirm_and_load(batch: Batch, actor: User) -> Batch:
    """Confirm the suggested mapping and load the batch (at once, with the immediate task backend)."""
    batch = batch_confirm_mapping(batch=batch, mapping=batch.mapping, actor=actor)
    return batch_start(batch=batch, actor=actor)


COUNTS = ("rows_read", "created", "new_version", "duplicate", "rejected", "rows_committed")


def counts(batch: Batch) -> tuple:
    """The batch's row counters, read again from the database (in ``COUNTS`` order)."""
    batch.refresh_from_db()
    return tuple(getattr(batch, name) for name in COUNTS)


def ready_batch(path: Path, department: Department, actor: User) -> Batch:
    """An uploaded penalties file (duplicates allowed) with its proposed mapping confirmed, ready to load."""
    batch = upload_penalties(path, department=department, actor=actor, allow_duplicate=True)
    return batch_confirm_mapping(batch=batch, mapping=batch.mapping, actor=actor)


class CrashOnCall:
    """Wraps the bulk loader so that its n-th call raises, as a database failure would."""

    def __init__(self, real, n: int, exc: BaseException | None = None) -> None:
        self.real, self.n, self.calls = real, n, 0
        self.exc = exc or RuntimeError("connection lost")

    def __call__(self, **kwargs):
        self.calls += 1
        if self.calls == self.n:
            raise self.exc
        return self.real(**kwargs)
