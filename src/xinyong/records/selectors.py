"""Reads on credit records: who sees which records and versions, and the status as of a date.

Visibility (the single place that decides it; the admin and the API both go through here):

- operators, auditors and superusers (``is_platform_wide``) see every record;
- any other government principal — a console user with a role, or an unrevoked API client — sees the records
  of its own department plus every record whose item version's disclosure scope is 公开 (public) or
  政务共享 (shared) — the scope of a record is its item version's scope for the record's subject kind
  (``CatalogItemVersion.scope_for``: natural persons may have a narrower one), stored on the record;
- everybody else (anonymous, users without a role) sees only public records that are in effect and, when
  ``as_of`` is given, inside their publication window.

Old versions are readable only to platform-wide roles and to the department that owns the record. Only the
owning department (or an operator) may write a record (``can_write_record``).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from xinyong.accounts.models import ApiClient, ApiScope, Role
from xinyong.accounts.permissions import (
    can_write_department,
    has_role,
    is_platform_wide,
    readable_department_ids,
)
from xinyong.catalog.models import CatalogItemVersion
from xinyong.catalog.spec import FieldType
from xinyong.core.codes import DisclosureScope
from xinyong.records.models import CreditRecord, CreditRecordVersion, EffectiveStatus, RecordStatus

# Scopes readable by every government department (政务共享 includes what is public anyway).
GOVERNMENT_SCOPES = (DisclosureScope.PUBLIC, DisclosureScope.SHARED)
# Field types whose values are personal ID numbers: stored masked, the full value encrypted.
PROTECTED_FIELD_TYPES = frozenset({FieldType.RIC, FieldType.ID_NUMBER})


def _is_government_principal(principal) -> bool:
    if isinstance(principal, ApiClient):
        return principal.revoked_at is None
    return bool(
        principal is not None
        and getattr(principal, "is_authenticated", False)
        and principal.is_active
        and (principal.role or principal.is_superuser)
    )


def records_visible_to(principal, *, as_of: dt.date | None = None) -> QuerySet[CreditRecord]:
    """Records a user or API client may read (see the module docstring for the rules)."""
    records = CreditRecord.objects.all()
    if isinstance(principal, ApiClient) and principal.revoked_at is not None:
        return records.none()
    if not isinstance(principal, ApiClient) and is_platform_wide(principal):
        return records
    if _is_government_principal(principal):
        visible = Q(disclosure_scope__in=GOVERNMENT_SCOPES)
        own = readable_department_ids(principal) or set()
        if own:
            visible |= Q(department_id__in=own)
        return records.filter(visible)
    public = Q(disclosure_scope=DisclosureScope.PUBLIC, status=RecordStatus.EFFECTIVE)
    if as_of is not None:
        public &= Q(publish_from__isnull=True) | Q(publish_from__lte=as_of)
        public &= Q(publish_until__isnull=True) | Q(publish_until__gte=as_of)
    return records.filter(public)


def record_is_public(record: CreditRecord) -> bool:
    """True when the record's item version is published (公开); reads of anything else are audited."""
    return record.disclosure_scope == DisclosureScope.PUBLIC


def can_read_old_versions(principal, record: CreditRecord) -> bool:
    """Old versions: platform-wide roles and the owning department only."""
    if not isinstance(principal, ApiClient) and is_platform_wide(principal):
        return True
    own = readable_department_ids(principal)
    return own is None or record.department_id in own


def record_versions_visible_to(principal, record: CreditRecord) -> QuerySet[CreditRecordVersion]:
    """All versions for permitted principals, otherwise only the current one."""
    versions = record.versions.select_related("item_version", "uploader", "api_client").order_by("-number")
    if can_read_old_versions(principal, record):
        return versions
    return versions.filter(pk=record.current_version_id)


def can_write_record(principal, record: CreditRecord) -> bool:
    """May this user or API client change the record (status, corrections)? Own department only."""
    if isinstance(principal, ApiClient):
        return ApiScope.RECORDS_WRITE in (principal.scopes or []) and can_write_department(
            principal, record.department
        )
    if has_role(principal, Role.AUDITOR, Role.WINDOW_CLERK):
        return False
    return can_write_department(principal, record.department)


def record_effective_status(version: CreditRecordVersion | CreditRecord, *, as_of: dt.date) -> str:
    """The stored status, or ``expired`` when an effective record's publication window ended before ``as_of``."""
    if version.status != RecordStatus.EFFECTIVE:
        return version.status
    if version.publish_until is not None and version.publish_until < as_of:
        return EffectiveStatus.EXPIRED
    return EffectiveStatus.EFFECTIVE


def records_with_effective_status(status: str, *, as_of: dt.date) -> Q:
    """Filter for records whose ``record_effective_status`` on ``as_of`` is ``status`` (set-based)."""
    window_ended = Q(publish_until__isnull=False, publish_until__lt=as_of)
    if status == EffectiveStatus.EXPIRED:
        return Q(status=RecordStatus.EFFECTIVE) & window_ended
    if status == EffectiveStatus.EFFECTIVE:
        return Q(status=RecordStatus.EFFECTIVE) & ~window_ended
    return Q(status=status)


def protected_field_codes(item_version: CatalogItemVersion) -> set[str]:
    """Codes of the item version's fields that hold personal ID numbers."""
    codes = set()
    for spec in item_version.fields or []:
        if isinstance(spec, dict) and spec.get("type") in PROTECTED_FIELD_TYPES:
            codes.add(spec.get("code"))
    codes.discard(None)
    return codes
