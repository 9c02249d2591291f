"""``xinyong serve``: gunicorn, the task worker and the daily jobs as one supervised service.

The first tests drive the supervisor with stand-in children; the last ones start the real command in a
subprocess (gunicorn, ``--dev``) and stop it with signals, checking that no process is left behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.http import HttpResponse
from django.templatetags.static import static
from django.test import RequestFactory
from django_tasks_db.models import DBTaskResult
from whitenoise.middleware import WhiteNoiseMiddleware

from tests.collection.batch_support import (
    AS_OF,
    AUTHORITY,
    AUTHORITY_USCC,
    DB_QUEUE,
    valid_rows,
    write_csv,
)
from tests.support import make_user
from xinyong import scheduled, serve
from xinyong.accounts.models import Department, Role
from xinyong.catalog.services import catalog_load_fixtures
from xinyong.collection.intake import batch_create_from_file
from xinyong.collection.lifecycle import batch_confirm_mapping, batch_start
from xinyong.collection.loading.run import CHUNK_SIZE
from xinyong.collection.models import Batch, BatchStatus
from xinyong.management.commands import serve as serve_command
from xinyong.records import scheduled as records_scheduled
from xinyong.records.models import CreditRecord

ROOT = Path(__file__).resolve().parent.parent
CHILDREN = "tests.serve_support.children"


@pytest.fixture(autouse=True)
def _importable_tests(monkeypatch):
    # Children run ``python -m ...``: they find this checkout's tests package through PYTHONPATH.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))


def stand_in(mode: str, **kwargs) -> serve.ChildSpec:
    return serve.ChildSpec(name="测试进程", module=CHILDREN, args=(mode,), **{"stop_timeout": 5, **kwargs})


def wait_until(condition, *, timeout: float, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not reached within {timeout} s")


# ---------------------------------------------------------------------------------------------------
# The supervisor


def test_a_child_that_dies_is_restarted_after_growing_delays(monkeypatch):
    monkeypatch.setattr(serve, "FIRST_RESTART_DELAY", 0.05)
    monkeypatch.setattr(serve, "MAX_RESTART_DELAY", 0.2)
    supervisor = serve.Supervisor([stand_in("exit")], out=io.StringIO())
    (child,) = supervisor.children
    child.start()
    try:
        wait_until(lambda: supervisor._watch() is None and child.restarts >= 3, timeout=30)
    finally:
        supervisor.stop()
    assert "测试进程意外退出（退出码 3）" in supervisor.out.getvalue()
    assert child.delay == 0.2  # 0.05, 0.1, 0.2, then no longer


def test_an_essential_child_that_ends_ends_serve_and_stops_the_others():
    supervisor = serve.Supervisor([stand_in("sleep"), stand_in("exit", essential=True)], out=io.StringIO())
    started = time.monotonic()
    assert supervisor.run() == 3
    assert time.monotonic() - started < 10
    assert all(child.process.poll() is not None for child in supervisor.children)
    assert "已退出（退出码 3），平台停止" in supervisor.out.getvalue()
    assert signal.getsignal(signal.SIGTERM) is not supervisor._on_stop  # handlers restored


def test_a_child_that_ignores_sigterm_is_killed_after_its_stop_timeout():
    supervisor = serve.Supervisor([stand_in("ignore-term", stop_timeout=0.5)], out=io.StringIO())
    (child,) = supervisor.children
    child.start()
    time.sleep(1)  # until the child has set up its handler
    started = time.monotonic()
    supervisor.stop()
    assert time.monotonic() - started < 5
    assert child.process.returncode == -signal.SIGKILL
    assert "未能及时停止，强制结束" in supervisor.out.getvalue()


def test_reload_restarts_a_child_without_a_reload_signal_at_once():
    supervisor = serve.Supervisor([stand_in("sleep")], out=io.StringIO())
    (child,) = supervisor.children
    child.start()
    first = child.pid
    try:
        supervisor._reload()
        wait_until(lambda: supervisor._watch() is None and child.running() and child.pid != first, timeout=10)
    finally:
        supervisor.stop()
    assert child.restarts == 0 and "意外退出" not in supervisor.out.getvalue()


# ---------------------------------------------------------------------------------------------------
# The command


@pytest.fixture
def captured_specs(monkeypatch):
    """Runs ``xinyong serve`` up to the supervisor and keeps the children it would start."""
    specs = []

    class Recorder:
        def __init__(self, given, *, out):
            specs.extend(given)

        def run(self):
            return 0

    monkeypatch.setattr(serve_command, "Supervisor", Recorder)
    monkeypatch.setattr(serve_command, "port_in_use", lambda addrport: False)
    monkeypatch.setattr(serve_command, "static_files_collect", lambda *, out: specs.append("collectstatic"))
    return specs


def test_serve_runs_gunicorn_the_worker_and_the_daily_jobs(db, settings, captured_specs):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    out = io.StringIO()
    call_command("serve", "127.0.0.1:8107", "--no-migrate", "--workers", "3", "--threads", "2", stdout=out)
    collected, web, worker, daily = captured_specs  # DEBUG is off in tests: static files collected first
    assert collected == "collectstatic"
    assert web.module == "gunicorn" and web.essential and web.reload_signal == signal.SIGHUP
    assert web.args[:2] == ("-c", "python:xinyong.gunicorn_config")
    assert web.args[2:4] == ("--bind", "127.0.0.1:8107") and "3" in web.args and "2" in web.args
    assert (worker.module, worker.args[0]) == ("xinyong.cli", "db_worker")
    assert (daily.module, daily.args) == ("xinyong.cli", ("daily", "--loop"))
    assert "3 个工作进程 × 2 个线程" in out.getvalue()


def test_serve_dev_runs_the_development_server(db, settings, captured_specs):
    settings.DEBUG = True  # pages link the plain names: nothing to collect
    call_command("serve", "8107", "--dev", "--no-migrate", stdout=io.StringIO())
    assert (captured_specs[0].module, captured_specs[0].args) == ("xinyong.cli", ("runserver", "8107"))


def test_serve_without_a_queue_starts_no_worker(db, settings, captured_specs):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command("serve", "--no-migrate", stdout=io.StringIO())
    assert [spec.args[0] for spec in captured_specs[2:]] == ["daily"]


def test_serve_no_daily_leaves_the_daily_jobs_to_another_server(db, settings, captured_specs):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    call_command("serve", "--no-migrate", "--no-daily", stdout=io.StringIO())
    assert [spec.args[0] for spec in captured_specs[2:]] == ["db_worker"]


def test_serve_refuses_a_port_in_use():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert serve.port_in_use(f"127.0.0.1:{port}") and serve.port_in_use(str(port))
        with pytest.raises(CommandError) as caught:
            call_command("serve", f"127.0.0.1:{port}", "--no-migrate")
        assert "已被占用" in str(caught.value)
    assert not serve.port_in_use(f"127.0.0.1:{port}")


# ---------------------------------------------------------------------------------------------------
# Daily jobs


def failing_job(*, as_of: dt.date) -> str:
    raise RuntimeError("database unavailable")


def test_the_daily_jobs_run_once_per_day(db, monkeypatch):
    days = []
    result = type("Result", (), {"entered": 3, "left": 1})
    monkeypatch.setattr(
        records_scheduled, "record_publication_sweep", lambda *, as_of: days.append(as_of) or result
    )
    today = dt.date(2026, 6, 15)
    schedule = scheduled.DailySchedule(out=io.StringIO(), today=lambda: today)
    schedule.run_due()
    schedule.run_due()  # same day: nothing
    today = dt.date(2026, 6, 16)
    schedule.run_due()
    assert days == [dt.date(2026, 6, 15), dt.date(2026, 6, 16)]
    assert "2026-06-16 公示巡检：纳入公示 3 条，停止公示 1 条" in schedule.out.getvalue()


def test_a_failing_daily_job_is_retried_and_does_not_stop_the_others(db, monkeypatch):
    swept = []
    monkeypatch.setattr(scheduled, "DAILY_JOBS", ("tests.test_serve.failing_job", *scheduled.DAILY_JOBS))
    monkeypatch.setattr(
        records_scheduled,
        "record_publication_sweep",
        lambda *, as_of: swept.append(as_of) or type("Result", (), {"entered": 0, "left": 0}),
    )
    schedule = scheduled.DailySchedule(out=io.StringIO(), today=lambda: dt.date(2026, 6, 15))
    schedule.run_due()
    schedule.run_due()  # the failed job again, the sweep not
    assert len(swept) == 1 and schedule.out.getvalue().count("failing_job 失败") == 2
    with pytest.raises(SystemExit) as caught:
        call_command("daily", "--as-of", "2026-06-15", stdout=io.StringIO())
    assert caught.value.code == 1 and len(swept) == 2


# ---------------------------------------------------------------------------------------------------
# Static files with DEBUG off: collected under content-hashed names, compressed, cached for a year


def test_static_files_are_served_by_whitenoise_with_debug_off(settings, tmp_path):
    source = tmp_path / "source"
    shutil.copytree(ROOT / "src/xinyong/portal/static", source)
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATICFILES_DIRS = [source]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False

    assert serve.static_files_collect(out=io.StringIO())
    assert not serve.static_files_collect(out=io.StringIO())  # nothing changed: not collected again
    url = static("portal/portal.css")
    assert url != "/static/portal/portal.css" and url.startswith("/static/portal/portal.")
    middleware = WhiteNoiseMiddleware(lambda request: HttpResponse(status=404))
    response = middleware(RequestFactory().get(url, HTTP_ACCEPT_ENCODING="gzip, br"))
    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    assert response["Content-Type"].startswith("text/css")

    # A changed or added file is collected again at the next start.
    css = source / "portal/portal.css"
    os.utime(css, (time.time() + 5, time.time() + 5))
    manifest_name = staticfiles_storage.manifest_name
    sources = serve.static_sources()
    assert not serve.static_files_current(
        static_root=settings.STATIC_ROOT, sources=sources, manifest_name=manifest_name
    )
    assert serve.static_files_collect(out=io.StringIO())
    (source / "portal/new.css").write_text("body{}")
    assert serve.static_files_collect(out=io.StringIO())
    assert "portal/new.css" in json.loads((settings.STATIC_ROOT / manifest_name).read_text())["paths"]


# ---------------------------------------------------------------------------------------------------
# The real command in a subprocess


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def descendants(pid: int) -> dict[int, str]:
    """Every process below ``pid``: process id → start time (to tell a reused id apart)."""
    parents: dict[int, list[int]] = {}
    starts: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
        starts[int(entry.name)] = fields[19]
    found, todo = {}, [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found[child] = starts[child]
            todo.append(child)
    return found


def alive(processes: dict[int, str]) -> list[int]:
    left = []
    for pid, start in processes.items():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[19] == start and fields[0] != "Z":
            left.append(pid)
    return left


def fetch(url: str, *, timeout: float = 10) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A migrated SQLite database file, made once (``xinyong migrate`` in a subprocess)."""
    home = tmp_path_factory.mktemp("serve-template")
    env = {**os.environ, "XINYONG_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "xinyong.cli", "migrate", "-v0"], env=env, check=True, timeout=300)
    return home / "var" / "xinyong.sqlite3"


def server_database_url() -> str:
    """The URL of this test run's PostgreSQL database (the server must see what the test writes)."""
    conf = connection.settings_dict
    password = f":{conf['PASSWORD']}" if conf["PASSWORD"] else ""
    return f"postgres://{conf['USER']}{password}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"


@pytest.fixture
def server_env(request, tmp_path, transactional_db) -> dict[str, str]:
    """Environment of a ``xinyong serve`` subprocess: its own home, this run's database, small pools.

    On PostgreSQL the server uses this run's test database, and sees what the test commits
    (``transactional_db``); on SQLite, whose test database is in memory, a migrated copy of its own.
    """
    env = {
        **os.environ,
        "XINYONG_HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "tests.serve_support.settings",
        "XINYONG_WEB_WORKERS": "2",
        "XINYONG_WEB_THREADS": "2",
        "XINYONG_WEB_GRACEFUL_TIMEOUT": "2",
        "XINYONG_DEBUG": "1",  # WhiteNoise reads the apps' folders: no collectstatic (tested above)
    }
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = server_database_url()
    else:
        env.pop("DATABASE_URL", None)
        (tmp_path / "var").mkdir()
        shutil.copy(request.getfixturevalue("migrated_sqlite"), tmp_path / "var" / "xinyong.sqlite3")
    return env


def busy_request(url: str) -> None:
    with contextlib.suppress(OSError):  # the server closes it when it stops
        fetch(url, timeout=90)


class Server:
    """``xinyong serve`` in a subprocess, stopped (and everything it started killed) at the end."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = Path(env["XINYONG_HOME"]) / "serve.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "xinyong.cli", "serve", f"127.0.0.1:{self.port}", "--no-migrate", *args],
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, *, children: int) -> dict[int, str]:
        def ready():
            if self.process.poll() is not None:
                raise AssertionError(f"serve ended: {self.log.read_text()}")
            try:
                status, _, _ = fetch(f"{self.base}/console/login/", timeout=5)
            except OSError:
                return None
            tree = descendants(self.process.pid)
            return tree if status == 200 and len(tree) >= children else None

        return wait_until(ready, timeout=90, step=0.3)

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def start_server(server_env):
    servers = []

    def start(*args: str) -> Server:
        servers.append(Server(server_env, *args))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_serve_runs_gunicorn_reloads_on_sighup_and_stops_everything_on_sigterm(start_server):
    server = start_server()
    # gunicorn master + 2 workers, the task worker, the daily jobs process
    tree = server.wait_ready(children=5)
    status, headers, body = fetch(f"{server.base}/console/login/")
    assert status == 200 and headers["Server"] == "gunicorn" and "登录".encode() in body
    status, headers, _ = fetch(f"{server.base}/static/portal/portal.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css")

    # SIGHUP: new gunicorn workers and a new task worker, while the server keeps answering.
    os.kill(server.process.pid, signal.SIGHUP)
    wait_until(lambda: len(set(descendants(server.process.pid)) - set(tree)) >= 3, timeout=60, step=0.3)
    assert fetch(f"{server.base}/console/login/")[0] == 200

    # SIGTERM while a request is busy: gunicorn's graceful timeout (2 s here), then everything is gone.
    busy = threading.Thread(target=busy_request, args=(f"{server.base}/_test/slow/?seconds=60",))
    busy.start()
    time.sleep(1)
    tree = descendants(server.process.pid)
    started = time.monotonic()
    os.kill(server.process.pid, signal.SIGTERM)
    code = server.process.wait(timeout=30)
    stopped_in = time.monotonic() - started
    assert code == 0
    assert stopped_in < 12, server.log.read_text()
    wait_until(lambda: not alive(tree), timeout=5)
    busy.join(timeout=30)


def test_serve_dev_runs_runserver_and_its_children_die_with_it(start_server):
    server = start_server("--dev")
    tree = server.wait_ready(children=4)  # runserver and its reloaded child, the task worker, the daily jobs
    status, headers, _ = fetch(f"{server.base}/console/login/")
    assert status == 200 and headers["Server"].startswith("WSGIServer")
    # Even a serve killed without a chance to stop its children leaves nothing running.
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait()
    wait_until(lambda: not alive(tree), timeout=15, step=0.2)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the server's worker must see the batch this test uploads: the SQLite test database is in memory "
    "(tests/collection/test_worker_stop.py covers the stop at a chunk boundary on both databases)",
)
def test_sigterm_to_serve_while_the_worker_loads_a_batch(start_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "var" / "media"  # the server's media folder (XINYONG_HOME=tmp_path)
    settings.TASKS = DB_QUEUE
    catalog_load_fixtures(as_of=AS_OF)
    department = Department.objects.create(code="samr", name=AUTHORITY, uscc=AUTHORITY_USCC)
    officer = make_user("officer", Role.DATA_OFFICER, department)
    rows = 20_000  # over 4 MB: read and validated in the worker's forked reading process
    source = write_csv(tmp_path / "处罚.csv", valid_rows(rows))
    batch = batch_create_from_file(
        department=department,
        item_code="penalty",
        uploaded_file=SimpleUploadedFile(source.name, source.read_bytes()),
        actor=officer,
        as_of=AS_OF,
    )
    batch = batch_start(
        batch=batch_confirm_mapping(batch=batch, mapping=batch.mapping, actor=officer), actor=officer
    )

    server = start_server()
    server.wait_ready(children=5)
    wait_until(lambda: Batch.objects.get(pk=batch.pk).rows_committed >= CHUNK_SIZE, timeout=180, step=0.1)
    tree = descendants(server.process.pid)
    started = time.monotonic()
    os.kill(server.process.pid, signal.SIGTERM)
    assert server.process.wait(timeout=60) == 0
    assert time.monotonic() - started < 12, server.log.read_text()
    wait_until(lambda: not alive(tree), timeout=5)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.QUEUED  # queued again for the next start
    assert 0 < batch.rows_committed < rows and batch.rows_committed % CHUNK_SIZE == 0
    assert CreditRecord.objects.count() == batch.rows_committed  # whole chunks only
    # The next worker continues it (tests/collection/test_worker_stop.py loads the rest).
    assert DBTaskResult.objects.filter(status="READY", args_kwargs__args=[str(batch.pk)]).exists()


def test_the_daily_jobs_purge_old_batch_files_and_checkpoint_the_audit_log(
    transactional_db, settings, tmp_path
):
    """Every daily job the issue asks for is scheduled: publication sweep, file retention, audit checkpoint.

    (transactional_db: between jobs the loop closes the connection, as a long-running process must.)"""
    from xinyong.accounts.audit_checkpoints import checkpoints_read

    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    out = io.StringIO()
    done = scheduled.daily_jobs_run(as_of=dt.date(2026, 6, 15), out=out)
    assert done == set(scheduled.DAILY_JOBS)
    text = out.getvalue()
    assert "公示巡检" in text and "批次文件清除：保存期限 90 天" in text and "审计日志检查点" in text
    (checkpoint,) = checkpoints_read(tmp_path / "checkpoints" / "checkpoints.jsonl")
    assert checkpoint.seq >= 1
