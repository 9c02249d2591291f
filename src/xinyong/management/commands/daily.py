"""``xinyong daily``: run the platform's daily jobs (``xinyong.scheduled``) once, or keep running them."""

from __future__ import annotations

import signal
import sys

from django.core.management.base import BaseCommand
from django.utils import timezone

from xinyong.core.management.arguments import iso_date
from xinyong.scheduled import DAILY_JOBS, DailySchedule, daily_jobs_run


class Command(BaseCommand):
    help = (
        "执行每日任务（公示巡检等）。默认执行一次，供 cron 或 systemd 定时器调用；"
        "--loop 持续运行，每天零点后执行（xinyong serve 使用）"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--as-of", type=iso_date, help="任务日期（默认今天），格式 YYYY-MM-DD")
        parser.add_argument("--loop", action="store_true", help="持续运行：启动时执行，之后每天零点后再执行")

    def handle(self, *args, as_of, loop: bool, **options) -> None:
        if loop:
            # SIGTERM ends the loop through the normal exit path: a job in progress rolls back its transaction
            # (every job may run again for the same day).
            signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
            DailySchedule(out=self.stdout).loop()
            return
        day = as_of or timezone.localdate()
        done = daily_jobs_run(as_of=day, out=self.stdout)
        if len(done) < len(DAILY_JOBS):
            raise SystemExit(1)
