"""Writes on credit records: ingest (create / duplicate / new version) and status changes.

Every write happens in one transaction together with its audit entry. Nothing here deletes: a correction
is a new version, a revocation or withdrawal is a new version carrying that status.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from xinyong.accounts.models import ApiClient, Department
from xinyong.accounts.services import audit_log
from xinyong.catalog.models import CatalogItemVersion
from xinyong.catalog.selectors import catalog_item_current_version, catalog_item_unknown_error
from xinyong.core.codes import DisclosureScope
from xinyong.core.errors import CodedError
from xinyong.core.masking import mask_ric
from xinyong.records.models import (
    Channel,
    CreditRecord,
    CreditRecordVersion,
    Polarity,
    PublicationChange,
    RecordStatus,
    SeverityTier,
)
from xinyong.records.normalize import (
    canonical_json,
    display_document_number,
    jsonable,
    normalize_document_number,
    sha256_hex,
)
from xinyong.records.permissions import can_write_record
from xinyong.records.selectors import protected_field_codes, public_q
from xinyong.records.timeliness import record_timeliness
from xinyong.records.windows import Window, WindowCalculator
from xinyong.subjects import crypto
from xinyong.subjects.models import Subject
from xinyong.workdays.selectors import working_days_add


class RecordError(CodedError):
    """A record cannot be written: a stable ``code`` and a zh-hans ``message`` saying how to fix it."""


@dataclass(frozen=True)
class IngestOutcome:
    record: CreditRecord
    outcome: str  # "created" | "duplicate" | "new_version"
    version: CreditRecordVersion  # the version written, or for a duplicate the one whose content matched

    @property
    def is_duplicate(self) -> bool:
        return self.outcome == "duplicate"


def _resolve_item_version(
    item_code: str | None, item_version: CatalogItemVersion | None, *, on: dt.date
) -> CatalogItemVersion:
    if item_version is not None:
        if item_code is not None and item_version.item.code != item_code:
            raise RecordError("item_version_mismatch", "目录项版本与目录项代码不一致")
        return item_version
    if not item_code:
        raise RecordError("item_required", "请指定信用信息目录项")
    try:
        # The version in force when the record is received is the one it is validated against.
        return catalog_item_current_version(code=item_code, on=on)
    except CatalogItemVersion.DoesNotExist as exc:
        raise RecordError(*catalog_item_unknown_error(code=item_code, on=on)) from exc


def _check_choice(value: str, choices, code: str, label: str, *, blank: bool = False) -> None:
    if value not in choices.values and not (blank and value == ""):
        allowed = "、".join(str(choice.label) for choice in choices)
        raise RecordError(code, f"{label}“{value}”无效，应为：{allowed}")


def _split_protected(fields: dict[str, Any], protected: set[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Stored fields (personal ID values masked) and the full personal ID values (to encrypt)."""
    stored = dict(fields)
    secret: dict[str, str] = {}
    for code in protected:
        value = stored.get(code)
        if value in (None, ""):
            continue
        secret[code] = str(value)
        stored[code] = mask_ric(value)
    return stored, secret


def _content_hash(
    *,
    item_version: CatalogItemVersion,
    subject_id: int,
    decision_date: dt.date,
    severity: str,
    polarity: str,
    status: str,
    stored_fields: dict[str, Any],
    secret_fields: dict[str, str],
) -> str:
    """SHA-256 of the canonical business content; personal IDs enter only as keyed hashes."""
    # A plain hash over an ID number next to its masked form could be brute-forced (few unknown digits),
    # so the full values are replaced by their HMAC before hashing.
    fields = {
        **stored_fields,
        **{k: "hmac:" + crypto.keyed_hash(v, domain="field") for k, v in secret_fields.items()},
    }
    # The document number field is the dedupe key: spelling variants of it (brackets, width) are not
    # a change of content.
    number_field = (item_version.core_fields or {}).get("document_number")
    if number_field and isinstance(fields.get(number_field), str):
        fields[number_field] = normalize_document_number(fields[number_field])
    payload = {
        "subject": subject_id,
        "decision_date": decision_date,
        "severity": severity,
        "polarity": polarity,
        "status": status,
        "fields": fields,
    }
    return sha256_hex(canonical_json(payload))


def _provenance_actor(uploader, api_client):
    return api_client if api_client is not None else uploader


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
    for name in _WINDOW_FIELDS:
        setattr(record, name, getattr(version, name))


# Window columns held by both the record and its versions (the publish dates are listed separately).
_WINDOW_FIELDS = ["publishable", "repair_from", "no_early_stop", "window_rule", "rule_set_code"]
# Days after a revocation or withdrawal within which publication must be stopped everywhere.
WITHDRAWAL_DEADLINE_WD = 3
_STATUS_FIELDS = ["status_date", "withdrawal_due", "withdrawn_at"]

_CURRENT_FIELDS = [
    "current_version",
    "item_version",
    "subject",
    "subject_kind",
    "disclosure_scope",
    "document_number",
    "decision_date",
    "severity",
    "polarity",
    "status",
    "publish_from",
    "publish_until",
    *_WINDOW_FIELDS,
    "updated_at",
]


_TIMELINESS_FIELDS = ["lag_working_days", "lag_provisional", "is_late"]


def _timeliness_values(
    item_version: CatalogItemVersion, decision_date: dt.date, first_received_at: dt.datetime, calendar=None
) -> dict[str, Any]:
    """Timeliness columns of a record (shared with the bulk loader): lag from decision to first receipt."""
    return record_timeliness(
        item_code=item_version.item.code,
        decision_date=decision_date,
        received_on=timezone.localdate(first_received_at),
        calendar=calendar,
    )._asdict()


def _window_values(
    window: Window, publish_from: dt.date | None, publish_until: dt.date | None
) -> dict[str, Any]:
    """Version columns of a computed window; explicit publish dates (given by the source) take precedence."""
    return {
        "publish_from": publish_from if publish_from is not None else window.publish_from,
        "publish_until": publish_until if publish_until is not None else window.publish_until,
        "publishable": window.publishable,
        "repair_from": window.repair_from,
        "no_early_stop": window.no_early_stop,
        "window_rule": window.rule,
        "rule_set_code": window.rule_set_code,
    }


def withdrawal_due(status_date: dt.date) -> dt.date:
    """Last day to stop publishing a revoked or withdrawn record: 3 working days after the status date."""
    return working_days_add(start=status_date, days=WITHDRAWAL_DEADLINE_WD).date


def _status_values(
    *, previous_status: str | None, status: str, status_date: dt.date, at: dt.datetime, current: dict
) -> dict[str, Any]:
    """Record columns tracking revocation / withdrawal when the status moves from ``previous_status``."""
    if status == RecordStatus.EFFECTIVE:
        if previous_status in (None, RecordStatus.EFFECTIVE):
            return dict(current)
        return {"status_date": status_date, "withdrawal_due": None, "withdrawn_at": None}
    if previous_status == RecordStatus.EFFECTIVE:
        # Leaves publication now (visibility is computed at query time); the deadline is tracked.
        return {"status_date": status_date, "withdrawal_due": withdrawal_due(status_date), "withdrawn_at": at}
    if previous_status is None:
        # Received already revoked: never published, nothing to take down.
        return {"status_date": status_date, "withdrawal_due": None, "withdrawn_at": None}
    return {**current, "status_date": status_date}


def record_ingest(
    *,
    department: Department,
    document_number: str,
    subject: Subject,
    decision_date: dt.date,
    fields: dict[str, Any],
    channel: str,
    received_at: dt.datetime,
    item_code: str | None = None,
    item_version: CatalogItemVersion | None = None,
    polarity: str | None = None,
    severity: str = "",
    status: str = RecordStatus.EFFECTIVE,
    publish_from: dt.date | None = None,
    publish_until: dt.date | None = None,
    uploader=None,
    api_client: ApiClient | None = None,
    batch_ref: str | None = None,
) -> IngestOutcome:
    """Store one received record: new record, counted duplicate, or new version of a known record."""
    version_of_item = _resolve_item_version(item_code, item_version, on=timezone.localdate(received_at))
    if polarity is None:
        polarity = version_of_item.polarity
    if not version_of_item.accepts_from(department):
        raise RecordError(
            "department_not_source",
            f"“{department.name}”不是目录项“{version_of_item.item.name}”的数据来源部门，"
            "请核对目录项或联系平台管理员调整目录",
        )
    if version_of_item.subject_kinds and subject.kind not in version_of_item.subject_kinds:
        raise RecordError(
            "subject_kind_not_allowed",
            f"目录项“{version_of_item.item.name}”不适用于{subject.get_kind_display()}，请核对行政相对人类别",
        )
    key = normalize_document_number(document_number)
    if not key:
        raise RecordError("document_number_required", "文书号不能为空，请填写决定文书号")
    if len(key) > 200:
        raise RecordError("document_number_too_long", "文书号超过 200 个字符，请核对是否误填了其他内容")
    if not isinstance(decision_date, dt.date) or isinstance(decision_date, dt.datetime):
        raise RecordError("decision_date_required", "请填写决定日期")
    _check_choice(severity, SeverityTier, "severity_invalid", "严重程度", blank=True)
    _check_choice(polarity, Polarity, "polarity_invalid", "信息性质")
    _check_choice(status, RecordStatus, "status_invalid", "状态")
    _check_choice(channel, Channel, "channel_invalid", "报送渠道")
    if not isinstance(fields, dict):
        raise RecordError("fields_invalid", "字段内容应为“字段代码: 值”的对象")

    stored, secret = _split_protected(jsonable(fields), protected_field_codes(version_of_item))
    content_hash = _content_hash(
        item_version=version_of_item,
        subject_id=subject.pk,
        decision_date=decision_date,
        severity=severity,
        polarity=polarity,
        status=status,
        stored_fields=stored,
        secret_fields=secret,
    )
    actor = _provenance_actor(uploader, api_client)
    window = WindowCalculator.load().window(
        item_version=version_of_item,
        decision_date=decision_date,
        severity=severity,
        fields=stored,
        department_code=department.code,
    )
    version_values = {
        "item_version": version_of_item,
        "subject": subject,
        "document_number": display_document_number(document_number),
        "decision_date": decision_date,
        "severity": severity,
        "polarity": polarity,
        "status": status,
        **_window_values(window, publish_from, publish_until),
        "fields": stored,
        "fields_protected": crypto.encrypt(json.dumps(secret, ensure_ascii=False)) if secret else "",
        "content_hash": content_hash,
        "channel": channel,
        "batch_ref": batch_ref or "",
        "uploader": uploader,
        "api_client": api_client,
        "received_at": received_at,
    }
    dedupe = {"item": version_of_item.item, "department": department, "document_number_key": key}

    with transaction.atomic():
        record = CreditRecord.objects.select_for_update().filter(**dedupe).first()
        if record is None:
            try:
                with transaction.atomic():
                    record = CreditRecord.objects.create(
                        **dedupe,
                        document_number=version_values["document_number"],
                        subject=subject,
                        item_version=version_of_item,
                        subject_kind=subject.kind,
                        disclosure_scope=version_of_item.scope_for(subject.kind),
                        decision_date=decision_date,
                        severity=severity,
                        polarity=polarity,
                        status=status,
                        **_window_values(window, publish_from, publish_until),
                        **_status_values(
                            previous_status=None,
                            status=status,
                            status_date=timezone.localdate(received_at),
                            at=received_at,
                            current={},
                        ),
                        **_timeliness_values(version_of_item, decision_date, received_at),
                        created_at=received_at,
                        # Server time, not received_at: incremental pulls (changed_since) must see
                        # every write after their last pull, also a late-arriving older batch.
                        updated_at=timezone.now(),
                    )
            except IntegrityError:
                # Created meanwhile by a concurrent upload of the same document: treat as known.
                record = CreditRecord.objects.select_for_update().get(**dedupe)
            else:
                version = CreditRecordVersion.objects.create(record=record, number=1, **version_values)
                record.current_version = version
                record.save(update_fields=["current_version"])
                audit_log(
                    actor=actor,
                    action="create",
                    obj=record,
                    detail={"version": 1, "channel": channel, "batch_ref": batch_ref},
                )
                return IngestOutcome(record=record, outcome="created", version=version)

        matched = record.versions.filter(content_hash=content_hash).order_by("-number").first()
        if matched is not None:
            # Content already received (in the current or an earlier version): re-sending an old file
            # never rolls back a later correction or revocation.
            CreditRecord.objects.filter(pk=record.pk).update(
                duplicate_count=F("duplicate_count") + 1, last_duplicate_at=received_at
            )
            record.refresh_from_db(fields=["duplicate_count", "last_duplicate_at"])
            return IngestOutcome(record=record, outcome="duplicate", version=matched)

        previous = record.current_version
        version = CreditRecordVersion.objects.create(
            record=record, number=previous.number + 1, supersedes=previous, **version_values
        )
        _apply_current(record, version)
        record.updated_at = timezone.now()
        for name, value in _timeliness_values(version_of_item, decision_date, record.created_at).items():
            setattr(record, name, value)
        status_values = _status_values(
            previous_status=previous.status,
            status=status,
            status_date=timezone.localdate(received_at),
            at=record.updated_at,
            current={name: getattr(record, name) for name in _STATUS_FIELDS},
        )
        for name, value in status_values.items():
            setattr(record, name, value)
        record.save(update_fields=_CURRENT_FIELDS + _TIMELINESS_FIELDS + _STATUS_FIELDS)
        audit_log(
            actor=actor,
            action="update",
            obj=record,
            detail={
                "version": version.number,
                "previous_version": previous.number,
                "changed": _changed_keys(previous, version, _secret_fields(previous), secret),
                "channel": channel,
                "batch_ref": batch_ref,
            },
        )
        return IngestOutcome(record=record, outcome="new_version", version=version)


def _changed_keys(
    old: CreditRecordVersion, new: CreditRecordVersion, old_secret: dict[str, str], new_secret: dict[str, str]
) -> list[str]:
    """Names of the core columns and field codes that differ between two versions (never their values)."""
    changed = [
        name
        for name in ("subject_id", "decision_date", "severity", "polarity", "status")
        if getattr(old, name) != getattr(new, name)
    ]
    keys = set(old.fields) | set(new.fields) | set(old_secret) | set(new_secret)
    changed += sorted(
        f"fields.{k}"
        for k in keys
        if old.fields.get(k) != new.fields.get(k) or old_secret.get(k) != new_secret.get(k)
    )
    return changed


def _secret_fields(version: CreditRecordVersion) -> dict[str, str]:
    return json.loads(crypto.decrypt(version.fields_protected)) if version.fields_protected else {}


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
    _check_choice(status, RecordStatus, "status_invalid", "状态")
    reason = (reason or "").strip()
    if not can_write_record(actor, record):
        audit_log(actor=actor, action="update", obj=record, outcome="denied", detail={"status": status})
        raise PermissionDenied("只能变更本部门报送的信用记录")
    if not reason:
        raise RecordError("reason_required", "请填写变更原因（如撤销决定的文号或撤回公示的依据）")
    with transaction.atomic():
        record = (
            CreditRecord.objects.select_for_update(of=("self",))
            .select_related("current_version")
            .get(pk=record.pk)
        )
        previous = record.current_version
        if previous.status == status:
            raise RecordError(
                "status_unchanged", f"该记录当前状态已是“{RecordStatus(status).label}”，无需变更"
            )
        secret = _secret_fields(previous)
        content_hash = _content_hash(
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
            status_date=as_of,
            change_reason=reason,
            publish_from=previous.publish_from,
            publish_until=previous.publish_until,
            **{name: getattr(previous, name) for name in _WINDOW_FIELDS},
            fields=previous.fields,
            fields_protected=previous.fields_protected,
            content_hash=content_hash,
            channel=channel,
            uploader=None if is_client else actor,
            api_client=actor if is_client else None,
            received_at=timezone.now(),
        )
        _apply_current(record, version)
        record.updated_at = timezone.now()
        status_values = _status_values(
            previous_status=previous.status,
            status=status,
            status_date=as_of,
            at=record.updated_at,
            current={name: getattr(record, name) for name in _STATUS_FIELDS},
        )
        for name, value in status_values.items():
            setattr(record, name, value)
        record.save(update_fields=_CURRENT_FIELDS + _STATUS_FIELDS)
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


def version_protected_values(*, version: CreditRecordVersion, actor, purpose: str) -> dict[str, str]:
    """Decrypt the full personal ID values of a version for a platform-wide role; audited."""
    from xinyong.accounts.permissions import is_platform_wide

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
    from xinyong.records.selectors import record_is_public

    hidden = [record.pk for record in records if not record_is_public(record)]
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
                CreditRecord.objects.filter(pk__in=ids).update(**_window_values(window, None, None))
        updated += len(rows)
