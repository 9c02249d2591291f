"""The process supervisor behind ``xinyong serve``: web server, task worker and daily jobs as one service.

``xinyong serve`` runs, each as a child process in its own session:

- **web**: gunicorn with the settings of ``xinyong.gunicorn_config`` (a worker process per core, each with a
  pool of threads), or with ``--dev`` Django's autoreloading development server;
- **worker**: ``xinyong db_worker``, which loads uploaded batches in the background (django-tasks-db);
- **daily**: ``xinyong daily --loop``, which runs the daily jobs of ``xinyong.scheduled`` after each midnight.

A worker or daily process that dies is started again after 1, 2, 4 … up to 30 seconds (back to 1 second
once it had run for a minute). When the web server ends, serve stops everything and exits with its code,
so a service manager (systemd) sees the failure. Signals to serve:

- SIGTERM or SIGINT (Ctrl-C): graceful stop. gunicorn finishes the requests in progress (its graceful
  timeout), the worker stops after the chunk it is writing (the batch continues at the next start); each
  child still running after its stop timeout is killed, with everything it started. A second signal kills
  them at once.
- SIGHUP: reload. gunicorn starts new workers with the current code and retires the old ones gracefully;
  the task worker and the daily process are stopped the same way and started again at once.

Every child also gets SIGTERM from the kernel if serve itself dies without stopping them (SIGKILL).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command

from xinyong import gunicorn_config

FIRST_RESTART_DELAY = 1.0
MAX_RESTART_DELAY = 30.0
STABLE_SECONDS = 60.0  # a child that ran this long before dying is restarted after FIRST_RESTART_DELAY again
WEB_STOP_MARGIN = 5.0  # added to gunicorn's graceful timeout (XINYONG_WEB_GRACEFUL_TIMEOUT) before a kill
WORKER_STOP_TIMEOUT = 10.0  # time to finish the chunk being written; a killed chunk is rolled back whole
DAILY_STOP_TIMEOUT = 5.0


@dataclass(frozen=True)
class ChildSpec:
    """One supervised process: ``module`` is run like ``python -m module args...``."""

    name: str  # shown in messages
    module: str
    args: tuple[str, ...]
    stop_timeout: float
    essential: bool = False  # when it ends, serve ends
    reload_signal: int | None = None  # sent on SIGHUP; None: the child is stopped and started again


def normalise_addrport(addrport: str) -> str:
    """``8000`` → ``127.0.0.1:8000`` (as runserver reads it); other forms as given."""
    return f"127.0.0.1:{addrport}" if addrport.isdigit() else addrport


def web_spec(
    *, addrport: str, dev: bool, workers: int | None = None, threads: int | None = None
) -> ChildSpec:
    """gunicorn with xinyong.gunicorn_config, or runserver with its autoreloader for ``--dev``."""
    if dev:
        return ChildSpec(
            name="Web 服务（开发服务器）",
            module="xinyong.cli",
            args=("runserver", addrport),
            stop_timeout=WEB_STOP_MARGIN,
            essential=True,
        )
    args = ["-c", "python:xinyong.gunicorn_config", "--bind", normalise_addrport(addrport)]
    if workers:
        args += ["--workers", str(workers)]
    if threads:
        args += ["--threads", str(threads)]
    return ChildSpec(
        name="Web 服务（gunicorn）",
        module="gunicorn",
        args=tuple(args),
        stop_timeout=gunicorn_config.graceful_timeout + WEB_STOP_MARGIN,
        essential=True,
        reload_signal=signal.SIGHUP,
    )


def worker_spec() -> ChildSpec:
    return ChildSpec(
        name="后台任务进程",
        module="xinyong.cli",
        args=("db_worker", "--no-reload", "--verbosity", "1"),
        stop_timeout=WORKER_STOP_TIMEOUT,
    )


def daily_spec() -> ChildSpec:
    return ChildSpec(
        name="每日任务进程", module="xinyong.cli", args=("daily", "--loop"), stop_timeout=DAILY_STOP_TIMEOUT
    )


class Child:
    """A running (or waiting to restart) supervised process."""

    def __init__(self, spec: ChildSpec) -> None:
        self.spec = spec
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self.restarts = 0
        self.delay = FIRST_RESTART_DELAY
        self.restart_at: float | None = None
        self.reload_deadline: float | None = None  # set while stopping for a reload

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        # xinyong.supervised makes the kernel stop the child if serve dies without stopping it. That death
        # signal follows the thread that started the child: serve starts children from its main thread only.
        command = [
            sys.executable,
            "-m",
            "xinyong.supervised",
            str(os.getpid()),
            self.spec.module,
            *self.spec.args,
        ]
        # Own session: Ctrl-C in the terminal reaches serve only, which stops the children in order; the
        # session's process group also holds everything the child starts (gunicorn's workers, the
        # worker's reading process), so it can be cleared as a whole.
        self.process = subprocess.Popen(command, start_new_session=True)
        self.started_at = time.monotonic()
        self.restart_at = None

    def send(self, signum: int) -> None:
        if self.running():
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signum)

    def kill_group(self) -> None:
        """SIGKILL to the child and every process left in its process group."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


class Supervisor:
    """Starts the children, restarts those that die, reloads on SIGHUP and stops all on SIGTERM/SIGINT."""

    def __init__(self, specs: list[ChildSpec], *, out: TextIO, poll_seconds: float = 0.2) -> None:
        self.children = [Child(spec) for spec in specs]
        self.out = out
        self.poll_seconds = poll_seconds
        self.stop_requested = False
        self.force = False
        self.reload_requested = False

    def say(self, message: str) -> None:
        self.out.write(message + "\n")
        self.out.flush()

    # Signal handlers only set flags; the main loop acts on them.
    def _on_stop(self, signum, frame) -> None:
        if self.stop_requested:
            self.force = True
        self.stop_requested = True

    def _on_reload(self, signum, frame) -> None:
        self.reload_requested = True

    def run(self) -> int:
        """Run until a stop signal or the end of an essential child; returns serve's exit code."""
        handled = {
            signal.SIGTERM: self._on_stop,
            signal.SIGINT: self._on_stop,
            signal.SIGHUP: self._on_reload,
        }
        previous = {signum: signal.signal(signum, handler) for signum, handler in handled.items()}
        code = 0
        try:
            for child in self.children:
                child.start()
            while not self.stop_requested:
                if self.reload_requested:
                    self.reload_requested = False
                    self._reload()
                ended = self._watch()
                if ended is not None:
                    code = ended
                    break
                time.sleep(self.poll_seconds)
            if self.stop_requested:
                self.say("正在停止……")
        finally:
            self.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return code

    def _reload(self) -> None:
        self.say("重新加载：Web 服务平滑重启工作进程，后台任务进程和每日任务进程重新启动")
        now = time.monotonic()
        for child in self.children:
            if not child.running():
                continue
            if child.spec.reload_signal is not None:
                child.send(child.spec.reload_signal)
            else:
                child.send(signal.SIGTERM)
                child.reload_deadline = now + child.spec.stop_timeout

    def _watch(self) -> int | None:
        """Restart children that ended; the exit code of serve if an essential child ended."""
        now = time.monotonic()
        for child in self.children:
            if child.running():
                if child.reload_deadline is not None and now > child.reload_deadline:
                    child.kill_group()  # did not stop in time for the reload; started again below
                else:
                    continue
            if child.process is None:
                continue
            code = child.process.returncode
            if child.reload_deadline is not None:
                child.reload_deadline = None
                child.kill_group()  # leftovers of the old one
                child.start()
                continue
            if child.spec.essential:
                self.say(f"{child.spec.name}已退出（退出码 {code}），平台停止")
                return code if code and code > 0 else 1
            if child.restart_at is None:
                if now - child.started_at >= STABLE_SECONDS:
                    child.delay = FIRST_RESTART_DELAY
                child.restart_at = now + child.delay
                self.say(f"{child.spec.name}意外退出（退出码 {code}），{child.delay:.0f} 秒后重启")
                child.delay = min(child.delay * 2, MAX_RESTART_DELAY)
            elif now >= child.restart_at:
                child.kill_group()
                child.start()
                child.restarts += 1
        return None

    def stop(self) -> None:
        """SIGTERM to every child, SIGKILL to those still running after their stop timeout (at once after a
        second stop signal), then clear what any of them left behind in its process group."""
        now = time.monotonic()
        deadlines = {}
        for child in self.children:
            if child.running():
                child.send(signal.SIGTERM)
                deadlines[child] = now + child.spec.stop_timeout
        while deadlines:
            now = time.monotonic()
            for child, deadline in list(deadlines.items()):
                if not child.running():
                    del deadlines[child]
                elif self.force or now > deadline:
                    self.say(f"{child.spec.name}未能及时停止，强制结束")
                    child.kill_group()
                    del deadlines[child]
            time.sleep(0.05)
        for child in self.children:
            child.kill_group()


def port_in_use(addrport: str) -> bool:
    """True when something already listens on ``addrport`` (``8000``, ``127.0.0.1:8000``, ``[::1]:8000``)."""
    match = re.fullmatch(r"(?:\[?(?P<host>[^\]]*?)\]?:)?(?P<port>\d+)", addrport)
    if not match:
        return False
    host = match.group("host") or "127.0.0.1"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, int(match.group("port"))))
        except OSError:
            return True
    return False


def static_files_current(*, static_root: Path, sources: dict[str, Path], manifest_name: str) -> bool:
    """True when ``static_root`` holds a manifest of exactly ``sources`` (name → file), newer than each.

    ``collectstatic`` compresses every file again each time it runs (tens of seconds); serve runs it only
    when a static file was added, removed or changed since the last run.
    """
    manifest = static_root / manifest_name
    try:
        collected_at = manifest.stat().st_mtime
        names = set(json.loads(manifest.read_text(encoding="utf-8"))["paths"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if names != set(sources):
        return False
    return all(path.stat().st_mtime <= collected_at for path in sources.values())


def static_sources() -> dict[str, Path]:
    """The static files ``collectstatic`` would collect: name under STATIC_URL → source file."""
    ignore = apps.get_app_config("staticfiles").ignore_patterns
    found: dict[str, Path] = {}
    for finder in finders.get_finders():
        for path, storage in finder.list(ignore):
            name = path.replace(os.sep, "/")
            prefix = getattr(storage, "prefix", None)
            if prefix:
                name = f"{prefix}/{name}"
            found.setdefault(name, Path(storage.path(path)))  # the first finder wins, as in collectstatic
    return found


def static_files_collect(*, out: TextIO) -> bool:
    """Run ``collectstatic`` unless STATIC_ROOT is current; True when it ran."""
    manifest_name = getattr(staticfiles_storage, "manifest_name", None)
    if manifest_name and static_files_current(
        static_root=Path(settings.STATIC_ROOT), sources=static_sources(), manifest_name=manifest_name
    ):
        return False
    out.write("正在整理静态文件（首次启动或升级后，需要数十秒）……\n")
    call_command("collectstatic", interactive=False, verbosity=0)
    return True


def uses_database_queue() -> bool:
    """True when background tasks go through the database queue (and so need a worker process)."""
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    return backend.startswith("django_tasks_db.")
