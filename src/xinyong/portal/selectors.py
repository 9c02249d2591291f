"""Reads of the public portal (信用网站) and its API: search, the records of subject pages, 双公示 and list pages.

Every record comes from ``records.selectors.records_public(as_of=...)`` — the one definition of what is public
on a day; nothing here decides visibility. How the records are shown to the public is ``portal.presenters``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from xinyong.accounts.models import Department
from xinyong.catalog.models import CatalogCategory, CatalogItemVersion
from xinyong.core.codes import SubjectKind
from xinyong.lists.models import ListColour, ListEntry, ListType
from xinyong.lists.selectors import list_entries_find, list_types_active
from xinyong.records.models import CreditRecord
from xinyong.records.selectors import records_public
from xinyong.subjects.models import AliasKind, LinkedPerson, Subject, SubjectAlias
from xinyong.subjects.search import SubjectHit, subject_search

LICENSE = "license"

PENALTY = "penalty"


@dataclass(frozen=True)
class PublicList:
    """A public list page: which catalog category feeds it, and how it is called."""

    slug: str
    title: str
    category: str
    description: str
    # Which list entries the page shows (docs/lists.md): by colour, and the list types of one catalog item
    # (经营异常名录) on their own page.
    colour: str = ""
    item_code: str = ""
    exclude_item_code: str = ""


PUBLIC_LISTS: dict[str, PublicList] = {
    "red": PublicList(
        "red",
        "红名单",
        CatalogCategory.HONOUR,
        "各级人民政府及其部门依法认定的守信激励对象和诚实守信相关荣誉，对列入主体实施守信联合激励措施。",
        colour=ListColour.RED,
    ),
    "black": PublicList(
        "black",
        "黑名单",
        CatalogCategory.SERIOUS_DISHONESTY,
        "依据具有法律效力的文书认定的严重失信主体名单，对列入主体依法实施失信联合惩戒措施。",
        colour=ListColour.BLACK,
        exclude_item_code="abnormal_operations",
    ),
    "abnormal": PublicList(
        "abnormal",
        "经营异常名录",
        CatalogCategory.ABNORMAL,
        "市场监督管理部门依法列入经营异常名录（个体工商户标记为经营异常状态）的市场主体。",
        item_code="abnormal_operations",
    ),
}

# Pages without a total count: lists of millions of records page by "next" and never count them.
MAX_PAGE = 500

# A subject page shows at most this many public records, newest first (a credit report lists them all).
SUBJECT_RECORDS = 200
# How many linked persons a subject page names as its legal representatives (负责人).
REPRESENTATIVES = 3


@dataclass
class RecordPage:
    """One page of public records: the records, the page number, whether there is a next page; ``total``
    where the list is counted."""

    records: list[CreditRecord]
    number: int
    page_size: int
    has_next: bool
    total: int | None = None


def field_specs(*, version: CatalogItemVersion) -> list[dict]:
    """The version's field specs that have a code (the catalog's order)."""
    return [spec for spec in (version.fields or []) if isinstance(spec, dict) and spec.get("code")]


def code_list_field(*, version: CatalogItemVersion, code_list: str) -> str | None:
    """The code of the version's field that takes its values from ``code_list``."""
    for spec in field_specs(version=version):
        if spec.get("code_list") == code_list:
            return spec["code"]
    return None


def _public(as_of: dt.date) -> QuerySet[CreditRecord]:
    return records_public(as_of=as_of).select_related(
        "item", "item_version", "department", "subject", "current_version"
    )


def _page_of(queryset: QuerySet, *, page: int, page_size: int) -> RecordPage:
    number = max(1, min(page, MAX_PAGE))
    start = (number - 1) * page_size
    rows = list(queryset[start : start + page_size + 1])
    return RecordPage(rows[:page_size], number, page_size, len(rows) > page_size)


def portal_search(*, query: str, as_of: dt.date, limit: int = 100) -> list[SubjectHit]:
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


def portal_public_record_counts(*, subject_ids: list[int], as_of: dt.date) -> dict[int, int]:
    """How many public records on ``as_of`` each of these subjects has (subjects without any left out)."""
    return dict(
        records_public(as_of=as_of)
        .filter(subject_id__in=subject_ids)
        .values_list("subject_id")
        .annotate(n=Count("id"))
        .values_list("subject_id", "n")
    )


def portal_subject_records(*, subject: Subject, as_of: dt.date) -> tuple[list[CreditRecord], bool]:
    """The subject's newest public records (at most ``SUBJECT_RECORDS``) and whether there are more."""
    records = list(
        _public(as_of).filter(subject_id=subject.pk).order_by("-decision_date", "-id")[: SUBJECT_RECORDS + 1]
    )
    return records[:SUBJECT_RECORDS], len(records) > SUBJECT_RECORDS


def portal_subject_aliases(*, subject: Subject) -> list[SubjectAlias]:
    """The subject's former names and legacy codes, oldest first."""
    return list(
        SubjectAlias.objects.filter(
            subject=subject, kind__in=(AliasKind.FORMER_NAME, AliasKind.REG_NO, AliasKind.ORG_CODE)
        ).order_by("first_seen", "id")
    )


def portal_subject_representatives(*, subject: Subject) -> list[str]:
    """Names of the subject's current linked persons (法定代表人 / 负责人), at most ``REPRESENTATIVES``."""
    return list(
        LinkedPerson.objects.filter(subject=subject, valid_to__isnull=True)
        .order_by("role", "-valid_from", "id")
        .values_list("name", flat=True)[:REPRESENTATIVES]
    )


def portal_recent_records(*, as_of: dt.date, item_code: str, limit: int = 8) -> list[CreditRecord]:
    """The latest public records of an item (home page)."""
    return list(_public(as_of).filter(item__code=item_code).order_by("-decision_date", "-id")[:limit])


def disclosure_kinds(*, item_code: str) -> list[str]:
    """Values of 许可类别 / 处罚类别 from the item's newest version (filter options)."""
    version = CatalogItemVersion.objects.filter(item__code=item_code).order_by("-number").first()
    if version is None:
        return []
    code_list = "penalty_kind" if item_code == PENALTY else "license_kind"
    entries = (version.code_lists or {}).get(code_list, {}).get("entries", [])
    return [e["value"] for e in entries if isinstance(e, dict) and e.get("value")]


def disclosure_departments() -> QuerySet[Department]:
    """The active departments, the 双公示 pages' filter options."""
    return Department.objects.filter(is_active=True).order_by("code")


def portal_disclosure_records(
    *,
    item_code: str,
    as_of: dt.date,
    department: Department | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    kind: str = "",
    page: int = 1,
    page_size: int = 20,
) -> RecordPage:
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
            code = code_list_field(version=version, code_list="license_kind") if version else None
            lookup = "exact"
        if code:
            records = records.filter(**{f"current_version__fields__{code}__{lookup}": kind})
    return _page_of(records.order_by("-decision_date", "-id"), page=page, page_size=page_size)


@dataclass
class EntryPage:
    """One page of a list's entries in force, with the list's total."""

    entries: list[ListEntry]
    number: int
    page_size: int
    has_next: bool
    total: int | None = None


def portal_list_types(*, public_list: PublicList) -> list[ListType]:
    """The list types a list page can be filtered by."""
    types = list_types_active()
    if public_list.colour:
        types = types.filter(colour=public_list.colour)
    if public_list.item_code:
        types = types.filter(item_code=public_list.item_code)
    if public_list.exclude_item_code:
        types = types.exclude(item_code=public_list.exclude_item_code)
    return list(types)


def portal_list_entries(
    *, public_list: PublicList, as_of: dt.date, page: int = 1, page_size: int = 20, list_type: str = ""
) -> EntryPage:
    """One page of a red / black / abnormal-operations list: the entries in force on ``as_of`` whose record is
    public, newest listing first, with the list's total (lists hold thousands of entries, not millions)."""
    entries = list_entries_find(
        as_of=as_of,
        colour=public_list.colour,
        item_code=public_list.item_code,
        exclude_item_code=public_list.exclude_item_code,
        list_type=list_type,
    ).filter(record_id__in=records_public(as_of=as_of).values("id"))
    entries = entries.select_related(
        "record__item",
        "record__item_version",
        "record__current_version",
        "record__subject",
        "record__department",
    )
    number = max(1, min(page, MAX_PAGE))
    start = (number - 1) * page_size
    rows = list(entries[start : start + page_size + 1])
    return EntryPage(rows[:page_size], number, page_size, len(rows) > page_size, entries.order_by().count())
