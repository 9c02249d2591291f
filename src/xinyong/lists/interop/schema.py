"""The part of the FollowTheMoney data model (followthemoney 4.11, its ``schema/*.yaml``) that the
platform writes and reads: legal entities (``LegalEntity``, ``Organization``, ``Company``) and
``Sanction``, with each property's value type and the value types' length limits.

The ``followthemoney`` package itself is not a dependency (docs/interoperability.md says why); this module
holds the names the published schema defines, so an entity the platform writes validates against it and an
entity it reads is refused when it is not of that shape.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# Value types (followthemoney.types): their maximum length in characters.
MAX_LENGTH = {
    "name": 380,
    "string": 1024,
    "text": 65000,
    "identifier": 64,
    "country": 16,
    "date": 32,
    "url": 4096,
    "entity": 200,
    "topic": 64,
    "number": 250,
}

_THING = {
    "name": "name",
    "alias": "name",
    "previousName": "name",
    "weakAlias": "name",
    "country": "country",
    "summary": "text",
    "notes": "text",
    "description": "text",
    "sourceUrl": "url",
    "publisher": "string",
    "publisherUrl": "url",
    "keywords": "string",
    "topics": "topic",
    "address": "string",
    "program": "string",
    "createdAt": "date",
    "modifiedAt": "date",
    "retrievedAt": "date",
}
_LEGAL_ENTITY = {
    **_THING,
    "abbreviation": "name",
    "email": "string",
    "phone": "string",
    "website": "url",
    "legalForm": "string",
    "incorporationDate": "date",
    "dissolutionDate": "date",
    "status": "string",
    "sector": "string",
    "classification": "string",
    "registrationNumber": "identifier",
    "idNumber": "identifier",
    "taxNumber": "identifier",
    "licenseNumber": "identifier",
    "jurisdiction": "country",
    "mainCountry": "country",
    "uscCode": "identifier",
    "leiCode": "identifier",
}
_INTERVAL = {
    "startDate": "date",
    "endDate": "date",
    "date": "date",
    "summary": "text",
    "description": "text",
    "recordId": "string",
    "sourceUrl": "url",
    "publisher": "string",
    "publisherUrl": "url",
    "modifiedAt": "date",
    "retrievedAt": "date",
}
_SANCTION = {
    **_INTERVAL,
    "entity": "entity",
    "authority": "string",
    "authorityId": "identifier",
    "program": "string",
    "programId": "identifier",
    "programUrl": "url",
    "provisions": "string",
    "status": "string",
    "duration": "number",
    "reason": "text",
    "country": "country",
    "listingDate": "date",
}

# Schema name → {property: value type}; the legal entities share LegalEntity's properties (Organization and
# Company add some of their own that the platform neither writes nor reads).
SCHEMATA: dict[str, dict[str, str]] = {
    "LegalEntity": _LEGAL_ENTITY,
    "Organization": _LEGAL_ENTITY,
    "Company": {**_LEGAL_ENTITY, "capital": "number"},
    "Sanction": _SANCTION,
}
LEGAL_ENTITY_SCHEMATA = frozenset({"LegalEntity", "Organization", "Company"})
# Schemata of natural persons: never exported, refused on import.
PERSON_SCHEMATA = frozenset({"Person"})
REQUIRED = {
    "LegalEntity": ("name",),
    "Organization": ("name",),
    "Company": ("name",),
    "Sanction": ("entity",),
}

# followthemoney.types.entity: an entity id.
ENTITY_ID = re.compile(r"^[0-9a-zA-Z]([0-9a-zA-Z\.\-]*[0-9a-zA-Z])?$")
# Dates in FtM are ISO 8601 prefixes: a year, a month or a day (the platform reads days).
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?")


@dataclass(frozen=True)
class SchemaIssue:
    """One way an entity does not follow the schema: a stable code and a zh-hans message."""

    code: str
    message: str


def schema_issues(entity: object) -> list[SchemaIssue]:
    """What is wrong with ``entity`` (a decoded JSON object) as an FtM entity of a schema listed here."""
    if not isinstance(entity, dict):
        return [SchemaIssue("ftm_not_object", "每行应为一个 JSON 对象（FollowTheMoney 实体）")]
    entity_id, schema, properties = entity.get("id"), entity.get("schema"), entity.get("properties")
    issues = []
    if (
        not isinstance(entity_id, str)
        or len(entity_id) > MAX_LENGTH["entity"]
        or not ENTITY_ID.match(entity_id)
    ):
        issues.append(SchemaIssue("ftm_id_invalid", "实体 id 应为 1–200 个字母、数字、“.”或“-”"))
    if schema in PERSON_SCHEMATA:
        return [*issues, SchemaIssue("ftm_person_refused", "不接收自然人（Person）实体")]
    if schema not in SCHEMATA:
        return [*issues, SchemaIssue("ftm_schema_unsupported", f"不支持的实体类型：{str(schema)[:40]}")]
    if not isinstance(properties, dict):
        return [
            *issues,
            SchemaIssue("ftm_properties_invalid", "properties 应为对象，每个属性的值为字符串数组"),
        ]
    allowed = SCHEMATA[schema]
    for prop, values in properties.items():
        kind = allowed.get(prop)
        if kind is None:
            issues.append(SchemaIssue("ftm_property_unknown", f"{schema} 没有属性 {str(prop)[:40]}"))
            continue
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            issues.append(SchemaIssue("ftm_property_invalid", f"属性 {prop} 的值应为字符串数组"))
            continue
        for value in values:
            if len(value) > MAX_LENGTH[kind]:
                issues.append(
                    SchemaIssue("ftm_value_too_long", f"属性 {prop} 的值超过 {MAX_LENGTH[kind]} 个字符")
                )
            elif kind == "date" and not _DATE.match(value):
                issues.append(
                    SchemaIssue("ftm_date_invalid", f"属性 {prop} 的值不是 ISO 8601 日期：{value[:20]}")
                )
            elif kind == "entity" and not ENTITY_ID.match(value):
                issues.append(SchemaIssue("ftm_reference_invalid", f"属性 {prop} 引用的实体 id 无效"))
            elif kind == "country" and not re.fullmatch(r"[a-z]{2}(-[a-z0-9]{1,8})?", value):
                issues.append(
                    SchemaIssue("ftm_country_invalid", f"属性 {prop} 的值不是国家代码：{value[:16]}")
                )
    for prop in REQUIRED[schema]:
        if not properties.get(prop):
            issues.append(SchemaIssue("ftm_property_missing", f"{schema} 缺少必填属性 {prop}"))
    return issues


def ftm_date(value: str) -> dt.date | None:
    """The day of an FtM date value, or None when it names only a year or a month."""
    try:
        return dt.date.fromisoformat(value[:10]) if len(value) >= 10 else None
    except ValueError:
        return None
