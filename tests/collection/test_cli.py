"""``xinyong import FILE --item penalty --department CODE``: foreground loading with progress and a summary."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests.collection.batch_support import (
    DB_QUEUE,
    HEADERS,
    IMMEDIATE,
    bad_rows,
    read_csv,
    valid_rows,
    write_csv,
)
from xinyong.collection import services
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
    real = services.records_bulk_ingest
    calls = []

    def crash_second(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("connection lost")
        return real(**kwargs)

    monkeypatch.setattr(services, "records_bulk_ingest", crash_second)
    with pytest.raises(CommandError) as caught:
        run(mixed, *BASE, "--chunk-size", "4")
    batch = Batch.objects.get()
    assert caught.value.returncode == 1 and f"--resume {batch.pk}" in str(caught.value)
    monkeypatch.undo()
    out, _ = run("--resume", batch.pk, "--chunk-size", "4", "--rejections", tmp_path / "退回")
    assert "从第 5 个数据行继续" in out and "新增 8" in out and "退回 7" in out
    assert len(read_csv(tmp_path / "退回" / "处罚-未通过校验.csv")) == 7
    assert CreditRecord.objects.count() == 8


# ---------------------------------------------------------------------------------------------------
# xinyong serve: the web server supervises the background worker

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


class NoSweep:
    """Stands in for the daily publication sweep: its thread would use the database outside the test."""

    def __init__(self, **kwargs):
        self.started = False

    def start(self):
        self.started = True

    def stop(self):
        pass


def test_serve_runs_a_worker_while_the_server_runs(db, settings, monkeypatch):
    from xinyong.core.management.commands import serve

    settings.TASKS = DB_QUEUE
    supervisors = []

    class Supervisor(serve.WorkerSupervisor):
        def __init__(self, **kwargs):
            super().__init__(command=SLEEPER, **kwargs)
            supervisors.append(self)

    def fake_call_command(name, *args, **kwargs):
        if name == "runserver":
            assert supervisors[0].process.poll() is None  # the worker runs alongside the server
            raise KeyboardInterrupt  # Ctrl-C

    monkeypatch.setattr(serve, "WorkerSupervisor", Supervisor)
    monkeypatch.setattr(serve, "DailySweep", NoSweep)
    monkeypatch.setattr(serve, "call_command", fake_call_command)
    monkeypatch.setattr(serve, "port_in_use", lambda addrport: False)
    with pytest.raises(KeyboardInterrupt):
        call_command("serve", "--no-migrate", stdout=io.StringIO(), stderr=io.StringIO())
    assert supervisors[0].process.poll() is not None  # stopped together with the server


def test_serve_without_a_queue_starts_no_worker(db, settings, monkeypatch):
    from xinyong.core.management.commands import serve

    settings.TASKS = IMMEDIATE
    monkeypatch.setattr(serve, "WorkerSupervisor", None)  # would fail if used
    monkeypatch.setattr(serve, "DailySweep", NoSweep)
    monkeypatch.setattr(serve, "call_command", lambda name, *a, **k: None)
    monkeypatch.setattr(serve, "port_in_use", lambda addrport: False)
    call_command("serve", "--no-migrate", stdout=io.StringIO())


def test_the_daily_sweep_runs_once_per_day(db, monkeypatch):
    from xinyong.core.management.commands import serve
    from xinyong.records import services as record_services

    days = []
    result = type("Result", (), {"entered": 3, "left": 1})
    monkeypatch.setattr(
        record_services, "record_publication_sweep", lambda *, as_of: days.append(as_of) or result
    )
    today = dt.date(2026, 6, 15)
    monkeypatch.setattr(timezone, "localdate", lambda: today)
    sweep = serve.DailySweep(out=io.StringIO())
    sweep.run_once()
    sweep.run_once()  # same day: nothing
    today = dt.date(2026, 6, 16)
    sweep.run_once()
    assert days == [dt.date(2026, 6, 15), dt.date(2026, 6, 16)]
    assert "纳入公示 3 条，停止公示 1 条" in sweep.out.getvalue()


def test_a_failed_daily_sweep_is_retried_and_does_not_stop_the_server(db, monkeypatch):
    from xinyong.core.management.commands import serve
    from xinyong.records import services as record_services

    calls = []

    def failing(*, as_of):
        calls.append(as_of)
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(record_services, "record_publication_sweep", failing)
    sweep = serve.DailySweep(out=io.StringIO())
    sweep.run_once()
    sweep.run_once()
    assert len(calls) == 2 and sweep.last_day is None


def test_the_supervisor_restarts_a_worker_that_died():
    from xinyong.core.management.commands.serve import WorkerSupervisor

    supervisor = WorkerSupervisor(command=[sys.executable, "-c", "pass"], out=io.StringIO())
    supervisor.start()
    deadline = time.monotonic() + 10
    while supervisor.restarts < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    supervisor.stop()
    assert supervisor.restarts >= 1 and "重启" in supervisor.out.getvalue()


def test_serve_refuses_a_port_in_use():
    import socket

    from xinyong.core.management.commands.serve import port_in_use

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert port_in_use(f"127.0.0.1:{port}") and port_in_use(str(port))
        with pytest.raises(CommandError) as caught:
            call_command("serve", f"127.0.0.1:{port}", "--no-migrate")
        assert "已被占用" in str(caught.value)
    assert not port_in_use(f"127.0.0.1:{port}")


def test_import_summary_names_the_warned_rows(catalog, dept_a, tmp_path):
    rows = valid_rows(25)
    for i in (2, 23):
        rows[i]["罚款金额（万元）"] = "200000"  # probably in 元: warning amount_unit_suspect
    path = write_csv(tmp_path / "处罚.csv", rows)
    out, _err = run(path, *BASE)
    assert "提示：amount_unit_suspect 2 行" in out
    assert "提示明细（前 2 条，共 2 条；这些行已入库，请核对）" in out
    # Row numbers and the Chinese message, not only the code: data row 3 is line 4 of the file.
    assert "[amount_unit_suspect] 第 4 行“罚款金额（万元）”为 200000 万元" in out
    assert "[amount_unit_suspect] 第 25 行“罚款金额（万元）”" in out
    listing = Path(out.split("提示清单：")[1].splitlines()[0].strip())
    lines = read_csv(listing)
    assert [line["行号"] for line in lines] == ["4", "25"] and lines[0]["提示代码"] == "amount_unit_suspect"
