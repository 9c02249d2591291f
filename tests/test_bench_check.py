"""bench/check.py still runs end to end on a tiny database (PostgreSQL: the builder writes with COPY): the
in-process checks find listed subjects and apply measures, and the batch's counts add up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
URL = os.environ.get("DATABASE_URL", "")


@pytest.mark.skipif(not URL.startswith("postgres"), reason="the benchmark's database is PostgreSQL (COPY)")
def test_check_bench_runs_and_its_counts_add_up(tmp_path):
    codes, checks = 1_500, 60
    command = [
        sys.executable,
        str(ROOT / "bench" / "check.py"),
        "--build",
        "--scale",
        "0.002",  # 2,000 subjects, 200 list entries, 500 measures
        "--pg-url",
        urlunsplit(urlsplit(URL)._replace(path="/xinyong_checkbench_test")),
        "--parts",
        "inprocess,batch",  # the HTTP part needs the bench extra (aiohttp) and a free port
        "--checks",
        str(checks),
        "--batch-codes",
        str(codes),
        "--json",
        str(tmp_path / "report.json"),
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    finished = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    assert "进程内核查" in finished.stdout and "批量核查" in finished.stdout
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert int(report["meta"]["measures"]) == 500 and int(report["meta"]["entries_effective"]) >= 190
    inprocess = report["inprocess"]
    assert inprocess["n"] == checks and 0 < inprocess["answers_with_hits"] < checks
    assert inprocess["measures_per_check"] > 0
    assert inprocess["queries"]["clean"]["count"] >= 1
    batch = report["batch"]
    assert batch["status"] == "done" and batch["total"] == batch["done"] == codes
    assert batch["invalid"] == codes // 500 + (codes % 500 > 0)
    assert batch["hits"] > 0 and batch["not_found"] > 0
