"""API of 信用档案: ``GET /api/archive/subjects/{id}`` — the archive of one subject for an API client.

The same content as the console page (``records.archive.views``): every record of the subject the client may read
(its department's records plus public and 政务共享 ones of every department), including expired, revoked and
withdrawn records with their effective status as of ``as_of`` (default today), their versions where the client
may read them, a timeline and the trail of views of the subject by the client's department.

A purpose (查询事由) is required: one of 行政审批、日常监管、执法检查、信用核查、异议处理、信用修复、审计检查, or 其他 with
``purpose_note`` (or "其他：具体事由"), in the ``purpose`` query parameter or the ``X-Purpose`` header. Every
answer is written to the audit log with it before it is sent. API key scope: ``records:read``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from django.utils import timezone
from ninja import Router, Schema

from xinyong.accounts.api_auth import ApiKeyAuth
from xinyong.core.api import ErrorOut, IsoDate, request_purpose
from xinyong.records.archive.presenters import SubjectArchive
from xinyong.records.archive.selectors import archive_subject_get
from xinyong.records.archive.services import ARCHIVE_PAGE_SIZE, ArchivePurpose, archive_view

router = Router(tags=["信用档案"])


class ArchiveFieldOut(Schema):
    code: str
    name: str
    value: str


class ArchiveVersionOut(Schema):
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
    fields: list[ArchiveFieldOut]


class ArchiveRecordOut(Schema):
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
    versions: list[ArchiveVersionOut]


class TimelineEventOut(Schema):
    on: dt.date
    kind: str
    label: str
    record_id: int
    record_label: str
    department_name: str
    detail: str
    upcoming: bool


class ViewLogEntryOut(Schema):
    at: dt.datetime
    actor: str
    actor_department: str
    action: str
    action_label: str
    target: str
    purpose: str
    outcome: str


class CountsOut(Schema):
    records: int
    departments: int
    effective: int
    expired: int
    revoked: int
    withdrawn: int
    public: int
    shared: int
    authorised: int
    undisclosed: int


class ArchiveAliasOut(Schema):
    kind: str
    value: str


class ArchiveLinkedPersonOut(Schema):
    role: str
    name: str
    ric_masked: str
    valid_from: dt.date | None
    valid_to: dt.date | None


class ArchiveSubjectOut(Schema):
    id: int
    kind: str
    kind_name: str
    name: str
    # USCC, or the masked 身份证 number of a natural person; the full number is never sent.
    code: str
    aliases: list[ArchiveAliasOut]
    linked_persons: list[ArchiveLinkedPersonOut]


class ArchiveOut(Schema):
    subject: ArchiveSubjectOut
    as_of: dt.date
    purpose: str
    counts: CountsOut
    page: int
    page_size: int
    num_pages: int
    records: list[ArchiveRecordOut]
    timeline: list[TimelineEventOut]
    timeline_truncated: bool
    views: list[ViewLogEntryOut]
    view_count: int


def archive_out(archive: SubjectArchive) -> dict:
    """The archive as the API's answer."""
    subject = archive.subject
    return {
        "subject": {
            "id": subject.pk,
            "kind": subject.kind,
            "kind_name": archive.subject_kind_label,
            "name": subject.name,
            "code": archive.subject_code,
            "aliases": [{"kind": kind, "value": value} for kind, value in archive.aliases],
            "linked_persons": archive.linked_persons,
        },
        "as_of": archive.as_of,
        "purpose": archive.purpose,
        "counts": asdict(archive.counts),
        "page": archive.page_number,
        "page_size": archive.page_size,
        "num_pages": archive.num_pages,
        "records": [asdict(record) for record in archive.records],
        "timeline": [asdict(event) for event in archive.timeline],
        "timeline_truncated": archive.timeline_truncated,
        "views": [asdict(view) for view in archive.views],
        "view_count": archive.view_count,
    }


PURPOSE_HELP = "、".join(label for _, label in ArchivePurpose.choices)


@router.get(
    "/subjects/{int:subject_id}",
    auth=ApiKeyAuth("records:read"),
    response={200: ArchiveOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="主体信用档案",
    description=f"查询事由（purpose 或请求头 X-Purpose）必填，取值：{PURPOSE_HELP}；“其他”须同时填写 purpose_note。",
)
def get_archive(
    request,
    subject_id: int,
    purpose: str | None = None,
    purpose_note: str = "",
    as_of: IsoDate | None = None,
    page: int = 1,
    page_size: int = ARCHIVE_PAGE_SIZE,
):
    """One subject's credit archive for the stated purpose; audited before it is answered."""
    subject = archive_subject_get(principal=request.auth, subject_id=subject_id)
    archive = archive_view(
        principal=request.auth,
        subject=subject,
        purpose=request_purpose(request),
        purpose_note=purpose_note,
        as_of=as_of or timezone.localdate(),
        page=max(page, 1),
        page_size=page_size,
        request=request,
    )
    return archive_out(archive)
