"""A new platform works from its first start: the production set-up steps, in order, on an empty SQLite file.

Runs the real ``xinyong`` command in child processes against a database of its own (whatever database the
rest of the suite uses), the way an operator following docs/setup.md would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.collection.batch_support import AUTHORITY, AUTHORITY_USCC, penalty_row, write_csv


def xinyong(home: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("XINYONG_")}
    env["XINYONG_HOME"] = str(home)
    result = subprocess.run(
        [sys.executable, "-m", "xinyong.cli", *args],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if ok:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def platform(tmp_path_factory) -> Path:
    """A fresh platform after `xinyong migrate` and `xinyong department add`."""
    home = tmp_path_factory.mktemp("platform")
    out = xinyong(home, "migrate").stdout
    assert "审计日志：已写入创世条目" in out and "信用信息目录：已载入 8 个目录项" in out
    xinyong(home, "department", "add", "samr", AUTHORITY, "--uscc", AUTHORITY_USCC, "--region", "350100")
    return home


def test_import_as_of_a_past_day_validates_with_the_version_in_force_then(platform):
    rows = [penalty_row(i, 处罚决定日期="2025/03/20", 处罚有效期="2026/03/20") for i in range(1, 6)]
    path = write_csv(platform / "处罚.csv", rows)
    result = xinyong(
        platform, "import", str(path), "--item", "penalty", "--department", "samr", "--as-of", "2025-04-01"
    )
    assert "新增 5" in result.stdout and "退回 0" in result.stdout


def test_an_unknown_item_lists_the_items_to_choose_from(platform):
    path = write_csv(platform / "许可.csv", [penalty_row(9)])
    result = xinyong(platform, "import", str(path), "--item", "licence", "--department", "samr", ok=False)
    assert result.returncode != 0
    assert "item_unknown" in result.stderr and "license（行政许可）" in result.stderr


def test_the_audit_log_of_a_new_platform_verifies(platform):
    out = xinyong(platform, "audit", "verify").stdout
    assert "校验通过" in out
    migrate_again = xinyong(platform, "migrate").stdout
    assert "信用信息目录：已载入" not in migrate_again  # nothing left to load
