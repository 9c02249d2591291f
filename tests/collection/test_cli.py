"""``xinyong import FILE --item penalty --department CODE``: foreground loading with progress and a summary."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.collection.batch_support import (
    HEADERS,
    CrashOnCall,
    bad_rows,
    read_csv,
    valid_rows,
    write_csv,
)
from xinyong.collection.loading import engine
from xinyong.collection.models import Batch, BatchChannel, BatchStatus, ColumnMapping
from xinyong.records.models import CreditRecord

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def mixed(tmp_path) -> Path:
    return write_csv(tmp_path / "处罚.csv", valid_rows(8) + list(bad_rows().values()))


BASE = ("--item", "penalty", "--department", "samr", "--as-of", "2026-06-15")


def test_import_prints_progress_and_a_summary(catalog, dept_a, mixed):
    out, err = run(mixed, *BASE, "--chunk-size", "4", "--progress-interval", "0")
    batch = Batch.objects.get()
    assert batch.channel == BatchChannel.CLI and batch.status == BatchStatus.DONE
    assert batch.uploaded_by is None  # the system, unless --user is given
    # Progress after each chunk (interval 0): rows processed of the estimated total, speed, time left.
    lines = [line for line in err.splitlines() if line.startswith("已处理")]
    assert len(lines) == 4 and all("行/秒" in line and "预计剩余" in line for line in lines)
    assert "新增 8" in out and "退回 7" in out and "重复 0" in out
    path = Path(out.split("退回文件：")[1].splitlines()[0].strip())
    # A readable copy next to the imported file (the platform's own copy is stored encrypted).
    assert path.parent == mixed.parent and path.is_file() and len(read_csv(path)) == 7
    assert f"--parent {batch.pk}" in out
    assert CreditRecord.objects.count() == 8


def test_an_unreadable_file_exits_with_code_2(catalog, dept_a, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError) as caught:
        run(empty, *BASE)
    assert caught.value.returncode == 2 and "无法读取" in str(caught.value)


@pytest.mark.parametrize(
    "args, text",
    [
        (("missing.csv", *BASE), "找不到文件"),
        (("{file}", "--item", "penalty", "--department", "nosuch"), "没有代码为"),
        (("{file}", "--item", "nosuch", "--department", "samr"), "目录项"),
        (("{file}", *BASE[:4], "--as-of", "15/06/2026"), "YYYY-MM-DD"),
        (("{file}",), "--item"),
    ],
    ids=["missing-file", "unknown-department", "unknown-item", "bad-date", "no-options"],
)
def test_wrong_arguments_exit_with_code_2(catalog, dept_a, mixed, tmp_path, args, text):
    args = [str(mixed) if a == "{file}" else (str(tmp_path / a) if a == "missing.csv" else a) for a in args]
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert caught.value.returncode == 2 and text in str(caught.value)
    assert not CreditRecord.objects.exists()


def test_the_same_file_twice_needs_force(catalog, dept_a, mixed):
    run(mixed, *BASE)
    with pytest.raises(CommandError) as caught:
        run(mixed, *BASE)
    assert caught.value.returncode == 2 and "上传过" in str(caught.value)
    out, _ = run(mixed, *BASE, "--force")
    assert "重复 8" in out and "新增 0" in out


def test_a_mapping_file_maps_unknown_headers_and_is_remembered(catalog, dept_a, tmp_path):
    headers = ["当事人全称", *HEADERS[1:]]
    rows = [{("当事人全称" if k == "行政相对人名称" else k): v for k, v in r.items()} for r in valid_rows(3)]
    path = write_csv(tmp_path / "a.csv", rows, headers=headers)
    with pytest.raises(CommandError) as caught:
        run(path, *BASE)
    assert caught.value.returncode == 2 and "--mapping" in str(caught.value)

    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"当事人全称": "CF_XDR_MC"}, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError):
        run(path, *BASE, "--mapping", mapping)  # only the unknown column given: the others are missing
    full = {h: c for h, c in Batch.objects.latest("created_at").mapping.items()} | {"当事人全称": "CF_XDR_MC"}
    mapping.write_text(json.dumps(full, ensure_ascii=False), encoding="utf-8")
    out, _ = run(path, *BASE, "--mapping", mapping)
    assert "新增 3" in out
    assert ColumnMapping.objects.get(department=dept_a).mapping["当事人全称"] == "CF_XDR_MC"


def test_resume_an_interrupted_import(catalog, dept_a, mixed, monkeypatch, tmp_path):
    monkeypatch.setattr(engine, "records_bulk_ingest", CrashOnCall(engine.records_bulk_ingest, 2))
    with pytest.raises(CommandError) as caught:
        run(mixed, *BASE, "--chunk-size", "4")
    batch = Batch.objects.get()
    assert caught.value.returncode == 1 and f"--resume {batch.pk}" in str(caught.value)
    monkeypatch.undo()
    out, _ = run("--resume", batch.pk, "--chunk-size", "4", "--rejections", tmp_path / "退回")
    assert "从第 5 个数据行继续" in out and "新增 8" in out and "退回 7" in out
    assert len(read_csv(tmp_path / "退回" / "处罚-未通过校验.csv")) == 7
    assert CreditRecord.objects.count() == 8
