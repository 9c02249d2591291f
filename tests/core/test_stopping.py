"""``stop_at_safe_point``: SIGTERM and SIGINT become a flag that the job checks where stopping is safe."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from xinyong.core.stopping import StopRequested, stop_at_safe_point


@pytest.fixture
def previous_handler():
    """A handler like django-tasks-db's worker: remembers the signals instead of ending the process."""
    seen: list[int] = []
    before = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    yield seen
    signal.signal(signal.SIGTERM, before)


def test_the_first_signal_is_deferred_to_the_next_check(previous_handler):
    with stop_at_safe_point() as stop:
        stop.check()  # nothing requested yet
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.requested == signal.SIGTERM
        assert previous_handler == [signal.SIGTERM]  # the worker was told too (it takes no further task)
        with pytest.raises(StopRequested) as caught:
            stop.check()
    assert isinstance(caught.value, KeyboardInterrupt)  # an interruption: batches stay resumable
    assert signal.getsignal(signal.SIGTERM) is not stop._handle  # handler restored


def test_a_second_signal_is_not_deferred(previous_handler):
    with stop_at_safe_point() as stop:
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGTERM)
        assert previous_handler == [signal.SIGTERM, signal.SIGTERM]
        assert signal.getsignal(signal.SIGTERM) is not stop._handle


def test_outside_the_main_thread_nothing_is_installed(previous_handler):
    results = []

    def job():
        with stop_at_safe_point() as stop:
            results.append(stop.previous)
            stop.check()

    thread = threading.Thread(target=job)
    thread.start()
    thread.join()
    assert results == [{}]


def test_a_forked_child_ends_on_sigterm_as_by_default(previous_handler):
    """A reading process forked during the job inherits the handler; SIGTERM must still end it."""
    with stop_at_safe_point():
        pid = os.fork()
        if (
            pid == 0
        ):  # the child: would sleep on if the signal were deferred or passed to the worker's handler
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                threading.Event().wait(10)
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM
