"""API of commitments, mounted at ``/api/dueprocess/commitments/``, for a department's own systems.

- ``GET /`` (``records:read``) — the department's commitments in queue order (overdue first), filters
  ``state`` (in_progress | fulfilled | broken | due | overdue), ``kind``, ``q``; paginated;
- ``GET /{commitment_id}`` (``records:read``) — one of the department's commitments;
- ``POST /`` (``records:write``) — record a commitment signed with the department (告知承诺 at a window,
  容缺受理 with its due date …); it is also written as a credit record of the item ``commitment``;
- ``POST /{commitment_id}/fulfil`` and ``/{commitment_id}/break`` (``records:write``) — the follow-up: a broken
  commitment creates a negative record (违背信用承诺).

Errors are ``{"code", "message"}`` in zh-hans (docs/commitments.md).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja import Router, Schema, Status

from xinyong.accounts.api_auth import ApiKeyAuth
from xinyong.core.api import ErrorOut, error
from xinyong.dueprocess.commitments import selectors
from xinyong.dueprocess.commitments.models import Commitment, CommitmentKind
from xinyong.dueprocess.commitments.permissions import can_read_commitment
from xinyong.dueprocess.commitments.services import (
    CommitmentError,
    commitment_accept_with_missing_documents,
    commitment_break,
    commitment_fulfil,
    commitment_sign,
)

router = Router(tags=["信用承诺"])

MAX_PAGE_SIZE = 200


class CommitmentOut(Schema):
    id: int
    number: str
    subject_id: int
    subject_name: str
    kind: str
    matter_code: str
    matter_name: str
    text: str
    signatory: str
    signed_on: dt.date
    fulfilment_due: dt.date | None
    state: str
    overdue: bool
    checked_on: dt.date | None
    check_note: str
    record_document_number: str | None
    broken_record_document_number: str | None


class CommitmentPageOut(Schema):
    count: int
    page: int
    results: list[CommitmentOut]


class CommitmentIn(Schema):
    subject_code: str
    kind: str
    matter_name: str
    matter_code: str = ""
    text: str = ""
    signatory: str
    signed_on: dt.date
    fulfilment_due: dt.date | None = None
    missing_documents: list[str] = []


class FulfilIn(Schema):
    checked_on: dt.date
    note: str = ""


class BreakIn(Schema):
    checked_on: dt.date
    reason: str


def _out(commitment: Commitment, *, as_of: dt.date) -> dict:
    return {
        "id": commitment.pk,
        "number": commitment.number,
        "subject_id": commitment.subject_id,
        "subject_name": commitment.subject.name,
        "kind": commitment.kind,
        "matter_code": commitment.matter_code,
        "matter_name": commitment.matter_name,
        "text": commitment.text,
        "signatory": commitment.signatory,
        "signed_on": commitment.signed_on,
        "fulfilment_due": commitment.fulfilment_due,
        "state": commitment.state,
        "overdue": selectors.commitment_is_overdue(commitment=commitment, as_of=as_of),
        "checked_on": commitment.checked_on,
        "check_note": commitment.check_note,
        "record_document_number": commitment.record.document_number if commitment.record_id else None,
        "broken_record_document_number": (
            commitment.broken_record.document_number if commitment.broken_record_id else None
        ),
    }


def _own(request, commitment_id: int) -> Commitment | None:
    commitment = selectors.commitment_find(pk=commitment_id)
    if commitment is None or not can_read_commitment(request.auth, commitment):
        return None
    return commitment


NOT_FOUND = ("commitment_not_found", "未找到该信用承诺（只能查询本部门受理的承诺）")


@router.get(
    "/",
    auth=ApiKeyAuth("records:read"),
    response={200: CommitmentPageOut, 400: ErrorOut},
    summary="本部门受理的信用承诺（逾期未核查的在前）",
)
def commitments_list(request, state: str = "", kind: str = "", q: str = "", page: int = 1, size: int = 50):
    """The department's commitments in queue order; ``state`` also takes ``due`` and ``overdue``."""
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        return error(400, "page_invalid", f"page 应为正整数，size 应在 1 到 {MAX_PAGE_SIZE} 之间")
    as_of = timezone.localdate()
    rows = selectors.commitments_queue(
        department_ids={request.auth.department_id}, as_of=as_of, state=state, kind=kind, query=q
    ).select_related("record", "broken_record")
    start = (page - 1) * size
    return {
        "count": rows.count(),
        "page": page,
        "results": [_out(c, as_of=as_of) for c in rows[start : start + size]],
    }


@router.get(
    "/{commitment_id}",
    auth=ApiKeyAuth("records:read"),
    response={200: CommitmentOut, 404: ErrorOut},
    summary="一件信用承诺",
)
def commitment_get(request, commitment_id: int):
    commitment = _own(request, commitment_id)
    if commitment is None:
        return error(404, *NOT_FOUND)
    return _out(commitment, as_of=timezone.localdate())


@router.post(
    "/",
    auth=ApiKeyAuth("records:write"),
    response={201: CommitmentOut, 400: ErrorOut},
    summary="登记本部门受理的信用承诺",
)
def commitment_post(request, body: CommitmentIn):
    """Record a signed commitment for a subject identified by its USCC or 身份证 number."""
    subject = selectors.subject_by_code(code=body.subject_code)
    if subject is None:
        return error(400, "subject_not_found", "未找到该主体：请核对统一社会信用代码或身份证号码")
    department = request.auth.department
    try:
        if body.kind == CommitmentKind.ACCEPT_WITH_MISSING:
            commitment = commitment_accept_with_missing_documents(
                subject=subject,
                matter_name=body.matter_name,
                matter_code=body.matter_code,
                missing_documents=body.missing_documents,
                signatory=body.signatory,
                department=department,
                on_date=body.signed_on,
                actor=request.auth,
                due=body.fulfilment_due,
            )
        else:
            commitment = commitment_sign(
                subject=subject,
                kind=body.kind,
                matter_name=body.matter_name,
                matter_code=body.matter_code,
                text=body.text,
                signatory=body.signatory,
                department=department,
                on_date=body.signed_on,
                actor=request.auth,
                fulfilment_due=body.fulfilment_due,
            )
    except CommitmentError as exc:
        return error(400, exc.code, exc.message)
    return Status(201, _out(commitment, as_of=timezone.localdate()))


def _follow_up(request, commitment_id: int, action):
    commitment = _own(request, commitment_id)
    if commitment is None:
        return error(404, *NOT_FOUND)
    try:
        commitment = action(commitment)
    except CommitmentError as exc:
        return error(400, exc.code, exc.message)
    except PermissionDenied:
        return error(403, "commitment_follow_up_denied", "该接口客户端不能核查此承诺的履行情况")
    return _out(commitment, as_of=timezone.localdate())


@router.post(
    "/{commitment_id}/fulfil",
    auth=ApiKeyAuth("records:write"),
    response={200: CommitmentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="核查为已履行",
)
def commitment_fulfil_post(request, commitment_id: int, body: FulfilIn):
    return _follow_up(
        request,
        commitment_id,
        lambda c: commitment_fulfil(
            commitment=c, on_date=body.checked_on, actor=request.auth, note=body.note
        ),
    )


@router.post(
    "/{commitment_id}/break",
    auth=ApiKeyAuth("records:write"),
    response={200: CommitmentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="核查为未履行（生成违背信用承诺失信信息）",
)
def commitment_break_post(request, commitment_id: int, body: BreakIn):
    return _follow_up(
        request,
        commitment_id,
        lambda c: commitment_break(
            commitment=c, on_date=body.checked_on, actor=request.auth, reason=body.reason
        ),
    )
