"""Feedback on applied measures (反馈) through the API: a department's pending items and recording an answer.

Scope ``check:query`` (the systems that run checks answer for them); a client sees and answers only its own
department's items. See docs/feedback.md.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Router, Schema

from xinyong.accounts.api_auth import ApiKeyAuth
from xinyong.core.api import ErrorOut, error
from xinyong.jrp.feedback.selectors import feedback_pending_for
from xinyong.jrp.feedback.services import FeedbackError, feedback_record
from xinyong.jrp.models import CheckChannel, MeasureFeedback

router = Router(tags=["联合奖惩"])

MAX_LIMIT = 500


class FeedbackOut(Schema):
    id: int
    check_id: int
    checked_on: dt.date
    subject_id: int
    subject_name: str
    measure_code: str
    rulebook_number: int
    matter_code: str
    state: str
    reason: str
    due_on: dt.date
    overdue: bool
    recorded_at: dt.datetime | None
    subject_notified_at: dt.datetime | None


class FeedbackPageOut(Schema):
    results: list[FeedbackOut]
    next_after: int | None


class FeedbackIn(Schema):
    state: str
    reason: str = ""


class FeedbackRecordedOut(FeedbackOut):
    changed: bool
    notice_number: str | None


def _out(fb: MeasureFeedback, *, as_of: dt.date) -> dict:
    return {
        "id": fb.pk,
        "check_id": fb.check_id,
        "checked_on": fb.checked_on,
        "subject_id": fb.subject_id,
        "subject_name": fb.subject.name,
        "measure_code": fb.measure_code,
        "rulebook_number": fb.rulebook_number,
        "matter_code": fb.matter_code,
        "state": fb.state,
        "reason": fb.reason,
        "due_on": fb.due_on,
        "overdue": fb.state == "pending" and fb.due_on < as_of,
        "recorded_at": fb.recorded_at,
        "subject_notified_at": fb.subject_notified_at,
    }


@router.get(
    "/pending",
    auth=ApiKeyAuth("check:query"),
    response={200: FeedbackPageOut, 400: ErrorOut},
    summary="本部门待反馈的措施",
)
def feedback_pending(request, after: int = 0, limit: int = 100):
    """The client's department's pending feedback items in id order; pass ``next_after`` as ``after``."""
    if not 1 <= limit <= MAX_LIMIT or after < 0:
        return error(400, "page_invalid", f"after 不能为负数，limit 应在 1 到 {MAX_LIMIT} 之间")
    as_of = timezone.localdate()
    rows = feedback_pending_for(
        department_id=request.auth.department_id, as_of=as_of, limit=limit, after_id=after
    )
    return {
        "results": [_out(fb, as_of=as_of) for fb in rows],
        "next_after": rows[-1].pk if len(rows) == limit else None,
    }


@router.post(
    "/{feedback_id}",
    auth=ApiKeyAuth("check:query"),
    response={200: FeedbackRecordedOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="反馈措施实施情况",
)
def feedback_post(request, feedback_id: int, body: FeedbackIn):
    """Record applied / not_applied (reason) / not_applicable (reason) for one of the department's items."""
    fb = MeasureFeedback.objects.select_related("subject").filter(pk=feedback_id).first()
    if fb is None or fb.department_id != request.auth.department_id:
        return error(404, "feedback_not_found", "未找到该反馈事项（只能反馈本部门实施的措施）")
    try:
        change = feedback_record(
            feedback=fb,
            state=body.state,
            reason=body.reason,
            actor=request.auth,
            channel=CheckChannel.API,
            request=request,
        )
    except FeedbackError as exc:
        return error(exc.status, exc.code, exc.message)
    as_of = timezone.localdate()
    return {
        **_out(change.feedback, as_of=as_of),
        "changed": change.changed,
        "notice_number": change.notice.number if change.notice else None,
    }
