"""FollowTheMoney export of black lists (docs/interoperability.md).

The black-list entries in force on a day that rest on a public record, of organisations only (法人及非法人组织
— never natural persons, never 个体工商户, whose name and code identify their owner), as FtM entities in JSON
lines: one ``Company`` (enterprises) or ``Organization`` (other organisations) per subject with its
统一社会信用代码, then one ``Sanction`` per entry. Red lists are not sanctions and are not exported.
The import of such files is ``ftm_import``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import orjson
from django.conf import settings
from django.db.models import QuerySet

from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import check_uscc
from xinyong.lists.interop.schema import MAX_LENGTH
from xinyong.lists.models import ListColour, ListEntry, ListType
from xinyong.lists.selectors import entries_in_force
from xinyong.records.selectors import public_q

__all__ = ["ftm_export_entities", "ftm_export_entries", "ftm_export_lines"]

CHUNK = 2_000
NO_CODE = "0" * 17


def ftm_export_entries(*, as_of: dt.date) -> QuerySet[ListEntry]:
    """The entries the export writes: black lists, in force on ``as_of``, of organisations, on public records."""
    return (
        entries_in_force(as_of=as_of)
        .filter(
            public_q(as_of=as_of, prefix="record__"),
            list_type__colour=ListColour.BLACK,
            subject_kind=SubjectKind.ORGANISATION,
            subject__kind=SubjectKind.ORGANISATION,
            record__isnull=False,
        )
        .select_related("subject", "department", "record", "record__current_version", "record__item_version")
        .order_by("subject_id", "id")
    )


def _entity_id(prefix: str, kind: str, key: object) -> str:
    return f"{prefix}-{kind}-{key}"


def _valid_uscc(value: str | None) -> str | None:
    if not value or value.startswith(NO_CODE):
        return None
    result = check_uscc(value, subject_kind=SubjectKind.ORGANISATION)
    return result.normalized if result.ok else None


def _legal_entity(subject, *, prefix: str, site_url: str) -> dict[str, Any]:
    uscc = _valid_uscc(subject.uscc)
    properties: dict[str, list[str]] = {
        "name": [subject.name],
        "jurisdiction": ["cn"],
        "country": ["cn"],
        "topics": ["reg.action"],
    }
    if uscc:
        # Since 三证合一、一照一码 (国办发〔2015〕50号) the 统一社会信用代码 is the registration and the tax number.
        properties.update(uscCode=[uscc], registrationNumber=[uscc], taxNumber=[uscc])
    if subject.uscc_category_name:
        properties["legalForm"] = [subject.uscc_category_name]
    if site_url:
        properties["sourceUrl"] = [f"{site_url}/subjects/{subject.pk}/"]
    schema = "Company" if uscc and uscc.startswith("9") else "Organization"
    return {
        "id": _entity_id(prefix, "uscc" if uscc else "subject", uscc or subject.pk),
        "schema": schema,
        "properties": properties,
    }


def _authority(entry: ListEntry, list_type: ListType) -> str:
    record = entry.record
    code = (record.item_version.core_fields or {}).get("deciding_authority")
    named = (record.current_version.fields or {}).get(code) if code else None
    if isinstance(named, str) and named.strip():
        return named.strip()
    if entry.department is not None:
        return entry.department.name
    return list_type.initiating_department


def _sanction(entry: ListEntry, list_type: ListType, *, entity_id: str, prefix: str, site_url: str) -> dict:
    record = entry.record
    start = entry.effective_from or record.decision_date
    end = entry.effective_until or record.publish_until
    properties: dict[str, list[str]] = {
        "entity": [entity_id],
        "authority": [_authority(entry, list_type)[: MAX_LENGTH["string"]]],
        "program": [list_type.name],
        "programId": [list_type.code],
        "country": ["cn"],
        "startDate": [start.isoformat()],
        "status": ["Active"],
    }
    if end:
        properties["endDate"] = [end.isoformat()]
    if entry.decided_on:
        properties["listingDate"] = [entry.decided_on.isoformat()]
    if record.document_number and len(record.document_number) <= MAX_LENGTH["identifier"]:
        properties["authorityId"] = [record.document_number]
    if entry.reason:
        properties["reason"] = [entry.reason]
    if list_type.legal_basis:
        properties["provisions"] = [list_type.legal_basis[: MAX_LENGTH["string"]]]
    if site_url:
        properties["sourceUrl"] = [f"{site_url}/subjects/{entry.subject_id}/"]
    return {"id": _entity_id(prefix, "sanction", entry.pk), "schema": "Sanction", "properties": properties}


def ftm_export_entities(
    *, as_of: dt.date, prefix: str = "xinyong", site_url: str | None = None
) -> Iterator[dict[str, Any]]:
    """The FtM entities of the export, streamed: each subject's legal entity, then its sanctions."""
    site_url = (settings.XINYONG_SITE_URL if site_url is None else site_url).rstrip("/")
    list_types = {lt.pk: lt for lt in ListType.objects.all()}
    current_subject, entity_id = None, ""
    for entry in ftm_export_entries(as_of=as_of).iterator(chunk_size=CHUNK):
        if entry.subject_id != current_subject:
            entity = _legal_entity(entry.subject, prefix=prefix, site_url=site_url)
            current_subject, entity_id = entry.subject_id, entity["id"]
            yield entity
        yield _sanction(
            entry, list_types[entry.list_type_id], entity_id=entity_id, prefix=prefix, site_url=site_url
        )


def ftm_export_lines(
    *, as_of: dt.date, prefix: str = "xinyong", site_url: str | None = None
) -> Iterator[bytes]:
    """The export as JSON lines (UTF-8), a few hundred entities per piece."""
    buffer: list[bytes] = []
    for entity in ftm_export_entities(as_of=as_of, prefix=prefix, site_url=site_url):
        buffer.append(orjson.dumps(entity) + b"\n")
        if len(buffer) >= 500:
            yield b"".join(buffer)
            buffer.clear()
    if buffer:
        yield b"".join(buffer)
