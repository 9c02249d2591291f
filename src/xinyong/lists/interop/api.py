"""FollowTheMoney API: ``GET /api/lists/ftm/export`` (key with scope ``records:read``).

Streams the black lists of organisations in force on the day (or ``as_of``) as FtM entities in JSON lines
(``application/x-ndjson``); see docs/interoperability.md.
"""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils import timezone
from ninja import Router

from xinyong.accounts.api_auth import ApiKeyAuth
from xinyong.accounts.models import AuditAction
from xinyong.accounts.services import audit_log
from xinyong.core.api import IsoDate
from xinyong.lists.interop.ftm import ftm_export_lines

router = Router()

EXPORT_DOC = {
    "responses": {
        200: {
            "description": "FollowTheMoney 实体（JSON Lines）：每个组织一个 Company/Organization，每条在列名单一个 Sanction",
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
        }
    }
}


@router.get(
    "/export",
    auth=ApiKeyAuth("records:read"),
    response={200: None},
    openapi_extra=EXPORT_DOC,
    summary="导出黑名单（FollowTheMoney 格式）",
)
def ftm_export(request, as_of: IsoDate | None = None):
    """Black-list entries of organisations in force on ``as_of`` (default today), on public records only."""
    day = as_of or timezone.localdate()
    audit_log(
        actor=request.auth,
        action=AuditAction.EXPORT,
        detail={"format": "followthemoney", "as_of": day.isoformat()},
        request=request,
    )
    response = StreamingHttpResponse(ftm_export_lines(as_of=day), content_type="application/x-ndjson")
    response["Content-Disposition"] = f'attachment; filename="xinyong-ftm-{day.isoformat()}.jsonl"'
    return response
