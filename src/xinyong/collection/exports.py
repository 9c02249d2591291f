"""Exports of collection figures: the quality and timeliness table as CSV, audited."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from xinyong.accounts.models import AuditAction, Department
from xinyong.accounts.services import audit_log
from xinyong.core.spreadsheet import SafeCsvWriter

QUALITY_CSV_COLUMNS = [
    ("department_code", "部门代码"),
    ("department_name", "数据来源单位"),
    ("batches", "批次数"),
    ("rows_read", "读取行数"),
    ("created", "新增"),
    ("new_version", "新版本"),
    ("duplicate", "重复"),
    ("rejected", "退回"),
    ("acceptance_rate", "入库率(%)"),
    ("duplicate_rate", "重复率(%)"),
    ("rejection_rate", "退回率(%)"),
    ("records", "新增记录数"),
    ("with_deadline", "有公示时限的记录数"),
    ("late", "逾期报送记录数"),
    ("late_rate", "逾期率(%)"),
    ("top_errors", "主要错误代码（行数）"),
]


def quality_csv_export(
    *,
    actor,
    rows: list[dict[str, Any]],
    date_from: dt.date,
    date_to: dt.date,
    department: Department | None,
) -> bytes:
    """The quality rows as CSV, UTF-8 with a byte order mark so that Excel opens it correctly; audited."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)  # error codes and names come from departments' data: no formulas
    writer.writerow([label for _, label in QUALITY_CSV_COLUMNS])
    for row in rows:
        line = []
        for key, _ in QUALITY_CSV_COLUMNS:
            value = row.get(key)
            if key.endswith("_rate"):
                value = "" if value is None else f"{value * 100:.1f}"
            elif key == "top_errors":
                value = "；".join(f"{e['code']}（{e['rows']}）" for e in value or [])
            line.append(value)
        writer.writerow(line)
    audit_log(
        actor=actor,
        action=AuditAction.EXPORT,
        obj=None,
        detail={
            "stage": "quality_csv",
            "date_from": date_from.isoformat(),
            "date_to": date_to.isoformat(),
            "department": department.code if department else None,
            "rows": len(rows),
        },
    )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
