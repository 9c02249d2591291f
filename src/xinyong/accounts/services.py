"""Writes of the accounts app: departments, users, API clients and the audit log."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.utils import timezone

from xinyong.accounts.audit_chain import (
    GENESIS_ACTION,
    GENESIS_HASH,
    canonical_detail,
    canonical_ip,
    entry_hash,
)
from xinyong.accounts.audit_checkpoints import (
    AuditCheckpoint,
    CheckpointError,
    checkpoint_append,
    checkpoint_file,
    checkpoints_read,
)
from xinyong.accounts.models import (
    ActorKind,
    ApiClient,
    ApiScope,
    AuditAction,
    AuditChainHead,
    AuditEntry,
    AuditOutcome,
    Department,
    Role,
    User,
)
from xinyong.core.errors import CodedError

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

# Any constant works; it only has to be the same for every writer of one database.
AUDIT_ADVISORY_LOCK_KEY = 0x78696E79  # "xiny"
ACTION_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
SYSTEM_ACTOR_NAME = "系统"
ANONYMOUS_ACTOR_NAME = "匿名访问者"

API_KEY_PREFIX = "xy"
API_KEY_LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class ServiceError(CodedError):
    """An error the user can act on: a stable ``code`` and a zh-hans ``message`` saying how to fix it."""


# ---------------------------------------------------------------------------------------------------------
# Departments


def department_create(
    *,
    code: str,
    name: str,
    uscc: str | None = None,
    region_code: str = "",
    parent: Department | None = None,
    actor: User | None = None,
) -> Department:
    """Create a department after validating its USCC, region code and place in the tree."""
    department = Department(
        code=code, name=name, uscc=uscc or None, region_code=region_code or "", parent=parent
    )
    department.full_clean()
    with transaction.atomic():
        department.save()
        audit_log(actor=actor, action=AuditAction.CREATE, obj=department)
    return department


def department_update(*, department: Department, actor: User | None = None, **fields: Any) -> Department:
    """Change a department's fields, refusing a parent that would make the tree loop."""
    allowed = {"name", "uscc", "region_code", "parent", "is_active"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"cannot update {sorted(unknown)}")
    for name, value in fields.items():
        setattr(department, name, value)
    department.full_clean()
    with transaction.atomic():
        department.save()
        audit_log(actor=actor, action=AuditAction.UPDATE, obj=department, detail={"changed": sorted(fields)})
    return department


# ---------------------------------------------------------------------------------------------------------
# Users


def user_create(
    *,
    username: str,
    role: str,
    department: Department | None = None,
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    actor: User | None = None,
) -> User:
    """Create a console user with a role; department roles need a department. Raises ServiceError."""
    if role not in Role.values:
        raise ServiceError(
            "role_unknown",
            f"未知的角色“{role}”；可用的角色：{'、'.join(f'{v}（{Role(v).label}）' for v in Role.values)}",
        )
    if User.objects.filter(username=username).exists():
        raise ServiceError("username_taken", f"用户名“{username}”已存在，请换一个用户名")
    if department is not None and not department.is_active:
        raise ServiceError("department_inactive", f"部门“{department}”已停用，不能再添加用户")
    user = User(
        username=username,
        role=role,
        department=department,
        email=email,
        first_name=first_name,
        last_name=last_name,
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ServiceError("password_weak", "密码不符合要求：" + "；".join(exc.messages)) from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        code = next((e.code for errs in exc.error_dict.values() for e in errs if e.code), "user_invalid")
        raise ServiceError(code or "user_invalid", "；".join(exc.messages)) from exc
    with transaction.atomic():
        user.save()
        audit_log(actor=actor, action=AuditAction.CREATE, obj=user, detail={"role": role})
    return user


# ---------------------------------------------------------------------------------------------------------
# API clients


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def apiclient_create(
    *,
    name: str,
    department: Department,
    scopes: list[str],
    created_by: User | None = None,
    expires_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> tuple[ApiClient, str]:
    """Create an API client and return it with its key; the key is not stored and cannot be shown again."""
    now = now or timezone.now()
    if not name.strip():
        raise ServiceError("name_required", "请填写接口客户端名称")
    if not department.is_active:
        raise ServiceError("department_inactive", f"部门“{department}”已停用，不能创建接口客户端")
    scopes = sorted(set(scopes))
    unknown = sorted(set(scopes) - set(ApiScope.values))
    if unknown:
        raise ServiceError(
            "scope_unknown", f"未知的权限范围：{'、'.join(unknown)}；可用：{'、'.join(ApiScope.values)}"
        )
    if not scopes:
        raise ServiceError("scope_required", f"请至少指定一个权限范围：{'、'.join(ApiScope.values)}")
    if expires_at is not None and expires_at <= now:
        raise ServiceError("expires_in_past", "有效期必须晚于当前时间")
    # The prefix is public (it identifies the key in logs and lookups); the secret is 256 random bits.
    prefix = secrets.token_hex(6)
    key = f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    client = ApiClient(
        name=name.strip(),
        department=department,
        scopes=scopes,
        key_prefix=prefix,
        key_hash=_key_hash(key),
        created_by=created_by,
        created_at=now,
        expires_at=expires_at,
    )
    with transaction.atomic():
        client.save()
        audit_log(
            actor=created_by,
            action=AuditAction.CREATE,
            obj=client,
            detail={"scopes": scopes, "department": department.code},
        )
    return client, key


def apiclient_revoke(
    *, client: ApiClient, actor: User | None = None, now: dt.datetime | None = None
) -> ApiClient:
    """Revoke an API client's key at once; revoking twice keeps the first revocation time."""
    if client.revoked_at is not None:
        return client
    client.revoked_at = now or timezone.now()
    with transaction.atomic():
        client.save(update_fields=["revoked_at"])
        audit_log(actor=actor, action=AuditAction.REVOKE, obj=client)
    return client


@dataclass(frozen=True)
class ApiKeyProblem:
    status: int
    code: str
    message: str


API_KEY_MISSING = ApiKeyProblem(
    401, "api_key_missing", "缺少接口密钥：请在请求头 Authorization: Bearer <密钥> 或 X-API-Key 中提供"
)
API_KEY_INVALID = ApiKeyProblem(
    401, "api_key_invalid", "接口密钥无效：请检查密钥是否完整，或向平台管理员申请新密钥"
)
API_KEY_REVOKED = ApiKeyProblem(401, "api_key_revoked", "接口密钥已被吊销：请向平台管理员申请新密钥")
API_KEY_EXPIRED = ApiKeyProblem(401, "api_key_expired", "接口密钥已过期：请向平台管理员申请新密钥")
API_KEY_DEPARTMENT_INACTIVE = ApiKeyProblem(
    401, "api_key_department_inactive", "接口密钥所属部门已停用：请联系平台管理员"
)


class ApiKeyError(CodedError):
    """Authentication of an API key failed; carries the HTTP status, a stable code and a zh message."""

    def __init__(self, problem: ApiKeyProblem, client: ApiClient | None = None) -> None:
        super().__init__(problem.code, problem.message)
        self.status = problem.status
        self.client = client


# Keys authenticated in this process, by key hash: (monotonic time until which the entry holds, client with
# its department). Cleared on every save or deletion of an API client or a department in this process
# (accounts.signals); other processes see such a change after at most ``apiclient_cache_seconds()``.
_key_cache: dict[str, tuple[float, ApiClient]] = {}
_key_cache_lock = threading.Lock()
_KEY_CACHE_MAX = 10_000
_monotonic = time.monotonic


def apiclient_cache_seconds() -> float:
    """Seconds a process keeps an authenticated key (setting ``XINYONG_API_KEY_CACHE_SECONDS``; 0: none)."""
    return float(getattr(settings, "XINYONG_API_KEY_CACHE_SECONDS", 5))


def apiclient_cache_clear() -> None:
    """Forget the keys this process authenticated (on any change of an API client or a department)."""
    with _key_cache_lock:
        _key_cache.clear()


def _client_by_key(key: str, prefix: str) -> ApiClient:
    """The client owning ``key`` with its department, from this process's cache or the database."""
    digest = _key_hash(key)
    seconds = apiclient_cache_seconds()
    cached = _key_cache.get(digest) if seconds > 0 else None
    if cached is not None and cached[0] > _monotonic():
        return copy.copy(cached[1])  # each request its own instance (with its own related-object cache)
    client = ApiClient.objects.select_related("department").filter(key_prefix=prefix).first()
    # Compare even when the prefix is unknown, so timing does not tell whether a prefix exists.
    expected = client.key_hash if client is not None else GENESIS_HASH
    if not hmac.compare_digest(expected, digest) or client is None:
        raise ApiKeyError(API_KEY_INVALID)
    if seconds > 0:
        with _key_cache_lock:
            if len(_key_cache) >= _KEY_CACHE_MAX:
                _key_cache.clear()
            _key_cache[digest] = (_monotonic() + seconds, copy.copy(client))
    return client


def apiclient_authenticate(*, key: str | None, now: dt.datetime | None = None) -> ApiClient:
    """Return the active client owning ``key`` (and note its use), or raise ApiKeyError.

    The client is remembered by the process for ``apiclient_cache_seconds()`` (docs/access.md): revocation,
    expiry, a department's deactivation and scope changes apply at once in the process that made them and
    within those seconds in every other one. Revocation and expiry times are compared on every request.
    """
    now = now or timezone.now()
    key = (key or "").strip()
    if not key:
        raise ApiKeyError(API_KEY_MISSING)
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX or not parts[1] or not parts[2]:
        raise ApiKeyError(API_KEY_INVALID)
    client = _client_by_key(key, parts[1])
    if client.revoked_at is not None and client.revoked_at <= now:
        raise ApiKeyError(API_KEY_REVOKED, client)
    if client.expires_at is not None and client.expires_at <= now:
        raise ApiKeyError(API_KEY_EXPIRED, client)
    if not client.department.is_active:
        raise ApiKeyError(API_KEY_DEPARTMENT_INACTIVE, client)
    if client.last_used_at is None or now - client.last_used_at >= API_KEY_LAST_USED_RESOLUTION:
        # One write a minute per client is enough to tell whether a key is still in use.
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
        cached = _key_cache.get(client.key_hash)
        if cached is not None:
            cached[1].last_used_at = now
    return client


# ---------------------------------------------------------------------------------------------------------
# Audit log


def request_ip(*, request: HttpRequest | None) -> str | None:
    """The client address of a request (REMOTE_ADDR; set it correctly in the reverse proxy)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _clip(value: str, limit: int) -> str:
    value = (value or "").replace("\x00", "")
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _actor_fields(actor: Any) -> dict[str, Any]:
    if isinstance(actor, ApiClient):
        return {
            "actor_kind": ActorKind.API_CLIENT,
            "actor_api_client": actor,
            "actor_name": actor.name,
            "actor_department_id": actor.department_id,
        }
    if actor is None:
        return {"actor_kind": ActorKind.SYSTEM, "actor_name": SYSTEM_ACTOR_NAME}
    # Subject accounts live in a higher layer (dueprocess): recognised by the name they give themselves.
    subject_account_name = getattr(actor, "audit_subject_account_name", None)
    if subject_account_name is not None:
        return {"actor_kind": ActorKind.SUBJECT_ACCOUNT, "actor_name": subject_account_name}
    if not getattr(actor, "is_authenticated", False):
        return {"actor_kind": ActorKind.ANONYMOUS, "actor_name": ANONYMOUS_ACTOR_NAME}
    return {
        "actor_kind": ActorKind.USER,
        "actor_user": actor,
        "actor_name": actor.get_username(),
        "actor_department_id": getattr(actor, "department_id", None),
    }


def _object_fields(obj: Any) -> dict[str, str]:
    if obj is None:
        return {}
    if isinstance(obj, type) and issubclass(obj, models.Model):
        return {"object_type": obj._meta.label_lower}
    if isinstance(obj, models.Model):
        return {
            "object_type": obj._meta.label_lower,
            "object_id": "" if obj.pk is None else str(obj.pk),
            "object_repr": str(obj),
        }
    raise TypeError("audit_log(obj=...) takes a model instance, a model class or None")


def _lock_chain(using: str) -> AuditChainHead:
    """Lock and return the chain head; concurrent writers queue here until the holder's transaction ends.

    PostgreSQL: ``SELECT ... FOR UPDATE`` on the single head row (a waiting writer then reads the row as
    committed by the previous one). SQLite serialises writers itself (transactions start IMMEDIATE).
    """
    head = AuditChainHead.objects.using(using).select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    # First entry of a database (or the head row was removed): create the head from the newest entry.
    # The advisory lock stops two first writers from creating it at once.
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_ADVISORY_LOCK_KEY])
        head = AuditChainHead.objects.using(using).select_for_update().filter(pk=1).first()
        if head is not None:
            return head
    last = AuditEntry.objects.using(using).order_by("-seq").values("seq", "hash").first()
    head = AuditChainHead(pk=1, seq=last["seq"] if last else 0, hash=last["hash"] if last else GENESIS_HASH)
    head.save(using=using, force_insert=True)
    return head


def audit_log(
    *,
    actor: User | ApiClient | AnonymousUser | None,
    action: str,
    obj: models.Model | type[models.Model] | None = None,
    purpose: str = "",
    outcome: str = "success",
    detail: dict | None = None,
    ip: str | None = None,
    request: HttpRequest | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Append one entry to the hash-chained audit log, inside the caller's transaction if there is one.

    ``actor`` is a user, an API client, an anonymous user or ``None`` for the system. ``obj`` is the model
    instance acted on, or a model class for list views and queries. The chain is locked until the
    surrounding transaction ends, so keep transactions that write audit entries short, and in bulk
    work write one entry per batch (counts in ``detail``), not one per row: on PostgreSQL every entry
    rewrites the chain-head row, which gets slower with each entry added in the same transaction.
    """
    if not ACTION_RE.match(action or ""):
        raise ValueError(f"audit action must be snake_case ASCII, got {action!r}")
    if outcome not in AuditOutcome.values:
        raise ValueError(f"audit outcome must be one of {AuditOutcome.values}, got {outcome!r}")
    fields: dict[str, Any] = {
        "action": str(action),
        "outcome": str(outcome),
        "purpose": _clip(purpose, 200),
        "detail": canonical_detail(detail),
        "ip": canonical_ip(ip or request_ip(request=request)),
        "created_at": at or timezone.now(),
        **_actor_fields(actor),
        **_object_fields(obj),
    }
    fields["actor_kind"] = str(fields["actor_kind"])
    fields["actor_name"] = _clip(fields["actor_name"], 200)
    fields["object_repr"] = _clip(fields.get("object_repr", ""), 200)
    fields["object_id"] = _clip(fields.get("object_id", ""), 64)
    entry = AuditEntry(**fields)
    using = router.db_for_write(AuditEntry)
    # No savepoint: if writing the entry fails, the caller's whole transaction must not commit either.
    with transaction.atomic(using=using, savepoint=False):
        head = _lock_chain(using)
        entry.seq = head.seq + 1
        entry.prev_hash = head.hash
        entry.hash = entry_hash(entry)
        entry._chained = True
        entry.save(using=using, force_insert=True)
        head.seq, head.hash = entry.seq, entry.hash
        head.save(using=using, update_fields=["seq", "hash"])
    return entry


def audit_genesis_ensure(*, using: str | None = None) -> AuditEntry | None:
    """Write the genesis entry (seq 1) into a log that has never had an entry; returns it, or None.

    Called after ``migrate``: from then on an empty log, or one without entry 1, is a deleted log, which
    ``audit verify`` reports. A log that already has entries (a database from before genesis entries)
    keeps its own first entry as the start of the chain.
    """
    using = using or router.db_for_write(AuditEntry)
    with transaction.atomic(using=using):
        if AuditEntry.objects.using(using).exists():
            return None
        head = AuditChainHead.objects.using(using).select_for_update().filter(pk=1).first()
        if head is not None and head.seq > 0:
            return None  # entries were written and removed: leave the gap for `audit verify` to report
        entry = audit_log(
            actor=None,
            action=GENESIS_ACTION,
            detail={"note": "审计日志起点：此后每一条日志都链接到本条；日志为空或本条缺失即说明日志被删除过"},
        )
    return entry


class AuditCheckpointRefused(ServiceError):
    """The log no longer matches an earlier checkpoint: signing its head would hide the loss."""


def audit_checkpoint_write(
    *, out: str | Path | None = None, directory: str | Path | None = None, now: dt.datetime | None = None
) -> tuple[AuditCheckpoint, Path]:
    """Append a signed checkpoint of the audit log's head to a file; returns it and the file written.

    The daily sweep calls this with no arguments (file ``checkpoints.jsonl`` in
    ``settings.AUDIT_CHECKPOINT_DIR``). The checkpoint itself is logged first (action
    ``audit_checkpoint``), so the checkpoint covers that entry. Refused (``AuditCheckpointRefused``) when
    the log no longer reaches the newest earlier checkpoint in the target, or differs from it: run
    ``xinyong audit verify`` to see what is missing.
    """
    target = checkpoint_file(out=out, directory=directory)
    earlier: list[AuditCheckpoint] = []
    if target.exists():
        try:
            earlier = checkpoints_read(target)
        except CheckpointError as exc:
            raise AuditCheckpointRefused(exc.code, exc.message) from exc
    try:
        entry, genesis = _audit_checkpoint_entry(target=target, earlier=earlier, now=now)
    except AuditCheckpointRefused as exc:
        audit_log(
            actor=None,
            action="audit_checkpoint",
            outcome=AuditOutcome.ERROR,
            detail={"file": str(target), "code": exc.code},
            at=now,
        )
        raise
    checkpoint = AuditCheckpoint(
        seq=entry.seq, hash=entry.hash, genesis_hash=genesis, created_at=entry.created_at
    ).signed()
    return checkpoint, checkpoint_append(checkpoint, path=target)


def _audit_checkpoint_entry(
    *, target: Path, earlier: list[AuditCheckpoint], now: dt.datetime | None
) -> tuple[AuditEntry, str]:
    """Log the checkpoint and return the entry with the genesis hash, after comparing the newest earlier one."""
    using = router.db_for_write(AuditEntry)
    with transaction.atomic(using=using):
        entry = audit_log(actor=None, action="audit_checkpoint", detail={"file": str(target)}, at=now)
        genesis = AuditEntry.objects.using(using).filter(seq=1).values_list("hash", flat=True).first()
        if genesis is None:
            raise AuditCheckpointRefused(
                "audit_genesis_missing",
                "审计日志缺少第 1 条（创世条目），日志被删除过；请先执行 xinyong audit verify",
            )
        if earlier:
            last = earlier[-1]
            stored = (
                AuditEntry.objects.using(using).filter(seq=last.seq).values_list("hash", flat=True).first()
            )
            if last.genesis_hash != genesis or stored != last.hash:
                raise AuditCheckpointRefused(
                    "audit_checkpoint_mismatch",
                    f"审计日志与上一个检查点（第 {last.seq} 条，{last.source}）不一致，日志被截断或改动过；"
                    "未生成新检查点，请执行 xinyong audit verify 查明缺失的日志",
                )
    return entry, genesis
