"""Subjects and records for tests, written through the paths production uses.

Subjects through ``subjects_resolve_bulk`` and records through ``records_bulk_ingest`` (a chunk of one row),
the writers behind every upload, API submission and form entry; the catalog through the shipped fixtures
(``catalog_load_fixtures``) or ``tests.subjects.factories.item_version``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from xinyong.accounts.models import ApiClient, Department
from xinyong.catalog.models import CatalogItemVersion
from xinyong.catalog.selectors import catalog_item_current_version
from xinyong.core.identifiers import IdIssue
from xinyong.records.loading.ingest import records_bulk_ingest
from xinyong.records.loading.prepare import RecordInput, RecordPreparer
from xinyong.records.models import Channel, CreditRecord, CreditRecordVersion, RecordStatus
from xinyong.records.normalize import normalize_document_number
from xinyong.subjects.bulk import CONFLICT, SubjectInput, subjects_resolve_bulk
from xinyong.subjects.models import Subject, SubjectReview


@dataclass(frozen=True)
class Resolved:
    """One input's resolution: its subject (None when rejected), whether it is new, warnings, errors, and the
    review flag its name raised (new or already open)."""

    subject: Subject | None
    created: bool
    warnings: list[IdIssue]
    errors: list[IdIssue]
    review_flag: SubjectReview | None


def _resolve(kind, name, uscc, ric, legacy_codes, *, source, as_of, actor):
    """The loader's outcome for one subject input (a chunk of one)."""
    subject_input = SubjectInput(kind=kind, name=name, uscc=uscc, ric=ric, legacy_codes=legacy_codes or {})
    return subjects_resolve_bulk(inputs=[subject_input], source=source, as_of=as_of, actor=actor)[0]


def subject_resolve_one(
    *,
    kind: str,
    name: str,
    uscc: str | None = None,
    ric: str | None = None,
    legacy_codes: dict[str, str] | None = None,
    source: str = "",
    as_of: dt.date | None = None,
    actor=None,
) -> Resolved:
    """Resolve one input through the subject loader (a chunk of one)."""
    outcome = _resolve(kind, name, uscc, ric, legacy_codes, source=source, as_of=as_of, actor=actor)
    subject = Subject.objects.get(pk=outcome.subject_id) if outcome.subject_id is not None else None
    review = None
    if subject is not None and any(w.code == CONFLICT for w in outcome.warnings):
        review = (
            SubjectReview.objects.filter(Q(subject=subject) | Q(conflicting_subject=subject), status="open")
            .order_by("-pk")
            .first()
        )
    return Resolved(subject, outcome.created, outcome.warnings, outcome.errors, review)


def subject_create(
    *,
    kind: str,
    name: str,
    uscc: str | None = None,
    ric: str | None = None,
    legacy_codes: dict[str, str] | None = None,
    source: str = "",
    as_of: dt.date | None = None,
    actor=None,
) -> Subject:
    """The subject of a row with these identifiers: found in the registry or registered."""
    outcome = _resolve(kind, name, uscc, ric, legacy_codes, source=source, as_of=as_of, actor=actor)
    if outcome.errors:
        raise ValueError("; ".join(f"{issue.code}: {issue.message}" for issue in outcome.errors))
    return Subject.objects.get(pk=outcome.subject_id)


@dataclass(frozen=True)
class Ingested:
    """A row's outcome: its record, "created" / "duplicate" / "new_version", and the version it matched."""

    record: CreditRecord
    outcome: str
    version: CreditRecordVersion  # the version written, or for a duplicate the one whose content matched

    @property
    def is_duplicate(self) -> bool:
        return self.outcome == "duplicate"


def record_ingest_row(
    *,
    department: Department,
    document_number: str,
    subject: Subject,
    decision_date: dt.date,
    fields: dict[str, Any],
    received_at: dt.datetime,
    item_version: CatalogItemVersion | None = None,
    item_code: str | None = None,
    channel: str = Channel.FILE,
    polarity: str | None = None,
    severity: str = "",
    status: str = RecordStatus.EFFECTIVE,
    publish_from: dt.date | None = None,
    publish_until: dt.date | None = None,
    uploader=None,
    api_client: ApiClient | None = None,
    batch_ref: str = "",
) -> Ingested:
    """Receive one row through the bulk loader; ``item_code``: the item's version in force on receipt."""
    if item_version is None:
        item_version = catalog_item_current_version(code=item_code, on=timezone.localdate(received_at))
    row = RecordPreparer(item_version=item_version, department=department).prepare(
        RecordInput(
            number=1,
            document_number=document_number,
            decision_date=decision_date,
            fields=fields,
            severity=severity,
            polarity=polarity,
            status=status,
            publish_from=publish_from,
            publish_until=publish_until,
        )
    )
    result = records_bulk_ingest(
        item_version=item_version,
        department=department,
        rows=[(row, subject.pk)],
        channel=channel,
        batch_ref=batch_ref,
        received_at=received_at,
        uploader=uploader,
        api_client=api_client,
    )
    record = CreditRecord.objects.get(
        item_id=item_version.item_id,
        department=department,
        document_number_key=normalize_document_number(document_number),
    )
    version = record.versions.filter(content_hash=row.content_hash(subject.pk)).order_by("-number").first()
    return Ingested(record=record, outcome=result.outcomes[0], version=version)
