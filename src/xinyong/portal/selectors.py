"""Reads of the public portal (信用网站) and its API: search, subject pages, 双公示 and list pages.

Every record shown comes from ``records.selectors.records_public(as_of=...)`` — the one definition of what
is public on a day; nothing here decides visibility. What this module adds is presentation for the public
channel (docs/identifiers.md, docs/access.md):

- only the catalog fields marked public are shown, never a field holding an ID number (those are stored
  masked anyway), and any complete 身份证 number that slipped into a free-text field is masked;
- a natural person appears only through records that are public, with the name and ID number masked; a
  person without any public record has no public page, whatever is registered about them;
- organisations and 个体工商户 form a public registry: their page exists even without public records.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet

from xinyong.accounts.models import Department
from xinyong.catalog.models import CatalogCategory, CatalogItemVersion
from xinyong.catalog.spec import PERSONAL_ID_TYPES, FieldType
from xinyong.core.codes import Polarity, SeverityTier, SubjectKind
from xinyong.core.identifiers import check_ric
from xinyong.core.masking import mask_name, mask_ric
from xinyong.records.models import CreditRecord
from xinyong.records.selectors import records_public
from xinyong.subjects.models import AliasKind, LinkedPerson, Subject, SubjectAlias
from xinyong.subjects.search import subject_search

LICENSE = "license"
PENALTY = "penalty"

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
# A complete ID number inside free text (18 digits or 17 + X, or a legacy 15-digit number).
_RIC_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


@dataclass(frozen=True)
class PublicList:
    """A public list page: which catalog category feeds it, and how it is called."""

    slug: str
    title: str
    category: str
    description: str


PUBLIC_LISTS: dict[str, PublicList] = {
    "red": PublicList(
        "red",
        "红名单",
        CatalogCategory.HONOUR,
        "各级人民政府及其部门依法认定的守信激励对象和诚实守信相关荣誉，对列入主体实施守信联合激励措施。",
    ),
    "black": PublicList(
        "black",
        "黑名单",
        CatalogCategory.SERIOUS_DISHONESTY,
        "依据具有法律效力的文书认定的严重失信主体名单，对列入主体依法实施失信联合惩戒措施。",
    ),
    "abnormal": PublicList(
        "abnormal",
        "经营异常名录",
        CatalogCategory.ABNORMAL,
        "市场监督管理部门依法列入经营异常名录（个体工商户标记为经营异常状态）的市场主体。",
    ),
}

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


# ---------------------------------------------------------------------------------------------------
# Presentation helpers


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


def _field_specs(version: CatalogItemVersion) -> list[dict]:
    return [spec for spec in (version.fields or []) if isinstance(spec, dict) and spec.get("code")]


def _private_codes(version: CatalogItemVersion) -> set[str]:
    """Fields never shown to the public: not public in the catalog, personal, or holding ID numbers."""
    return {
        spec["code"]
        for spec in _field_specs(version)
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
    for spec in _field_specs(version):
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


def _code_list_field(version: CatalogItemVersion, code_list: str) -> str | None:
    for spec in _field_specs(version):
        if spec.get("code_list") == code_list:
            return spec["code"]
    return None


def record_summary(record: CreditRecord) -> str:
    """One line that says what the record is about (违法行为类型, 许可文书名称, 荣誉名称 …)."""
    version = record.item_version
    hidden = _hidden_codes(version)
    candidates = list(SUMMARY_FIELDS.get(record.item.code, ()))
    core_codes = set((version.core_fields or {}).values())
    candidates += [
        spec["code"]
        for spec in _field_specs(version)
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
    return _field_value(record, _code_list_field(version, "license_kind"))


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


def _public(as_of: dt.date) -> QuerySet[CreditRecord]:
    return records_public(as_of=as_of).select_related(
        "item", "item_version", "department", "subject", "current_version"
    )


# ---------------------------------------------------------------------------------------------------
# Pages without a total count: lists of millions of records page by "next" and never count them.


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


MAX_PAGE = 500
# A subject page shows at most this many public records, newest first (a credit report lists them all).
SUBJECT_RECORDS = 200


def slice_of(queryset: QuerySet, *, page: int, page_size: int) -> tuple[list, bool]:
    page = max(1, min(page, MAX_PAGE))
    start = (page - 1) * page_size
    rows = list(queryset[start : start + page_size + 1])
    return rows[:page_size], len(rows) > page_size


# ---------------------------------------------------------------------------------------------------
# Selectors


def portal_search(*, query: str, as_of: dt.date, limit: int = 100) -> list:
    """Search hits the public may see: organisations and 个体工商户, and natural persons (full ID number
    only) who have a public record."""
    hits = subject_search(query=query, limit=limit)
    persons = [h.subject.pk for h in hits if h.subject.kind == SubjectKind.NATURAL_PERSON]
    if persons:
        shown = set(
            records_public(as_of=as_of).filter(subject_id__in=persons).values_list("subject_id", flat=True)
        )
        hits = [h for h in hits if h.subject.kind != SubjectKind.NATURAL_PERSON or h.subject.pk in shown]
    return hits


def portal_public_subject(*, subject_id: int, as_of: dt.date) -> Subject | None:
    """The subject if the public may see its page (a natural person only with a public record)."""
    subject = Subject.objects.filter(pk=subject_id).first()
    if subject is None:
        return None
    if (
        subject.kind == SubjectKind.NATURAL_PERSON
        and not records_public(as_of=as_of).filter(subject_id=subject.pk).exists()
    ):
        return None
    return subject


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


def portal_subject_profile(*, subject: Subject, as_of: dt.date) -> SubjectProfile:
    """The public information of a subject on ``as_of``, grouped by catalog category."""
    person = subject.kind == SubjectKind.NATURAL_PERSON
    records = list(
        _public(as_of).filter(subject_id=subject.pk).order_by("-decision_date", "-id")[: SUBJECT_RECORDS + 1]
    )
    truncated = len(records) > SUBJECT_RECORDS
    records = records[:SUBJECT_RECORDS]
    grouped: OrderedDict[str, list[RecordRow]] = OrderedDict((c.value, []) for c in CATEGORY_ORDER)
    for record in records:
        grouped.setdefault(record.item.category, []).append(record_row(record, with_fields=True))
    labels = dict(CatalogCategory.choices)
    groups = [CategoryGroup(code, labels.get(code, code), rows) for code, rows in grouped.items() if rows]
    former, legacy, reps = [], [], []
    if not person:
        for alias in SubjectAlias.objects.filter(subject=subject).order_by("first_seen", "id"):
            if alias.kind == AliasKind.FORMER_NAME:
                former.append(alias.value)
            elif alias.kind in (AliasKind.REG_NO, AliasKind.ORG_CODE):
                legacy.append((alias.get_kind_display(), alias.value))
        reps = list(
            LinkedPerson.objects.filter(subject=subject, valid_to__isnull=True)
            .order_by("role", "-valid_from", "id")
            .values_list("name", flat=True)[:3]
        )
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
    """The latest public records of an item (home page)."""
    records = _public(as_of).filter(item__code=item_code).order_by("-decision_date", "-id")[:limit]
    return [record_row(r) for r in records]


def disclosure_kinds(item_code: str) -> list[str]:
    """Values of 许可类别 / 处罚类别 from the item's newest version (filter options)."""
    version = CatalogItemVersion.objects.filter(item__code=item_code).order_by("-number").first()
    if version is None:
        return []
    code_list = "penalty_kind" if item_code == PENALTY else "license_kind"
    entries = (version.code_lists or {}).get(code_list, {}).get("entries", [])
    return [e["value"] for e in entries if isinstance(e, dict) and e.get("value")]


def disclosure_departments() -> QuerySet[Department]:
    return Department.objects.filter(is_active=True).order_by("code")


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
    """One page of the public licences or penalties (双公示), newest decision first, filtered."""
    records = _public(as_of).filter(item__code=item_code)
    if department is not None:
        records = records.filter(department=department)
    if date_from is not None:
        records = records.filter(decision_date__gte=date_from)
    if date_to is not None:
        records = records.filter(decision_date__lte=date_to)
    if kind:
        version = CatalogItemVersion.objects.filter(item__code=item_code).order_by("-number").first()
        if item_code == PENALTY:
            code = (version.core_fields or {}).get("penalty_kinds") if version else None
            lookup = "icontains"  # several kinds in one cell, joined
        else:
            code = _code_list_field(version, "license_kind") if version else None
            lookup = "exact"
        if code:
            records = records.filter(**{f"current_version__fields__{code}__{lookup}": kind})
    rows, has_next = slice_of(records.order_by("-decision_date", "-id"), page=page, page_size=page_size)
    return Slice([record_row(r) for r in rows], max(1, min(page, MAX_PAGE)), page_size, has_next)


def portal_list(*, public_list: PublicList, as_of: dt.date, page: int = 1, page_size: int = 20) -> Slice:
    """One page of a red / black / abnormal-operations list, newest decision first, with the list's total
    (lists are counted: they hold thousands of entries, not the millions of 双公示 records)."""
    records = _public(as_of).filter(item__category=public_list.category)
    rows, has_next = slice_of(records.order_by("-decision_date", "-id"), page=page, page_size=page_size)
    return Slice(
        [record_row(r) for r in rows],
        max(1, min(page, MAX_PAGE)),
        page_size,
        has_next,
        total=records.order_by().count(),
    )


def subjects_with_public_records(subject_ids: Iterable[int], *, as_of: dt.date) -> set[int]:
    """Which of these subjects have at least one public record on ``as_of``."""
    ids = list(subject_ids)
    if not ids:
        return set()
    public = records_public(as_of=as_of).filter(subject_id=OuterRef("pk"))
    return set(Subject.objects.filter(pk__in=ids).filter(Exists(public)).values_list("pk", flat=True))
