"""FollowTheMoney import: a JSON-lines file of FtM entities becomes a mirrored black list
(docs/interoperability.md).

Every ``Sanction`` of a legal entity (``LegalEntity``, ``Organization``, ``Company``) with a valid
统一社会信用代码 is stored as a 严重失信主体名单 record of the source department through the records loader
(``records_bulk_ingest``, subjects through ``subjects_resolve_bulk``), and the list entries come from those
records (``list_entries_sync``), as for any mirrored list; the records carry the batch reference ``ftm-…``
and the FtM ids in their remark (备注). The file is bounded (size, line
length, entity count, nesting depth); a line not of the schema's shape is refused with a code, and a file
that is not UTF-8 JSON lines at all is refused whole (nothing written).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.db import transaction
from django.utils import timezone

from xinyong.accounts.models import AuditAction, Department
from xinyong.accounts.services import audit_log
from xinyong.catalog.selectors import catalog_item_current_version
from xinyong.core.codes import SubjectKind
from xinyong.core.errors import CodedError
from xinyong.core.identifiers import check_uscc
from xinyong.core.invisible import strip_format_characters, strip_invisible
from xinyong.core.jsondepth import json_depth_exceeds
from xinyong.lists.interop.schema import LEGAL_ENTITY_SCHEMATA, ftm_date, schema_issues
from xinyong.lists.models import FTM_BATCH_PREFIX, EntryState, ListColour, ListEntry, ListingMode, ListType
from xinyong.lists.services import list_entries_sync
from xinyong.records.loading.ingest import records_bulk_ingest
from xinyong.records.loading.prepare import RecordInput
from xinyong.records.models import Channel, CreditRecord
from xinyong.records.normalize import normalize_document_number
from xinyong.subjects.bulk import SubjectInput, subjects_resolve_bulk

__all__ = ["FtmImportError", "FtmImportReport", "LineIssue", "ftm_import"]

# The catalog item whose records a mirrored black list rests on.
ITEM_CODE = "serious_dishonesty"
# Bounds of an imported file.
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_LINE_BYTES = 256 * 1024
MAX_ENTITIES = 500_000
MAX_DEPTH = 6
# Refusals of single lines kept in the report (all are counted).
MAX_ISSUES_KEPT = 1_000
CHUNK = 2_000
NO_CODE = "0" * 17


class FtmImportError(CodedError):
    """The file as a whole is refused (nothing is written)."""


@dataclass(frozen=True)
class LineIssue:
    line: int
    code: str
    message: str


@dataclass
class FtmImportReport:
    """What an import read, stored and refused."""

    lines: int = 0
    legal_entities: int = 0
    sanctions: int = 0
    created: int = 0
    new_version: int = 0
    duplicate: int = 0
    entries_effective: int = 0
    refused: int = 0
    issues: list[LineIssue] = field(default_factory=list)
    batch_ref: str = ""

    def refuse(self, line: int, code: str, message: str) -> None:
        self.refused += 1
        if len(self.issues) < MAX_ISSUES_KEPT:
            self.issues.append(LineIssue(line, code, message))

    def summary(self) -> str:
        return (
            f"读取 {self.lines:,} 行：法人实体 {self.legal_entities:,} 个，制裁（名单）{self.sanctions:,} 条；"
            f"新增记录 {self.created:,} 条，新版本 {self.new_version:,} 条，重复 {self.duplicate:,} 条；"
            f"在列名单条目 {self.entries_effective:,} 条；拒收 {self.refused:,} 行"
        )


@dataclass(frozen=True)
class _Sanction:
    line: int
    entity_id: str
    props: dict[str, list[str]]
    sanction_id: str


def _first(props: dict[str, list[str]], *names: str) -> str:
    for name in names:
        for value in props.get(name) or ():
            value = strip_format_characters(value).strip()
            if value:
                return value
    return ""


def _read(
    lines: Iterable[bytes], report: FtmImportReport
) -> tuple[dict[str, tuple[int, dict]], list[_Sanction]]:
    """Legal entities by id and sanctions of the file; refusals per line in ``report``."""
    entities: dict[str, tuple[int, dict]] = {}
    sanctions: list[_Sanction] = []
    read = 0
    for number, raw in enumerate(lines, start=1):
        read += len(raw)
        if read > MAX_FILE_BYTES:
            raise FtmImportError(
                "ftm_file_too_large", f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB，请分批导入"
            )
        if len(raw) > MAX_LINE_BYTES:
            raise FtmImportError(
                "ftm_line_too_long",
                f"第 {number} 行超过 {MAX_LINE_BYTES // 1024} KB，不是合规的 FollowTheMoney 实体",
            )
        if number > MAX_ENTITIES:
            raise FtmImportError("ftm_too_many_entities", f"一个文件最多 {MAX_ENTITIES:,} 个实体，请分批导入")
        report.lines = number
        if not raw.strip():
            continue
        if json_depth_exceeds(raw, MAX_DEPTH):
            raise FtmImportError("ftm_too_deep", f"第 {number} 行嵌套层数过多，不是 FollowTheMoney 实体")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise FtmImportError(
                "ftm_encoding", f"第 {number} 行不是 UTF-8 编码，FollowTheMoney 文件应为 UTF-8"
            ) from None
        try:
            entity = orjson.loads(text)
        except orjson.JSONDecodeError:
            raise FtmImportError(
                "ftm_not_json_lines",
                f"第 {number} 行不是 JSON：文件应每行一个 FollowTheMoney 实体（JSON Lines）",
            ) from None
        issues = schema_issues(entity)
        if issues:
            report.refuse(number, issues[0].code, issues[0].message)
            continue
        schema, props = entity["schema"], entity["properties"]
        if schema in LEGAL_ENTITY_SCHEMATA:
            if entity["id"] in entities:
                report.refuse(number, "ftm_id_duplicate", f"实体 id {entity['id']} 重复出现")
                continue
            entities[entity["id"]] = (number, props)
            report.legal_entities += 1
        elif schema == "Sanction":
            sanctions.append(_Sanction(number, props["entity"][0], props, entity["id"]))
            report.sanctions += 1
    return entities, sanctions


def _entity_uscc(props: dict[str, list[str]]) -> tuple[str | None, str, str]:
    """(code, refusal code, message) of a legal entity's 统一社会信用代码 among its identifiers."""
    candidates = [
        strip_invisible(v)
        for name in ("uscCode", "registrationNumber", "taxNumber")
        for v in props.get(name) or ()
    ]
    for value in candidates:
        result = check_uscc(value, subject_kind=SubjectKind.ORGANISATION)
        if result.ok and result.normalized:
            if result.normalized.startswith("92"):
                return None, "ftm_individual_business_refused", "个体工商户不作为组织名单导入"
            if result.normalized.startswith(NO_CODE):
                continue
            return result.normalized, "", ""
    return (
        None,
        "ftm_uscc_missing",
        "法人实体没有有效的统一社会信用代码（uscCode、registrationNumber 或 taxNumber）",
    )


def _document_number(sanction: _Sanction) -> str:
    given = strip_invisible(_first(sanction.props, "authorityId"))
    if given and len(given) <= 64:
        return given
    tail = (
        sanction.sanction_id
        if len(sanction.sanction_id) <= 56
        else hashlib.sha256(sanction.sanction_id.encode()).hexdigest()[:40]
    )
    return f"FTM-{tail}"


def _rows(
    entities: dict[str, tuple[int, dict]],
    sanctions: list[_Sanction],
    *,
    department: Department,
    list_type: ListType,
    report: FtmImportReport,
) -> list[tuple[SubjectInput, dict[str, Any], str, dt.date]]:
    """(subject, fields, document number, decision date) of each usable sanction."""
    rows = []
    for sanction in sanctions:
        found = entities.get(sanction.entity_id)
        if found is None:
            report.refuse(
                sanction.line,
                "ftm_entity_missing",
                f"制裁所指实体 {sanction.entity_id} 不在文件中或不是法人实体",
            )
            continue
        _line, props = found
        uscc, code, message = _entity_uscc(props)
        if uscc is None:
            report.refuse(sanction.line, code, message)
            continue
        name = _first(props, "name")[:200]
        start_text = _first(sanction.props, "startDate", "listingDate", "date")
        start = ftm_date(start_text) if start_text else None
        if start is None:
            report.refuse(
                sanction.line, "ftm_start_missing", "制裁缺少具体到日的开始日期（startDate 或 listingDate）"
            )
            continue
        end_text = _first(sanction.props, "endDate")
        end = ftm_date(end_text) if end_text else None
        if end is not None and end < start:
            report.refuse(sanction.line, "ftm_dates_order", "制裁的结束日期早于开始日期")
            continue
        authority = _first(sanction.props, "authority")[:200] or department.name
        program = _first(sanction.props, "program")[:300]
        reason = (
            _first(sanction.props, "reason", "summary", "description")[:4000]
            or f"{program or list_type.name}（FollowTheMoney 数据）"
        )
        fields = {
            "SX_ZTMC": name,
            "SX_ZTLB": SubjectKind.ORGANISATION.label,
            "SX_TYSHXYDM": uscc,
            "SX_MDMC": list_type.name,
            "SX_SXXW": reason,
            "SX_RDYJ": list_type.legal_basis[:4000],
            "SX_RDWSH": _document_number(sanction),
            "SX_LRRQ": start.isoformat(),
            "SX_RDJG": authority,
            "SX_RDJGDM": department.uscc or "",
            "SX_LYDW": department.name,
            "SX_LYDWDM": department.uscc or "",
            "BZ": f"FollowTheMoney {sanction.sanction_id}"[:512],
        }
        if end is not None:
            fields["SX_YXQZI"] = end.isoformat()
        subject = SubjectInput(kind=SubjectKind.ORGANISATION, name=name, uscc=uscc)
        rows.append((subject, fields, fields["SX_RDWSH"], start))
    return rows


def ftm_import(
    *,
    lines: Iterable[bytes],
    department: Department,
    list_type: ListType,
    as_of: dt.date,
    actor: Any = None,
    received_at: dt.datetime | None = None,
) -> FtmImportReport:
    """Import a JSON-lines file of FtM legal entities and sanctions as the mirrored list ``list_type``."""
    if list_type.colour != ListColour.BLACK or list_type.listing_mode != ListingMode.MIRRORED:
        raise FtmImportError(
            "ftm_list_type_invalid", "只能导入为“认定部门公布”的黑名单类型，请选择其他名单类型"
        )
    if SubjectKind.ORGANISATION not in (list_type.subject_kinds or []):
        raise FtmImportError("ftm_list_type_invalid", f"名单类型“{list_type.name}”不适用于法人及非法人组织")
    item_version = catalog_item_current_version(code=ITEM_CODE, on=as_of)
    if item_version is None:
        raise FtmImportError("ftm_item_missing", "信用信息目录中没有“严重失信主体名单”目录项，请先载入目录")
    if not item_version.accepts_from(department):
        raise FtmImportError(
            "ftm_department_not_source",
            f"“{department.name}”不是“严重失信主体名单”的数据来源部门，请选择认定部门",
        )
    report = FtmImportReport()
    entities, sanctions = _read(lines, report)
    rows = _rows(entities, sanctions, department=department, list_type=list_type, report=report)
    received_at = received_at or timezone.now()
    report.batch_ref = (
        f"{FTM_BATCH_PREFIX}{received_at:%Y%m%d%H%M%S}-{hashlib.sha256(repr(rows).encode()).hexdigest()[:8]}"
    )
    severity = (item_version.severity_rules or {}).get("default", "")
    record_ids: list[int] = []
    with transaction.atomic():
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            outcomes = subjects_resolve_bulk(
                inputs=[subject for subject, *_ in chunk], source="ftm", as_of=as_of, actor=actor
            )
            ready = []
            for number, ((_subject, fields, document, decided), outcome) in enumerate(
                zip(chunk, outcomes, strict=True)
            ):
                if outcome.subject_id is None:
                    issue = outcome.errors[0] if outcome.errors else None
                    report.refuse(
                        0,
                        issue.code if issue else "ftm_subject_refused",
                        issue.message if issue else "主体无法登记",
                    )
                    continue
                row = RecordInput(
                    number=start + number + 1,
                    document_number=document,
                    decision_date=decided,
                    fields=fields,
                    severity=severity,
                )
                ready.append((row, outcome.subject_id))
            result = records_bulk_ingest(
                item_version=item_version,
                department=department,
                rows=ready,
                channel=Channel.FILE,
                batch_ref=report.batch_ref,
                received_at=received_at,
                uploader=actor
                if getattr(actor, "is_authenticated", False) and hasattr(actor, "role")
                else None,
                subject_kinds={subject_id: SubjectKind.ORGANISATION for _row, subject_id in ready},
            )
            report.created += result.outcomes.count("created")
            report.new_version += result.outcomes.count("new_version")
            report.duplicate += result.outcomes.count("duplicate")
            keys = [normalize_document_number(row.document_number) for row, _subject_id in ready]
            record_ids += CreditRecord.objects.filter(
                item_id=item_version.item_id, department=department, document_number_key__in=keys
            ).values_list("pk", flat=True)
        list_entries_sync(record_ids=record_ids, as_of=as_of, actor=actor)
        report.entries_effective = ListEntry.objects.filter(
            record_id__in=record_ids, list_type=list_type, state=EntryState.EFFECTIVE
        ).count()
        audit_log(
            actor=actor,
            action=AuditAction.IMPORT,
            obj=list_type,
            detail={
                "format": "followthemoney",
                "batch_ref": report.batch_ref,
                "department": department.code,
                "lines": report.lines,
                "sanctions": report.sanctions,
                "created": report.created,
                "refused": report.refused,
            },
        )
    return report
