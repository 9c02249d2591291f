"""Writes shared by every due-process case: numbers, the transition history and evidence files.

Evidence limits (docs/due-process.md): PDF, JPEG, PNG or OFD, recognised by their first bytes (not by the
name a browser sends), at most ``DUEPROCESS_EVIDENCE_MAX_BYTES`` each and ``DUEPROCESS_EVIDENCE_MAX_FILES``
per case; stored encrypted (core.filecrypt) under ``DUEPROCESS_EVIDENCE_DIR``, outside the web root.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils import timezone

from xinyong.accounts.models import ApiClient
from xinyong.accounts.permissions import is_platform_wide
from xinyong.core.errors import CodedError
from xinyong.core.filecrypt import open_decrypted, open_encrypted
from xinyong.dueprocess.cases.models import ActorRole, CaseEvent, EvidenceFile
from xinyong.dueprocess.subject_accounts.models import SubjectAccount

# Recognised by their magic bytes; the stored content type comes from here, never from the upload.
EVIDENCE_TYPES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"PK\x03\x04", "application/ofd", ".ofd"),
)
_NAME_KEEP = 120


class CaseError(CodedError):
    pass


def case_number_interim() -> str:
    """A unique stand-in for a case's number until its row id is known (``case_number``); fits every number
    field (at most 32 characters)."""
    return f"~{secrets.token_hex(12)}"


def case_number(*, prefix: str, on_date: dt.date, pk: int) -> str:
    """A case's number: prefix, filing date and the row id (unique without a sequence table)."""
    return f"{prefix}{on_date:%Y%m%d}{pk:06d}"


def _actor_fields(actor: Any) -> dict[str, Any]:
    """Who acted: a subject account, a console user (department or operator), or the system (None)."""
    if actor is None:
        return {"actor_role": ActorRole.SYSTEM, "actor_name": "系统"}
    if isinstance(actor, SubjectAccount):
        return {"actor_role": ActorRole.SUBJECT, "actor_account": actor, "actor_name": actor.display_name}
    if isinstance(actor, ApiClient):
        # A department's system calling the API acts for that department.
        return {
            "actor_role": ActorRole.DEPARTMENT,
            "actor_name": f"{actor.department.name}·接口 {actor.name}"[:200],
        }
    role = ActorRole.OPERATOR if is_platform_wide(actor) else ActorRole.DEPARTMENT
    department = getattr(actor, "department", None)
    name = actor.get_full_name() or actor.get_username()
    if department is not None:
        name = f"{department.name}·{name}"
    return {"actor_role": role, "actor_user": actor, "actor_name": name[:200]}


def case_event_add(
    *,
    case_kind: str,
    case_id: int,
    from_state: str,
    to_state: str,
    on_date: dt.date,
    actor: Any,
    note: str = "",
    due_on: dt.date | None = None,
) -> CaseEvent:
    """Append one transition to a case's history; ``on_time`` is set when the step had a deadline."""
    return CaseEvent.objects.create(
        case_kind=case_kind,
        case_id=case_id,
        from_state=from_state,
        to_state=to_state,
        on_date=on_date,
        at=timezone.now(),
        note=note,
        due_on=due_on,
        on_time=None if due_on is None else on_date <= due_on,
        **_actor_fields(actor),
    )


def evidence_dir() -> Path:
    path = Path(getattr(settings, "DUEPROCESS_EVIDENCE_DIR", settings.VAR_DIR / "evidence"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _kind_of(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, suffix in EVIDENCE_TYPES:
        if head.startswith(magic):
            return content_type, suffix
    return None


def evidence_store(*, case_kind: str, case_id: int, name: str, stream: IO[bytes], actor: Any) -> EvidenceFile:
    """Check and store one evidence file encrypted at rest; CaseError with a code when refused."""
    max_bytes = int(getattr(settings, "DUEPROCESS_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))
    max_files = int(getattr(settings, "DUEPROCESS_EVIDENCE_MAX_FILES", 10))
    if EvidenceFile.objects.filter(case_kind=case_kind, case_id=case_id).count() >= max_files:
        raise CaseError("evidence_too_many", f"每件申请最多上传 {max_files} 个证明材料")
    head = stream.read(8)
    kind = _kind_of(head)
    if kind is None:
        raise CaseError("evidence_type_invalid", "证明材料只接受 PDF、JPG、PNG 或 OFD 文件")
    content_type, suffix = kind
    storage_name = secrets.token_hex(16) + suffix
    path = evidence_dir() / storage_name
    digest = hashlib.sha256(head)
    size = len(head)
    try:
        with open_encrypted(path) as out:
            out.write(head)
            while chunk := stream.read(1024 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise CaseError(
                        "evidence_too_large", f"单个证明材料不能超过 {max_bytes // (1024 * 1024)} MB"
                    )
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size == len(head) and size < 16:
        path.unlink(missing_ok=True)
        raise CaseError("evidence_empty", "证明材料文件为空或已损坏")
    clean = "".join(ch for ch in (name or "").strip() if ch.isprintable() and ch not in '\\/:*?"<>|')
    fields = _actor_fields(actor)
    return EvidenceFile.objects.create(
        case_kind=case_kind,
        case_id=case_id,
        name=(clean or f"证明材料{suffix}")[:_NAME_KEEP],
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        storage_name=storage_name,
        uploaded_by_role=fields["actor_role"],
        uploaded_by_user=fields.get("actor_user"),
        uploaded_by_account=fields.get("actor_account"),
    )


def evidence_open(*, evidence: EvidenceFile) -> IO[bytes]:
    """The decrypted content of an evidence file (callers check permissions first)."""
    return open_decrypted(evidence_dir() / evidence.storage_name)
