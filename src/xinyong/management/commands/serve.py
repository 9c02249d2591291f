"""``xinyong serve``: the platform as one service — web server, background worker and daily jobs.

Migrates first (so a fresh checkout just works) and, with DEBUG off, collects the static files when they
changed; then the supervisor in ``xinyong.serve`` runs gunicorn (``--dev``: the autoreloading development
server), ``xinyong db_worker`` and ``xinyong daily --loop`` until SIGTERM or Ctrl-C. See docs/deployment.md.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from xinyong import gunicorn_config
from xinyong.collection.lifecycle import batches_resume_interrupted
from xinyong.core.management.arguments import positive_int
from xinyong.serve import (
    Supervisor,
    daily_spec,
    port_in_use,
    static_files_collect,
    uses_database_queue,
    web_spec,
    worker_spec,
)


class Command(BaseCommand):
    help = (
        "运行信用平台：Web 服务（gunicorn，每个 CPU 核心一个进程，多线程）、后台任务进程和每日任务，"
        "先执行数据库迁移。SIGTERM 或 Ctrl-C 平滑停止，SIGHUP 平滑重新加载。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "addrport", nargs="?", default="127.0.0.1:8000", help="监听地址，默认 127.0.0.1:8000"
        )
        parser.add_argument(
            "--dev", action="store_true", help="使用 Django 开发服务器（代码修改后自动重新加载），仅用于开发"
        )
        parser.add_argument(
            "--workers", type=positive_int, help="Web 工作进程数（默认 XINYONG_WEB_WORKERS 或 CPU 核心数）"
        )
        parser.add_argument(
            "--threads", type=positive_int, help="每个 Web 工作进程的线程数（默认 XINYONG_WEB_THREADS 或 8）"
        )
        parser.add_argument("--no-migrate", action="store_true", help="不执行迁移")
        parser.add_argument(
            "--no-worker", action="store_true", help="不启动后台任务进程（上传的文件不会被处理）"
        )
        parser.add_argument(
            "--no-daily",
            action="store_true",
            help="不运行每日任务（多台服务器时只应有一台运行，或由其他进程运行 xinyong daily）",
        )

    def handle(
        self,
        *args,
        addrport: str,
        dev: bool,
        workers: int | None,
        threads: int | None,
        no_migrate: bool,
        no_worker: bool,
        no_daily: bool,
        **options,
    ):
        if port_in_use(addrport):
            # Checked before anything starts or interrupted batches are queued again: another server is
            # probably running and working them.
            raise CommandError(
                f"地址 {addrport} 已被占用：平台可能已在运行，或请指定其他端口，如 xinyong serve 127.0.0.1:8001"
            )
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        if not settings.DEBUG:
            # Pages link the content-hashed names of the collected files (see STORAGES in settings).
            static_files_collect(out=self.stdout)
        specs = [web_spec(addrport=addrport, dev=dev, workers=workers, threads=threads)]
        if not no_worker and uses_database_queue():
            resumed = batches_resume_interrupted()
            if resumed:
                self.stdout.write(f"继续处理上次中断的 {len(resumed)} 个批次")
            specs.append(worker_spec())
        if not no_daily:
            specs.append(daily_spec())
        if dev:
            server = "开发服务器，代码修改后自动重新加载"
        else:
            processes = workers or gunicorn_config.workers
            server = f"gunicorn，{processes} 个工作进程 × {threads or gunicorn_config.threads} 个线程"
        self.stdout.write(
            f"xinyong 信用平台: http://{addrport}/  （{server}；工作台 /console/，管理控制台 /admin/，"
            "接口文档 /api/docs；Ctrl-C 停止）"
        )
        self.stdout.flush()
        connections.close_all()  # the supervisor itself needs no database connection while it runs
        code = Supervisor(specs, out=self.stdout).run()
        if code:
            raise SystemExit(code)
