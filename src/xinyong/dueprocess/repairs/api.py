"""API of repairs (under /api/dueprocess/repairs/), for departments' clients with ``records:read``.

- ``GET /api/dueprocess/repairs/notifications`` — repairs (准予修复, and revoked repairs) that end list
  entries on which the client's department applied measures (its 措施反馈): the department lifts its
  measures and stops using the information (docs/credit-repair.md).
"""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema

from xinyong.accounts.api_auth import ApiKeyAuth
from xinyong.dueprocess.repairs.selectors import repair_notifications_for

router = Router(tags=["信用修复"])


class RepairNotificationOut(Schema):
    number: str
    state: str
    state_label: str
    subject_id: int
    subject_name: str
    record_id: int | None
    list_entry_id: int | None
    deciding_department: str
    decided_on: dt.date | None
    revoked_on: dt.date | None


@router.get(
    "/notifications",
    auth=ApiKeyAuth("records:read"),
    response=list[RepairNotificationOut],
    summary="信用修复通知（本部门实施过措施的名单条目）",
)
def repair_notifications(request):
    """Approved or revoked repairs ending entries on which the client's department applied measures."""
    return [
        {
            "number": a.number,
            "state": a.state,
            "state_label": a.get_state_display(),
            "subject_id": a.subject_id,
            "subject_name": a.subject.name,
            "record_id": a.record_id,
            "list_entry_id": a.list_entry_id,
            "deciding_department": a.deciding_department.code,
            "decided_on": a.decided_on,
            "revoked_on": a.revoked_on,
        }
        for a in repair_notifications_for(request.auth)
    ]
