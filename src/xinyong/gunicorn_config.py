"""Gunicorn settings of the platform's web processes, read from the environment.

``xinyong serve`` starts gunicorn with this module (``gunicorn -c python:xinyong.gunicorn_config``); a
deployment that runs gunicorn under its own service manager uses the same module, so both behave alike:

- ``XINYONG_WEB_WORKERS``: worker processes (default: one per CPU core available to the server);
- ``XINYONG_WEB_THREADS``: threads per worker (default 8): a request waiting for the database does not
  hold up the others of its process;
- ``XINYONG_WEB_GRACEFUL_TIMEOUT``: seconds a worker gets to finish its requests after SIGTERM or SIGHUP
  before it is killed (default 5);
- ``XINYONG_ACCESS_LOG``: file for the access log, ``-`` for standard output (default: none; the reverse
  proxy usually keeps one).

Signals to the gunicorn master: SIGHUP starts new workers (reloading the code) and retires the old ones
gracefully; SIGTERM stops gracefully; SIGINT and SIGQUIT stop at once. See docs/deployment.md.
"""

from __future__ import annotations

import os


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} 必须是正整数，当前为 {raw!r}") from None
    if value < 1:
        raise SystemExit(f"{name} 必须是正整数，当前为 {raw!r}")
    return value


def cores() -> int:
    """CPU cores this process may run on (respects CPU affinity and container CPU sets)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


wsgi_app = "xinyong.wsgi:application"
# gthread: each worker process serves requests in a pool of threads and keeps idle keep-alive
# connections aside, so slow or idle clients do not occupy a worker.
worker_class = "gthread"
workers = _positive_int("XINYONG_WEB_WORKERS", cores())
threads = _positive_int("XINYONG_WEB_THREADS", 8)
graceful_timeout = _positive_int("XINYONG_WEB_GRACEFUL_TIMEOUT", 5)
# A worker whose main loop is silent this long is restarted (a request may run longer: gthread workers keep
# reporting while their threads work).
timeout = 60
keepalive = 5
accesslog = os.environ.get("XINYONG_ACCESS_LOG") or None
proc_name = "xinyong-web"
# No control socket: its default path is shared by every gunicorn of the user, so two servers on one
# machine would take each other's; signals do the same job.
control_socket_disable = True
