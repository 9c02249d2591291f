"""Display shaping of the channels: the widget's result card, batch counts and result files for download."""

from __future__ import annotations

from typing import IO, Any

from django.templatetags.static import static

from xinyong.accounts.models import AuditAction
from xinyong.accounts.services import audit_log
from xinyong.collection.storage import open_stored
from xinyong.core.errors import CodedError
from xinyong.core.filecrypt import FileTampered
from xinyong.jrp.channels.storage import result_file
from xinyong.jrp.models import BatchCheck
from xinyong.jrp.types import CheckAnswer

__all__ = ["WIDGET_PATH", "result_open", "widget_card", "widget_script_url"]

WIDGET_PATH = "/jrp/widget/"
WIDGET_SCRIPT = "jrp/widget-embed.js"

OUTCOME_TITLES = {
    "hit": "命中名单",
    "clean": "未发现失信记录",
    "candidates": "请确认申请人",
    "not_found": "未找到该主体",
    "invalid": "查询条件有误",
}
# Every hit is an entry that has ended: on no list now, measures that continue after removal apply.
ENDED_TITLE = "已移出名单（移出后继续实施的措施）"
APPLICATION_LABELS = {"mandatory": "强制应用", "recommended": "推荐应用"}
KIND_LABELS = {"punishment": "失信惩戒", "incentive": "守信激励"}


def widget_script_url() -> str:
    return static(WIDGET_SCRIPT)


class ResultNotReady(CodedError):
    status = 409


def result_open(*, batch: BatchCheck, fmt: str, actor) -> tuple[IO[bytes], str]:
    """The decrypted result file of a finished batch and its download name; one audit entry per download."""
    if batch.status != BatchCheck.Status.DONE:
        raise ResultNotReady("batch_not_done", "批量核查尚未完成，完成后才能下载结果文件")
    if not batch.result_path:
        error = ResultNotReady(
            "batch_files_purged", "该批量核查的结果文件已按保存期限清除，不能再下载；如需结果请重新提交核查"
        )
        error.status = 410
        raise error
    path = result_file(ref=batch.ref, fmt=fmt)
    if not path.exists():
        raise ResultNotReady("result_not_ready", "结果文件正在生成，请稍后再下载")
    try:
        handle = open_stored(path=path)
    except FileTampered as exc:
        raise CodedError("file_tampered", "结果文件已损坏或被改动，无法下载；请联系平台管理员") from exc
    audit_log(
        actor=actor,
        action=AuditAction.EXPORT,
        obj=batch,
        purpose=batch.purpose,
        detail={"stage": "batch_check_result", "ref": batch.ref, "format": fmt},
    )
    return handle, f"批量核查结果-{batch.ref}.{fmt}"


def _date(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else (value or "")


def widget_card(answer: CheckAnswer) -> dict[str, Any]:
    """What the widget shows: the outcome in words, the subject, the lists hit and the measures (zh-hans)."""
    subject = answer.subject or {}
    return {
        "check_id": answer.check_id,
        "outcome": answer.outcome,
        "title": ENDED_TITLE
        if answer.hits and all(h.ended_on is not None for h in answer.hits)
        else OUTCOME_TITLES.get(answer.outcome, answer.outcome),
        "as_of": _date(answer.as_of),
        "subject": {k: v for k, v in subject.items() if isinstance(v, str | int | float | bool) or v is None},
        "candidates": [
            {k: v for k, v in c.items() if isinstance(v, str | int | float | bool) or v is None}
            for c in answer.candidates[:10]
        ],
        "hits": [
            {
                "list_name": h.list_name,
                "colour": h.colour,
                "level": h.level,
                "effective_from": _date(h.effective_from),
                "effective_until": _date(h.effective_until),
                "deciding_department": h.deciding_department,
                "reason": h.reason,
                "disputed": h.disputed,
                "via_person": h.via_person,
                "organisation_name": h.organisation_name,
                "ended_on": _date(h.ended_on),
            }
            for h in answer.hits
        ],
        "measures": [
            {
                "code": m.code,
                "kind": KIND_LABELS.get(m.kind, m.kind),
                "content": m.content,
                "legal_basis": m.legal_basis,
                "application": APPLICATION_LABELS.get(m.application, m.application),
                "implementing_department": m.implementing_department,
                "suspended": m.suspended,
                "suspended_reason": m.suspended_reason,
                "via_person": m.via_person,
                "continues_months": m.continues_months,
            }
            for m in answer.measures
        ],
        "explanation": list(answer.explanation),
        "error_code": answer.error_code,
        "error_message": answer.error_message,
    }
