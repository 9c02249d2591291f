#!/usr/bin/env bash
# Installs xinyong into ./.venv and runs the platform with demo data on SQLite at http://127.0.0.1:8000
# (set DATABASE_URL to use PostgreSQL instead). Stop it with Ctrl-C; run it again to restart.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
XINYONG_NO_BROWSER=1 . scripts/system-packages.sh
xinyong demo
exec xinyong serve "${XINYONG_ADDR:-127.0.0.1:8000}"
