#!/usr/bin/env bash
# Installs xinyong with its test tools into ./.venv and runs lint, the import contracts (lint-imports) and
# the whole test suite.
# SQLite by default; DATABASE_URL=postgres://postgres@127.0.0.1:5432/xinyong runs it on PostgreSQL.
# Extra arguments go to pytest (e.g. scripts/test.sh -k uscc).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh test
. scripts/system-packages.sh
ruff check src tests bench
ruff format --check src tests bench
xinyong makemigrations --check --dry-run >/dev/null || { echo "models changed without a migration"; exit 1; }
lint-imports
echo "database: ${DATABASE_URL:-sqlite (default)}"
exec pytest "$@"
