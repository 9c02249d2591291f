"""Reads on credit records: who sees which records and versions, and the status as of a date.

Visibility (the single place that decides it; the admin and the API both go through here):

- operators, auditors and superusers (``is_platform_wide``) see every record;
- any other government principal — a console user with a role, or an unrevoked API client — sees the records
  of its own department plus every record whose item version's disclosure scope is 公开 (public) or
  政务共享 (shared) — the scope of a record is its item version's scope for the record's subject kind
  (``CatalogItemVersion.scope_for``: natural persons may have a narrower one), stored on the record —
  except repaired records (已信用修复: sharing stops), which only the owning department still sees;
- everybody else (anonymous, users without a role) sees THE public set, ``records_public(as_of=...)``:
  records whose disclosure scope is 公开, whose stored status is 有效 (a revoked or withdrawn record leaves
  publication at once), that are publishable under their window (``records.windows``) and inside
  ``[publish_from, publish_until]`` on ``as_of`` (today when not given). Nothing else decides what is public.

Old versions are readable only to platform-wide roles and to the department that owns the record. Only the
owning department (or an operator) may write a record (``records.permissions.can_write_record``).

The change feed (``record_changes_since``) reads the versions written and the publication changes of the
records a principal may read, merged by time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from xinyong.accounts.models import ApiClient
from xinyong.accounts.permissions import (
    is_platform_wide,
    readable_department_ids,
)
from xinyong.catalog.models import CatalogItemVersion
from xinyong.catalog.spec import PERSONAL_ID_TYPES
from xinyong.core.codes import DisclosureScope
from xinyong.core.identifiers import normalize_code_input
from xinyong.records.models import (
    CreditRecord,
    CreditRecordVersion,
    EffectiveStatus,
    PublicationChange,
    RecordStatus,
)
from xinyong.records.permissions import can_read_old_versions

# Scopes readable by every government department (政务共享 includes what is public anyway).
GOVERNMENT_SCOPES = (DisclosureScope.PUBLIC, DisclosureScope.SHARED)
# Field types whose values are personal ID numbers: stored masked, the full value encrypted.
PROTECTED_FIELD_TYPES = PERSONAL_ID_TYPES


def _is_government_principal(principal) -> bool:
    if isinstance(principal, ApiClient):
        return principal.revoked_at is None
    return bool(
        principal is not None
        and getattr(principal, "is_authenticated", False)
        and principal.is_active
        and (principal.role or principal.is_superuser)
    )


def _q(prefix: str, **lookups) -> Q:
    return Q(**{prefix + name: value for name, value in lookups.items()})


def public_q(*, as_of: dt.date, prefix: str = "") -> Q:
    """Filter of the records that are public on ``as_of`` (the definition behind ``records_public``).

    ``prefix`` (e.g. ``"record__"``) applies it to a model that points at records.
    """
    return (
        _q(prefix, disclosure_scope=DisclosureScope.PUBLIC, status=RecordStatus.EFFECTIVE, publishable=True)
        & (_q(prefix, publish_from__isnull=True) | _q(prefix, publish_from__lte=as_of))
        & (_q(prefix, publish_until__isnull=True) | _q(prefix, publish_until__gte=as_of))
    )


def records_public(*, as_of: dt.date) -> QuerySet[CreditRecord]:
    """THE public set on ``as_of``: public scope, in effect, publishable, inside the publication window."""
    return CreditRecord.objects.filter(public_q(as_of=as_of))


def in_force_q(*, as_of: dt.date, prefix: str = "") -> Q:
    """Filter of the records in force on ``as_of``: what the credit check (jrp) acts on.

    In effect (not revoked, withdrawn or repaired) and inside the record's window on that day, whatever
    its disclosure scope: a shared record binds the departments that check it, even if it is not public.
    Not the government-visibility filter (no time bound) nor the public set (drops shared records).
    """
    return (
        _q(prefix, status=RecordStatus.EFFECTIVE)
        & (_q(prefix, publish_from__isnull=True) | _q(prefix, publish_from__lte=as_of))
        & (_q(prefix, publish_until__isnull=True) | _q(prefix, publish_until__gte=as_of))
    )


def records_in_force(*, as_of: dt.date) -> QuerySet[CreditRecord]:
    """The records in force on ``as_of`` (see ``in_force_q``)."""
    return CreditRecord.objects.filter(in_force_q(as_of=as_of))


def record_is_published(*, record: CreditRecord, as_of: dt.date) -> bool:
    """Whether ``record`` belongs to ``records_public(as_of=as_of)`` (same rule, without a query)."""
    return (
        record.disclosure_scope == DisclosureScope.PUBLIC
        and record.status == RecordStatus.EFFECTIVE
        and record.publishable
        and (record.publish_from is None or record.publish_from <= as_of)
        and (record.publish_until is None or as_of <= record.publish_until)
    )


def visibility_q(
    *, principal, as_of: dt.date | None = None, prefix: str = "", include_repaired: bool = False
) -> Q | None:
    """Filter of the records ``principal`` may read; None when it may read none (revoked API client).

    ``prefix`` (e.g. ``"record__"``) applies it to versions or other rows that point at records. A
    repaired record is no longer shared (令第36号: 停止共享和使用): other departments stop seeing it, unless
    ``include_repaired`` (the change feed's publication changes, which tell them it left).
    """
    if isinstance(principal, ApiClient) and principal.revoked_at is not None:
        return None
    if not isinstance(principal, ApiClient) and is_platform_wide(principal):
        return Q()
    if _is_government_principal(principal):
        visible = _q(prefix, disclosure_scope__in=GOVERNMENT_SCOPES)
        if not include_repaired:
            visible &= ~_q(prefix, status=RecordStatus.REPAIRED)
        own = readable_department_ids(principal) or set()
        if own:
            visible |= _q(prefix, department_id__in=own)
        return visible
    return public_q(as_of=as_of if as_of is not None else timezone.localdate(), prefix=prefix)


def records_visible_to(*, principal, as_of: dt.date | None = None) -> QuerySet[CreditRecord]:
    """Records a user or API client may read (see the module docstring for the rules)."""
    visible = visibility_q(principal=principal, as_of=as_of)
    if visible is None:
        return CreditRecord.objects.none()
    if isinstance(principal, ApiClient) or is_platform_wide(principal) or _is_government_principal(principal):
        return CreditRecord.objects.filter(visible)
    # Everybody else: THE public set.
    return records_public(as_of=as_of if as_of is not None else timezone.localdate())


def _visible_detailed(principal) -> QuerySet[CreditRecord]:
    return records_visible_to(principal=principal).select_related(
        "item", "item_version", "department", "subject", "current_version"
    )


def records_find(
    *,
    principal,
    item: str = "",
    department: str = "",
    subject_uscc: str = "",
    decision_from: dt.date | None = None,
    decision_to: dt.date | None = None,
    changed_since: dt.datetime | None = None,
    page: int,
    page_size: int,
) -> tuple[int, list[CreditRecord]]:
    """The count and one page of the records ``principal`` may read matching every given filter: newest
    decision first, or least recently updated first when ``changed_since`` is given (incremental pulls)."""
    records = _visible_detailed(principal)
    if item:
        records = records.filter(item__code=item)
    if department:
        records = records.filter(department__code=department)
    if subject_uscc:
        records = records.filter(subject__uscc=normalize_code_input(subject_uscc))
    if decision_from:
        records = records.filter(decision_date__gte=decision_from)
    if decision_to:
        records = records.filter(decision_date__lte=decision_to)
    if changed_since:
        records = records.filter(updated_at__gt=changed_since).order_by("updated_at", "id")
    else:
        records = records.order_by("-decision_date", "-id")
    start = (page - 1) * page_size
    return records.count(), list(records[start : start + page_size])


def record_visible_get(*, principal, record_id: int) -> CreditRecord | None:
    """The record with this id if ``principal`` may read it, with its item, department, subject and version."""
    return _visible_detailed(principal).filter(pk=record_id).first()


def persons_visible(principal) -> Exists:
    """Filter on subjects: those with at least one record the principal may read. Installed as the natural
    persons' visibility rule of ``subjects.permissions.subjects_visible_to`` (``records/apps.py``)."""
    return Exists(records_visible_to(principal=principal).filter(subject_id=OuterRef("pk")))


def record_is_public(*, record: CreditRecord) -> bool:
    """True when the record's item version is published (公开); reads of anything else are audited."""
    return record.disclosure_scope == DisclosureScope.PUBLIC


def record_versions_visible_to(*, principal, record: CreditRecord) -> QuerySet[CreditRecordVersion]:
    """All versions for permitted principals, otherwise only the current one."""
    versions = record.versions.select_related("item_version", "uploader", "api_client").order_by("-number")
    if can_read_old_versions(principal, record):
        return versions
    return versions.filter(pk=record.current_version_id)


@dataclass(frozen=True)
class RecordChanges:
    """One page of the change feed: the rows oldest first and the ids the next page starts after."""

    rows: list[CreditRecordVersion | PublicationChange]
    has_more: bool
    version_after: int
    change_after: int


def record_changes_since(
    *, principal, version_after: int, change_after: int, horizon: dt.datetime, limit: int
) -> RecordChanges:
    """Up to ``limit`` versions and publication changes of the records ``principal`` may read, written after
    the cursor ids and no later than ``horizon``, merged by time (each stream's delivered part stays a prefix
    of it)."""
    visible = visibility_q(principal=principal, prefix="record__")
    if visible is None:
        return RecordChanges(rows=[], has_more=False, version_after=version_after, change_after=change_after)
    # Publication changes of repaired records still reach the departments that shared them (reason repaired).
    visible_changes = visibility_q(principal=principal, prefix="record__", include_repaired=True)
    related = ("record", "record__item", "record__department")
    versions = list(
        CreditRecordVersion.objects.filter(visible, pk__gt=version_after, created_at__lte=horizon)
        .select_related(*related, "item_version")
        .order_by("pk")[: limit + 1]
    )
    changes = list(
        PublicationChange.objects.filter(visible_changes, pk__gt=change_after, recorded_at__lte=horizon)
        .select_related(*related)
        .order_by("pk")[: limit + 1]
    )
    merged: list[CreditRecordVersion | PublicationChange] = []
    i = j = 0
    while len(merged) < limit and (i < len(versions) or j < len(changes)):
        if j >= len(changes) or (i < len(versions) and versions[i].created_at <= changes[j].recorded_at):
            merged.append(versions[i])
            i += 1
        else:
            merged.append(changes[j])
            j += 1
    return RecordChanges(
        rows=merged,
        has_more=i < len(versions) or j < len(changes),
        version_after=versions[i - 1].pk if i else version_after,
        change_after=changes[j - 1].pk if j else change_after,
    )


def record_effective_status(*, version: CreditRecordVersion | CreditRecord, as_of: dt.date) -> str:
    """The stored status, or ``expired`` when an effective record's publication window ended before ``as_of``.

    Consistent with ``records_public``: a public-scope, publishable record is in the public set exactly
    when this is ``effective`` and its window has started (``publish_from <= as_of``).
    """
    if version.status != RecordStatus.EFFECTIVE:
        return version.status
    if version.publish_until is not None and version.publish_until < as_of:
        return EffectiveStatus.EXPIRED
    return EffectiveStatus.EFFECTIVE


def records_with_effective_status(*, status: str, as_of: dt.date) -> Q:
    """Filter for records whose ``record_effective_status`` on ``as_of`` is ``status`` (set-based)."""
    window_ended = Q(publish_until__isnull=False, publish_until__lt=as_of)
    if status == EffectiveStatus.EXPIRED:
        return Q(status=RecordStatus.EFFECTIVE) & window_ended
    if status == EffectiveStatus.EFFECTIVE:
        return Q(status=RecordStatus.EFFECTIVE) & ~window_ended
    return Q(status=status)


def record_withdrawal_late(*, record: CreditRecord) -> bool | None:
    """Whether a revoked or withdrawn record was taken down after its 3-working-day deadline (None: n/a)."""
    if record.withdrawal_due is None or record.withdrawn_at is None:
        return None
    return timezone.localdate(record.withdrawn_at) > record.withdrawal_due


def records_withdrawn_late() -> Q:
    """Filter for records taken down after their withdrawal deadline (set-based ``record_withdrawal_late``)."""
    return Q(withdrawal_due__isnull=False, withdrawn_at__date__gt=F("withdrawal_due"))


def protected_field_codes(*, item_version: CatalogItemVersion) -> set[str]:
    """Codes of the item version's fields that hold personal ID numbers."""
    codes = set()
    for spec in item_version.fields or []:
        if isinstance(spec, dict) and spec.get("type") in PROTECTED_FIELD_TYPES:
            codes.add(spec.get("code"))
    codes.discard(None)
    return codes
