"""Reads of the catalog: current versions, header lookup for column mapping, code lists, rule sets in force."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from xinyong.accounts.models import Department
from xinyong.catalog.errors import RuleSetNotFound
from xinyong.catalog.models import CatalogItem, CatalogItemVersion, CodeList, RuleSet
from xinyong.catalog.spec import CodeListView, ItemSchema, normalize_header

DEFAULT_RULE_SET_FAMILY = "disclosure"


# ---------------------------------------------------------------------------------------------------
# Items and versions


def catalog_item_current_version(*, code: str, on: dt.date | None = None) -> CatalogItemVersion:
    """The current version of item ``code``: the highest-numbered one (with ``on``: the highest valid on that day).

    Raises ``CatalogItemVersion.DoesNotExist`` (with a zh-hans message) when there is none.
    """
    qs = CatalogItemVersion.objects.select_related("item").filter(item__code=code)
    if on is not None:
        qs = qs.filter(valid_from__lte=on)
    version = qs.order_by("-number").first()
    if version is None:
        when = f"在 {on} 生效的" if on else ""
        raise CatalogItemVersion.DoesNotExist(
            f"信用信息目录中没有代码为“{code}”的{when}目录项版本，请先执行 xinyong catalog load"
        )
    return version


def catalog_item_unknown_error(*, code: str, on: dt.date | None = None) -> tuple[str, str]:
    """(error code, zh-hans message) for an item code with no version in force on ``on``, saying what to do.

    ``item_unknown`` lists the item codes that exist; ``item_not_in_force`` names the day the item takes
    effect when ``on`` is before its first version.
    """
    first = (
        CatalogItemVersion.objects.filter(item__code=code, item__is_active=True)
        .select_related("item")
        .order_by("valid_from")
        .first()
    )
    if first is not None and on is not None and on < first.valid_from:
        return (
            "item_not_in_force",
            f"目录项“{first.item.name}”（{code}）自 {first.valid_from} 起施行，{on} 尚无有效版本；"
            "请核对校验基准日（as-of）或记录的接收日期",
        )
    known = [
        f"{item.code}（{item.name}）"
        for item in catalog_items_active().filter(versions__isnull=False).distinct()
    ]
    if not known:
        return (
            "item_unknown",
            "信用信息目录还是空的：请先执行 xinyong catalog load 载入目录（新库执行 xinyong migrate 时会自动载入）",
        )
    return (
        "item_unknown",
        f"信用信息目录中没有代码为“{code}”的目录项；请使用以下目录项代码之一：{'、'.join(known)}",
    )


def catalog_items_active() -> QuerySet[CatalogItem]:
    """Active catalog items, by code."""
    return CatalogItem.objects.filter(is_active=True).order_by("code")


_SCHEMA_CACHE: dict[tuple, ItemSchema] = {}
_SCHEMA_CACHE_SIZE = 256


def catalog_version_schema(*, version: CatalogItemVersion) -> ItemSchema:
    """Typed view of a version (FieldSpecs, embedded code lists, header lookups, required-field checks)."""
    if version.pk is None:
        return version.schema()
    # Versions are immutable, so the key identifies the content; the hash and item guard against a reused
    # primary key (SQLite reuses ids after a rolled-back transaction).
    key = (version.pk, version.item_id, version.number, version.content_hash)
    schema = _SCHEMA_CACHE.get(key)
    if schema is None:
        if len(_SCHEMA_CACHE) >= _SCHEMA_CACHE_SIZE:
            _SCHEMA_CACHE.clear()
        schema = _SCHEMA_CACHE[key] = version.schema()
    return schema


def catalog_header_index(*, version: CatalogItemVersion) -> dict[str, str]:
    """Normalised header → canonical field code, for every accepted header of the version.

    Accepted headers are each field's column code, Chinese name, synonyms and legacy (2016) codes; keys
    are normalised with :func:`xinyong.catalog.spec.normalize_header` (strip, full-width → half-width,
    upper-case, spaces and punctuation such as （）() ：* removed). Look a raw header up with
    ``index.get(normalize_header(raw))`` or use :func:`catalog_resolve_header`.
    """
    return catalog_version_schema(version=version).header_index()


def catalog_resolve_header(*, version: CatalogItemVersion, header: str) -> str | None:
    """The canonical field code for a raw column header, or None when the catalog does not know it."""
    return catalog_header_index(version=version).get(normalize_header(header))


def catalog_legacy_headers(*, version: CatalogItemVersion) -> dict[str, str]:
    """Normalised legacy (2016) column code → canonical field code (legacy cell values apply to these)."""
    return catalog_version_schema(version=version).legacy_headers()


def catalog_ignored_headers(*, version: CatalogItemVersion) -> dict[str, str]:
    """Normalised header of a known legacy column that is deliberately not stored → the reason (zh-hans)."""
    return catalog_version_schema(version=version).ignored_headers()


def catalog_version_source_departments(*, version: CatalogItemVersion) -> QuerySet[Department]:
    """The departments named by the version's source department codes."""
    return Department.objects.filter(code__in=version.source_departments)


def catalog_version_unknown_departments(*, version: CatalogItemVersion) -> list[str]:
    """Source department codes of the version that match no department yet."""
    known = set(catalog_version_source_departments(version=version).values_list("code", flat=True))
    return [c for c in version.source_departments if c not in known]


def catalog_versions_using_code_list(*, code: str) -> list[CatalogItemVersion]:
    """The current version of every item that embeds code list ``code``."""
    out = []
    for item in CatalogItem.objects.order_by("code"):
        latest = item.versions.order_by("-number").first()
        if latest is not None and code in latest.code_lists:
            out.append(latest)
    return out


# ---------------------------------------------------------------------------------------------------
# Code lists


def code_list_view(*, code: str) -> CodeListView:
    """The stored code list ``code`` as a typed view (raises CodeList.DoesNotExist)."""
    cl = CodeList.objects.get(code=code)
    return CodeListView.build(cl.code, cl.name, cl.entries)


# ---------------------------------------------------------------------------------------------------
# Rule sets


def rule_set_current(*, code: str) -> RuleSet:
    """The latest version of rule set ``code`` (raises RuleSetNotFound)."""
    rs = RuleSet.objects.filter(code=code).order_by("-version").first()
    if rs is None:
        raise RuleSetNotFound(f"规则集“{code}”不存在，请先执行 xinyong catalog load")
    return rs


def rule_sets_current(*, family: str | None = None) -> list[RuleSet]:
    """The latest version of every rule set (of one family), ordered by date in force."""
    qs = RuleSet.objects.order_by("code", "-version")
    if family is not None:
        qs = qs.filter(family=family)
    latest: dict[str, RuleSet] = {}
    for rs in qs:
        latest.setdefault(rs.code, rs)
    return sorted(latest.values(), key=lambda r: r.in_force_from)


def rule_set_in_force(*, on: dt.date, family: str = DEFAULT_RULE_SET_FAMILY, strict: bool = False) -> RuleSet:
    """The rule set in force on ``on`` (a decision date), from the latest version of each rule set of ``family``.

    ``in_force_to`` is inclusive. A date before the earliest rule set falls back to the earliest one (发改办财金
    〔2019〕527号 applied its periods to penalties already published when it took effect), unless ``strict``.
    A date in a gap between rule sets, or a family without rule sets, raises RuleSetNotFound.
    """
    sets = rule_sets_current(family=family)
    if not sets:
        raise RuleSetNotFound(f"没有“{family}”系列的公示期限规则集，请先执行 xinyong catalog load")
    for rs in sets:
        if rs.covers(on):
            return rs
    earliest = sets[0]
    if on < earliest.in_force_from and not strict:
        return earliest
    if on < earliest.in_force_from:
        raise RuleSetNotFound(
            f"{on} 早于最早的公示期限规则集（{earliest.name}，{earliest.in_force_from} 起施行）"
        )
    raise RuleSetNotFound(f"{on} 没有施行中的公示期限规则集；请在管理控制台补充该期间的规则集")


def catalog_rule_set_for(*, version: CatalogItemVersion, decision_date: dt.date) -> RuleSet | None:
    """The rule set governing a record of ``version`` decided on ``decision_date`` (None: no publication window).

    The version names a rule set by code; the record is governed by whichever rule set of that rule set's
    family was in force on its decision date (docs/publication-rules.md).
    """
    if not version.rule_set_code:
        return None
    family = rule_set_current(code=version.rule_set_code).family
    return rule_set_in_force(on=decision_date, family=family)
