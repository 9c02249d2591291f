"""The rules every write of a credit record follows: checks, content hash, masking, window, status and lag.

The bulk loader (``records.loading``) applies them to whole chunks; ``records.services`` applies them when a
record's status changes. Keeping them here, in one place, is what makes both writers store the same values.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import TextChoices
from django.utils import timezone

from xinyong.accounts.models import Department
from xinyong.catalog.models import CatalogItemVersion
from xinyong.core.errors import CodedError
from xinyong.core.masking import mask_ric
from xinyong.records.models import RecordStatus
from xinyong.records.normalize import canonical_json, normalize_document_number, sha256_hex
from xinyong.records.timeliness import record_timeliness
from xinyong.records.windows import Window
from xinyong.subjects import crypto
from xinyong.workdays.arithmetic import WorkCalendar
from xinyong.workdays.selectors import working_days_add

# The core values records and versions both carry.
CORE_FIELDS = ("decision_date", "severity", "polarity", "status")
# Window columns held by both the record and its versions, besides the publish dates.
WINDOW_FIELDS = ("publishable", "repair_from", "no_early_stop", "window_rule", "rule_set_code")
# The publish dates and the window columns, in the order the loader writes them.
WINDOW_COLUMNS = ("publish_from", "publish_until", *WINDOW_FIELDS)
# Record columns tracking a revocation or withdrawal.
STATUS_FIELDS = ("status_date", "withdrawal_due", "withdrawn_at")
# Record columns of the lag from decision to first receipt.
TIMELINESS_FIELDS = ("lag_working_days", "lag_provisional", "is_late")
# Days after a revocation or withdrawal within which publication must be stopped everywhere.
WITHDRAWAL_DEADLINE_WD = 3


class RecordError(CodedError):
    """A record cannot be written: a stable ``code`` and a zh-hans ``message`` saying how to fix it."""


def check_choice(
    *, value: str, choices: type[TextChoices], code: str, label: str, blank: bool = False
) -> None:
    """Refuse a value outside a code list (``blank``: the empty value is allowed) with ``code``."""
    if value not in choices.values and not (blank and value == ""):
        allowed = "、".join(str(choice.label) for choice in choices)
        raise RecordError(code, f"{label}“{value}”无效，应为：{allowed}")


def check_source_department(*, item_version: CatalogItemVersion, department: Department) -> None:
    """Refuse a department that is not a source of the catalog item (docs/collection-dedupe.md, the key)."""
    if not item_version.accepts_from(department):
        raise RecordError(
            "department_not_source",
            f"“{department.name}”不是目录项“{item_version.item.name}”的数据来源部门，"
            "请核对目录项或联系平台管理员调整目录",
        )


def split_protected(*, fields: dict[str, Any], protected: set[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Stored fields (personal ID values masked) and the full personal ID values, to encrypt.

    See docs/publication-rules.md, "Personal fields".
    """
    stored = dict(fields)
    secret: dict[str, str] = {}
    for code in protected:
        value = stored.get(code)
        if value in (None, ""):
            continue
        secret[code] = str(value)
        stored[code] = mask_ric(value)
    return stored, secret


def content_hash(
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
    """SHA-256 of a version's business content, what tells a duplicate from a new version.

    See docs/collection-dedupe.md, "The dedupe key": personal IDs enter only as keyed hashes, the document
    number in its dedupe form.
    """
    # A plain hash over an ID number next to its masked form could be brute-forced (few unknown digits),
    # so the full values are replaced by their HMAC before hashing.
    fields = {
        **stored_fields,
        **{k: "hmac:" + crypto.keyed_hash(v, domain="field") for k, v in secret_fields.items()},
    }
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


def timeliness_values(
    *,
    item_version: CatalogItemVersion,
    decision_date: dt.date,
    first_received_at: dt.datetime,
    calendar: WorkCalendar | None = None,
) -> dict[str, Any]:
    """The TIMELINESS_FIELDS of a record: lag from decision to first receipt (docs/dual-disclosure.md, Deadlines)."""
    return record_timeliness(
        item_code=item_version.item.code,
        decision_date=decision_date,
        received_on=timezone.localdate(first_received_at),
        calendar=calendar,
    )._asdict()


def window_values(
    *, window: Window, publish_from: dt.date | None, publish_until: dt.date | None
) -> dict[str, Any]:
    """The WINDOW_COLUMNS of a computed window; publish dates given by the source take precedence.

    See docs/publication-rules.md, "A publication end supplied by the department".
    """
    return {
        "publish_from": publish_from if publish_from is not None else window.publish_from,
        "publish_until": publish_until if publish_until is not None else window.publish_until,
        "publishable": window.publishable,
        "repair_from": window.repair_from,
        "no_early_stop": window.no_early_stop,
        "window_rule": window.rule,
        "rule_set_code": window.rule_set_code,
    }


def withdrawal_due(*, status_date: dt.date) -> dt.date:
    """Last day to stop publishing a revoked or withdrawn record (docs/dual-disclosure.md, Deadlines)."""
    return working_days_add(start=status_date, days=WITHDRAWAL_DEADLINE_WD).date


def status_values(
    *, previous_status: str | None, status: str, status_date: dt.date, at: dt.datetime, current: dict
) -> dict[str, Any]:
    """The STATUS_FIELDS of a record whose status moves from ``previous_status`` (None: a new record).

    See docs/dual-disclosure.md, Deadlines: a revoked or withdrawn decision leaves publication at once.
    """
    if status == RecordStatus.EFFECTIVE:
        if previous_status in (None, RecordStatus.EFFECTIVE):
            return dict(current)
        return {"status_date": status_date, "withdrawal_due": None, "withdrawn_at": None}
    if previous_status == RecordStatus.EFFECTIVE:
        # Leaves publication now (visibility is computed at query time); the deadline is tracked.
        return {
            "status_date": status_date,
            "withdrawal_due": withdrawal_due(status_date=status_date),
            "withdrawn_at": at,
        }
    if previous_status is None:
        # Received already revoked: never published, nothing to take down.
        return {"status_date": status_date, "withdrawal_due": None, "withdrawn_at": None}
    return {**current, "status_date": status_date}
