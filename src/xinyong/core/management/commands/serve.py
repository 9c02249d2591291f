"""``xinyong serve``: run the web server and the background worker (migrating first, so a fresh checkout just works).

Uploaded files are loaded in the background by a django-tasks database worker (``xinyong db_worker``).
``serve`` starts it as a child process, restarts it if it dies, and stops it when the server stops
(Ctrl-C or SIGTERM), so a single ``xinyong serve`` both answers requests and processes uploads. Batches
that a previous worker left half-loaded are queued again first; they continue after their last committed
chunk. With ``--no-worker`` (or XINYONG_TASKS_BACKEND=immediate) no worker is started.

``serve`` also runs the daily publication sweep (``xinyong publication sweep``: which records entered or left
publication that day, for the change feed) at start and then once a day after midnight. Visibility itself
never depends on it: it is computed from the records' dates at query time.

In production run the web server (gunicorn xinyong.wsgi) and ``xinyong db_worker`` as separate services, and
``xinyong publication sweep`` once a day (cron or a systemd timer).
"""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

logger = logging.getLogger(__name__)

WORKER_STOP_TIMEOUT = 15  # seconds a worker gets to finish its current chunk before it is killed
MAX_RESTART_DELAY = 30

# Runs the worker so that it also ends if the server process dies without stopping it (runserver leaves
# with os._exit on some errors; a SIGKILL leaves no chance either): on Linux the kernel sends SIGTERM to
# the worker when its parent goes (PR_SET_PDEATHSIG = 1).
WORKER_BOOTSTRAP = """
import ctypes, os, signal, sys
parent = int(sys.argv[1])
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
except (OSError, AttributeError):
    pass
if os.getppid() != parent:
    sys.exit(0)
from xinyong.cli import main
main(["xinyong", "db_worker", "--no-reload", "--verbosity", "1"])
"""


def uses_database_queue() -> bool:
    """True when background tasks go through the database queue (and so need a worker process)."""
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    return backend.startswith("django_tasks_db.")


class WorkerSupervisor:
    """Runs ``xinyong db_worker`` as a child process, restarts it when it dies, stops it on request."""

    def __init__(self, *, command: list[str] | None = None, out=None) -> None:
        self.command = command or [sys.executable, "-c", WORKER_BOOTSTRAP, str(os.getpid())]
        self.out = out or sys.stderr
        self.process: subprocess.Popen | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.restarts = 0

    def _spawn(self) -> subprocess.Popen:
        # Own session: Ctrl-C in the terminal reaches the server only, which then stops the worker in order
        # (the worker finishes or rolls back its current chunk).
        return subprocess.Popen(self.command, env=os.environ.copy(), start_new_session=True)

    def start(self) -> None:
        with self._lock:
            self.process = self._spawn()
        self._thread = threading.Thread(target=self._watch, name="xinyong-worker-supervisor", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        delay = 1.0
        while not self._stopping.is_set():
            process = self.process
            code = process.wait() if process is not None else 0
            if self._stopping.is_set():
                return
            self.out.write(f"后台任务进程意外退出（退出码 {code}），{delay:.0f} 秒后重启\n")
            if self._stopping.wait(delay):
                return
            delay = min(delay * 2, MAX_RESTART_DELAY)
            with self._lock:
                if self._stopping.is_set():
                    return
                self.process = self._spawn()
                self.restarts += 1

    def stop(self) -> int | None:
        """Stop the worker: SIGTERM (graceful), then SIGKILL after a timeout; returns its exit code."""
        self._stopping.set()
        with self._lock:
            process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=WORKER_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._thread is not None:
            self._thread.join(timeout=5)
        return process.returncode


class DailySweep:
    """Runs the publication sweep for today at start, then again whenever the local date changes."""

    CHECK_SECONDS = 60

    def __init__(self, *, out=None) -> None:
        self.out = out or sys.stderr
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_day = None

    def run_once(self) -> None:
        from django.db import close_old_connections
        from django.utils import timezone

        from xinyong.records.services import record_publication_sweep

        today = timezone.localdate()
        if today == self.last_day:
            return
        try:
            result = record_publication_sweep(as_of=today)
        except Exception:  # a failed sweep is retried at the next check; the server keeps running
            logger.exception("publication sweep failed")
        else:
            self.last_day = today
            if result.entered or result.left:
                self.out.write(f"{today} 公示巡检：纳入公示 {result.entered} 条，停止公示 {result.left} 条\n")
        finally:
            close_old_connections()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self.run_once()
            self._stopping.wait(self.CHECK_SECONDS)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="xinyong-daily-sweep", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def _raise_system_exit(signum, frame):
    raise SystemExit(0)


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


class Command(BaseCommand):
    help = (
        "运行信用平台 Web 服务和后台任务进程（先执行数据库迁移）。"
        "生产环境请分别运行 gunicorn xinyong.wsgi 和 xinyong db_worker。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "addrport", nargs="?", default="127.0.0.1:8000", help="监听地址，默认 127.0.0.1:8000"
        )
        parser.add_argument("--no-migrate", action="store_true", help="不执行迁移")
        parser.add_argument(
            "--no-worker", action="store_true", help="不启动后台任务进程（上传的文件不会被处理）"
        )

    def handle(self, *args, addrport: str, no_migrate: bool, no_worker: bool, **options):
        if port_in_use(addrport):
            # Checked before the worker starts and interrupted batches are queued again: another server
            # is probably running and working them.
            raise CommandError(
                f"地址 {addrport} 已被占用：平台可能已在运行，或请指定其他端口，如 xinyong serve 127.0.0.1:8001"
            )
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        supervisor = None
        if not no_worker and uses_database_queue():
            from xinyong.collection.services import batches_resume_interrupted

            resumed = batches_resume_interrupted()
            if resumed:
                self.stdout.write(f"继续处理上次中断的 {len(resumed)} 个批次")
            supervisor = WorkerSupervisor(out=self.stderr)
            supervisor.start()
            self.stdout.write("后台任务进程已启动（处理上传文件）")
        sweep = DailySweep(out=self.stderr)
        sweep.start()
        self.stdout.write(
            f"xinyong 信用平台: http://{addrport}/  （工作台 /console/，管理控制台 /admin/，接口文档 /api/docs）"
        )
        previous = signal.getsignal(signal.SIGTERM)
        # SIGTERM (systemd, docker stop) must run the finally below, or the worker would be left behind.
        signal.signal(signal.SIGTERM, _raise_system_exit)
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            signal.signal(signal.SIGTERM, previous)
            sweep.stop()
            if supervisor is not None:
                supervisor.stop()
