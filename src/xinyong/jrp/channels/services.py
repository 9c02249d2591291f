"""Writes of the channels: submitting a batch check, issuing and using widget tokens (docs/check-channels.md)."""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from xinyong.accounts.models import ApiClient, AuditAction, Department, User
from xinyong.accounts.services import audit_log
from xinyong.collection.readers import ReadError
from xinyong.collection.storage import plaintext_copy, store_chunks
from xinyong.core.api import PURPOSE_MAX_LENGTH
from xinyong.core.errors import CodedError
from xinyong.jrp.channels.checking import check_run
from xinyong.jrp.channels.reading import batch_codes_read, read_error
from xinyong.jrp.channels.storage import batch_check_dir, input_file
from xinyong.jrp.channels.tasks import batch_check_enqueue
from xinyong.jrp.channels.tokens import WidgetTokenError, subject_digest, token_read, token_sign
from xinyong.jrp.models import BatchCheck, CheckChannel, Matter, WidgetToken
from xinyong.jrp.types import CheckAnswer, Requester

__all__ = [
    "BatchCheckError",
    "IssuedToken",
    "batch_check_submit",
    "widget_check_run",
    "widget_token_issue",
]

# File suffixes a batch input is stored under (what the readers are told about it).
INPUT_SUFFIXES = frozenset({".csv", ".txt", ".xlsx", ".xls", ".ods", ".json"})
MAX_QUERY_LENGTH = 200


class BatchCheckError(CodedError):
    """A batch check or widget request that cannot be accepted."""


def _purpose_checked(purpose: str) -> str:
    purpose = " ".join((purpose or "").split())
    if not purpose:
        raise BatchCheckError("purpose_required", "请填写核查用途（如：行政许可受理前核查）")
    if len(purpose) > PURPOSE_MAX_LENGTH:
        raise BatchCheckError("purpose_too_long", f"核查用途不能超过 {PURPOSE_MAX_LENGTH} 个字")
    return purpose


def _matter_checked(matter_code: str) -> str:
    code = (matter_code or "").strip()
    if not code:
        raise BatchCheckError("matter_required", "请选择办理事项：核查结果按事项适用奖惩措施")
    if not Matter.objects.filter(code=code, active=True).exists():
        raise BatchCheckError("matter_unknown", f"事项“{code[:80]}”不在事项清单中或已停用")
    return code


def _count_codes(path: Path, *, filename: str, suffix: str) -> int:
    kind = {".json": "json", ".txt": "text"}.get(suffix, "table")
    with plaintext_copy(path=path) as plain:
        try:
            return sum(1 for _ in batch_codes_read(path=plain, filename=filename, kind=kind))
        except ReadError as exc:
            raise read_error(exc) from exc


def _new_ref(as_of: dt.date) -> str:
    return f"PL{as_of:%Y%m%d}-{secrets.token_hex(5).upper()}"


def batch_check_submit(
    *,
    department: Department,
    actor: User | ApiClient,
    purpose: str,
    matter_code: str,
    as_of: dt.date,
    chunks: Iterable[bytes],
    filename: str,
    suffix: str,
    limit: int,
    too_large: Exception,
    count_first: bool = False,
) -> BatchCheck:
    """Store the input of a batch check encrypted, record the batch (audited) and queue its run.

    With ``count_first`` (API bodies) the codes are counted before the batch is accepted, so a body with
    more than ``JRP_BATCH_MAX_CODES`` codes, or one that is not a list of codes, is refused at once.
    """
    purpose = _purpose_checked(purpose)
    matter_code = _matter_checked(matter_code)
    suffix = suffix.lower()
    if suffix not in INPUT_SUFFIXES:
        raise BatchCheckError(
            "file_format_unknown",
            f"无法识别文件“{Path(filename).name[:80]}”的格式：请上传 CSV、XLSX 或 TXT（每行一个代码）文件",
        )
    ref = _new_ref(as_of)
    dest = input_file(ref=ref, suffix=suffix)
    try:
        store_chunks(chunks=chunks, dest=dest, limit=limit, too_large=too_large)
        if count_first:
            _count_codes(dest, filename=filename, suffix=suffix)
    except BaseException:
        shutil.rmtree(batch_check_dir(ref=ref), ignore_errors=True)
        raise
    with transaction.atomic():
        batch = BatchCheck.objects.create(
            ref=ref,
            department=department,
            user=actor if isinstance(actor, User) else None,
            api_client=actor if isinstance(actor, ApiClient) else None,
            purpose=purpose,
            matter_code=matter_code,
            as_of=as_of,
            original_filename=Path(filename).name[:255],
            input_path=str(dest.relative_to(settings.MEDIA_ROOT)),
        )
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            obj=batch,
            purpose=purpose,
            detail={
                "stage": "batch_check_submitted",
                "ref": ref,
                "matter": matter_code,
                "file": batch.original_filename,
            },
        )
    return batch_check_enqueue(batch=batch)


# ---------------------------------------------------------------------------------------------------
# Widget tokens


@dataclass(frozen=True)
class IssuedToken:
    token: str
    token_id: str
    expires_at: dt.datetime
    max_checks: int


def widget_token_issue(
    *,
    api_client: ApiClient,
    purpose: str,
    matter_code: str,
    subject: str = "",
    max_checks: int | None = None,
    now: dt.datetime | None = None,
) -> IssuedToken:
    """Issue a short-lived widget token for the client's department, a matter and a purpose.

    With ``subject`` (a code or name) the token checks that subject only, once by default; otherwise up to
    ``JRP_WIDGET_TOKEN_MAX_CHECKS`` checks. One audit entry per token.
    """
    now = now or timezone.now()
    purpose = _purpose_checked(purpose)
    matter_code = _matter_checked(matter_code)
    subject = " ".join((subject or "").split())[:MAX_QUERY_LENGTH]
    ceiling = int(settings.JRP_WIDGET_TOKEN_MAX_CHECKS)
    checks = max_checks if max_checks is not None else (1 if subject else ceiling)
    if not 1 <= checks <= ceiling:
        raise BatchCheckError("max_checks_invalid", f"每个令牌可核查的次数应在 1 到 {ceiling} 之间")
    token_id = secrets.token_hex(16)
    expires_at = now + dt.timedelta(seconds=int(settings.JRP_WIDGET_TOKEN_SECONDS))
    payload = {
        "t": token_id,
        "d": api_client.department_id,
        "c": api_client.pk,
        "m": matter_code,
        "p": purpose,
        "n": checks,
    }
    if subject:
        payload["s"] = subject_digest(token_id=token_id, query=subject)
    with transaction.atomic():
        WidgetToken.objects.create(
            token_id=token_id,
            department_id=api_client.department_id,
            api_client=api_client,
            purpose=purpose,
            matter_code=matter_code,
            subject_bound=bool(subject),
            max_checks=checks,
            issued_at=now,
            expires_at=expires_at,
        )
        audit_log(
            actor=api_client,
            action=AuditAction.CREATE,
            obj=WidgetToken,
            purpose=purpose,
            detail={
                "stage": "widget_token_issued",
                "token": token_id,
                "matter": matter_code,
                "max_checks": checks,
                "subject_bound": bool(subject),
            },
        )
    return IssuedToken(token=token_sign(payload), token_id=token_id, expires_at=expires_at, max_checks=checks)


def _token_use(*, payload: dict, query: str, now: dt.datetime) -> WidgetToken:
    """Count one use of a token (atomically, refusing a use beyond its checks) and return its row."""
    token_id = payload["t"]
    row = WidgetToken.objects.select_related("department", "api_client").filter(token_id=token_id).first()
    if row is None or row.department_id != payload.get("d") or row.api_client_id != payload.get("c"):
        raise WidgetTokenError("widget_token_invalid", "核查令牌无效：令牌不是平台签发的，或已被改动")
    if row.expires_at <= now:
        raise WidgetTokenError(
            "widget_token_expired", "核查令牌已过期：请刷新受理页面，由受理系统重新申请令牌"
        )
    if not row.api_client.is_active_at(now) or not row.department.is_active:
        raise WidgetTokenError("widget_token_revoked", "签发该令牌的接口客户端已停用：请联系受理系统的管理员")
    bound = payload.get("s")
    if bound and bound != subject_digest(token_id=token_id, query=query):
        error = WidgetTokenError(
            "widget_token_subject_mismatch", "该核查令牌只能核查受理系统指定的申请人，不能查询其他主体"
        )
        error.status = 403
        raise error
    used = WidgetToken.objects.filter(pk=row.pk, uses__lt=F("max_checks")).update(uses=F("uses") + 1)
    if not used:
        raise WidgetTokenError(
            "widget_token_used",
            f"核查令牌已用完（每个令牌可核查 {row.max_checks} 次）：请刷新受理页面，由受理系统重新申请令牌",
        )
    return row


def widget_check_run(
    *,
    token: str,
    query: str,
    as_of: dt.date,
    confirm_subject_id: int | None = None,
    now: dt.datetime | None = None,
) -> CheckAnswer:
    """One check through the widget: the token is verified and counted, then the check runs as its client."""
    now = now or timezone.now()
    payload = token_read(token)
    query = " ".join((query or "").split())
    if not query:
        raise BatchCheckError("query_required", "请输入统一社会信用代码、身份证号码或名称")
    if len(query) > MAX_QUERY_LENGTH:
        raise BatchCheckError("query_too_long", f"查询内容不能超过 {MAX_QUERY_LENGTH} 个字")
    row = _token_use(payload=payload, query=query, now=now)
    requester = Requester(
        department_id=row.department_id,
        department_name=row.department.name,
        api_client_id=row.api_client_id,
    )
    answer = check_run(
        requester=requester,
        purpose=row.purpose,
        matter_code=row.matter_code,
        query=query,
        as_of=as_of,
        channel=CheckChannel.WIDGET,
        confirm_subject_id=confirm_subject_id,
    )
    return answer
