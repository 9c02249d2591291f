"""Reads of the accounts app: departments (by code, the tree) and verification of the audit chain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace

from django.db.models import QuerySet

from xinyong.accounts.audit_chain import GENESIS_HASH, HASHED_FIELDS, entry_hash
from xinyong.accounts.audit_checkpoints import AuditCheckpoint
from xinyong.accounts.models import MAX_DEPARTMENT_DEPTH, AuditChainHead, AuditEntry, Department


def department_by_code(*, code: str) -> Department | None:
    """The department with this code (active or not), or ``None``."""
    return Department.objects.filter(code=code).first()


def department_descendant_ids(*, department: Department | int, include_self: bool = False) -> set[int]:
    """Ids of every department below ``department`` in the tree (one query per level)."""
    root_id = department if isinstance(department, int) else department.pk
    found: set[int] = {root_id} if include_self else set()
    frontier = {root_id}
    seen = {root_id}
    for _ in range(MAX_DEPARTMENT_DEPTH):
        children = set(Department.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - seen
        if not children:
            break
        found |= children
        seen |= children
        frontier = children
    return found


def department_descendants(
    *, department: Department | int, include_self: bool = False
) -> QuerySet[Department]:
    """Every department below ``department`` (optionally with it) as a queryset."""
    return Department.objects.filter(
        pk__in=department_descendant_ids(department=department, include_self=include_self)
    )


def department_ancestors(*, department: Department) -> list[Department]:
    """The chain of parents of ``department``, nearest first."""
    chain: list[Department] = []
    seen = {department.pk}
    current = department
    while (
        current.parent_id is not None and current.parent_id not in seen and len(chain) < MAX_DEPARTMENT_DEPTH
    ):
        current = current.parent
        seen.add(current.pk)
        chain.append(current)
    return chain


def department_path(*, department: Department) -> str:
    """Human-readable path from the root, e.g. ``福州市人民政府 / 市发展和改革委员会``."""
    names = [d.name for d in reversed(department_ancestors(department=department))]
    return " / ".join([*names, department.name])


@dataclass(frozen=True)
class AuditVerifyResult:
    ok: bool
    checked: int
    last_seq: int
    last_hash: str
    first_bad_seq: int | None = None
    problem: str = ""
    message: str = ""
    # Entries known to be missing (first, last), from the chain or from a checkpoint the log no longer reaches.
    missing: tuple[int, int] | None = None
    checkpoints: int = 0


def _row_fields() -> list[str]:
    return [f for f in HASHED_FIELDS if f != "seq"] + ["seq", "hash"]


def _missing_since(checkpoint: AuditCheckpoint, *, last_seq: int) -> str:
    return (
        f"第 {last_seq + 1} 至 {checkpoint.seq} 条日志缺失（{checkpoint.source or '检查点'}记录日志已到第 "
        f"{checkpoint.seq} 条，{checkpoint.created_at:%Y-%m-%d %H:%M} UTC），其后写入的日志也可能缺失"
    )


def audit_verify(*, chunk_size: int = 5000, checkpoints: Sequence[AuditCheckpoint] = ()) -> AuditVerifyResult:
    """Walk the whole audit chain in order and report the first altered, missing or inserted entry.

    The chain must start with entry 1 (the genesis entry ``migrate`` writes). With ``checkpoints`` (read
    and signature-checked by ``audit_checkpoints.checkpoints_read``) the log must also still reach every
    checkpoint with the same entry hash there and the same genesis entry: that is what shows entries cut
    off the end, or a whole log replaced.
    """
    # Snapshot the head first: entries appended while we walk are checked on the next run.
    head = AuditChainHead.objects.filter(pk=1).values("seq", "hash").first()
    qs = AuditEntry.objects.order_by("seq").values(*_row_fields())
    if head is not None:
        qs = qs.filter(seq__lte=head["seq"])
    wanted = {c.seq for c in checkpoints} | {1}
    seen: dict[int, str] = {}
    latest = max(checkpoints, key=lambda c: c.seq, default=None)
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0

    def fail(
        seq: int | None, problem: str, message: str, missing: tuple[int, int] | None = None
    ) -> AuditVerifyResult:
        return AuditVerifyResult(
            ok=False,
            checked=checked,
            last_seq=expected_seq - 1,
            last_hash=prev_hash,
            first_bad_seq=seq,
            problem=problem,
            message=message,
            missing=missing,
            checkpoints=len(checkpoints),
        )

    for row in qs.iterator(chunk_size=chunk_size):
        entry = SimpleNamespace(**row)
        if entry.seq != expected_seq:
            if expected_seq == 1:
                return fail(
                    1,
                    "audit_genesis_missing",
                    f"第 1 条日志（创世条目）缺失，日志从第 {entry.seq} 条开始，日志被删除过 / genesis entry missing",
                    (1, entry.seq - 1),
                )
            return fail(
                expected_seq,
                "audit_entry_missing",
                f"第 {expected_seq} 条日志缺失（下一条是第 {entry.seq} 条），日志被删除过 / entry missing",
                (expected_seq, entry.seq - 1),
            )
        if entry.prev_hash != prev_hash:
            return fail(
                entry.seq,
                "audit_chain_broken",
                f"第 {entry.seq} 条日志与前一条不衔接，日志被删除或插入过 / chain broken",
            )
        if entry_hash(entry) != entry.hash:
            return fail(
                entry.seq, "audit_entry_altered", f"第 {entry.seq} 条日志的内容被修改过 / entry altered"
            )
        if entry.seq in wanted:
            seen[entry.seq] = entry.hash
        prev_hash = entry.hash
        expected_seq += 1
        checked += 1

    last_seq = expected_seq - 1
    if checked == 0:
        # `migrate` writes the genesis entry, so an empty log is a deleted one.
        known = f"；检查点记录日志曾有 {latest.seq} 条" if latest else ""
        return fail(
            1,
            "audit_genesis_missing",
            f"审计日志为空，连第 1 条（创世条目）也没有：日志被整体删除过{known} / audit log empty, genesis missing",
            (1, max(latest.seq if latest else 1, head["seq"] if head else 1)),
        )
    if head is None:
        return fail(
            None,
            "audit_head_missing",
            "日志链头记录缺失，无法确认末尾日志是否被删除 / chain head missing",
        )
    if head["seq"] > last_seq:
        return fail(
            last_seq + 1,
            "audit_entry_missing",
            f"第 {last_seq + 1} 至 {head['seq']} 条日志缺失，末尾日志被删除过 / entries missing at the end",
            (last_seq + 1, head["seq"]),
        )
    if head["hash"] != prev_hash:
        return fail(
            last_seq, "audit_head_mismatch", f"日志链头与第 {last_seq} 条日志不一致 / chain head mismatch"
        )
    # Entries beyond the head were not written by audit_log(). Read the entry before the head: a writer
    # commits both together, so an entry committed meanwhile is covered by the head read after it.
    stray = (
        AuditEntry.objects.filter(seq__gt=head["seq"]).order_by("seq").values_list("seq", flat=True).first()
    )
    head_now = AuditChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
    if stray is not None and stray > head_now:
        return fail(
            stray, "audit_entry_inserted", f"第 {stray} 条日志不是由平台写入的（在链头之后）/ entry inserted"
        )
    for checkpoint in checkpoints:
        if checkpoint.genesis_hash != seen.get(1):
            return fail(
                1,
                "audit_genesis_mismatch",
                f"第 1 条日志（创世条目）与检查点（{checkpoint.source}）记录的不同：整个日志被替换过；"
                f"{_missing_since(checkpoint, last_seq=0)} / genesis entry differs from the checkpoint",
                (1, checkpoint.seq),
            )
    if latest is not None and latest.seq > last_seq:
        return fail(
            last_seq + 1,
            "audit_head_behind_checkpoint",
            f"日志链头（第 {last_seq} 条）落后于最近的检查点：{_missing_since(latest, last_seq=last_seq)}"
            " / chain head is behind the last checkpoint",
            (last_seq + 1, latest.seq),
        )
    for checkpoint in checkpoints:
        if seen.get(checkpoint.seq) != checkpoint.hash:
            return fail(
                checkpoint.seq,
                "audit_checkpoint_mismatch",
                f"第 {checkpoint.seq} 条日志的摘要与检查点（{checkpoint.source}）记录的不同：该条及其前后的日志"
                "被删除后重写过 / entry hash differs from the checkpoint",
            )
    return AuditVerifyResult(
        ok=True, checked=checked, last_seq=last_seq, last_hash=prev_hash, checkpoints=len(checkpoints)
    )
