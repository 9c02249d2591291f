"""Opening a credit archive: the stated purpose (查询事由) is checked and every search by 身份证 number, every view
and every export is written to the audit log with it before any data is returned.

Who may open an archive at all is ``permissions.archive_can_open``; what the principal then sees is decided by
``records.selectors``.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch

from xinyong.accounts.models import ApiClient, AuditAction
from xinyong.accounts.services import audit_log
from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import normalize_code_input
from xinyong.records.archive.errors import ArchiveError, ArchiveSubjectNotFound
from xinyong.records.archive.permissions import archive_can_open
from xinyong.records.archive.presenters import (
    SubjectArchive,
    SubjectFound,
    archive_csv,
    archive_groups,
    archive_record_present,
    archive_subject_header,
    subject_found,
)
from xinyong.records.archive.selectors import (
    archive_counts,
    archive_records,
    archive_subject_candidates,
    archive_timeline,
    archive_view_log,
)
from xinyong.records.models import CreditRecordVersion
from xinyong.records.selectors import records_visible_to
from xinyong.subjects.models import Subject
from xinyong.subjects.permissions import subjects_visible_to
from xinyong.subjects.selectors import ric_lookup_hash

ARCHIVE_PAGE_SIZE = 20

MAX_PAGE_SIZE = 200

SEARCH_LIMIT = 20

PURPOSE_NOTE_MAX_LENGTH = 100

# What the audit log records as the purpose of a subject search by 身份证 number (before a 查询事由 is chosen).
SEARCH_PURPOSE = "查找主体以调阅信用档案"


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

# A purpose as stated (its code, its label, or "其他") → its code.
_PURPOSE_LOOKUP: dict[str, str] = {
    **{code: code for code, _label in ArchivePurpose.choices},
    **{label: code for code, label in ArchivePurpose.choices},
    OTHER_LABEL: ArchivePurpose.OTHER,
}

_PURPOSE_LABELS = dict(ArchivePurpose.choices)


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
    candidates = archive_subject_candidates(principal=principal, query=query, ric_digest=digest, limit=limit)
    found = [subject_found(subject=subject) for subject in candidates]
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
    counts = archive_counts(records=records, as_of=as_of)
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
    archived = [
        archive_record_present(record=r, principal=principal, as_of=as_of, public_ids=public_ids)
        for r in page_records
    ]
    timeline, truncated = archive_timeline(principal=principal, records=records, as_of=as_of)
    views, view_count = archive_view_log(
        principal=principal, subject=subject, record_ids=records.values_list("pk", flat=True)
    )
    aliases, persons = archive_subject_header(subject=subject)
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
        groups=archive_groups(records=archived),
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
    return archive_csv(subject=subject, records=records, as_of=as_of)
