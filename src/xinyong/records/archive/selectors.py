"""Reads of the credit archive: the subject (if visible), search candidates, the records with their counts, the
timeline of what happened to them and the trail of who looked at the subject.

Which records a principal sees is ``records.selectors``' visibility (``records_visible_to``); which versions,
``can_read_old_versions`` (here in its set-based form for the timeline).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from xinyong.accounts.models import ApiClient, AuditAction, AuditEntry
from xinyong.accounts.permissions import is_platform_wide, readable_department_ids
from xinyong.catalog.models import CatalogCategory
from xinyong.core.codes import DisclosureScope, SubjectKind, choice_label
from xinyong.records.archive.errors import ArchiveSubjectNotFound
from xinyong.records.archive.permissions import archive_can_open
from xinyong.records.models import (
    Channel,
    CreditRecord,
    CreditRecordVersion,
    EffectiveStatus,
    PublicationChange,
    RecordStatus,
)
from xinyong.records.selectors import records_visible_to, records_with_effective_status
from xinyong.subjects.models import Subject
from xinyong.subjects.permissions import subjects_visible_to
from xinyong.subjects.search import subject_search

TIMELINE_LIMIT = 200

VIEW_LOG_LIMIT = 50

# Dates of a record that mark a step of its publication, with their timeline labels.
RECORD_DATES = {
    "repair_from": "可申请信用修复",
    "withdrawal_due": "撤下公示期限",
    "withdrawn_at": "已撤下公示",
}


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


def archive_subject_get(*, principal, subject_id: int) -> Subject:
    """The subject if the principal may open its archive; unknown and invisible subjects are both 404."""
    if not archive_can_open(principal):
        raise PermissionDenied("您的角色无权调阅信用档案")
    subject = subjects_visible_to(principal).filter(pk=subject_id).first()
    if subject is None:
        raise ArchiveSubjectNotFound()
    return subject


def archive_subject_candidates(*, principal, query: str, ric_digest: str | None, limit: int) -> list[Subject]:
    """Subjects the platform's search finds for ``query`` that the principal may see, best first; natural
    persons only when ``ric_digest`` (the lookup hash of the 身份证 number searched for) is theirs."""
    ids = list(dict.fromkeys(hit.subject.pk for hit in subject_search(query=query, limit=limit)))
    if ric_digest is not None:
        ids = list(Subject.objects.filter(ric_hmac=ric_digest).values_list("pk", flat=True)) + ids
    visible = {s.pk: s for s in subjects_visible_to(principal).filter(pk__in=ids)}
    found = []
    for subject_id in dict.fromkeys(ids):
        subject = visible.get(subject_id)
        if subject is None:
            continue
        if subject.kind == SubjectKind.NATURAL_PERSON and (
            ric_digest is None or subject.ric_hmac != ric_digest
        ):
            continue
        found.append(subject)
        if len(found) >= limit:
            break
    return found


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


def archive_counts(*, records: QuerySet[CreditRecord], as_of: dt.date) -> ArchiveCounts:
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
    events, labels, windows = _record_events(records, as_of=as_of)
    events += _version_events(principal, records, labels=labels, as_of=as_of, limit=limit)
    events += _publication_events(records, labels=labels, windows=windows, as_of=as_of, limit=limit)
    events.sort(key=lambda e: (e.on, e.record_id), reverse=True)
    truncated = len(events) > limit
    return events[:limit], truncated


def _record_events(
    records: QuerySet[CreditRecord], *, as_of: dt.date
) -> tuple[list[TimelineEvent], dict[int, tuple[str, str]], dict[int, tuple[dt.date, dt.date | None]]]:
    """The events dated on the records themselves, with each record's (label, department) and publication
    window (start, end) for the other events."""
    events: list[TimelineEvent] = []
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
        *RECORD_DATES,
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
        for name, text in RECORD_DATES.items():
            add(row[name], name, text)
    return events, labels, windows


def _version_events(
    principal,
    records: QuerySet[CreditRecord],
    *,
    labels: dict[int, tuple[str, str]],
    as_of: dt.date,
    limit: int,
) -> list[TimelineEvent]:
    """Receipts, corrections and status changes, from the versions the principal may read."""
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
            "disputed",
            "supersedes__disputed",
        )[: limit + 1]
    )
    events = []
    for version in versions:
        label, department = labels.get(version["record_id"], ("", ""))
        received_on = timezone.localdate(version["received_at"])
        channel = choice_label(Channel, version["channel"])
        if version["number"] == 1:
            kind, text, on = "received", "首次报送", received_on
            detail = f"渠道：{channel}"
        elif version["supersedes__status"] and version["status"] != version["supersedes__status"]:
            status_label = choice_label(RecordStatus, version["status"])
            kind, on = "status", version["status_date"] or received_on
            text = (
                "恢复有效" if version["status"] == RecordStatus.EFFECTIVE else f"状态变更为“{status_label}”"
            )
            detail = version["change_reason"]
        elif (
            version["supersedes__disputed"] is not None
            and version["disputed"] != version["supersedes__disputed"]
        ):
            kind, on = "status", received_on
            text = "异议标注" if version["disputed"] else "撤销异议标注"
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
    return events


def _publication_events(
    records: QuerySet[CreditRecord],
    *,
    labels: dict[int, tuple[str, str]],
    windows: dict[int, tuple[dt.date, dt.date | None]],
    as_of: dt.date,
    limit: int,
) -> list[TimelineEvent]:
    """Entries into and exits from publication recorded by the nightly sweep.

    The sweep notes a change on the day it runs; an entry because the window started, or an exit because it
    ended, is dated by the window itself (its start, or the day after its end), so that the first sweep of
    a platform loaded with older records does not date them all on the day it ran.
    """
    rows = (
        PublicationChange.objects.filter(record__in=records.order_by().values("pk"))
        .order_by("-on_date", "-pk")
        .values("record_id", "change", "on_date", "reason")[: limit + 1]
    )
    events = []
    for row in rows:
        label, department = labels.get(row["record_id"], ("", ""))
        on = _publication_change_day(row, windows.get(row["record_id"]))
        events.append(
            TimelineEvent(
                on=on,
                kind=f"publication_{row['change']}",
                label=choice_label(PublicationChange.Change, row["change"]),
                record_id=row["record_id"],
                record_label=label,
                department_name=department,
                detail=choice_label(PublicationChange.Reason, row["reason"]),
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
                action_label=choice_label(AuditAction, entry.action),
                target=target,
                purpose=entry.purpose,
                outcome=entry.outcome,
                outcome_label=entry.get_outcome_display(),
            )
        )
    return out, total
