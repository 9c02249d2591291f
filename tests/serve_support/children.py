"""Stand-in supervised processes: ``python -m tests.serve_support.children exit|sleep|ignore-term``."""

import signal
import sys
import time

if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "exit":
        sys.exit(3)
    if mode == "ignore-term":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(60)
