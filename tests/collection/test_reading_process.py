"""The forked reading process of large loads dies with its parent, even when the parent is killed with
SIGKILL, and stops at once on SIGTERM even when its parent ignores SIGTERM (a worker finishing its task)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and fork")

# A parent that starts a reading process over an endless table, takes one chunk, prints the reading
# process's id and then stops reading: the reading process fills the pipe and waits.
PARENT = textwrap.dedent(
    """
    import multiprocessing, os, signal, sys, time
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")
    import django
    django.setup()
    from django.test import override_settings
    from xinyong.collection.loading import chunks as loading_chunks, reader_process
    from xinyong.collection.readers import SourceRow

    class Table:
        size = 10**9
        headers = ["名称"]
        position = 0

        def rows(self):
            number = 0
            while True:
                number += 1
                yield SourceRow(number, ["甲"])

    class Loader:
        restore_quotes = False

        def prepare(self, rows):
            return loading_chunks.PreparedChunk(rows_consumed=len(rows))

    if sys.argv[1] == "ignore-sigterm":
        signal.signal(signal.SIGTERM, lambda *args: None)
    with override_settings(XINYONG_COLLECTION_PIPELINE_MIN_BYTES=0):
        chunks = reader_process.prepared_chunks(loader=Loader(), table=Table(), skip=0, chunk_size=10)
        next(chunks)
        (reader,) = multiprocessing.active_children()
        print(reader.pid, flush=True)
        time.sleep(120)
    """
)


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to collect it counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return not _alive(pid)


@pytest.fixture
def start_parent():
    started: list[tuple[subprocess.Popen, int]] = []

    def start(mode: str) -> tuple[subprocess.Popen, int]:
        parent = subprocess.Popen(
            [sys.executable, "-c", PARENT, mode], stdout=subprocess.PIPE, text=True, env={**os.environ}
        )
        line = parent.stdout.readline()
        assert line.strip().isdigit(), "the parent did not start its reading process"
        started.append((parent, int(line)))
        return parent, int(line)

    yield start
    for parent, reader in started:
        for pid in (parent.pid, reader):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        parent.wait()


def test_reading_process_dies_when_its_parent_is_killed(start_parent):
    parent, reader = start_parent("default")
    assert _alive(reader)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    assert _wait_gone(reader, 5), "the reading process outlived its parent"


def test_reading_process_stops_on_sigterm_even_when_its_parent_ignores_it(start_parent):
    parent, reader = start_parent("ignore-sigterm")
    os.kill(reader, signal.SIGTERM)
    assert _wait_gone(reader, 5), "the reading process did not stop on SIGTERM"
    assert parent.poll() is None  # the parent decides for itself
