"""Form entry (单条录入): one record typed into a console form, validated and stored at once.

The entry becomes a one-row batch of the ``form`` channel (done, with its counts and warnings), so that it
counts in the department's figures like any other submission; an invalid entry stores nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinyong.accounts.models import ApiClient, AuditAction, Department
from xinyong.accounts.services import audit_log
from xinyong.catalog.selectors import catalog_version_schema
from xinyong.collection.checks import item_version_for_submission, upload_permission_require
from xinyong.collection.loading.counters import batch_issue_counts_add
from xinyong.collection.models import Batch, BatchChannel, BatchStatus, IssueKind, RowWarning
from xinyong.collection.row_warnings import row_warnings_build, warning_entry
from xinyong.collection.selectors import uscc_confirmations_for
from xinyong.collection.validation import RowIssue, row_validate
from xinyong.lists.hooks import lists_after_batch
from xinyong.records.loading.ingest import records_bulk_ingest
from xinyong.records.models import Channel, CreditRecord
from xinyong.records.normalize import normalize_document_number
from xinyong.records.rules import RecordError
from xinyong.subjects.bulk import SubjectPreparer, subjects_resolve_bulk
from xinyong.subjects.services import confirmed_codes_record_registered


@dataclass(frozen=True)
class FormResult:
    """The outcome of a form entry: the stored record, or the errors that kept it from being stored."""

    ok: bool
    record: CreditRecord | None = None
    outcome: str = ""  # created | new_version | duplicate
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    batch: Batch | None = None


def _id_issue_to_row_issue(issue, *, field_code: str = "", column: str = "") -> RowIssue:
    """A problem of the subject registry as a row issue."""
    return RowIssue(
        code=getattr(issue, "code", "subject_error"),
        field=field_code,
        column=column,
        value=None,
        message=getattr(issue, "message", str(issue)),
    )


def record_submit_form(
    *,
    department: Department,
    item_code: str,
    values: dict[str, Any],
    actor,
    as_of: dt.date | None = None,
    received_at: dt.datetime | None = None,
) -> FormResult:
    """Validate and store one record entered in a console form (values keyed by field code); audited.

    Returns ``FormResult(ok=False, errors=…)`` without storing anything when the entry is invalid.
    """
    received_at = received_at or timezone.now()
    as_of = as_of or timezone.localdate(received_at)
    upload_permission_require(actor=actor, department=department, action=AuditAction.CREATE)
    version = item_version_for_submission(item_code=item_code, on=as_of, department=department)
    schema = catalog_version_schema(version=version)
    columns = {spec.code: spec.name for spec in schema.fields}
    confirmed = uscc_confirmations_for(item_version=version, department=department)
    result = row_validate(
        number=1,
        values={code: value for code, value in values.items() if code in columns},
        schema=schema,
        department=department,
        as_of=as_of,
        columns=columns,
        confirmed=confirmed,
    )
    if not result.ok:
        return FormResult(ok=False, errors=list(result.errors), warnings=list(result.warnings))
    warnings = list(result.warnings)
    with transaction.atomic():
        resolved = subjects_resolve_bulk(
            inputs=[result.subject],
            source="form",
            as_of=as_of,
            actor=actor,
            preparer=SubjectPreparer(as_of=as_of, confirmed=confirmed),
        )[0]
        if resolved.errors or resolved.subject_id is None:
            transaction.set_rollback(True)
            return FormResult(
                ok=False,
                errors=[_id_issue_to_row_issue(e) for e in resolved.errors]
                or [RowIssue("subject_unresolved", "", "", None, "无法确定行政相对人，请核对名称和证件号码")],
                warnings=warnings,
            )
        warnings += [_id_issue_to_row_issue(w) for w in resolved.warnings]
        batch = _form_batch_create(
            department=department, version=version, as_of=as_of, received_at=received_at, actor=actor
        )
        try:
            with transaction.atomic():
                bulk = records_bulk_ingest(
                    item_version=version,
                    department=department,
                    rows=[(result.record, resolved.subject_id)],
                    channel=Channel.FORM,
                    batch_ref=str(batch.pk),
                    received_at=received_at,
                    uploader=batch.uploaded_by,
                    api_client=batch.api_client,
                )
        except RecordError as exc:
            transaction.set_rollback(True)
            return FormResult(
                ok=False, errors=[RowIssue(exc.code, "", "", None, exc.message)], warnings=warnings
            )
        outcome = bulk.outcomes[0]
        _form_batch_finish(
            batch, outcome=outcome, warnings=warnings, subject_uscc=result.subject.uscc, actor=actor
        )
        record = CreditRecord.objects.get(
            item_id=version.item_id,
            department=department,
            document_number_key=normalize_document_number(result.record.document_number),
        )
        audit_log(
            actor=actor,
            action=AuditAction.IMPORT,
            obj=batch,
            detail={
                "stage": "done",
                "channel": BatchChannel.FORM,
                "outcome": outcome,
                "record_id": record.pk,
            },
        )
        lists_after_batch(batch_ref=str(batch.pk), as_of=as_of, actor=actor)
    return FormResult(ok=True, record=record, outcome=outcome, warnings=warnings, batch=batch)


def _form_batch_create(
    *, department: Department, version, as_of: dt.date, received_at: dt.datetime, actor
) -> Batch:
    """The one-row batch of a form entry, loading."""
    return Batch.objects.create(
        department=department,
        item_id=version.item_id,
        item_version=version,
        channel=BatchChannel.FORM,
        status=BatchStatus.LOADING,
        as_of=as_of,
        received_at=received_at,
        uploaded_by=actor if not isinstance(actor, ApiClient) else None,
        api_client=actor if isinstance(actor, ApiClient) else None,
        rows_total=1,
        rows_total_exact=True,
        started_at=received_at,
    )


def _form_batch_finish(
    batch: Batch, *, outcome: str, warnings: list[RowIssue], subject_uscc: str, actor
) -> None:
    """Mark the form's batch done with its outcome and warnings; a code the registration authority reported
    joins the confirmed codes."""
    setattr(batch, outcome, 1)
    batch.rows_read = batch.rows_committed = 1
    batch.status = BatchStatus.DONE
    batch.finished_at = timezone.now()
    batch.warnings = dict(Counter(w.code for w in warnings))
    batch.save()
    batch_issue_counts_add(batch=batch, kind=IssueKind.WARNING, counts=Counter(w.code for w in warnings))
    personal = {
        spec.code for spec in catalog_version_schema(version=batch.item_version).fields if spec.personal
    }
    # The subject registry repeats some identifier warnings of the validation: one per code.
    unique = {w.code: w for w in reversed(warnings)}
    RowWarning.objects.bulk_create(
        row_warnings_build(
            batch=batch,
            rows=[
                (1, warning_entry(issue=w, personal_fields=personal)) for w in warnings if unique[w.code] is w
            ],
        )
    )
    subject_field = (batch.item_version.core_fields or {}).get("subject_uscc", "")
    if subject_uscc and any(
        w.code == "uscc_check_digit_registered" and w.field == subject_field for w in warnings
    ):
        confirmed_codes_record_registered(
            codes=[subject_uscc], department=batch.department, origin=f"batch:{batch.pk}", actor=actor
        )
