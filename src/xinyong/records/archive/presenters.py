"""How an archive is shown: records and versions with their labels, masked field values, the category groups, the
subject's header, the search results and the CSV export. Nothing here reads the database beyond the objects
given (their prefetched versions)."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any

from xinyong.catalog.models import CatalogCategory
from xinyong.core.codes import DisclosureScope, choice_label
from xinyong.core.identifiers import check_ric
from xinyong.core.masking import mask_ric
from xinyong.core.spreadsheet import SafeCsvWriter
from xinyong.records.archive.selectors import ArchiveCounts, TimelineEvent, ViewLogEntry
from xinyong.records.models import (
    Channel,
    CreditRecord,
    CreditRecordVersion,
    EffectiveStatus,
    RecordStatus,
    SeverityTier,
)
from xinyong.records.permissions import can_read_old_versions
from xinyong.records.selectors import record_effective_status
from xinyong.subjects.models import Subject

SCOPE_TONES = {
    DisclosureScope.PUBLIC: "badge-ok",
    DisclosureScope.SHARED: "badge-info",
    DisclosureScope.AUTHORISED: "badge-warn",
    DisclosureScope.NONE: "badge-err",
}

ID_LIKE = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")

EXPORT_COLUMNS = (
    ("category", "信息类别"),
    ("item", "目录项"),
    ("department", "数据来源单位"),
    ("document_number", "文书号"),
    ("decision_date", "决定日期"),
    ("severity", "严重程度"),
    ("polarity", "信息性质"),
    ("scope", "公开属性"),
    ("status", "状态"),
    ("publish_from", "公示起始日期"),
    ("publish_until", "公示截止日期"),
    ("version", "当前版本"),
)


@dataclass(frozen=True)
class SubjectFound:
    id: int
    name: str
    kind: str
    kind_label: str
    code: str  # USCC or the masked 身份证 number


@dataclass(frozen=True)
class ArchiveField:
    code: str
    name: str
    value: str


@dataclass(frozen=True)
class ArchiveVersion:
    number: int
    is_current: bool
    status: str
    status_label: str
    status_date: dt.date | None
    change_reason: str
    decision_date: dt.date
    severity_label: str
    publish_from: dt.date | None
    publish_until: dt.date | None
    channel_label: str
    batch_ref: str
    received_at: dt.datetime
    submitted_by: str
    item_version: int
    content_hash: str
    fields: list[ArchiveField]


@dataclass(frozen=True)
class ArchiveRecord:
    id: int
    item_code: str
    item_name: str
    category: str
    category_label: str
    department_code: str
    department_name: str
    document_number: str
    decision_date: dt.date
    severity: str
    severity_label: str
    polarity: str
    polarity_label: str
    disclosure_scope: str
    scope_label: str
    scope_tone: str
    status: str
    effective_status: str
    effective_label: str
    publish_from: dt.date | None
    publish_until: dt.date | None
    in_publication: bool
    publishable: bool | None
    repair_from: dt.date | None
    no_early_stop: bool
    window_rule: str
    version_count: int
    old_versions_readable: bool
    duplicate_count: int
    versions: list[ArchiveVersion]
    disputed: bool = False
    department_id: int | None = None

    @property
    def repaired(self) -> bool:
        return self.effective_status == EffectiveStatus.REPAIRED

    @property
    def expired(self) -> bool:
        return self.effective_status == EffectiveStatus.EXPIRED

    @property
    def revoked(self) -> bool:
        return self.effective_status == EffectiveStatus.REVOKED

    @property
    def withdrawn(self) -> bool:
        return self.effective_status == EffectiveStatus.WITHDRAWN

    @property
    def fields(self) -> list[ArchiveField]:
        return self.versions[0].fields if self.versions else []


@dataclass(frozen=True)
class CategoryGroup:
    category: str
    label: str
    records: list[ArchiveRecord]


@dataclass
class SubjectArchive:
    subject: Subject
    subject_code: str
    subject_kind_label: str
    aliases: list[tuple[str, str]]
    linked_persons: list[dict]
    as_of: dt.date
    purpose: str
    counts: ArchiveCounts
    page_number: int
    num_pages: int
    page_size: int
    records: list[ArchiveRecord]
    timeline: list[TimelineEvent]
    timeline_truncated: bool
    views: list[ViewLogEntry]
    view_count: int
    audit_seq: int
    groups: list[CategoryGroup] = field(default_factory=list)

    @property
    def has_previous(self) -> bool:
        return self.page_number > 1

    @property
    def has_next(self) -> bool:
        return self.page_number < self.num_pages


def mask_text(value: Any, *, as_of: dt.date) -> str:
    """A field value for display: any valid 18-digit 身份证 number inside it is masked."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        text = "、".join(str(v) for v in value)
    elif isinstance(value, dict):
        text = "；".join(f"{k}：{v}" for k, v in value.items())
    else:
        text = str(value)

    def replace(match: re.Match) -> str:
        candidate = match.group(0)
        return mask_ric(candidate) if check_ric(candidate, as_of=as_of).ok else candidate

    return ID_LIKE.sub(replace, text)


def _field_names(item_version) -> dict[str, str]:
    names = {}
    for spec in item_version.fields or []:
        if isinstance(spec, dict) and spec.get("code"):
            names[spec["code"]] = spec.get("name") or spec["code"]
    return names


def _submitted_by(version: CreditRecordVersion) -> str:
    if version.api_client_id:
        return version.api_client.name
    if version.uploader_id:
        user = version.uploader
        full = f"{user.last_name or ''}{user.first_name or ''}".strip()
        return full or user.get_username()
    return "系统"


def _version_out(version: CreditRecordVersion, *, current_id: int | None, as_of: dt.date) -> ArchiveVersion:
    names = _field_names(version.item_version)
    fields = [
        ArchiveField(code=code, name=names.get(code, code), value=mask_text(value, as_of=as_of))
        for code, value in (version.fields or {}).items()
        if value not in (None, "")
    ]
    return ArchiveVersion(
        number=version.number,
        is_current=version.pk == current_id,
        status=version.status,
        status_label=choice_label(RecordStatus, version.status),
        status_date=version.status_date,
        change_reason=version.change_reason,
        decision_date=version.decision_date,
        severity_label=choice_label(SeverityTier, version.severity),
        publish_from=version.publish_from,
        publish_until=version.publish_until,
        channel_label=choice_label(Channel, version.channel),
        batch_ref=version.batch_ref,
        received_at=version.received_at,
        submitted_by=_submitted_by(version),
        item_version=version.item_version.number,
        content_hash=version.content_hash,
        fields=fields,
    )


def archive_record_present(
    *, record: CreditRecord, principal, as_of: dt.date, public_ids: set[int]
) -> ArchiveRecord:
    """One record of the archive with its labels and the versions the principal may read."""
    readable = can_read_old_versions(principal, record)
    all_versions = sorted(record.versions.all(), key=lambda v: -v.number)
    shown = all_versions if readable else [v for v in all_versions if v.pk == record.current_version_id]
    effective = record_effective_status(version=record, as_of=as_of)
    category = record.item.category
    return ArchiveRecord(
        id=record.pk,
        item_code=record.item.code,
        item_name=record.item.name,
        category=category,
        category_label=choice_label(CatalogCategory, category),
        department_code=record.department.code,
        department_name=record.department.name,
        department_id=record.department_id,
        document_number=record.document_number,
        decision_date=record.decision_date,
        severity=record.severity,
        severity_label=choice_label(SeverityTier, record.severity),
        polarity=record.polarity,
        polarity_label=record.get_polarity_display(),
        disclosure_scope=record.disclosure_scope,
        scope_label=choice_label(DisclosureScope, record.disclosure_scope),
        scope_tone=SCOPE_TONES.get(record.disclosure_scope, ""),
        status=record.status,
        effective_status=effective,
        effective_label=choice_label(EffectiveStatus, effective),
        publish_from=record.publish_from,
        publish_until=record.publish_until,
        in_publication=record.pk in public_ids,
        publishable=record.publishable,
        repair_from=record.repair_from,
        no_early_stop=record.no_early_stop,
        window_rule=record.window_rule,
        version_count=len(all_versions),
        old_versions_readable=readable,
        duplicate_count=record.duplicate_count,
        versions=[_version_out(v, current_id=record.current_version_id, as_of=as_of) for v in shown],
        disputed=record.disputed,
    )


def archive_groups(*, records: list[ArchiveRecord]) -> list[CategoryGroup]:
    """Consecutive records of the same catalog category, as the page's sections."""
    groups: list[CategoryGroup] = []
    for record in records:
        if not groups or groups[-1].category != record.category:
            groups.append(CategoryGroup(category=record.category, label=record.category_label, records=[]))
        groups[-1].records.append(record)
    return groups


def archive_subject_header(*, subject: Subject) -> tuple[list[tuple[str, str]], list[dict]]:
    """The subject's aliases (kind label, value) and linked persons (masked 身份证 numbers)."""
    aliases = [(a.get_kind_display(), a.value) for a in subject.aliases.all()]
    persons = [
        {
            "role": p.get_role_display(),
            "name": p.name,
            "ric_masked": p.ric_masked,
            "valid_from": p.valid_from,
            "valid_to": p.valid_to,
        }
        for p in subject.linked_persons.order_by("role", "-valid_from")
    ]
    return aliases, persons


def subject_found(*, subject: Subject) -> SubjectFound:
    """A search result: the subject's name, kind and code (USCC or masked 身份证 number)."""
    return SubjectFound(
        id=subject.pk,
        name=subject.name,
        kind=subject.kind,
        kind_label=subject.get_kind_display(),
        code=subject.display_code,
    )


def archive_csv(*, subject: Subject, records: list[CreditRecord], as_of: dt.date) -> str:
    """The records as CSV text (status as of ``as_of``), 身份证 numbers masked, formulas neutralised."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)  # cells that a spreadsheet would run as formulas are neutralised
    writer.writerow(["主体名称", subject.name, "主体代码", subject.display_code, "状态基准日", as_of])
    writer.writerow([label for _, label in EXPORT_COLUMNS])
    for record in records:
        effective = record_effective_status(version=record, as_of=as_of)
        row = {
            "category": choice_label(CatalogCategory, record.item.category),
            "item": record.item.name,
            "department": record.department.name,
            "document_number": record.document_number,
            "decision_date": record.decision_date,
            "severity": choice_label(SeverityTier, record.severity),
            "polarity": record.get_polarity_display(),
            "scope": choice_label(DisclosureScope, record.disclosure_scope),
            "status": choice_label(EffectiveStatus, effective),
            "publish_from": record.publish_from,
            "publish_until": record.publish_until,
            "version": record.current_version.number if record.current_version_id else "",
        }
        writer.writerow([mask_text(row[key], as_of=as_of) for key, _ in EXPORT_COLUMNS])
    return buffer.getvalue()
