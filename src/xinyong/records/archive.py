"""信用档案: every record of one subject across departments, as a government principal may see it.

The archive is the working file of a subject for a console user or an API client: every record visible to the
principal (``records_visible_to``) — public, 政务共享 and, for the owning department, 授权查询 and 不公开 ones —
including revoked, withdrawn and expired records, each with its effective status as of a date; the versions the
principal may read (``can_read_old_versions``); a timeline of what happened to the records; and the trail of who
looked at the subject.

Opening the archive is itself a query of non-public data (docs/access.md, 征信业管理条例 Art. 22): the principal states
a purpose (查询事由) from a fixed list, and every view and export is written to the audit log with it, before any
data is returned. Who may open it: operators, auditors, department data officers and reviewers (window clerks
run credit checks instead and get no archive), and API clients holding ``records:read``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from xinyong.accounts.models import ApiClient, ApiScope, AuditAction, AuditEntry, Role
from xinyong.accounts.permissions import is_platform_wide, readable_department_ids
from xinyong.accounts.services import audit_log
from xinyong.catalog.models import CatalogCategory
from xinyong.core.codes import DisclosureScope, SubjectKind
from xinyong.core.errors import CodedError
from xinyong.core.identifiers import check_ric, normalize_code_input
from xinyong.core.masking import mask_ric
from xinyong.core.spreadsheet import SafeCsvWriter
from xinyong.records.models import (
    Channel,
    CreditRecord,
    CreditRecordVersion,
    EffectiveStatus,
    RecordStatus,
    SeverityTier,
)
from xinyong.records.selectors import (
    can_read_old_versions,
    record_effective_status,
    records_visible_to,
    records_with_effective_status,
)
from xinyong.subjects.models import AliasKind, Subject
from xinyong.subjects.names import normalize_name
from xinyong.subjects.selectors import ric_lookup_hash, subjects_visible_to

# Console roles that may open the archive. Window clerks work on credit checks and see no archive.
ARCHIVE_ROLES = frozenset({Role.OPERATOR, Role.AUDITOR, Role.DATA_OFFICER, Role.REVIEWER})

ARCHIVE_PAGE_SIZE = 20
MAX_PAGE_SIZE = 200
TIMELINE_LIMIT = 200
VIEW_LOG_LIMIT = 50
SEARCH_LIMIT = 20
PURPOSE_NOTE_MAX_LENGTH = 100
# What the audit log records as the purpose of a subject search by 身份证 number (before a 查询事由 is chosen).
SEARCH_PURPOSE = "查找主体以调阅信用档案"

# Columns part of the publication work adds to records; read when present.
OPTIONAL_RECORD_DATES = {
    "repair_from": "可申请信用修复",
    "withdrawal_due": "撤下公示期限",
    "withdrawn_at": "已撤下公示",
}

SCOPE_TONES = {
    DisclosureScope.PUBLIC: "badge-ok",
    DisclosureScope.SHARED: "badge-info",
    DisclosureScope.AUTHORISED: "badge-warn",
    DisclosureScope.NONE: "badge-err",
}

ID_LIKE = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")


class ArchivePurpose:
    """The fixed list of 查询事由; "other" needs a free-text explanation."""

    ADMINISTRATIVE_APPROVAL = "administrative_approval"
    SUPERVISION = "supervision"
    ENFORCEMENT = "enforcement"
    CREDIT_CHECK = "credit_check"
    OBJECTION = "objection"
    REPAIR = "repair"
    AUDIT = "audit"
    OTHER = "other"

    choices: tuple[tuple[str, str], ...] = (
        (ADMINISTRATIVE_APPROVAL, "行政审批"),
        (SUPERVISION, "日常监管"),
        (ENFORCEMENT, "执法检查"),
        (CREDIT_CHECK, "信用核查"),
        (OBJECTION, "异议处理"),
        (REPAIR, "信用修复"),
        (AUDIT, "审计检查"),
        (OTHER, "其他（须说明）"),
    )


OTHER_LABEL = "其他"
_PURPOSE_LOOKUP: dict[str, str] = {}
for _code, _label in ArchivePurpose.choices:
    _PURPOSE_LOOKUP[_code] = _code
    _PURPOSE_LOOKUP[_label] = _code
_PURPOSE_LOOKUP[OTHER_LABEL] = ArchivePurpose.OTHER
_PURPOSE_LABELS = dict(ArchivePurpose.choices)


class ArchiveError(CodedError):
    """The archive cannot be opened as asked: a stable ``code`` and a zh-hans ``message``."""


class ArchiveSubjectNotFound(ArchiveError):
    """The subject does not exist or the principal may not see it (the two are not told apart)."""

    status = 404

    def __init__(self) -> None:
        super().__init__("subject_not_found", "未找到该主体，或您无权查看其信用档案")


# ---------------------------------------------------------------------------------------------------
# Access and purpose


def archive_can_open(principal) -> bool:
    """May this user or API client open credit archives at all (department limits apply to the content)?"""
    if isinstance(principal, ApiClient):
        return principal.revoked_at is None and ApiScope.RECORDS_READ in (principal.scopes or [])
    if not (principal is not None and getattr(principal, "is_authenticated", False) and principal.is_active):
        return False
    if principal.role:
        return principal.role in ARCHIVE_ROLES
    return bool(principal.is_superuser)


def archive_purpose_text(*, purpose: str, purpose_note: str = "") -> str:
    """Check a stated 查询事由 (code or Chinese name; "其他" with its explanation) and return the logged text."""
    text = (purpose or "").strip()
    note = (purpose_note or "").strip()
    if not text:
        raise ArchiveError("purpose_required", "调阅信用档案须先选择查询事由")
    if text not in _PURPOSE_LOOKUP:
        # "其他：核对举报线索" states the explanation in the same value.
        for separator in ("：", ":"):
            head, found, tail = text.partition(separator)
            if found and _PURPOSE_LOOKUP.get(head.strip()) == ArchivePurpose.OTHER:
                text, note = head.strip(), note or tail.strip()
                break
    code = _PURPOSE_LOOKUP.get(text)
    if code is None:
        allowed = "、".join(label for _, label in ArchivePurpose.choices)
        raise ArchiveError("purpose_invalid", f"查询事由“{text[:50]}”不在规定范围内，应为：{allowed}")
    if code != ArchivePurpose.OTHER:
        return _PURPOSE_LABELS[code]
    if not note:
        raise ArchiveError("purpose_note_required", "查询事由为“其他”时，须填写具体事由")
    if len(note) > PURPOSE_NOTE_MAX_LENGTH:
        raise ArchiveError(
            "purpose_note_too_long", f"具体事由不能超过 {PURPOSE_NOTE_MAX_LENGTH} 个字，请简要说明"
        )
    return f"{OTHER_LABEL}：{note}"


def _check_can_open(principal, *, subject: Subject | None = None, purpose: str = "") -> None:
    if not archive_can_open(principal):
        audit_log(
            actor=principal,
            action=AuditAction.VIEW,
            obj=subject if subject is not None else Subject,
            purpose=purpose,
            outcome="denied",
            detail={"via": "archive"},
        )
        raise PermissionDenied("您的角色无权调阅信用档案")


def archive_subject_get(*, principal, subject_id: int) -> Subject:
    """The subject if the principal may open its archive; unknown and invisible subjects are both 404."""
    if not archive_can_open(principal):
        raise PermissionDenied("您的角色无权调阅信用档案")
    subject = subjects_visible_to(principal).filter(pk=subject_id).first()
    if subject is None:
        raise ArchiveSubjectNotFound()
    return subject


# ---------------------------------------------------------------------------------------------------
# Search


@dataclass(frozen=True)
class SubjectFound:
    id: int
    name: str
    kind: str
    kind_label: str
    code: str  # USCC or the masked 身份证 number


def _hit_subject_id(hit: Any) -> int | None:
    for name in ("subject_id", "id", "pk"):
        value = getattr(hit, name, None)
        if isinstance(value, int):
            return value
    subject = getattr(hit, "subject", None)
    return subject.pk if isinstance(subject, Subject) else None


def _search_ids(query: str, *, limit: int) -> list[int] | None:
    """Subject ids from the platform's name search, or None when that search is not installed."""
    try:
        from xinyong.subjects.search import subject_search
    except ImportError:
        return None
    ids = []
    for hit in subject_search(query=query, limit=limit):
        subject_id = _hit_subject_id(hit)
        if subject_id is not None and subject_id not in ids:
            ids.append(subject_id)
    return ids


def _fallback_ids(query: str, *, digest: str | None, limit: int) -> list[int]:
    """Exact identifier (USCC, 身份证 via HMAC, legacy code) or a fragment of the normalised name."""
    code = normalize_code_input(query)
    exact = Q(pk__in=[])
    if digest is not None:
        exact |= Q(ric_hmac=digest)
    if code:
        exact |= Q(uscc=code) | Q(aliases__value_normalized=code, aliases__kind__in=_LEGACY_CODE_KINDS)
    ids = list(Subject.objects.filter(exact).order_by("pk").values_list("pk", flat=True).distinct()[:limit])
    key = normalize_name(query)
    if key and len(ids) < limit:
        by_name = (
            Subject.objects.exclude(kind=SubjectKind.NATURAL_PERSON)
            .filter(
                Q(name_normalized__icontains=key)
                | Q(aliases__kind=AliasKind.FORMER_NAME, aliases__value_normalized__icontains=key)
            )
            .exclude(pk__in=ids)
            .order_by("name_normalized", "pk")
            .values_list("pk", flat=True)
            .distinct()
        )
        ids += list(by_name[: limit - len(ids)])
    return ids


_LEGACY_CODE_KINDS = [kind for kind in AliasKind.values if kind != AliasKind.FORMER_NAME]


def archive_subject_search(*, principal, query: str, limit: int = SEARCH_LIMIT) -> list[SubjectFound]:
    """Subjects matching a USCC / 身份证 number (exact) or a name, among those the principal may see.

    Natural persons are found by their ID number only, never by name. A search by 身份证 number is written to
    the audit log (whom it found, never the number).
    """
    if not archive_can_open(principal):
        raise PermissionDenied("您的角色无权调阅信用档案")
    query = (query or "").strip()[:100]
    if not query:
        return []
    code = normalize_code_input(query)
    digest = ric_lookup_hash(value=query) if code[:17].isdigit() and len(code) in (15, 18) else None
    ids = _search_ids(query, limit=limit)
    if ids is None:
        ids = _fallback_ids(query, digest=digest, limit=limit)
    elif digest is not None:
        ids = list(Subject.objects.filter(ric_hmac=digest).values_list("pk", flat=True)) + ids
    visible = {s.pk: s for s in subjects_visible_to(principal).filter(pk__in=ids)}
    found = []
    for subject_id in dict.fromkeys(ids):
        subject = visible.get(subject_id)
        if subject is None:
            continue
        if subject.kind == SubjectKind.NATURAL_PERSON and (digest is None or subject.ric_hmac != digest):
            continue
        found.append(
            SubjectFound(
                id=subject.pk,
                name=subject.name,
                kind=subject.kind,
                kind_label=subject.get_kind_display(),
                code=subject.display_code,
            )
        )
        if len(found) >= limit:
            break
    if digest is not None:
        persons = [s.id for s in found if s.kind == SubjectKind.NATURAL_PERSON]
        audit_log(
            actor=principal,
            action=AuditAction.QUERY,
            obj=Subject,
            purpose=SEARCH_PURPOSE,
            detail={"via": "archive", "by": "ric", "subject_ids": persons},
        )
    return found


# ---------------------------------------------------------------------------------------------------
# The archive


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
class TimelineEvent:
    on: dt.date
    kind: str
    label: str
    record_id: int
    record_label: str
    department_name: str
    detail: str
    upcoming: bool


@dataclass(frozen=True)
class ViewLogEntry:
    seq: int
    at: dt.datetime
    actor: str
    actor_department: str
    action: str
    action_label: str
    target: str
    purpose: str
    outcome: str
    outcome_label: str


@dataclass(frozen=True)
class CategoryGroup:
    category: str
    label: str
    records: list[ArchiveRecord]


@dataclass
class ArchiveCounts:
    records: int = 0
    departments: int = 0
    effective: int = 0
    expired: int = 0
    revoked: int = 0
    withdrawn: int = 0
    public: int = 0
    shared: int = 0
    authorised: int = 0
    undisclosed: int = 0

    @property
    def non_public(self) -> int:
        return self.records - self.public


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


def _model_has(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:
        return False
    return True


def _category_order() -> Case:
    whens = [When(item__category=value, then=Value(i)) for i, value in enumerate(CatalogCategory.values)]
    return Case(*whens, default=Value(len(whens)), output_field=IntegerField())


def archive_records(*, principal, subject: Subject) -> QuerySet[CreditRecord]:
    """Every record of the subject the principal may read, grouped by catalog category, newest first."""
    return (
        records_visible_to(principal=principal)
        .filter(subject=subject)
        .annotate(category_order=_category_order())
        .order_by("category_order", "-decision_date", "-id")
    )


def archive_counts(records: QuerySet[CreditRecord], *, as_of: dt.date) -> ArchiveCounts:
    """How many records, by effective status on ``as_of`` and by disclosure scope (one query)."""
    totals = records.order_by().aggregate(
        records=Count("pk"),
        departments=Count("department", distinct=True),
        effective=Count(
            "pk", filter=records_with_effective_status(status=EffectiveStatus.EFFECTIVE, as_of=as_of)
        ),
        expired=Count(
            "pk", filter=records_with_effective_status(status=EffectiveStatus.EXPIRED, as_of=as_of)
        ),
        revoked=Count("pk", filter=Q(status=RecordStatus.REVOKED)),
        withdrawn=Count("pk", filter=Q(status=RecordStatus.WITHDRAWN)),
        public=Count("pk", filter=Q(disclosure_scope=DisclosureScope.PUBLIC)),
        shared=Count("pk", filter=Q(disclosure_scope=DisclosureScope.SHARED)),
        authorised=Count("pk", filter=Q(disclosure_scope=DisclosureScope.AUTHORISED)),
        undisclosed=Count("pk", filter=Q(disclosure_scope=DisclosureScope.NONE)),
    )
    return ArchiveCounts(**{name: value or 0 for name, value in totals.items()})


def _mask_text(value: Any, *, as_of: dt.date) -> str:
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


def _choice_label(choices, value: str) -> str:
    if not value:
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _version_out(version: CreditRecordVersion, *, current_id: int | None, as_of: dt.date) -> ArchiveVersion:
    names = _field_names(version.item_version)
    fields = [
        ArchiveField(code=code, name=names.get(code, code), value=_mask_text(value, as_of=as_of))
        for code, value in (version.fields or {}).items()
        if value not in (None, "")
    ]
    return ArchiveVersion(
        number=version.number,
        is_current=version.pk == current_id,
        status=version.status,
        status_label=_choice_label(RecordStatus, version.status),
        status_date=version.status_date,
        change_reason=version.change_reason,
        decision_date=version.decision_date,
        severity_label=_choice_label(SeverityTier, version.severity),
        publish_from=version.publish_from,
        publish_until=version.publish_until,
        channel_label=_choice_label(Channel, version.channel),
        batch_ref=version.batch_ref,
        received_at=version.received_at,
        submitted_by=_submitted_by(version),
        item_version=version.item_version.number,
        content_hash=version.content_hash,
        fields=fields,
    )


def _record_out(record: CreditRecord, *, principal, as_of: dt.date, public_ids: set[int]) -> ArchiveRecord:
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
        category_label=_choice_label(CatalogCategory, category),
        department_code=record.department.code,
        department_name=record.department.name,
        document_number=record.document_number,
        decision_date=record.decision_date,
        severity=record.severity,
        severity_label=_choice_label(SeverityTier, record.severity),
        polarity=record.polarity,
        polarity_label=record.get_polarity_display(),
        disclosure_scope=record.disclosure_scope,
        scope_label=_choice_label(DisclosureScope, record.disclosure_scope),
        scope_tone=SCOPE_TONES.get(record.disclosure_scope, ""),
        status=record.status,
        effective_status=effective,
        effective_label=_choice_label(EffectiveStatus, effective),
        publish_from=record.publish_from,
        publish_until=record.publish_until,
        in_publication=record.pk in public_ids,
        publishable=getattr(record, "publishable", None),
        repair_from=getattr(record, "repair_from", None),
        no_early_stop=bool(getattr(record, "no_early_stop", False)),
        window_rule=getattr(record, "window_rule", "") or "",
        version_count=len(all_versions),
        old_versions_readable=readable,
        duplicate_count=record.duplicate_count,
        versions=[_version_out(v, current_id=record.current_version_id, as_of=as_of) for v in shown],
    )


def _old_versions_filter(principal) -> Q:
    """Versions the principal may read, as a filter on versions (the set-based form of can_read_old_versions)."""
    if not isinstance(principal, ApiClient) and is_platform_wide(principal):
        return Q()
    own = readable_department_ids(principal)
    if own is None:
        return Q()
    return Q(record__department_id__in=own) | Q(pk=F("record__current_version"))


def _record_label(item_name: str, document_number: str) -> str:
    return f"{item_name}（{document_number}）"


def archive_timeline(
    *, principal, records: QuerySet[CreditRecord], as_of: dt.date, limit: int = TIMELINE_LIMIT
) -> tuple[list[TimelineEvent], bool]:
    """Dated events of the records, newest first: decisions, receipts, corrections, status changes,
    duplicate submissions and the publication window; returns the events and whether the list was cut."""
    events: list[TimelineEvent] = []
    optional = [name for name in OPTIONAL_RECORD_DATES if _model_has(CreditRecord, name)]
    rows = records.order_by().values(
        "pk",
        "item__name",
        "document_number",
        "department__name",
        "decision_date",
        "publish_from",
        "publish_until",
        "duplicate_count",
        "last_duplicate_at",
        "created_at",
        *optional,
    )
    labels: dict[int, tuple[str, str]] = {}
    windows: dict[int, tuple[dt.date, dt.date | None]] = {}
    for row in rows:
        label = _record_label(row["item__name"], row["document_number"])
        department = row["department__name"]
        labels[row["pk"]] = (label, department)
        # A record is public from its window's start, but not before the platform received it.
        received_on = timezone.localdate(row["created_at"])
        start = max(row["publish_from"], received_on) if row["publish_from"] else received_on
        windows[row["pk"]] = (start, row["publish_until"])

        def add(on, kind: str, text: str, detail: str = "", *, row=row, label=label, department=department):
            if on is None:
                return
            day = timezone.localdate(on) if isinstance(on, dt.datetime) else on
            events.append(
                TimelineEvent(
                    on=day,
                    kind=kind,
                    label=text,
                    record_id=row["pk"],
                    record_label=label,
                    department_name=department,
                    detail=detail,
                    upcoming=day > as_of,
                )
            )

        add(row["decision_date"], "decision", "作出决定")
        add(row["publish_from"], "publish_from", "公示开始")
        ended = row["publish_until"] is not None and row["publish_until"] < as_of
        add(row["publish_until"], "publish_until", "公示期满" if ended else "公示截止（预计）")
        if row["duplicate_count"]:
            add(
                row["last_duplicate_at"],
                "duplicate",
                "重复报送",
                f"内容与已有版本相同，累计 {row['duplicate_count']} 次",
            )
        for name in optional:
            add(row[name], name, OPTIONAL_RECORD_DATES[name])

    versions = (
        CreditRecordVersion.objects.filter(record__in=records.order_by().values("pk"))
        .filter(_old_versions_filter(principal))
        .order_by("-received_at", "-number")
        .values(
            "record_id",
            "number",
            "status",
            "status_date",
            "change_reason",
            "received_at",
            "channel",
            "supersedes__status",
        )[: limit + 1]
    )
    for version in versions:
        label, department = labels.get(version["record_id"], ("", ""))
        received_on = timezone.localdate(version["received_at"])
        channel = _choice_label(Channel, version["channel"])
        if version["number"] == 1:
            kind, text, on = "received", "首次报送", received_on
            detail = f"渠道：{channel}"
        elif version["supersedes__status"] and version["status"] != version["supersedes__status"]:
            status_label = _choice_label(RecordStatus, version["status"])
            kind, on = "status", version["status_date"] or received_on
            text = (
                "恢复有效" if version["status"] == RecordStatus.EFFECTIVE else f"状态变更为“{status_label}”"
            )
            detail = version["change_reason"]
        else:
            kind, text, on = "version", f"更正（第 {version['number']} 版）", received_on
            detail = version["change_reason"] or f"渠道：{channel}"
        events.append(
            TimelineEvent(
                on=on,
                kind=kind,
                label=text,
                record_id=version["record_id"],
                record_label=label,
                department_name=department,
                detail=detail,
                upcoming=on > as_of,
            )
        )
    events += _publication_events(records, labels=labels, windows=windows, as_of=as_of, limit=limit)
    events.sort(key=lambda e: (e.on, e.record_id), reverse=True)
    truncated = len(events) > limit
    return events[:limit], truncated


def _publication_events(
    records: QuerySet[CreditRecord],
    *,
    labels: dict[int, tuple[str, str]],
    windows: dict[int, tuple[dt.date, dt.date | None]],
    as_of: dt.date,
    limit: int,
) -> list[TimelineEvent]:
    """Entries into and exits from publication recorded by the nightly sweep, when that table exists.

    The sweep notes a change on the day it runs; an entry because the window started, or an exit because it
    ended, is dated by the window itself (its start, or the day after its end), so that the first sweep of
    a platform loaded with older records does not date them all on the day it ran.
    """
    try:
        model = apps.get_model("records", "PublicationChange")
    except LookupError:
        return []
    rows = (
        model.objects.filter(record__in=records.order_by().values("pk"))
        .order_by("-on_date", "-pk")
        .values("record_id", "change", "on_date", "reason")[: limit + 1]
    )
    changes = dict(model._meta.get_field("change").flatchoices)
    reasons = dict(model._meta.get_field("reason").flatchoices)
    events = []
    for row in rows:
        label, department = labels.get(row["record_id"], ("", ""))
        on = _publication_change_day(row, windows.get(row["record_id"]))
        events.append(
            TimelineEvent(
                on=on,
                kind=f"publication_{row['change']}",
                label=str(changes.get(row["change"], row["change"])),
                record_id=row["record_id"],
                record_label=label,
                department_name=department,
                detail=str(reasons.get(row["reason"], row["reason"])),
                upcoming=on > as_of,
            )
        )
    return events


def _publication_change_day(row: dict, window: tuple[dt.date, dt.date | None] | None) -> dt.date:
    """The day a recorded publication change happened: the window's start or end where that was the cause,
    never later than the sweep that noticed it; other changes on the day they were noticed."""
    noticed = row["on_date"]
    if window is None:
        return noticed
    start, until = window
    if row["change"] == "entered" and row["reason"] == "window_started":
        return min(start, noticed)
    if row["change"] == "left" and row["reason"] == "window_ended" and until is not None:
        return min(until + dt.timedelta(days=1), noticed)
    return noticed


def _audit_scope(principal) -> Q:
    """Audit entries the principal may see in an archive: all for platform-wide roles, else its department's."""
    if not isinstance(principal, ApiClient) and is_platform_wide(principal):
        return Q()
    own = readable_department_ids(principal)
    if own is None:
        return Q()
    return Q(actor_department_id__in=own)


def archive_view_log(
    *, principal, subject: Subject, record_ids: Iterable[int], limit: int = VIEW_LOG_LIMIT
) -> tuple[list[ViewLogEntry], int]:
    """Who looked at the subject or at its records (views, queries, exports), newest first, with the total.

    Operators and auditors see every entry; department roles and API clients see those of their department.
    """
    ids = [str(pk) for pk in record_ids]
    on_subject = Q(object_type=Subject._meta.label_lower, object_id=str(subject.pk))
    on_records = Q(object_type=CreditRecord._meta.label_lower, object_id__in=ids) if ids else Q(pk__in=[])
    entries = AuditEntry.objects.filter(
        (on_subject | on_records)
        & Q(action__in=[AuditAction.VIEW, AuditAction.QUERY, AuditAction.EXPORT])
        & _audit_scope(principal)
    )
    total = entries.count()
    rows = entries.select_related("actor_department").order_by("-seq")[:limit]
    out = []
    for entry in rows:
        target = "本主体" if entry.object_type == Subject._meta.label_lower else f"信用记录 {entry.object_id}"
        out.append(
            ViewLogEntry(
                seq=entry.seq,
                at=entry.created_at,
                actor=entry.actor_name,
                actor_department=entry.actor_department.name if entry.actor_department_id else "",
                action=entry.action,
                action_label=_choice_label(AuditAction, entry.action),
                target=target,
                purpose=entry.purpose,
                outcome=entry.outcome,
                outcome_label=entry.get_outcome_display(),
            )
        )
    return out, total


def _groups(records: list[ArchiveRecord]) -> list[CategoryGroup]:
    groups: list[CategoryGroup] = []
    for record in records:
        if not groups or groups[-1].category != record.category:
            groups.append(CategoryGroup(category=record.category, label=record.category_label, records=[]))
        groups[-1].records.append(record)
    return groups


def _subject_header(subject: Subject) -> tuple[list[tuple[str, str]], list[dict]]:
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


def _via(principal) -> str:
    return "api" if isinstance(principal, ApiClient) else "console"


def archive_view(
    *,
    principal,
    subject: Subject,
    purpose: str,
    as_of: dt.date,
    request=None,
    purpose_note: str = "",
    page: int = 1,
    page_size: int = ARCHIVE_PAGE_SIZE,
) -> SubjectArchive:
    """Open a subject's archive for a stated purpose: audited (action "view", the subject) before any data
    is returned; one page of records with their versions, the timeline and the view log."""
    _check_can_open(principal, subject=subject, purpose=(purpose or "").strip()[:200])
    stated = archive_purpose_text(purpose=purpose, purpose_note=purpose_note)
    if not subjects_visible_to(principal).filter(pk=subject.pk).exists():
        raise ArchiveSubjectNotFound()
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ArchiveError("page_size_invalid", f"每页条数应在 1 到 {MAX_PAGE_SIZE} 之间")
    records = archive_records(principal=principal, subject=subject)
    counts = archive_counts(records, as_of=as_of)
    paginator = Paginator(records, page_size)
    current = paginator.get_page(page)
    page_records = list(
        current.object_list.select_related("item", "department", "current_version").prefetch_related(
            Prefetch(
                "versions",
                queryset=CreditRecordVersion.objects.select_related("item_version", "uploader", "api_client"),
            )
        )
    )
    page_ids = [r.pk for r in page_records]
    entry = audit_log(
        actor=principal,
        action=AuditAction.VIEW,
        obj=subject,
        purpose=stated,
        detail={
            "via": _via(principal),
            "stage": "archive",
            "as_of": as_of,
            "page": current.number,
            "records": counts.records,
            "non_public": counts.non_public,
            "expired": counts.expired,
            "revoked": counts.revoked,
            "withdrawn": counts.withdrawn,
            "record_ids": page_ids,
        },
        request=request,
    )
    # The public set as of the date, from the one selector that decides it.
    public_ids = set(
        records_visible_to(principal=None, as_of=as_of).filter(pk__in=page_ids).values_list("pk", flat=True)
    )
    archived = [_record_out(r, principal=principal, as_of=as_of, public_ids=public_ids) for r in page_records]
    timeline, truncated = archive_timeline(principal=principal, records=records, as_of=as_of)
    views, view_count = archive_view_log(
        principal=principal, subject=subject, record_ids=records.values_list("pk", flat=True)
    )
    aliases, persons = _subject_header(subject)
    return SubjectArchive(
        subject=subject,
        subject_code=subject.display_code,
        subject_kind_label=subject.get_kind_display(),
        aliases=aliases,
        linked_persons=persons,
        as_of=as_of,
        purpose=stated,
        counts=counts,
        page_number=current.number,
        num_pages=paginator.num_pages,
        page_size=page_size,
        records=archived,
        timeline=timeline,
        timeline_truncated=truncated,
        views=views,
        view_count=view_count,
        audit_seq=entry.seq,
        groups=_groups(archived),
    )


# ---------------------------------------------------------------------------------------------------
# Export

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


def archive_export_csv(
    *, principal, subject: Subject, purpose: str, as_of: dt.date, request=None, purpose_note: str = ""
) -> str:
    """Every record of the archive as CSV text (status as of ``as_of``); audited as an export with its purpose."""
    _check_can_open(principal, subject=subject, purpose=(purpose or "").strip()[:200])
    stated = archive_purpose_text(purpose=purpose, purpose_note=purpose_note)
    if not subjects_visible_to(principal).filter(pk=subject.pk).exists():
        raise ArchiveSubjectNotFound()
    records = list(
        archive_records(principal=principal, subject=subject).select_related(
            "item", "department", "current_version"
        )
    )
    audit_log(
        actor=principal,
        action=AuditAction.EXPORT,
        obj=subject,
        purpose=stated,
        detail={
            "via": _via(principal),
            "stage": "archive_csv",
            "as_of": as_of,
            "records": len(records),
            "record_ids": [r.pk for r in records],
        },
        request=request,
    )
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)  # cells that a spreadsheet would run as formulas are neutralised
    writer.writerow(["主体名称", subject.name, "主体代码", subject.display_code, "状态基准日", as_of])
    writer.writerow([label for _, label in EXPORT_COLUMNS])
    for record in records:
        effective = record_effective_status(version=record, as_of=as_of)
        row = {
            "category": _choice_label(CatalogCategory, record.item.category),
            "item": record.item.name,
            "department": record.department.name,
            "document_number": record.document_number,
            "decision_date": record.decision_date,
            "severity": _choice_label(SeverityTier, record.severity),
            "polarity": record.get_polarity_display(),
            "scope": _choice_label(DisclosureScope, record.disclosure_scope),
            "status": _choice_label(EffectiveStatus, effective),
            "publish_from": record.publish_from,
            "publish_until": record.publish_until,
            "version": record.current_version.number if record.current_version_id else "",
        }
        writer.writerow([_mask_text(row[key], as_of=as_of) for key, _ in EXPORT_COLUMNS])
    return buffer.getvalue()
