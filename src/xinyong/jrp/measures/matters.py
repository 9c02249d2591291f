"""Importing a department's 权责清单 / 事项清单 file into the matter register (事项).

The file (CSV in UTF-8 or GBK/GB18030, XLSX, XLS, ODS) is read by the collection readers; its columns are
recognised by their names and common synonyms (:data:`COLUMN_SYNONYMS`). Every row is checked first; a
file with any faulty row writes nothing and returns the rows' errors (code + zh-hans message). A clean file
creates new matters and updates those whose code exists, in one transaction with one audit entry.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinyong.accounts.models import Department
from xinyong.accounts.services import audit_log
from xinyong.collection.readers import open_table
from xinyong.jrp.measures.permissions import can_edit_matter
from xinyong.jrp.measures.rulebook import rulebook_cache_clear
from xinyong.jrp.models import Matter, MatterStage

__all__ = [
    "COLUMN_SYNONYMS",
    "IMPORT_ERROR_MESSAGES",
    "MAX_IMPORT_ROWS",
    "MatterImportReport",
    "RowError",
    "matters_import",
]

MAX_IMPORT_ROWS = 20_000

# Field → the column names departments use for it (compared without spaces, brackets and punctuation).
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "code": ("事项编码", "事项代码", "编码", "基本编码", "实施编码", "权力编码", "事项编号", "code"),
    "name": ("事项名称", "名称", "权力事项名称", "服务事项名称", "权力名称", "name"),
    "department": ("实施主体", "实施部门", "实施机关", "责任部门", "部门", "所属部门", "department"),
    "kind": ("事项类型", "事项类别", "权力类型", "权力类别", "类型", "kind"),
    "stage": ("管理阶段", "阶段", "监管阶段", "stage"),
}
REQUIRED = ("code", "name")

STAGE_WORDS = {
    "事前": MatterStage.BEFORE,
    "事中": MatterStage.DURING,
    "事后": MatterStage.AFTER,
    "before": MatterStage.BEFORE,
    "during": MatterStage.DURING,
    "after": MatterStage.AFTER,
}
# A matter's stage by its kind, when the file has no stage column: licences are checked before,
# inspections during, penalties after (docs/measures.md).
STAGE_BY_KIND = (
    ("许可", MatterStage.BEFORE),
    ("审批", MatterStage.BEFORE),
    ("确认", MatterStage.BEFORE),
    ("给付", MatterStage.BEFORE),
    ("奖励", MatterStage.BEFORE),
    ("公共服务", MatterStage.BEFORE),
    ("检查", MatterStage.DURING),
    ("监督", MatterStage.DURING),
    ("处罚", MatterStage.AFTER),
    ("强制", MatterStage.AFTER),
    ("征收", MatterStage.AFTER),
)

IMPORT_ERROR_MESSAGES = {
    "column_missing": "文件缺少“{column}”列（可用列名：{synonyms}）",
    "code_missing": "事项编码为空",
    "code_invalid": "事项编码只能包含字母、数字、短横线、下划线和点，且不超过 80 个字符",
    "code_duplicate": "事项编码 {code} 在文件中重复出现（第 {first} 行已有）",
    "name_missing": "事项名称为空",
    "name_too_long": "事项名称超过 300 个字符",
    "stage_invalid": "管理阶段“{value}”无法识别，应为事前、事中或事后",
    "stage_missing": "无法确定管理阶段：请填写管理阶段列，或在导入时选择默认管理阶段",
    "department_unknown": "实施主体“{value}”不是平台登记的部门",
    "department_other": "实施主体“{value}”不是本部门，不能导入其他部门的事项",
    "matter_other_department": "事项编码 {code} 已属于其他部门（{department}），不能覆盖",
    "too_many_rows": "文件超过 {limit:,} 行，请拆分后导入",
    "kind_too_long": "事项类型超过 50 个字符",
}


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    code: str
    message: str


@dataclass
class MatterImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field → the file's column name

    @property
    def ok(self) -> bool:
        return not self.errors


_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,79}$")
_PUNCT_RE = re.compile(r"[\s（）()【】\[\]:：*＊/／\\_\-—]+")


def _norm_header(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return _PUNCT_RE.sub("", text).lower()


def _clean(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()


def _map_columns(headers: list[str]) -> dict[str, int]:
    normalised = [_norm_header(h) for h in headers]
    mapping: dict[str, int] = {}
    for field_name, synonyms in COLUMN_SYNONYMS.items():
        for synonym in synonyms:
            key = _norm_header(synonym)
            if key in normalised:
                mapping[field_name] = normalised.index(key)
                break
    return mapping


def _error(row: int, error_code: str, /, **params: Any) -> RowError:
    return RowError(row=row, code=error_code, message=IMPORT_ERROR_MESSAGES[error_code].format(**params))


def _stage(value: str, kind: str, default: str) -> str | None:
    if value:
        return STAGE_WORDS.get(value.replace("环节", "").replace("阶段", "").strip().lower())
    for word, stage in STAGE_BY_KIND:
        if word in kind:
            return stage
    return default or None


def matters_import(
    *,
    path: Path | str,
    filename: str | None = None,
    department: Department | None,
    actor: Any,
    default_stage: str = "",
) -> MatterImportReport:
    """Import a matter list file for ``department`` (all-or-nothing; see the module).

    ``department`` None (operators only) takes each row's department from its 实施主体 column.
    Raises :class:`~xinyong.collection.readers.ReadError` when the file cannot be read as a table.
    """
    report = MatterImportReport()
    if not can_edit_matter(actor, department):
        report.errors.append(RowError(0, "forbidden", "您无权导入该部门的事项"))
        return report
    departments = {d.name: d for d in Department.objects.all()} | {
        d.code: d for d in Department.objects.all()
    }
    parsed: list[dict[str, Any]] = []
    with open_table(path, filename=filename) as table:
        columns = _map_columns(table.headers)
        report.columns = {name: table.headers[i] for name, i in columns.items()}
        for name in REQUIRED:
            if name not in columns:
                report.errors.append(
                    _error(
                        table.header_row,
                        "column_missing",
                        column=COLUMN_SYNONYMS[name][0],
                        synonyms="、".join(COLUMN_SYNONYMS[name][:-1]),
                    )
                )
        if department is None and "department" not in columns:
            report.errors.append(
                _error(
                    table.header_row,
                    "column_missing",
                    column="实施主体",
                    synonyms="、".join(COLUMN_SYNONYMS["department"][:-1]),
                )
            )
        if report.errors:
            return report
        seen: dict[str, int] = {}
        for row in table.rows():
            values = [_clean(v) for v in row.values]
            if not any(values):
                continue
            report.rows += 1
            if report.rows > MAX_IMPORT_ROWS:
                report.errors.append(_error(row.number, "too_many_rows", limit=MAX_IMPORT_ROWS))
                return report
            if row.error:
                report.errors.append(RowError(row.number, row.error, row.detail or "该行无法读取"))
                continue

            def cell(name: str, values: list[str] = values) -> str:
                index = columns.get(name)
                return values[index] if index is not None and index < len(values) else ""

            code, name, kind = cell("code"), cell("name"), cell("kind")
            errors_before = len(report.errors)
            if not code:
                report.errors.append(_error(row.number, "code_missing"))
            elif not _CODE_RE.match(code):
                report.errors.append(_error(row.number, "code_invalid"))
            elif code in seen:
                report.errors.append(_error(row.number, "code_duplicate", code=code, first=seen[code]))
            else:
                seen[code] = row.number
            if not name:
                report.errors.append(_error(row.number, "name_missing"))
            elif len(name) > 300:
                report.errors.append(_error(row.number, "name_too_long"))
            if len(kind) > 50:
                report.errors.append(_error(row.number, "kind_too_long"))
            stage_text = cell("stage")
            stage = _stage(stage_text, kind, default_stage)
            if stage is None:
                report.errors.append(
                    _error(row.number, "stage_invalid", value=stage_text)
                    if stage_text
                    else _error(row.number, "stage_missing")
                )
            row_department = department
            dept_text = cell("department")
            if dept_text:
                found = departments.get(dept_text)
                if found is None and department is None:
                    report.errors.append(_error(row.number, "department_unknown", value=dept_text))
                elif department is not None and found is not None and found.pk != department.pk:
                    report.errors.append(_error(row.number, "department_other", value=dept_text))
                elif found is not None:
                    row_department = found
            if len(report.errors) == errors_before:
                parsed.append(
                    {
                        "row": row.number,
                        "code": code,
                        "name": name,
                        "kind": kind,
                        "stage": stage,
                        "dept": row_department,
                    }
                )
    if report.errors:
        return report
    existing = {m.code: m for m in Matter.objects.filter(code__in=[p["code"] for p in parsed])}
    for p in parsed:
        old = existing.get(p["code"])
        if (
            old is not None
            and old.department_id not in (None, getattr(p["dept"], "pk", None))
            and not can_edit_matter(actor, old.department)
        ):
            report.errors.append(
                _error(p["row"], "matter_other_department", code=p["code"], department=old.department.name)
            )
    if report.errors:
        return report
    now = timezone.now()
    source = (filename or Path(path).name)[:200]
    with transaction.atomic():
        new, changed = [], []
        for p in parsed:
            old = existing.get(p["code"])
            if old is None:
                new.append(
                    Matter(
                        code=p["code"],
                        name=p["name"],
                        kind=p["kind"],
                        stage=p["stage"],
                        department=p["dept"],
                        source=source,
                        created_at=now,
                        updated_at=now,
                    )
                )
                continue
            values = (p["name"], p["kind"], p["stage"], getattr(p["dept"], "pk", None))
            if (old.name, old.kind, old.stage, old.department_id) == values and old.active:
                report.unchanged += 1
                continue
            old.name, old.kind, old.stage, old.department = p["name"], p["kind"], p["stage"], p["dept"]
            old.source, old.active, old.updated_at = source, True, now
            changed.append(old)
        Matter.objects.bulk_create(new, batch_size=1000)
        Matter.objects.bulk_update(
            changed,
            ["name", "kind", "stage", "department", "source", "active", "updated_at"],
            batch_size=1000,
        )
        report.created, report.updated = len(new), len(changed)
        audit_log(
            actor=actor,
            action="jrp_matters_import",
            obj=Matter,
            detail={
                "file": source,
                "department": department.code if department else None,
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
            },
        )
    rulebook_cache_clear()
    return report
