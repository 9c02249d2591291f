"""Reads of the accounts app: the department tree and verification of the audit chain."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from django.db.models import QuerySet

from xinyong.accounts.audit_chain import GENESIS_HASH, HASHED_FIELDS, entry_hash
from xinyong.accounts.models import MAX_DEPARTMENT_DEPTH, AuditChainHead, AuditEntry, Department


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


def _row_fields() -> list[str]:
    return [f for f in HASHED_FIELDS if f != "seq"] + ["seq", "hash"]


def audit_verify(*, chunk_size: int = 5000) -> AuditVerifyResult:
    """Walk the whole audit chain in order and report the first altered, missing or inserted entry."""
    # Snapshot the head first: entries appended while we walk are checked on the next run.
    head = AuditChainHead.objects.filter(pk=1).values("seq", "hash").first()
    qs = AuditEntry.objects.order_by("seq").values(*_row_fields())
    if head is not None:
        qs = qs.filter(seq__lte=head["seq"])
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0

    def fail(seq: int | None, problem: str, message: str) -> AuditVerifyResult:
        return AuditVerifyResult(
            ok=False,
            checked=checked,
            last_seq=expected_seq - 1,
            last_hash=prev_hash,
            first_bad_seq=seq,
            problem=problem,
            message=message,
        )

    for row in qs.iterator(chunk_size=chunk_size):
        entry = SimpleNamespace(**row)
        if entry.seq != expected_seq:
            return fail(
                expected_seq,
                "audit_entry_missing",
                f"第 {expected_seq} 条日志缺失（下一条是第 {entry.seq} 条），日志被删除过 / entry missing",
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
        prev_hash = entry.hash
        expected_seq += 1
        checked += 1

    last_seq = expected_seq - 1
    if head is None:
        if checked:
            return fail(
                None,
                "audit_head_missing",
                "日志链头记录缺失，无法确认末尾日志是否被删除 / chain head missing",
            )
        return AuditVerifyResult(ok=True, checked=0, last_seq=0, last_hash=GENESIS_HASH)
    if head["seq"] > last_seq:
        return fail(
            last_seq + 1,
            "audit_entry_missing",
            f"第 {last_seq + 1} 至 {head['seq']} 条日志缺失，末尾日志被删除过 / entries missing at the end",
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
    return AuditVerifyResult(ok=True, checked=checked, last_seq=last_seq, last_hash=prev_hash)
