"""The columns the loader writes, in the order it writes them, checked against the models.

Columns of a new version / record come in three parts: the part known only to the chunk (ids, subject,
hash …), the part ``prepare`` fixes per row, and the part fixed per call (channel, batch, times …).
``check_columns`` runs on every call, so that a field added to a model cannot be silently left out.
"""

from __future__ import annotations

from xinyong.records.models import CreditRecord, CreditRecordVersion
from xinyong.records.rules import CORE_FIELDS, STATUS_FIELDS, TIMELINESS_FIELDS, WINDOW_COLUMNS

VERSION_HEAD = ("id", "record_id", "number", "subject_id", "content_hash", "supersedes_id", "disputed")
VERSION_TAIL = (
    "item_version_id",
    "document_number",
    *CORE_FIELDS,
    "status_date",
    "change_reason",
    *WINDOW_COLUMNS,
    "fields",
    "fields_protected",
)
VERSION_CALL = ("channel", "batch_ref", "uploader_id", "api_client_id", "received_at", "created_at")
VERSION_COLUMNS = VERSION_HEAD + VERSION_TAIL + VERSION_CALL
RECORD_HEAD = (
    "id",
    "subject_id",
    "current_version_id",
    "subject_kind",
    "disclosure_scope",
    "duplicate_count",
    "last_duplicate_at",
    *TIMELINESS_FIELDS,
    *STATUS_FIELDS,
)
RECORD_TAIL = ("item_version_id", "document_number", "document_number_key", *CORE_FIELDS, *WINDOW_COLUMNS)
# A new record is never disputed; a known record keeps its mark (``disputed`` is not a current column).
RECORD_CALL = ("item_id", "department_id", "in_publication", "disputed", "created_at", "updated_at")
RECORD_COLUMNS = RECORD_HEAD + RECORD_TAIL + RECORD_CALL
# Columns of a known record that follow its newest version, with its lag and revocation columns.
CURRENT_COLUMNS = (
    "current_version_id",
    "item_version_id",
    "subject_id",
    "subject_kind",
    "disclosure_scope",
    "document_number",
    *CORE_FIELDS,
    *WINDOW_COLUMNS,
    *TIMELINESS_FIELDS,
    *STATUS_FIELDS,
    "updated_at",
)
# PostgreSQL types of CURRENT_COLUMNS, for the arrays of ``UPDATE … FROM unnest(…)``.
PG_TYPES = {
    "current_version_id": "bigint",
    "item_version_id": "bigint",
    "subject_id": "bigint",
    "subject_kind": "text",
    "disclosure_scope": "text",
    "document_number": "text",
    "decision_date": "date",
    "severity": "text",
    "polarity": "text",
    "status": "text",
    "publish_from": "date",
    "publish_until": "date",
    "publishable": "boolean",
    "repair_from": "date",
    "no_early_stop": "boolean",
    "window_rule": "text",
    "rule_set_code": "text",
    "lag_working_days": "integer",
    "lag_provisional": "boolean",
    "is_late": "boolean",
    "status_date": "date",
    "withdrawal_due": "date",
    "withdrawn_at": "timestamptz",
    "updated_at": "timestamptz",
}


def check_columns() -> None:
    """Refuse to load when the column lists and the models' fields differ."""
    for model, columns in ((CreditRecord, RECORD_COLUMNS), (CreditRecordVersion, VERSION_COLUMNS)):
        names = {f.attname for f in model._meta.concrete_fields}
        if names != set(columns) or len(columns) != len(set(columns)):
            raise RuntimeError(
                f"bulk loader columns of {model.__name__} differ from the model: "
                f"missing {sorted(names - set(columns))}, unknown {sorted(set(columns) - names)}"
            )
