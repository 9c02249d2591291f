"""API of objections (under /api/dueprocess/objections/): a department's systems read the objections about its
records (scope ``records:read``), to follow them and to correct the record through the usual submission.

Deciding stays on the working screens, where each step is attributed to a person (docs/objections.md).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Router, Schema

from xinyong.accounts.api_auth import ApiKeyAuth
from xinyong.accounts.services import audit_log
from xinyong.core.api import ErrorOut, error
from xinyong.dueprocess.objections import permissions, selectors
from xinyong.dueprocess.objections.models import Objection, ObjectionState

router = Router(tags=["异议处理"])

MAX_LIMIT = 200


class ObjectionOut(Schema):
    number: str
    subject_id: int
    subject_name: str
    record_id: int | None
    list_entry_id: int | None
    document_number: str
    state: str
    state_label: str
    filed_on: dt.date
    due_on: dt.date | None
    overdue: bool
    source_department: str
    outcome: str
    reasons: str
    decided_on: dt.date | None
    closed_on: dt.date | None


class ObjectionPageOut(Schema):
    results: list[ObjectionOut]
    next_after: int | None


def _out(o: Objection, *, as_of: dt.date) -> dict:
    return {
        "number": o.number,
        "subject_id": o.subject_id,
        "subject_name": o.subject.name,
        "record_id": o.record_id,
        "list_entry_id": o.list_entry_id,
        "document_number": o.record.document_number if o.record else "",
        "state": o.state,
        "state_label": o.get_state_display(),
        "filed_on": o.filed_on,
        "due_on": o.due_on,
        "overdue": selectors.objection_is_overdue(objection=o, as_of=as_of),
        "source_department": o.source_department.name if o.source_department else "",
        "outcome": o.outcome,
        "reasons": o.reasons
        if o.state in (ObjectionState.DECIDED, ObjectionState.REFUSED, ObjectionState.CLOSED)
        else "",
        "decided_on": o.decided_on,
        "closed_on": o.closed_on,
    }


@router.get(
    "/", response={200: ObjectionPageOut}, auth=ApiKeyAuth("records:read"), summary="本部门的异议申请"
)
def objection_list(request, state: str = "", after: int = 0, limit: int = 100):
    """The objections about the client's department's records, oldest first, paged by ``after``."""
    client = request.auth
    as_of = timezone.localdate()
    qs = (
        selectors.objections_of_department(department_id=client.department_id)
        .filter(pk__gt=after)
        .order_by("pk")
    )
    if state:
        qs = qs.filter(state=state)
    limit = max(1, min(limit, MAX_LIMIT))
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    audit_log(
        actor=client,
        action="query",
        obj=Objection,
        purpose="异议申请查询",
        request=request,
        detail={"count": len(rows), "state": state, "after": after},
    )
    return {"results": [_out(o, as_of=as_of) for o in rows], "next_after": rows[-1].pk if more else None}


@router.get(
    "/{number}",
    response={200: ObjectionOut, 404: ErrorOut},
    auth=ApiKeyAuth("records:read"),
    summary="一件异议申请",
)
def objection_detail(request, number: str):
    """One objection about the client's department's records."""
    client = request.auth
    objection = selectors.objection_by_number(number=number)
    if objection is None or not permissions.can_view_objection(client, objection):
        return error(404, "objection_not_found", "未找到该异议申请")
    audit_log(
        actor=client,
        action="view",
        obj=objection,
        purpose="异议申请查询",
        request=request,
        detail={"number": number},
    )
    return _out(objection, as_of=timezone.localdate())
