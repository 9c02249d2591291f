"""Writes of list types and entries. A single entry's change of state goes through ``entry_transition``;
the bulk paths (mirrored entries from records, expiry) write the same events with a few queries per chunk
and one audit entry per run. See docs/lists.md.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinyong.accounts.services import audit_log
from xinyong.core.dates import DateParseError, parse_date_value
from xinyong.lists.errors import ListsError
from xinyong.lists.mapping import ITEM_READINGS, TypeIndex, type_index
from xinyong.lists.models import (
    FTM_BATCH_PREFIX,
    RED_LEFT_REASON,
    RENAMED_REASON,
    REVOKED_REASON_PREFIX,
    EntryEvent,
    EntryOrigin,
    EntryState,
    ListColour,
    ListEntry,
    ListingMode,
    ListType,
    ListTypeVersion,
)
from xinyong.lists.selectors import entries_in_force
from xinyong.lists.typesfile import CONTENT_FIELDS, types_read, types_validate
from xinyong.records.models import CreditRecord
from xinyong.records.windows import add_months


@transaction.atomic
def entry_transition(
    *,
    entry: ListEntry,
    to_state: str,
    on_date: dt.date,
    actor: Any = None,
    reason: str = "",
    audit: bool = True,
    **fields: Any,
) -> ListEntry:
    """Move ``entry`` to ``to_state`` on ``on_date`` (with other field changes), dated, attributed and audited.

    ``actor`` is a user, an API client or None for the platform itself. Bulk callers (a batch's mirrored
    entries) pass ``audit=False`` and write one audit entry for the whole set.
    """
    from_state = entry.state
    entry.state = to_state
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.updated_at = timezone.now()
    entry.save()
    user = actor if getattr(actor, "is_authenticated", False) and hasattr(actor, "role") else None
    EntryEvent.objects.create(
        entry=entry,
        from_state=from_state,
        to_state=to_state,
        on_date=on_date,
        actor=user,
        actor_name=str(actor) if actor is not None else "平台",
        reason=reason,
    )
    if audit:
        audit_log(
            actor=actor,
            action="list_entry_transition",
            obj=entry,
            detail={"from": from_state, "to": to_state, "on": on_date.isoformat(), "reason": reason[:200]},
        )
    return entry


# ---------------------------------------------------------------------------------------------------------
# List types: loading the shipped file, operators' edits (every change of content adds a version)


@dataclass
class TypesLoadReport:
    created: list[str] = field(default_factory=list)
    versioned: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.versioned)

    def summary(self) -> str:
        return f"新增名单类型 {len(self.created)} 个，更新（新版本）{len(self.versioned)} 个，未变 {self.unchanged} 个"


def list_type_payload(*, list_type: ListType) -> dict[str, Any]:
    """The content of a list type as a version stores it."""
    return {name: getattr(list_type, name) for name in CONTENT_FIELDS}


def _version_add(*, list_type: ListType, valid_from: dt.date, actor: Any, note: str) -> ListTypeVersion:
    user = actor if getattr(actor, "is_authenticated", False) and hasattr(actor, "role") else None
    return ListTypeVersion.objects.create(
        list_type=list_type,
        number=list_type.version,
        valid_from=valid_from,
        payload=list_type_payload(list_type=list_type),
        note=note,
        created_by=user,
    )


@transaction.atomic
def list_types_load(
    *, as_of: dt.date, path: str | Path | None = None, only_missing: bool = False, actor: Any = None
) -> TypesLoadReport:
    """Load the list types file: new types are created, changed ones get a new version (``as_of``).

    ``only_missing`` (at ``migrate``) leaves existing types alone, perhaps edited by an operator.
    Raises ``ListTypesFileError`` (nothing written) when the file does not validate.
    """
    file = types_read(path=path)
    existing = {t.code: t for t in ListType.objects.select_for_update()}
    report = TypesLoadReport()
    for data in file.types:
        list_type = existing.get(data["code"])
        if list_type is None:
            list_type = ListType.objects.create(**data, version=1, valid_from=file.valid_from)
            _version_add(list_type=list_type, valid_from=file.valid_from, actor=actor, note="随版本发布")
            report.created.append(list_type.code)
            continue
        # Synonyms operators added (names departments write) are kept next to the shipped ones.
        data = {
            **data,
            "synonyms": [*data["synonyms"], *(n for n in list_type.synonyms if n not in data["synonyms"])],
        }
        if only_missing or list_type_payload(list_type=list_type) == data:
            report.unchanged += 1
        else:
            list_type_save(
                list_type=list_type, data=data, as_of=as_of, actor=actor, note="随版本更新", audit=False
            )
            report.versioned.append(list_type.code)
    if report.changed:
        audit_log(
            actor=actor,
            action="list_types_load",
            obj=ListType,
            detail={"created": report.created[:100], "versioned": report.versioned[:100]},
        )
    return report


@transaction.atomic
def list_type_save(
    *,
    list_type: ListType,
    data: dict[str, Any],
    as_of: dt.date,
    actor: Any = None,
    note: str = "",
    audit: bool = True,
) -> ListType:
    """Change a list type's content (``data``: its content fields); adds a version when anything changed."""
    before = list_type_payload(list_type=list_type)
    after = {**before, **{k: v for k, v in data.items() if k in CONTENT_FIELDS and k != "code"}}
    check = types_validate(data={"valid_from": as_of, "list_types": [after]}).types[0]
    if check == before:
        return list_type
    for name, value in check.items():
        setattr(list_type, name, value)
    list_type.version += 1
    list_type.valid_from = as_of
    list_type.updated_at = timezone.now()
    list_type.save()
    _version_add(list_type=list_type, valid_from=as_of, actor=actor, note=note)
    if audit:
        changed = sorted(k for k in after if before.get(k) != check.get(k))
        audit_log(
            actor=actor,
            action="list_type_update",
            obj=list_type,
            detail={"version": list_type.version, "fields": changed},
        )
    return list_type


# ---------------------------------------------------------------------------------------------------------
# Mirrored entries from credit records


# A date at or after this one in a record's 有效期至 means 长期有效: the entry lasts until removed.
LONG_TERM = dt.date(2099, 1, 1)
SYNC_CHUNK = 1000
REPAIRED_STATUS = "repaired"  # records.RecordStatus.REPAIRED
STATUS_REASONS = {"revoked": "信用记录所依据的决定已撤销", "withdrawn": "信用记录已撤回"}
# A red list type of this domain is left on any black listing (综合性荣誉, e.g. 诚信示范企业).
ANY_DOMAIN = "综合"
TERMINAL_STATES = (EntryState.REMOVED, EntryState.REPAIRED, EntryState.DECLINED)


@dataclass
class SyncReport:
    """What one sync did; ``unmapped``: list names that match no list type, with their record counts."""

    records: int = 0
    created: int = 0
    updated: int = 0
    removed: int = 0
    repaired: int = 0
    expired: int = 0
    reactivated: int = 0
    red_left: int = 0
    decided_skipped: int = 0
    kind_refused: int = 0
    unmapped: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.removed + self.repaired + self.expired + self.reactivated

    def summary(self) -> str:
        text = (
            f"名单条目同步：信用记录 {self.records:,} 条，新增条目 {self.created:,} 条，更新 {self.updated:,} 条，"
            f"移出 {self.removed:,} 条，信用修复 {self.repaired:,} 条，期满 {self.expired:,} 条，"
            f"恢复 {self.reactivated:,} 条，退出红名单 {self.red_left:,} 条"
        )
        if self.unmapped:
            text += f"；未对应名单类型的名单名称 {len(self.unmapped):,} 个（{sum(self.unmapped.values()):,} 条记录）"
        if self.decided_skipped:
            text += f"；平台认定类名单记录 {self.decided_skipped:,} 条（须经告知程序，未直接列入）"
        return text


def _date(value: object) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return parse_date_value(value)
    except (DateParseError, ValueError, OverflowError):
        return None


@dataclass
class Wanted:
    """The entry a record calls for."""

    list_type: ListType
    state: str
    effective_from: dt.date
    effective_until: dt.date | None
    ended_on: dt.date | None
    end_reason: str
    reason: str


def _wanted(row: dict[str, Any], list_type: ListType, *, as_of: dt.date) -> Wanted:
    reading = ITEM_READINGS[row["item__code"]]
    fields = row["current_version__fields"] or {}
    start = _date(fields.get(reading.valid_from_field)) if reading.valid_from_field else None
    start = start or row["decision_date"]
    until = _date(fields.get(reading.valid_until_field)) if reading.valid_until_field else None
    if until is not None and until >= LONG_TERM:
        until = None
    elif until is None and list_type.validity_months:
        until = add_months(start, list_type.validity_months) - dt.timedelta(days=1)
    reason = str(fields.get(reading.reason_field) or "")[:2000]
    status = row["status"]
    removal = _date(fields.get(reading.removal_date_field)) if reading.removal_date_field else None
    state, ended, why = EntryState.EFFECTIVE, None, ""
    change = (row["current_version__change_reason"] or "")[:500]
    if status in STATUS_REASONS:
        state, ended = EntryState.REMOVED, row["status_date"] or as_of
        why = STATUS_REASONS[status] + (f"：{change}" if change else "")
    elif status == REPAIRED_STATUS:
        state, ended = EntryState.REPAIRED, row["status_date"] or as_of
        why = "已信用修复" + (f"：{change}" if change else "")
    elif removal is not None:
        removal_reason = fields.get(reading.removal_reason_field) if reading.removal_reason_field else ""
        state, ended = EntryState.REMOVED, removal
        why = "认定部门已移出" + (f"：{str(removal_reason)[:500]}" if removal_reason else "")
    elif until is not None and until < as_of:
        state, ended = EntryState.EXPIRED, until + dt.timedelta(days=1)
        why = "有效期届满"
    return Wanted(list_type, state, start, until, ended, why, reason)


class _Writer:
    """Collects the entries and events of one chunk and writes them with a few bulk queries."""

    UPDATE_FIELDS = (
        "state",
        "effective_from",
        "effective_until",
        "ended_on",
        "end_reason",
        "reason",
        "decided_on",
        "department",
        "updated_at",
    )

    def __init__(self, *, actor: Any):
        self.user = actor if getattr(actor, "is_authenticated", False) and hasattr(actor, "role") else None
        self.actor_name = str(actor) if actor is not None else "平台"
        self.new: list[tuple[ListEntry, list[tuple[str, str, dt.date, str]]]] = []
        self.changed: dict[int, ListEntry] = {}
        self.events: list[EntryEvent] = []
        self.now = timezone.now()

    def event(self, entry: ListEntry, from_state: str, to_state: str, on: dt.date, reason: str) -> None:
        self.events.append(
            EntryEvent(
                entry=entry,
                from_state=from_state,
                to_state=to_state,
                on_date=on,
                actor=self.user,
                actor_name=self.actor_name,
                reason=reason,
                at=self.now,
            )
        )

    def create(self, entry: ListEntry, steps: list[tuple[str, str, dt.date, str]]) -> None:
        self.new.append((entry, steps))

    def change(self, entry: ListEntry) -> None:
        entry.updated_at = self.now
        self.changed[entry.pk] = entry

    def flush(self) -> None:
        if self.new:
            created = ListEntry.objects.bulk_create([entry for entry, _ in self.new])
            for entry, (_, steps) in zip(created, self.new, strict=True):
                for from_state, to_state, on, reason in steps:
                    self.event(entry, from_state, to_state, on, reason)
        if self.changed:
            ListEntry.objects.bulk_update(list(self.changed.values()), self.UPDATE_FIELDS)
        if self.events:
            EntryEvent.objects.bulk_create(self.events)
        self.new, self.changed, self.events = [], {}, []
        self.now = timezone.now()  # the change feed's settle horizon relies on times close to the writes


def _entry_steps(want: Wanted) -> list[tuple[str, str, dt.date, str]]:
    steps = [("", EntryState.EFFECTIVE, want.effective_from, "认定部门列入，归集导入即生效")]
    if want.state != EntryState.EFFECTIVE:
        steps.append(
            (EntryState.EFFECTIVE, want.state, want.ended_on or want.effective_from, want.end_reason)
        )
    return steps


def _apply(entry: ListEntry, want: Wanted, row: dict[str, Any], writer: _Writer, report: SyncReport) -> bool:
    """Bring an imported entry in line with its record; True when it is (again) effective."""
    values = {
        "effective_from": want.effective_from,
        "effective_until": want.effective_until,
        "reason": want.reason,
        "decided_on": row["decision_date"],
        "department_id": row["department_id"],
    }
    if entry.state in TERMINAL_STATES:
        return False  # removed, repaired or declined: a later version never brings an entry back silently
    before = entry.state
    differs = any(getattr(entry, k) != v for k, v in values.items())
    for name, value in values.items():
        setattr(entry, name, value)
    if want.state == EntryState.EFFECTIVE:
        if before == EntryState.EXPIRED:
            entry.state, entry.ended_on, entry.end_reason = EntryState.EFFECTIVE, None, ""
            writer.event(entry, before, EntryState.EFFECTIVE, want.effective_from, "有效期延长，恢复列入")
            report.reactivated += 1
        elif differs:
            writer.event(entry, before, before, want.effective_from, "认定部门更新列入信息")
            report.updated += 1
        if differs or before == EntryState.EXPIRED:
            writer.change(entry)
        return True
    if want.state == before:  # expired and still expired: only the dates may have moved
        if differs:
            writer.change(entry)
            report.updated += 1
        return False
    entry.state, entry.ended_on, entry.end_reason = want.state, want.ended_on, want.end_reason
    writer.event(entry, before, want.state, want.ended_on or want.effective_from, want.end_reason)
    writer.change(entry)
    _count(report, want.state)
    return False


def _count(report: SyncReport, state: str) -> None:
    if state == EntryState.REMOVED:
        report.removed += 1
    elif state == EntryState.REPAIRED:
        report.repaired += 1
    elif state == EntryState.EXPIRED:
        report.expired += 1


def _sync_chunk(
    ids: list[int], *, index: TypeIndex, as_of: dt.date, writer: _Writer, report: SyncReport
) -> set[int]:
    rows = list(
        CreditRecord.objects.filter(pk__in=ids, item__code__in=list(ITEM_READINGS)).values(
            "id",
            "item__code",
            "subject_id",
            "subject_kind",
            "department_id",
            "decision_date",
            "status",
            "status_date",
            "current_version__fields",
            "current_version__change_reason",
            "current_version__batch_ref",
        )
    )
    report.records += len(rows)
    existing: dict[int, list[ListEntry]] = defaultdict(list)
    for entry in ListEntry.objects.filter(
        record_id__in=[r["id"] for r in rows], origin__in=(EntryOrigin.IMPORT, EntryOrigin.FTM)
    ):
        existing[entry.record_id].append(entry)
    touched: set[int] = set()
    for row in rows:
        reading = ITEM_READINGS[row["item__code"]]
        fields = row["current_version__fields"] or {}
        name = fields.get(reading.name_field) if reading.name_field else None
        list_type = index.match(item_code=row["item__code"], name=name)
        entries = existing.get(row["id"], [])
        for other in entries:  # the list name was corrected: the entry under the old type ends
            if (
                list_type is None or other.list_type_id != list_type.pk
            ) and other.state not in TERMINAL_STATES:
                before = other.state
                other.state, other.ended_on = EntryState.REMOVED, as_of
                other.end_reason = RENAMED_REASON
                writer.event(other, before, EntryState.REMOVED, as_of, other.end_reason)
                writer.change(other)
                report.removed += 1
        if list_type is None:
            label = str(name or "").strip()[:100] or "（空）"
            report.unmapped[f"{row['item__code']}｜{label}"] += 1
            continue
        if list_type.listing_mode != ListingMode.MIRRORED:
            report.decided_skipped += 1
            continue
        if not list_type.applies_to(row["subject_kind"]):
            report.kind_refused += 1
            continue
        want = _wanted(row, list_type, as_of=as_of)
        entry = next((e for e in entries if e.list_type_id == list_type.pk), None)
        if entry is None:
            writer.create(
                ListEntry(
                    list_type=list_type,
                    subject_id=row["subject_id"],
                    record_id=row["id"],
                    # Records of a FollowTheMoney import carry its batch reference (lists.interop.ftm_import).
                    origin=EntryOrigin.FTM
                    if (row["current_version__batch_ref"] or "").startswith(FTM_BATCH_PREFIX)
                    else EntryOrigin.IMPORT,
                    state=want.state,
                    subject_kind=row["subject_kind"],
                    department_id=row["department_id"],
                    reason=want.reason,
                    decided_on=row["decision_date"],
                    effective_from=want.effective_from,
                    effective_until=want.effective_until,
                    ended_on=want.ended_on,
                    end_reason=want.end_reason,
                    created_at=writer.now,
                    updated_at=writer.now,
                ),
                _entry_steps(want),
            )
            report.created += 1
            _count(report, want.state)
            if want.state == EntryState.EFFECTIVE:
                touched.add(row["subject_id"])
        elif _apply(entry, want, row, writer, report):
            touched.add(row["subject_id"])
    return touched


def _red_left(*, subject_ids: set[int], as_of: dt.date, writer: _Writer) -> int:
    """篇十四: red entries in force of subjects with a black entry in force of the same domain end."""
    if not subject_ids:
        return 0
    in_force = list(entries_in_force(as_of=as_of, subject_ids=subject_ids))
    black: dict[int, list[ListEntry]] = defaultdict(list)
    for entry in in_force:
        if entry.list_type.colour == ListColour.BLACK:
            black[entry.subject_id].append(entry)
    left = 0
    for red in in_force:
        if red.list_type.colour != ListColour.RED:
            continue
        cause = next(
            (
                b
                for b in black.get(red.subject_id, [])
                if red.list_type.domain in (b.list_type.domain, ANY_DOMAIN)
            ),
            None,
        )
        if cause is None:
            continue
        on = max(cause.effective_from or as_of, red.effective_from or as_of)
        reason = f"{RED_LEFT_REASON}（{cause.list_type.name}）"
        red.state, red.ended_on, red.end_reason = EntryState.REMOVED, on, reason
        writer.event(red, EntryState.EFFECTIVE, EntryState.REMOVED, on, reason)
        writer.change(red)
        left += 1
    return left


def list_entries_sync(*, record_ids: Iterable[int], as_of: dt.date, actor: Any = None) -> SyncReport:
    """Create or update the entries of mirrored list types from these credit records (set-based, by chunk).

    Records of the list items (严重失信主体名单, 经营异常名录, 守信激励) whose list name maps to a mirrored
    list type become effective entries; revoked, withdrawn or repaired records and removal dates end them;
    a black entry in force takes the subject off the red lists of its domain (篇十四). Records of decided
    list types are left to the platform's listing procedure. One audit entry for the whole sync.
    """
    report = SyncReport()
    index = type_index()
    writer = _Writer(actor=actor)
    ids = sorted(set(record_ids))
    for start in range(0, len(ids), SYNC_CHUNK):
        with transaction.atomic():
            touched = _sync_chunk(
                ids[start : start + SYNC_CHUNK], index=index, as_of=as_of, writer=writer, report=report
            )
            writer.flush()
            report.red_left += _red_left(subject_ids=touched, as_of=as_of, writer=writer)
            writer.flush()
    if report.changed or report.red_left:
        audit_log(
            actor=actor,
            action="list_entries_sync",
            obj=ListEntry,
            detail={
                "as_of": as_of.isoformat(),
                "records": report.records,
                "created": report.created,
                "updated": report.updated,
                "removed": report.removed,
                "repaired": report.repaired,
                "expired": report.expired,
                "reactivated": report.reactivated,
                "red_left": report.red_left,
                "unmapped": dict(report.unmapped.most_common(20)),
            },
        )
    return report


def list_entries_sync_all(
    *, as_of: dt.date, actor: Any = None, since: dt.datetime | None = None
) -> SyncReport:
    """Sync every record of the list items (or those changed since ``since``), chunk by chunk."""
    records = CreditRecord.objects.filter(item__code__in=list(ITEM_READINGS))
    if since is not None:
        records = records.filter(updated_at__gte=since)
    return list_entries_sync(
        record_ids=records.values_list("id", flat=True).iterator(), as_of=as_of, actor=actor
    )


@transaction.atomic
def list_entries_leave_red(*, subject_ids: Iterable[int], as_of: dt.date, actor: Any = None) -> int:
    """篇十四 for these subjects (e.g. after a decided entry became effective): red entries of a domain in
    which the subject is on a black list in force are removed, dated, with the reason. Returns how many."""
    writer = _Writer(actor=actor)
    left = _red_left(subject_ids=set(subject_ids), as_of=as_of, writer=writer)
    writer.flush()
    if left:
        audit_log(actor=actor, action="list_entries_red_left", obj=ListEntry, detail={"removed": left})
    return left


@transaction.atomic
def list_entries_expire(*, as_of: dt.date) -> int:
    """Mark the effective entries whose ``effective_until`` passed before ``as_of`` as expired (dated)."""
    writer = _Writer(actor=None)
    due = list(
        ListEntry.objects.filter(state=EntryState.EFFECTIVE, effective_until__lt=as_of).order_by("pk")[
            :50_000
        ]
    )
    for entry in due:
        entry.state = EntryState.EXPIRED
        entry.ended_on = entry.effective_until + dt.timedelta(days=1)
        entry.end_reason = "有效期届满"
        writer.event(entry, EntryState.EFFECTIVE, EntryState.EXPIRED, entry.ended_on, entry.end_reason)
        writer.change(entry)
    writer.flush()
    if due:
        audit_log(
            actor=None,
            action="list_entries_expire",
            obj=ListEntry,
            detail={"as_of": as_of.isoformat(), "expired": len(due)},
        )
    return len(due)


def list_entry_revoke(*, entry: ListEntry, on_date: dt.date, actor: Any, reason: str) -> ListEntry:
    """Revoke an entry (an honour withdrawn, a listing annulled): it is removed on ``on_date`` with the reason."""
    reason = (reason or "").strip()[:2000]
    if not reason:
        raise ListsError("revoke_reason_required", "撤销须填写原因")
    if entry.state in TERMINAL_STATES or entry.state == EntryState.EXPIRED:
        raise ListsError("entry_not_open", f"该名单条目已{entry.get_state_display()}，不能撤销")
    return entry_transition(
        entry=entry,
        to_state=EntryState.REMOVED,
        on_date=on_date,
        actor=actor,
        reason=f"{REVOKED_REASON_PREFIX}{reason}",
        ended_on=on_date,
        end_reason=f"{REVOKED_REASON_PREFIX}{reason}",
    )
