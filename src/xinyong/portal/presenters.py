"""How the public portal and its API show records and subjects (docs/identifiers.md, docs/access.md):

- only the catalog fields marked public are shown, never a field holding an ID number (those are stored
  masked anyway), and any complete 身份证 number that slipped into a free-text field is masked;
- a natural person appears only through records that are public, with the name and ID number masked; a
  person without any public record has no public page, whatever is registered about them;
- organisations and 个体工商户 form a public registry: their page exists even without public records.

The records come from ``portal.selectors``; the page-level functions here read through them and format.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import OrderedDict
from dataclasses import dataclass, field

from xinyong.accounts.models import Department
from xinyong.catalog.models import CatalogCategory, CatalogItemVersion
from xinyong.catalog.spec import PERSONAL_ID_TYPES, FieldType
from xinyong.core.codes import Polarity, SeverityTier, SubjectKind
from xinyong.core.identifiers import check_ric
from xinyong.core.masking import mask_name, mask_ric
from xinyong.lists.models import ListEntry
from xinyong.portal.selectors import (
    LICENSE,
    PENALTY,
    PublicList,
    RecordPage,
    code_list_field,
    field_specs,
    portal_disclosure_records,
    portal_list_entries,
    portal_recent_records,
    portal_subject_aliases,
    portal_subject_records,
    portal_subject_representatives,
)
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import AliasKind, Subject

# Field types never shown on public pages, whatever the catalog says.
HIDDEN_TYPES = PERSONAL_ID_TYPES

# Core roles shown in the record header or the subject header, not repeated among the fields.
HEADER_ROLES = (
    "subject_name",
    "subject_kind",
    "subject_uscc",
    "subject_reg_no",
    "subject_org_code",
    "subject_id_type",
    "subject_id_number",
    "document_number",
    "decision_date",
    "deciding_authority",
    "source_department_name",
    "source_department_uscc",
)

# The field that sums a record up in a list, by item; other items fall back to their first descriptive field.
SUMMARY_FIELDS = {
    PENALTY: ("CF_WFXW", "CF_NR"),
    LICENSE: ("XK_XKWS", "XK_NR"),
    "honour": ("RY_RYMC",),
    "abnormal_operations": ("YC_LRYY",),
}

MATCH_LABELS = {
    "uscc": "统一社会信用代码精确匹配",
    "ric": "身份证号码精确匹配",
    "code": "原登记代码匹配",
    "name": "名称匹配",
    "former_name": "曾用名匹配",
}
# A complete ID number inside free text (18 digits or 17 + X, or a legacy 15-digit number).
_RIC_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")

# Order of the categories on a subject page: registration first, then what the public asks about most.
CATEGORY_ORDER = [
    CatalogCategory.REGISTRATION,
    CatalogCategory.ADMINISTRATIVE,
    CatalogCategory.SERIOUS_DISHONESTY,
    CatalogCategory.ABNORMAL,
    CatalogCategory.JUDICIAL,
    CatalogCategory.COMMITMENT,
    CatalogCategory.HONOUR,
    CatalogCategory.EVALUATION,
    CatalogCategory.QUALIFICATION,
    CatalogCategory.CONTRACT,
    CatalogCategory.COMPLIANCE,
    CatalogCategory.VOLUNTARY,
]


def scrub_text(value: object) -> str:
    """A field value as text, with any complete 身份证 number in it masked."""
    text = "" if value is None else str(value)

    def mask(found: re.Match) -> str:
        number = found.group(0)
        return mask_ric(number) if check_ric(number).ok else number

    return _RIC_IN_TEXT.sub(mask, text)


def subject_display_name(subject: Subject) -> str:
    """A subject's name for the public: a natural person's name masked (张*), others as registered."""
    if subject.kind == SubjectKind.NATURAL_PERSON:
        return mask_name(subject.name)
    return subject.name


def subject_display_code(subject: Subject) -> str:
    """USCC, or a natural person's masked ID number; never the full number."""
    if subject.kind == SubjectKind.NATURAL_PERSON:
        return subject.ric_masked
    return subject.uscc or ""


CODE_LABEL = "统一社会信用代码"

ID_LABEL = "身份证号码"


def subject_code_label(subject: Subject) -> str:
    """The name of the code ``subject_display_code`` shows."""
    return ID_LABEL if subject.kind == SubjectKind.NATURAL_PERSON else CODE_LABEL


def _private_codes(version: CatalogItemVersion) -> set[str]:
    """Fields never shown to the public: not public in the catalog, personal, or holding ID numbers."""
    return {
        spec["code"]
        for spec in field_specs(version=version)
        if not spec.get("public", True) or spec.get("personal") or spec.get("type") in HIDDEN_TYPES
    }


def _hidden_codes(version: CatalogItemVersion) -> set[str]:
    """Fields left out of a record's field list: the private ones and those shown in its header."""
    core = version.core_fields or {}
    return _private_codes(version) | {core[role] for role in HEADER_ROLES if core.get(role)}


def public_fields(record: CreditRecord) -> list[tuple[str, str]]:
    """The record's public fields as (label, text), in catalog order, empty ones left out."""
    version = record.item_version
    values = record.current_version.fields if record.current_version_id else {}
    hidden = _hidden_codes(version)
    person = record.subject_kind == SubjectKind.NATURAL_PERSON
    legal_rep = (version.core_fields or {}).get("legal_representative")
    out = []
    for spec in field_specs(version=version):
        code = spec["code"]
        value = values.get(code)
        if code in hidden or value in (None, "", []):
            continue
        text = mask_name(value) if person and code == legal_rep else scrub_text(value)
        out.append((spec.get("name") or code, text))
    return out


def _field_value(record: CreditRecord, code: str | None) -> str:
    if not code or not record.current_version_id:
        return ""
    if code in _private_codes(record.item_version):
        return ""
    return scrub_text(record.current_version.fields.get(code))


def record_summary(record: CreditRecord) -> str:
    """One line that says what the record is about (违法行为类型, 许可文书名称, 荣誉名称 …)."""
    version = record.item_version
    hidden = _hidden_codes(version)
    candidates = list(SUMMARY_FIELDS.get(record.item.code, ()))
    core_codes = set((version.core_fields or {}).values())
    candidates += [
        spec["code"]
        for spec in field_specs(version=version)
        if spec["code"] not in core_codes
        and spec.get("type", FieldType.TEXT) in (FieldType.TEXT, FieldType.CODE, FieldType.CODES)
        and not str(spec.get("name", "")).endswith(("号", "码", "代码"))
    ]
    for code in candidates:
        if code in hidden:
            continue
        text = _field_value(record, code)
        if text:
            return text if len(text) <= 80 else text[:79] + "…"
    return record.item.name


def record_kinds(record: CreditRecord) -> str:
    """许可类别 of a licence or 处罚类别 of a penalty (several values joined)."""
    version = record.item_version
    if record.item.code == PENALTY:
        return _field_value(record, (version.core_fields or {}).get("penalty_kinds"))
    return _field_value(record, code_list_field(version=version, code_list="license_kind"))


def record_authority(record: CreditRecord) -> str:
    """The deciding authority as written on the decision, else the source department."""
    code = (record.item_version.core_fields or {}).get("deciding_authority")
    return _field_value(record, code) or record.department.name


@dataclass
class RecordRow:
    """A record as the public sees it in lists and on the subject page."""

    record: CreditRecord
    subject_name: str
    subject_code: str
    summary: str
    kinds: str
    authority: str
    fields: list[tuple[str, str]] = field(default_factory=list)

    @property
    def polarity_class(self) -> str:
        return {Polarity.NEGATIVE: "negative", Polarity.POSITIVE: "positive"}.get(self.record.polarity, "")

    @property
    def code_label(self) -> str:
        """What the code column holds for this row: a natural person has a (masked) 身份证号码, not a USCC."""
        return subject_code_label(self.record.subject)

    @property
    def severity_label(self) -> str:
        """失信严重程度, for records published by tier (penalties under a publication rule set)."""
        if not self.record.severity or not self.record.rule_set_code:
            return ""
        return SeverityTier(self.record.severity).label


def record_row(record: CreditRecord, *, with_fields: bool = False) -> RecordRow:
    subject = record.subject
    return RecordRow(
        record=record,
        subject_name=subject_display_name(subject),
        subject_code=subject_display_code(subject),
        summary=record_summary(record),
        kinds=record_kinds(record),
        authority=record_authority(record),
        fields=public_fields(record) if with_fields else [],
    )


@dataclass
class Slice:
    """One page of a list: its rows, its number, whether there is a next page; ``total`` where counted."""

    rows: list
    number: int
    page_size: int
    has_next: bool
    total: int | None = None

    @property
    def code_header(self) -> str:
        """Header of the code column: it names 身份证号码 too as soon as a natural person is on the page."""
        labels = {row.code_label for row in self.rows}
        return f"{CODE_LABEL}/{ID_LABEL}" if ID_LABEL in labels else CODE_LABEL

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.page_size + 1 if self.rows else 0


@dataclass
class CategoryGroup:
    code: str
    label: str
    rows: list[RecordRow]


@dataclass
class SubjectProfile:
    """Everything the subject page and the public API show about one subject."""

    subject: Subject
    name: str
    code: str
    kind_label: str
    category_name: str
    former_names: list[str]
    legacy_codes: list[tuple[str, str]]
    legal_representatives: list[str]
    groups: list[CategoryGroup]
    as_of: dt.date
    truncated: bool = False  # more public records than a page shows (the newest are shown)

    @property
    def record_count(self) -> int:
        return sum(len(g.rows) for g in self.groups)

    @property
    def is_person(self) -> bool:
        return self.subject.kind == SubjectKind.NATURAL_PERSON


def record_slice(*, page: RecordPage) -> Slice:
    """A page of records as the public list shows it."""
    return Slice(
        [record_row(r) for r in page.records], page.number, page.page_size, page.has_next, page.total
    )


def portal_subject_profile(*, subject: Subject, as_of: dt.date) -> SubjectProfile:
    """The public information of a subject on ``as_of``, grouped by catalog category."""
    person = subject.kind == SubjectKind.NATURAL_PERSON
    records, truncated = portal_subject_records(subject=subject, as_of=as_of)
    grouped: OrderedDict[str, list[RecordRow]] = OrderedDict((c.value, []) for c in CATEGORY_ORDER)
    for record in records:
        grouped.setdefault(record.item.category, []).append(record_row(record, with_fields=True))
    labels = dict(CatalogCategory.choices)
    groups = [CategoryGroup(code, labels.get(code, code), rows) for code, rows in grouped.items() if rows]
    former, legacy, reps = [], [], []
    if not person:
        for alias in portal_subject_aliases(subject=subject):
            if alias.kind == AliasKind.FORMER_NAME:
                former.append(alias.value)
            else:
                legacy.append((alias.get_kind_display(), alias.value))
        reps = portal_subject_representatives(subject=subject)
    return SubjectProfile(
        subject=subject,
        name=subject_display_name(subject),
        code=subject_display_code(subject),
        kind_label=subject.get_kind_display(),
        category_name=subject.uscc_category_name if not person else "",
        former_names=former,
        legacy_codes=legacy,
        legal_representatives=reps,
        groups=groups,
        as_of=as_of,
        truncated=truncated,
    )


def portal_recent(*, as_of: dt.date, item_code: str, limit: int = 8) -> list[RecordRow]:
    """The latest public records of an item as rows (home page)."""
    return [record_row(r) for r in portal_recent_records(as_of=as_of, item_code=item_code, limit=limit)]


def portal_disclosures(
    *,
    item_code: str,
    as_of: dt.date,
    department: Department | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    kind: str = "",
    page: int = 1,
    page_size: int = 20,
) -> Slice:
    """One page of the public licences or penalties (双公示) as rows, newest decision first, filtered."""
    return record_slice(
        page=portal_disclosure_records(
            item_code=item_code,
            as_of=as_of,
            department=department,
            date_from=date_from,
            date_to=date_to,
            kind=kind,
            page=page,
            page_size=page_size,
        )
    )


@dataclass
class ListRow(RecordRow):
    """A list entry in force as the public list shows it: the record's row and the entry's list and dates."""

    list_type_name: str = ""
    department_name: str = ""
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None


def list_row(entry: ListEntry) -> ListRow:
    row = record_row(entry.record)
    return ListRow(
        record=row.record,
        subject_name=row.subject_name,
        subject_code=row.subject_code,
        summary=scrub_text(entry.reason)[:80] or row.summary,
        kinds=row.kinds,
        authority=row.authority,
        list_type_name=entry.list_type.name,
        department_name=row.authority or (entry.department.name if entry.department_id else ""),
        effective_from=entry.effective_from,
        effective_until=entry.effective_until,
    )


def portal_list(
    *, public_list: PublicList, as_of: dt.date, page: int = 1, page_size: int = 20, list_type: str = ""
) -> Slice:
    """One page of a red / black / abnormal-operations list (the entries in force) as rows, with the total."""
    found = portal_list_entries(
        public_list=public_list, as_of=as_of, page=page, page_size=page_size, list_type=list_type
    )
    return Slice(
        [list_row(e) for e in found.entries], found.number, found.page_size, found.has_next, found.total
    )


def portal_search_rows(*, hits: list, counts: dict[int, int]) -> list[dict]:
    """Search hits as the search page lists them: masked name and code, how they matched, public records."""
    return [
        {
            "hit": hit,
            "name": subject_display_name(hit.subject),
            "code": subject_display_code(hit.subject),
            "match_label": MATCH_LABELS.get(hit.match, ""),
            "records": counts.get(hit.subject.pk, 0),
        }
        for hit in hits
    ]
