"""Entry point of each process ``xinyong serve`` supervises: ``python -m xinyong.supervised PARENT MODULE ARGS…``.

Runs ``MODULE`` like ``python -m MODULE ARGS…`` (``gunicorn``, ``xinyong.cli``), after asking the kernel to
send this process SIGTERM when its parent dies (Linux ``PR_SET_PDEATHSIG``): a supervisor killed with
SIGKILL has no chance to stop its children, and they must not outlive it. ``PARENT`` is the supervisor's
process id, checked after the request, in case it died before.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import runpy
import signal
import sys

PR_SET_PDEATHSIG = 1


def main(argv: list[str]) -> None:
    parent, module, *args = argv
    # Not on Linux: the supervisor's own stop is all there is.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != int(parent):
        sys.exit(0)
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
