"""Writes on stored credit records: status changes, the audited reveal of personal IDs, publication.

Records are received through the bulk loader (``records.loading``, the only path that stores received
records). Every write here happens in one transaction together with its audit entry. Nothing here deletes:
a revocation or withdrawal is a new version carrying that status (docs/dual-disclosure.md, Deadlines).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from xinyong.accounts.models import ApiClient
from xinyong.accounts.permissions import is_platform_wide
from xinyong.accounts.services import audit_log
from xinyong.catalog.models import CatalogItemVersion
from xinyong.core.codes import DisclosureScope
from xinyong.records.models import (
    Channel,
    CreditRecord,
    CreditRecordVersion,
    PublicationChange,
    RecordStatus,
)
from xinyong.records.permissions import can_mark_record, can_write_record
from xinyong.records.rules import (
    CORE_FIELDS,
    STATUS_FIELDS,
    WINDOW_FIELDS,
    RecordError,
    check_choice,
    content_hash,
    status_values,
    window_values,
)
from xinyong.records.selectors import public_q, record_is_public, record_is_published
from xinyong.records.windows import Window, WindowCalculator
from xinyong.subjects import crypto


def _apply_current(record: CreditRecord, version: CreditRecordVersion) -> None:
    """Copy the version's values onto the record's denormalised columns."""
    record.current_version = version
    record.item_version = version.item_version
    record.subject_id = version.subject_id
    record.subject_kind = version.subject.kind
    record.disclosure_scope = version.item_version.scope_for(version.subject.kind)
    record.document_number = version.document_number
    record.decision_date = version.decision_date
    record.severity = version.severity
    record.polarity = version.polarity
    record.status = version.status
    record.publish_from = version.publish_from
    record.publish_until = version.publish_until
    for name in WINDOW_FIELDS:
        setattr(record, name, getattr(version, name))


# Record columns that follow the newest version.
_CURRENT_FIELDS = [
    "current_version",
    "item_version",
    "subject",
    "subject_kind",
    "disclosure_scope",
    "document_number",
    *CORE_FIELDS,
    "publish_from",
    "publish_until",
    *WINDOW_FIELDS,
    "updated_at",
]


def _secret_fields(version: CreditRecordVersion) -> dict[str, str]:
    return json.loads(crypto.decrypt(version.fields_protected)) if version.fields_protected else {}


def _version_add(
    *,
    record: CreditRecord,
    actor,
    status: str | None = None,
    disputed: bool | None = None,
    reason: str,
    as_of: dt.date,
    channel: str,
    check_unchanged,
) -> tuple[CreditRecord, CreditRecordVersion, CreditRecordVersion]:
    """Lock the record and add a version with the previous content and a new status and/or 异议标注.

    ``check_unchanged(previous)`` raises when the change would change nothing. Returns the locked record, the
    previous version and the new one; the caller writes the audit entry in the same transaction.
    """
    record = (
        CreditRecord.objects.select_for_update(of=("self",))
        .select_related("current_version", "current_version__subject", "current_version__item_version")
        .get(pk=record.pk)
    )
    previous = record.current_version
    check_unchanged(previous)
    status = previous.status if status is None else status
    disputed = previous.disputed if disputed is None else disputed
    secret = _secret_fields(previous)
    version_hash = content_hash(
        item_version=previous.item_version,
        subject_id=previous.subject_id,
        decision_date=previous.decision_date,
        severity=previous.severity,
        polarity=previous.polarity,
        status=status,
        stored_fields=previous.fields,
        secret_fields=secret,
    )
    is_client = isinstance(actor, ApiClient)
    version = CreditRecordVersion.objects.create(
        record=record,
        number=previous.number + 1,
        supersedes=previous,
        item_version=previous.item_version,
        subject_id=previous.subject_id,
        document_number=previous.document_number,
        decision_date=previous.decision_date,
        severity=previous.severity,
        polarity=previous.polarity,
        status=status,
        status_date=as_of if status != previous.status else previous.status_date,
        change_reason=reason,
        disputed=disputed,
        publish_from=previous.publish_from,
        publish_until=previous.publish_until,
        **{name: getattr(previous, name) for name in WINDOW_FIELDS},
        fields=previous.fields,
        fields_protected=previous.fields_protected,
        content_hash=version_hash,
        channel=channel,
        uploader=actor if actor is not None and not is_client else None,
        api_client=actor if is_client else None,
        received_at=timezone.now(),
    )
    _apply_current(record, version)
    record.disputed = disputed
    record.updated_at = timezone.now()
    update_fields = [*_CURRENT_FIELDS, "disputed"]
    if status != previous.status:
        new_status = status_values(
            previous_status=previous.status,
            status=status,
            status_date=as_of,
            at=record.updated_at,
            current={name: getattr(record, name) for name in STATUS_FIELDS},
        )
        for name, value in new_status.items():
            setattr(record, name, value)
        update_fields += STATUS_FIELDS
    record.save(update_fields=update_fields)
    return record, previous, version


def record_change_status(
    *,
    record: CreditRecord,
    status: str,
    actor,
    reason: str,
    as_of: dt.date,
    channel: str = Channel.FORM,
) -> CreditRecordVersion:
    """Revoke, withdraw or restore a record by adding a version with the new status; audited."""
    check_choice(value=status, choices=RecordStatus, code="status_invalid", label="状态")
    reason = (reason or "").strip()
    if not can_write_record(actor, record):
        audit_log(actor=actor, action="update", obj=record, outcome="denied", detail={"status": status})
        raise PermissionDenied("只能变更本部门报送的信用记录")
    if not reason:
        raise RecordError("reason_required", "请填写变更原因（如撤销决定的文号或撤回公示的依据）")

    def unchanged(previous: CreditRecordVersion) -> None:
        if previous.status == status:
            raise RecordError(
                "status_unchanged", f"该记录当前状态已是“{RecordStatus(status).label}”，无需变更"
            )

    with transaction.atomic():
        record, previous, version = _version_add(
            record=record,
            actor=actor,
            status=status,
            reason=reason,
            as_of=as_of,
            channel=channel,
            check_unchanged=unchanged,
        )
        audit_log(
            actor=actor,
            action="update",
            obj=record,
            detail={
                "version": version.number,
                "previous_version": previous.number,
                "status": status,
                "previous_status": previous.status,
                "as_of": as_of,
                "reason": reason,
            },
        )
    return version


def record_mark_disputed(
    *, record: CreditRecord, disputed: bool, actor, reason: str, on_date: dt.date
) -> CreditRecordVersion:
    """Set or lift a record's 异议标注 by adding a version carrying the mark; audited."""
    reason = (reason or "").strip()
    if not can_mark_record(actor, record):
        audit_log(actor=actor, action="update", obj=record, outcome="denied", detail={"disputed": disputed})
        raise PermissionDenied("只有平台管理员和数据来源部门可以标注或撤销异议")
    if not reason:
        raise RecordError("reason_required", "请填写异议标注的原因（如异议申请的编号）")

    def unchanged(previous: CreditRecordVersion) -> None:
        if previous.disputed == disputed:
            state = "已有异议标注" if disputed else "没有异议标注"
            raise RecordError("disputed_unchanged", f"该记录当前{state}，无需变更")

    with transaction.atomic():
        record, previous, version = _version_add(
            record=record,
            actor=actor,
            disputed=disputed,
            reason=reason,
            as_of=on_date,
            channel=Channel.SYSTEM if actor is None else Channel.FORM,
            check_unchanged=unchanged,
        )
        audit_log(
            actor=actor,
            action="update",
            obj=record,
            detail={
                "version": version.number,
                "previous_version": previous.number,
                "disputed": disputed,
                "on_date": on_date,
                "reason": reason,
            },
        )
    return version


def record_mark_repaired(
    *, record: CreditRecord, actor, reason: str, on_date: dt.date
) -> CreditRecordVersion:
    """Put an effective record in the 已信用修复 state by adding a version; it leaves publication; audited."""
    reason = (reason or "").strip()
    if not can_mark_record(actor, record):
        audit_log(actor=actor, action="update", obj=record, outcome="denied", detail={"status": "repaired"})
        raise PermissionDenied("只有平台管理员和数据来源部门可以办理信用修复")
    if not reason:
        raise RecordError("reason_required", "请填写信用修复的依据（如信用修复决定的文号）")

    def unchanged(previous: CreditRecordVersion) -> None:
        if previous.status == RecordStatus.REPAIRED:
            raise RecordError("status_unchanged", "该记录已完成信用修复，无需变更")
        if previous.status != RecordStatus.EFFECTIVE:
            raise RecordError(
                "repair_not_effective",
                f"该记录当前状态为“{RecordStatus(previous.status).label}”，只有有效的记录可以办理信用修复",
            )

    with transaction.atomic():
        record, previous, version = _version_add(
            record=record,
            actor=actor,
            status=RecordStatus.REPAIRED,
            reason=reason,
            as_of=on_date,
            channel=Channel.SYSTEM if actor is None else Channel.FORM,
            check_unchanged=unchanged,
        )
        audit_log(
            actor=actor,
            action="update",
            obj=record,
            detail={
                "version": version.number,
                "previous_version": previous.number,
                "status": RecordStatus.REPAIRED.value,
                "previous_status": previous.status,
                "on_date": on_date,
                "reason": reason,
            },
        )
    return version


def version_protected_values(*, version: CreditRecordVersion, actor, purpose: str) -> dict[str, str]:
    """Decrypt the full personal ID values of a version for a platform-wide role; audited."""
    if not is_platform_wide(actor):
        audit_log(
            actor=actor,
            action="view",
            obj=version.record,
            purpose=purpose,
            outcome="denied",
            detail={"version": version.number, "field": "protected"},
        )
        raise PermissionDenied("只有平台管理员和审计员可以查看完整证件号码")
    values = _secret_fields(version)
    audit_log(
        actor=actor,
        action="view",
        obj=version.record,
        purpose=purpose,
        detail={"version": version.number, "field": "protected"},
    )
    return values


def records_audit_view(
    *, actor, records: list[CreditRecord], purpose: str, via: str, request=None
) -> list[int]:
    """Audit a read of records whose disclosure scope is not public; returns the ids that were audited."""
    hidden = [record.pk for record in records if not record_is_public(record=record)]
    if hidden:
        audit_log(
            actor=actor,
            action="view",
            obj=records[0] if len(records) == 1 else CreditRecord,
            purpose=purpose,
            detail={"via": via, "record_ids": hidden},
            request=request,
        )
    return hidden


# ---------------------------------------------------------------------------------------------------
# Publication: nightly sweep and window recomputation


@dataclass(frozen=True)
class SweepResult:
    as_of: dt.date
    entered: int
    left: int


def _left_reason(status: str, scope: str, publishable: bool, until: dt.date | None, as_of: dt.date) -> str:
    reasons = PublicationChange.Reason
    if status == RecordStatus.REVOKED:
        return reasons.REVOKED
    if status == RecordStatus.WITHDRAWN:
        return reasons.WITHDRAWN
    if status == RecordStatus.REPAIRED:
        return reasons.REPAIRED
    if scope != DisclosureScope.PUBLIC:
        return reasons.NOT_PUBLIC
    if not publishable:
        return reasons.NOT_PUBLISHABLE
    if until is not None and until < as_of:
        return reasons.WINDOW_ENDED
    return reasons.WINDOW_CHANGED


def record_publication_sweep(*, as_of: dt.date, chunk_size: int = 5000) -> SweepResult:
    """Record which records entered or left publication on ``as_of`` (idempotent; visibility needs no sweep)."""
    public = public_q(as_of=as_of)
    recorded_at = timezone.now()
    counts = {PublicationChange.Change.ENTERED: 0, PublicationChange.Change.LEFT: 0}
    passes = (
        (PublicationChange.Change.ENTERED, Q(in_publication=False) & public, True),
        (PublicationChange.Change.LEFT, Q(in_publication=True) & ~public, False),
    )
    for change, condition, state in passes:
        last = 0
        while True:
            with transaction.atomic():
                rows = list(
                    CreditRecord.objects.select_for_update()
                    .filter(condition, pk__gt=last)
                    .order_by("pk")
                    .values_list("pk", "status", "disclosure_scope", "publishable", "publish_until")[
                        :chunk_size
                    ]
                )
                if not rows:
                    break
                ids = [row[0] for row in rows]
                last = ids[-1]
                if state:
                    seen = set(
                        PublicationChange.objects.filter(
                            record_id__in=ids, change=PublicationChange.Change.LEFT
                        ).values_list("record_id", flat=True)
                    )
                    reasons = {
                        pk: PublicationChange.Reason.RESTORED
                        if pk in seen
                        else PublicationChange.Reason.WINDOW_STARTED
                        for pk in ids
                    }
                else:
                    reasons = {row[0]: _left_reason(*row[1:], as_of) for row in rows}
                PublicationChange.objects.bulk_create(
                    PublicationChange(
                        record_id=pk,
                        change=change,
                        on_date=as_of,
                        reason=reasons[pk],
                        recorded_at=recorded_at,
                    )
                    for pk in ids
                )
                CreditRecord.objects.filter(pk__in=ids).update(in_publication=state)
                counts[change] += len(ids)
    return SweepResult(
        as_of=as_of,
        entered=counts[PublicationChange.Change.ENTERED],
        left=counts[PublicationChange.Change.LEFT],
    )


def record_publication_note(*, record: CreditRecord, on_date: dt.date) -> PublicationChange | None:
    """Write now the publication change of one record whose status just changed (e.g. repaired), as the
    nightly sweep would the next day, so the change feed carries it at once; None when nothing changed."""
    with transaction.atomic():
        record = CreditRecord.objects.select_for_update().get(pk=record.pk)
        public = record_is_published(record=record, as_of=on_date)
        if record.in_publication == public:
            return None
        if public:
            seen = PublicationChange.objects.filter(record=record, change=PublicationChange.Change.LEFT)
            change, reason = (
                PublicationChange.Change.ENTERED,
                PublicationChange.Reason.RESTORED
                if seen.exists()
                else PublicationChange.Reason.WINDOW_STARTED,
            )
        else:
            change = PublicationChange.Change.LEFT
            reason = _left_reason(
                record.status, record.disclosure_scope, record.publishable, record.publish_until, on_date
            )
        row = PublicationChange.objects.create(record=record, change=change, on_date=on_date, reason=reason)
        CreditRecord.objects.filter(pk=record.pk).update(in_publication=public)
    return row


def record_windows_recompute(*, only_missing: bool = True, chunk_size: int = 2000) -> int:
    """Compute the publication window columns of stored records (those never computed, or all); returns the count.

    Records only: a version keeps the window computed when it was written (versions are never rewritten).
    """
    calculator = WindowCalculator.load()
    item_versions = {iv.pk: iv for iv in CatalogItemVersion.objects.select_related("item")}
    records = CreditRecord.objects.all()
    if only_missing:
        records = records.filter(window_rule="")
    columns = (
        "pk",
        "item_version_id",
        "decision_date",
        "severity",
        "department__code",
        "current_version__fields",
    )
    updated = 0
    last = 0
    while True:
        rows = list(records.filter(pk__gt=last).order_by("pk").values_list(*columns)[:chunk_size])
        if not rows:
            return updated
        last = rows[-1][0]
        groups: dict[Window, list[int]] = {}
        for pk, item_version_id, decision_date, severity, department_code, fields in rows:
            window = calculator.window(
                item_version=item_versions[item_version_id],
                decision_date=decision_date,
                severity=severity,
                fields=fields or {},
                department_code=department_code,
            )
            groups.setdefault(window, []).append(pk)
        with transaction.atomic():
            for window, ids in groups.items():
                CreditRecord.objects.filter(pk__in=ids).update(
                    **window_values(window=window, publish_from=None, publish_until=None)
                )
        updated += len(rows)
