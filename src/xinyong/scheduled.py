"""The platform's daily jobs: each app's ``scheduled.py`` functions, run once per local calendar day.

``xinyong daily`` runs them once (for cron or a systemd timer); ``xinyong serve`` keeps ``xinyong daily
--loop`` running beside the web server, which runs them at start and again after each midnight.

A daily job is a function ``job(*, as_of: datetime.date) -> str | None``: it does the day's work for
``as_of``, may run more than once for the same day (after a restart, or a retry after a failure) without
doing it twice, and returns a one-line summary in Chinese for the operator (or None). To add one, add its
dotted path to ``DAILY_JOBS``. A failing job is logged and retried at the next check; the others still run.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import TextIO

from django.db import close_old_connections
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

DAILY_JOBS: tuple[str, ...] = (
    "xinyong.records.scheduled.publication_sweep",
    "xinyong.collection.scheduled.batch_files_purge_due",
    "xinyong.jrp.channels.scheduled.channels_purge_due",
    "xinyong.jrp.check.scheduled.check_log_daily_digest",
    "xinyong.accounts.scheduled.audit_checkpoint",
    "xinyong.lists.scheduled.entries_expire",
    "xinyong.jrp.feedback.scheduled.feedback_overdue_daily",
    "xinyong.lists.scheduled.decided_entries_daily",
    "xinyong.dueprocess.objections.scheduled.objections_overdue_daily",
    "xinyong.dueprocess.repairs.scheduled.repairs_overdue_daily",
    "xinyong.dueprocess.commitments.scheduled.commitments_overdue_daily",
)

CHECK_SECONDS = 60  # how often the loop looks at the date (and retries failed jobs)


def daily_jobs() -> list[tuple[str, Callable[..., str | None]]]:
    """The daily jobs in order, as (dotted path, function)."""
    return [(path, import_string(path)) for path in DAILY_JOBS]


def daily_jobs_run(*, as_of: dt.date, skip: frozenset[str] = frozenset(), out: TextIO) -> set[str]:
    """Run the daily jobs for ``as_of`` except those in ``skip``; returns the paths that succeeded."""
    done = set()
    for path, job in daily_jobs():
        if path in skip:
            continue
        try:
            summary = job(as_of=as_of)
        except Exception:  # one failing job neither stops the others nor the process
            logger.exception("daily job %s failed for %s", path, as_of)
            out.write(f"{as_of} 每日任务 {path} 失败（详见日志），稍后重试\n")
        else:
            done.add(path)
            if summary:
                out.write(f"{as_of} {summary}\n")
        finally:
            close_old_connections()
    return done


class DailySchedule:
    """Runs the daily jobs once per local date: each due job again until it succeeds that day."""

    def __init__(self, *, out: TextIO, today: Callable[[], dt.date] = timezone.localdate) -> None:
        self.out = out
        self.today = today
        self.day: dt.date | None = None
        self.done: set[str] = set()

    def run_due(self) -> None:
        today = self.today()
        if today != self.day:
            self.day, self.done = today, set()
        if len(self.done) < len(DAILY_JOBS):
            self.done |= daily_jobs_run(as_of=today, skip=frozenset(self.done), out=self.out)

    def loop(self, *, stopping: threading.Event | None = None, check_seconds: float = CHECK_SECONDS) -> None:
        """Run due jobs now and then every ``check_seconds`` until ``stopping`` is set (or forever)."""
        stopping = stopping or threading.Event()
        while not stopping.is_set():
            self.run_due()
            stopping.wait(check_seconds)
