"""Stopping a long job at a safe point when its process is asked to stop (SIGTERM, Ctrl-C).

A background worker that receives SIGTERM in the middle of loading a batch of a million rows should not
finish the batch (minutes) nor die in the middle of a chunk: it should stop after the chunk it is writing
and leave the rest for the next start. ``stop_at_safe_point()`` turns SIGTERM and SIGINT into a flag while
the job runs; the job calls ``check()`` where stopping is safe, which raises ``StopRequested`` once the
flag is set. A second signal is not deferred: it reaches the handler that was there before, which
usually stops the process at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StopRequested(KeyboardInterrupt):
    """Raised at a safe point after SIGTERM or SIGINT: an interruption, like Ctrl-C."""


class SafePointStop:
    """Stop requests seen by this process since ``stop_at_safe_point()`` was entered."""

    def __init__(self) -> None:
        self.requested: int | None = None  # the signal number, once one arrived
        self.pid = os.getpid()
        self.previous: dict[int, object] = {}

    def check(self, *_args: object) -> None:
        """Raise ``StopRequested`` if a stop was requested (usable as a progress callback)."""
        if self.requested is not None:
            raise StopRequested(f"stopped on signal {self.requested}")

    def _handle(self, signum: int, frame) -> None:
        previous = self.previous.get(signum, signal.SIG_DFL)
        if os.getpid() != self.pid:
            # A forked child (e.g. a reading process) inherited this handler: it ends as by default.
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)
            return
        if self.requested is not None:
            # A second signal is not deferred: the handler that was there before decides.
            self.restore()
            signal.raise_signal(signum)
            return
        self.requested = signum
        # Let the previous owner know too (django-tasks-db's worker then takes no further task), unless its
        # reaction would be to stop right here.
        if callable(previous) and previous is not signal.default_int_handler:
            previous(signum, frame)

    def install(self) -> None:
        for signum in STOP_SIGNALS:
            self.previous[signum] = signal.getsignal(signum)
            signal.signal(signum, self._handle)

    def restore(self) -> None:
        for signum, previous in self.previous.items():
            if signal.getsignal(signum) == self._handle:
                signal.signal(signum, previous)
        self.previous.clear()


@contextlib.contextmanager
def stop_at_safe_point() -> Iterator[SafePointStop]:
    """Defer SIGTERM/SIGINT to the job's ``check()`` calls while the block runs.

    Signals can only be handled in the main thread; elsewhere (a job run inside a web request) nothing is
    installed and ``check()`` never raises.
    """
    stop = SafePointStop()
    if threading.current_thread() is threading.main_thread():
        stop.install()
    try:
        yield stop
    finally:
        if os.getpid() == stop.pid:
            stop.restore()
