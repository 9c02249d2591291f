"""bench/ingest.py still runs end to end (a few hundred rows) on the database the suite runs on, and its
report adds up; on PostgreSQL it also measures the write floor."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def test_ingest_bench_runs_and_its_counts_add_up(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    kind = "postgres" if url.startswith("postgres") else "sqlite"
    command = [
        sys.executable,
        str(ROOT / "bench" / "ingest.py"),
        "--rows",
        "300",
        "--db",
        kind,
        "--iex-rows",
        "0",  # django-import-export is in the bench extra, not the test one
        "--json",
        str(tmp_path / "report.json"),
    ]
    if kind == "postgres":
        command += ["--pg-url", urlunsplit(urlsplit(url)._replace(path="/xinyong_bench_check"))]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    finished = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    assert "行/秒" in finished.stdout
    entry = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["databases"][kind]
    for run in ("bulk", "bulk_again"):
        result = entry[run]
        assert result["rows"] == 300
        assert result["created"] + result["new_version"] + result["duplicate"] + result["rejected"] == 300
    assert entry["bulk"]["created"] > 0 and entry["bulk_again"]["duplicate"] == 300
    if kind == "postgres":
        floor = entry["floor"]
        assert floor["tables"]["records_creditrecord"]["rows"] == entry["bulk"]["created"]
        assert "写入下限" in finished.stdout
