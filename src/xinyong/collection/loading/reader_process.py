"""The forked reading process: it reads, validates and prepares the next chunk of a large file while the
loading process writes the current one.

It never touches the database and only ever runs ahead of what is committed, so crashes and resumes behave
as without it. It dies with its parent (Linux ``prctl``; elsewhere a parent-alive check between chunks).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import pickle
import signal
from collections.abc import Iterator

from django.conf import settings

from xinyong.collection.loading.chunks import PreparedChunk, chunks_prepare, collect_between_chunks
from xinyong.collection.loading.engine import BatchLoader
from xinyong.collection.readers import ReadError


def _use_reading_process(table) -> bool:
    """Prepare in a second process? For files large enough to repay starting it, where fork exists."""
    minimum = getattr(settings, "XINYONG_COLLECTION_PIPELINE_MIN_BYTES", 4 * 1024 * 1024)
    return minimum >= 0 and table.size >= minimum and "fork" in multiprocessing.get_all_start_methods()


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int) -> None:
    """Have the kernel kill this process when its parent dies, even by SIGKILL (Linux ``prctl``).

    Strictly, when the parent's thread that forked it ends: that thread waits in ``prepared_chunks`` until
    this process has ended.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the parent-alive check between chunks does it
    if os.getppid() != parent_pid:
        os._exit(1)  # the parent died before the request was made


def _reading_process(
    conn, unused_end, parent_pid: int, loader: BatchLoader, table, skip: int, chunk_size: int
) -> None:
    """Body of the reading process: prepared chunks, pickled, into ``conn``; then an end or error marker."""
    _die_with_parent(parent_pid)
    # The fork copied the pipe's reading end: closed, a send fails once the parent is gone instead of
    # waiting forever for a reader that is this process itself.
    unused_end.close()
    # Ctrl-C reaches the whole process group: the loading process decides what happens and stops this one.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker's own SIGTERM handler (finish the current task) was copied by the fork: this process has
    # nothing to finish and stops at once.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        with collect_between_chunks() as collect:
            for prepared in chunks_prepare(loader=loader, table=table, skip=skip, chunk_size=chunk_size):
                if os.getppid() != parent_pid:
                    os._exit(1)  # orphaned (where the kernel does not kill it with its parent)
                conn.send_bytes(pickle.dumps(("chunk", prepared), protocol=pickle.HIGHEST_PROTOCOL))
                del prepared
                collect()
        conn.send_bytes(pickle.dumps(("end", None)))
    except ReadError as exc:
        conn.send_bytes(pickle.dumps(("read_error", (exc.code, exc.message))))
    except BaseException as exc:  # noqa: BLE001 - reported to the loading process, which fails the batch
        conn.send_bytes(pickle.dumps(("error", f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()


def prepared_chunks(*, loader: BatchLoader, table, skip: int, chunk_size: int) -> Iterator[PreparedChunk]:
    """Prepared chunks in file order: from a forked reading process for large files, else from this one.

    The reading process reads, validates and prepares chunk N+1 (Python work, on the second core) while
    this process resolves and writes chunk N (mostly waiting for the database). It never touches the
    database: it only sends prepared chunks through a pipe, one ahead at most, since a send waits for the
    previous one to be read. Anything it cannot do is reported here, in order, and raised as if read here.
    """
    if not _use_reading_process(table):
        yield from chunks_prepare(loader=loader, table=table, skip=skip, chunk_size=chunk_size)
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_reading_process,
        args=(sender, receiver, os.getpid(), loader, table, skip, chunk_size),
        name="xinyong-collection-reader",
        daemon=True,
    )
    process.start()
    sender.close()
    try:
        while True:
            try:
                kind, payload = pickle.loads(receiver.recv_bytes())
            except EOFError:
                process.join(5)
                raise RuntimeError(
                    f"reading process ended unexpectedly (exit code {process.exitcode})"
                ) from None
            if kind == "chunk":
                yield payload
            elif kind == "end":
                return
            elif kind == "read_error":
                raise ReadError(payload[0], payload[1])
            else:
                raise RuntimeError(f"reading process failed: {payload}")
    finally:
        receiver.close()
        if process.is_alive():
            process.terminate()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
