"""Writes of the catalog: loading YAML fixtures and creating new versions of items, code lists and rule sets.

Loading is idempotent: content is compared by hash, so loading the same files twice creates nothing, and a
changed file creates a new version of the changed item only. Nothing is written when any file has an
error (every error of every file is reported at once).

A fresh database gets its catalog from ``xinyong catalog load`` (the demo command calls the same service);
there is deliberately no ``post_migrate`` hook, so that migrating never changes reference data behind an
operator's back and test databases start empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone

from xinyong.accounts.services import audit_log
from xinyong.catalog.errors import CatalogFixtureError, FixtureIssue
from xinyong.catalog.models import (
    CatalogCategory,
    CatalogItem,
    CatalogItemVersion,
    CodeList,
    DisclosureScope,
    Polarity,
    RuleSet,
    SeverityTier,
)
from xinyong.catalog.validation import (
    PENALTY_KIND_CODE_LIST,
    SEVERITY_CODE_LIST,
    CodeListSpec,
    ItemSpec,
    RuleSetSpec,
    rule_set_overlap_issues,
    validate_code_list,
    validate_item,
    validate_rule_set,
    version_hash,
)
from xinyong.core.codes import SubjectKind

DEFAULT_FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
TOP_LEVEL_KEYS = ("code_lists", "rule_sets", "items")
SUBJECT_KIND_CODE_LIST = "subject_kind"

ITEM_CHOICES = {
    "category": CatalogCategory.values,
    "disclosure_scope": DisclosureScope.values,
    "polarity": Polarity.values,
    "severity": SeverityTier.values,
}


@dataclass
class FixtureBundle:
    """Validated content of one or more fixture files."""

    files: list[str] = field(default_factory=list)
    code_lists: dict[str, CodeListSpec] = field(default_factory=dict)
    rule_sets: dict[str, RuleSetSpec] = field(default_factory=dict)
    items: dict[str, ItemSpec] = field(default_factory=dict)


@dataclass
class LoadReport:
    """What a load did; empty lists everywhere except ``*_unchanged`` means nothing changed."""

    items_created: list[str] = field(default_factory=list)
    items_updated: list[str] = field(default_factory=list)
    versions_created: list[CatalogItemVersion] = field(default_factory=list)
    items_unchanged: list[str] = field(default_factory=list)
    code_lists_created: list[str] = field(default_factory=list)
    code_lists_updated: list[str] = field(default_factory=list)
    code_lists_unchanged: list[str] = field(default_factory=list)
    rule_sets_created: list[RuleSet] = field(default_factory=list)
    rule_sets_unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.items_created
            or self.items_updated
            or self.versions_created
            or self.code_lists_created
            or self.code_lists_updated
            or self.rule_sets_created
        )

    def summary(self) -> str:
        """A zh-hans summary for the command line."""
        versions = "、".join(f"{v.item.code} v{v.number}" for v in self.versions_created) or "无"
        rule_sets = "、".join(f"{r.code} v{r.version}" for r in self.rule_sets_created) or "无"
        return (
            f"新建目录项 {len(self.items_created)} 个，新建目录项版本 {len(self.versions_created)} 个（{versions}），"
            f"未变化 {len(self.items_unchanged)} 个；"
            f"码表新建 {len(self.code_lists_created)} 个、更新 {len(self.code_lists_updated)} 个、"
            f"未变化 {len(self.code_lists_unchanged)} 个；"
            f"规则集新版本 {len(self.rule_sets_created)} 个（{rule_sets}），未变化 {len(self.rule_sets_unchanged)} 个"
        )


# ---------------------------------------------------------------------------------------------------
# Reading and validating fixture files


def _fixture_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    return [path]


def _display_name(file: Path, base: Path) -> str:
    try:
        return str(file.relative_to(base if base.is_dir() else base.parent))
    except ValueError:
        return str(file)


def _read_yaml(file: Path, name: str, issues: list[FixtureIssue]) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else ""
        issues.append(
            FixtureIssue("yaml_syntax", f"YAML 格式错误{where}：{getattr(exc, 'problem', exc)}", file=name)
        )
        return None
    except (OSError, UnicodeDecodeError) as exc:
        issues.append(
            FixtureIssue("fixture_unreadable", f"无法读取文件（需为 UTF-8 编码）：{exc}", file=name)
        )
        return None
    if data is None:
        return {}
    if not isinstance(data, dict):
        issues.append(
            FixtureIssue(
                "invalid_fixture", "文件顶层必须是映射，包含 code_lists、rule_sets 或 items", file=name
            )
        )
        return None
    unknown = sorted(set(data) - set(TOP_LEVEL_KEYS))
    if unknown:
        issues.append(
            FixtureIssue(
                "unknown_key",
                f"文件顶层有未知的键：{', '.join(map(str, unknown))}；只允许 code_lists、rule_sets、items",
                file=name,
            )
        )
    for key in TOP_LEVEL_KEYS:
        if key in data and not isinstance(data[key], list):
            issues.append(FixtureIssue("invalid_fixture", f"{key} 必须是列表", file=name))
            data[key] = []
    return data


def _db_code_lists() -> dict[str, dict[str, Any]]:
    return {cl.code: cl.snapshot() for cl in CodeList.objects.all()}


def _latest_rule_sets() -> dict[str, RuleSet]:
    latest: dict[str, RuleSet] = {}
    for rs in RuleSet.objects.order_by("code", "-version"):
        latest.setdefault(rs.code, rs)
    return latest


def _code_list_consistency(spec: CodeListSpec) -> list[FixtureIssue]:
    """Code lists that stand for code-level choices must use exactly those choices' values as codes."""
    expected = {SUBJECT_KIND_CODE_LIST: set(SubjectKind.values), SEVERITY_CODE_LIST: set(SeverityTier.values)}
    if spec.code not in expected:
        return []
    codes = {e["code"] for e in spec.entries}
    if codes != expected[spec.code]:
        return [
            FixtureIssue(
                "invalid_code_list_entry",
                f"码表 {spec.code} 的 code 必须恰好是 {'/'.join(sorted(expected[spec.code]))}",
                file=spec.file,
                item=f"码表 {spec.code}",
            )
        ]
    return []


def catalog_check_fixtures(*, path: str | Path | None = None) -> FixtureBundle:
    """Read and validate fixture files (a file or a directory); raise CatalogFixtureError listing every issue."""
    base = Path(path) if path is not None else DEFAULT_FIXTURES_DIR
    issues: list[FixtureIssue] = []
    if not base.exists():
        raise CatalogFixtureError([FixtureIssue("fixture_not_found", f"找不到目录文件或目录：{base}")])
    files = _fixture_files(base)
    if not files:
        raise CatalogFixtureError([FixtureIssue("fixture_not_found", f"目录 {base} 中没有 .yaml 文件")])
    bundle = FixtureBundle()
    raw: list[tuple[str, dict[str, Any]]] = []
    for file in files:
        name = _display_name(file, base)
        bundle.files.append(name)
        data = _read_yaml(file, name, issues)
        if data is not None:
            raw.append((name, data))

    for name, data in raw:
        for entry in data.get("code_lists") or []:
            spec, found = validate_code_list(entry, file=name)
            issues += found
            if spec is None:
                continue
            if spec.code in bundle.code_lists:
                issues.append(
                    FixtureIssue(
                        "duplicate_code_list", f"码表 {spec.code} 在多个文件中定义", file=name, item=spec.code
                    )
                )
            issues += _code_list_consistency(spec)
            bundle.code_lists[spec.code] = spec

    code_lists = {**_db_code_lists(), **{c: s.snapshot for c, s in bundle.code_lists.items()}}
    penalty_kinds = (
        [e["value"] for e in code_lists[PENALTY_KIND_CODE_LIST]["entries"]]
        if PENALTY_KIND_CODE_LIST in code_lists
        else None
    )
    for name, data in raw:
        for entry in data.get("rule_sets") or []:
            spec, found = validate_rule_set(
                entry, file=name, tiers=SeverityTier.values, penalty_kinds=penalty_kinds
            )
            issues += found
            if spec is None:
                continue
            if spec.code in bundle.rule_sets:
                issues.append(
                    FixtureIssue(
                        "duplicate_rule_set", f"规则集 {spec.code} 重复定义", file=name, item=spec.code
                    )
                )
            bundle.rule_sets[spec.code] = spec
    db_rule_sets = _latest_rule_sets()
    issues += rule_set_overlap_issues(
        [*bundle.rule_sets.values(), *(rs for c, rs in db_rule_sets.items() if c not in bundle.rule_sets)]
    )

    rule_set_codes = set(db_rule_sets) | set(bundle.rule_sets)
    for name, data in raw:
        for entry in data.get("items") or []:
            spec, found = validate_item(
                entry,
                file=name,
                code_lists=code_lists,
                rule_sets=rule_set_codes,
                subject_kinds=SubjectKind.values,
                choices=ITEM_CHOICES,
            )
            issues += found
            if spec is None:
                continue
            if spec.code in bundle.items:
                issues.append(
                    FixtureIssue("duplicate_item", f"目录项 {spec.code} 重复定义", file=name, item=spec.code)
                )
            bundle.items[spec.code] = spec

    if issues:
        raise CatalogFixtureError(issues)
    return bundle


# ---------------------------------------------------------------------------------------------------
# Writing


def _snapshot(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The code lists a version's fields use, as stored now."""
    codes = sorted({f["code_list"] for f in payload["fields"] if f.get("code_list")})
    return {cl.code: cl.snapshot() for cl in CodeList.objects.filter(code__in=codes).order_by("code")}


def _payload_of(version: CatalogItemVersion) -> dict[str, Any]:
    return {
        "subject_kinds": version.subject_kinds,
        "source_departments": version.source_departments,
        "legal_basis": version.legal_basis,
        "disclosure_scope": version.disclosure_scope,
        "natural_person_scope": version.natural_person_scope,
        "polarity": version.polarity,
        "rule_set": version.rule_set_code,
        "severity_rules": version.severity_rules,
        "core_fields": version.core_fields,
        "legacy_defaults": version.legacy_defaults,
        "ignored_legacy_columns": version.ignored_legacy_columns,
        "fields": version.fields,
    }


def catalog_version_payload(*, version: CatalogItemVersion) -> dict[str, Any]:
    """The editable content of a version, in the same shape as a fixture item (without metadata)."""
    return _payload_of(version)


def _latest_version(item: CatalogItem) -> CatalogItemVersion | None:
    return item.versions.order_by("-number").first()


def _create_version(
    *,
    item: CatalogItem,
    payload: Mapping[str, Any],
    valid_from: dt.date,
    change_note: str,
    actor: Any,
) -> CatalogItemVersion | None:
    """Append a version unless the content equals the latest one; returns the new version or None."""
    CatalogItem.objects.select_for_update().filter(pk=item.pk).first()  # serialise numbering per item
    snapshot = _snapshot(payload)
    digest = version_hash(payload, snapshot)
    latest = _latest_version(item)
    if latest is not None and latest.content_hash == digest:
        return None
    version = CatalogItemVersion(
        item=item,
        number=(latest.number + 1) if latest else 1,
        valid_from=valid_from,
        fields=payload["fields"],
        code_lists=snapshot,
        subject_kinds=payload["subject_kinds"],
        source_departments=payload["source_departments"],
        legal_basis=payload["legal_basis"],
        disclosure_scope=payload["disclosure_scope"],
        natural_person_scope=payload["natural_person_scope"],
        polarity=payload["polarity"],
        rule_set_code=payload["rule_set"],
        severity_rules=payload["severity_rules"],
        core_fields=payload["core_fields"],
        legacy_defaults=payload["legacy_defaults"],
        ignored_legacy_columns=payload["ignored_legacy_columns"],
        content_hash=digest,
        change_note=change_note,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    version.save()
    audit_log(
        actor=actor,
        action="catalog_version_create",
        obj=version,
        detail={
            "item": item.code,
            "number": version.number,
            "previous": latest.number if latest else None,
            "fields": len(version.fields),
            "note": change_note[:200],
        },
    )
    return version


def _upsert_item_meta(*, spec: ItemSpec, actor: Any, report: LoadReport | None) -> CatalogItem:
    item = CatalogItem.objects.filter(code=spec.code).first()
    if item is None:
        item = CatalogItem.objects.create(
            code=spec.code, name=spec.name, category=spec.category, description=spec.description
        )
        audit_log(
            actor=actor, action="catalog_item_create", obj=item, detail={"code": item.code, "name": item.name}
        )
        if report is not None:
            report.items_created.append(item.code)
        return item
    changes = {
        k: v
        for k, v in (("name", spec.name), ("category", spec.category), ("description", spec.description))
        if getattr(item, k) != v
    }
    if changes:
        for k, v in changes.items():
            setattr(item, k, v)
        item.save(update_fields=list(changes))
        audit_log(actor=actor, action="catalog_item_update", obj=item, detail=changes)
        if report is not None:
            report.items_updated.append(item.code)
    return item


def _save_code_list(*, spec: CodeListSpec, actor: Any, as_of: dt.date) -> str:
    """Create or update a code list; returns "created", "updated" or "unchanged"."""
    current = CodeList.objects.filter(code=spec.code).first()
    if current is not None and current.content_hash == spec.hash:
        return "unchanged"
    if current is None:
        current = CodeList(code=spec.code)
        outcome = "created"
    else:
        outcome = "updated"
    current.name, current.description, current.entries = spec.name, spec.description, spec.entries
    current.content_hash = spec.hash
    current.updated_at = timezone.now()
    current.save()
    audit_log(
        actor=actor,
        action=f"code_list_{'create' if outcome == 'created' else 'update'}",
        obj=current,
        detail={"code": current.code, "entries": len(current.entries), "as_of": as_of.isoformat()},
    )
    return outcome


def _propagate_code_lists(
    *, codes: set[str], skip_items: set[str], actor: Any, as_of: dt.date
) -> list[CatalogItemVersion]:
    """New versions for items whose latest version embeds one of the changed code lists."""
    created: list[CatalogItemVersion] = []
    if not codes:
        return created
    for item in CatalogItem.objects.exclude(code__in=skip_items).order_by("code"):
        latest = _latest_version(item)
        if latest is None or not set(latest.code_lists) & codes:
            continue
        names = "、".join(sorted(set(latest.code_lists) & codes))
        version = _create_version(
            item=item,
            payload=_payload_of(latest),
            valid_from=as_of,
            change_note=f"码表 {names} 已更新，随之生成新版本",
            actor=actor,
        )
        if version is not None:
            created.append(version)
    return created


def _save_rule_set(*, spec: RuleSetSpec, actor: Any) -> RuleSet | None:
    latest = RuleSet.objects.filter(code=spec.code).order_by("-version").first()
    if latest is not None and latest.content_hash == spec.hash:
        return None
    rs = RuleSet(
        code=spec.code,
        version=(latest.version + 1) if latest else 1,
        family=spec.family,
        name=spec.name,
        in_force_from=spec.in_force_from,
        in_force_to=spec.in_force_to,
        legal_basis=spec.legal_basis,
        rules=spec.rules,
        content_hash=spec.hash,
        change_note=spec.change_note or ("初始版本" if latest is None else "更新"),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    rs.save()
    audit_log(
        actor=actor,
        action="rule_set_version_create",
        obj=rs,
        detail={"code": rs.code, "version": rs.version, "previous": latest.version if latest else None},
    )
    return rs


def _fixture_valid_from(*, spec: ItemSpec, latest: CatalogItemVersion | None, as_of: dt.date) -> dt.date:
    """The date a version loaded from a fixture is in force from.

    A fixture's ``valid_from`` is the day the legal basis of that content took effect: it dates the item's
    first version, and a later version when it names a later day (new law). Content changed without a new
    date (a synonym added, say) takes effect on the load day (``as_of``).
    """
    if spec.valid_from is None:
        return as_of
    if latest is None or spec.valid_from > latest.valid_from:
        return spec.valid_from
    return as_of


def _backdate_first_version(*, spec: ItemSpec, latest: CatalogItemVersion | None, actor: Any) -> None:
    """Give a first version dated by its load day the legal date its (unchanged) fixture now carries.

    Catalogs loaded before fixtures carried dates were in force only from the load day, so files checked
    ``--as-of`` an earlier day found no item. Moving an only version's start earlier changes no record:
    none can have been validated on a day before it.
    """
    if (
        latest is None
        or latest.number != 1
        or spec.valid_from is None
        or spec.valid_from >= latest.valid_from
        or latest.content_hash != version_hash(spec.payload, _snapshot(spec.payload))
    ):
        return
    CatalogItemVersion.objects.filter(pk=latest.pk).update(valid_from=spec.valid_from)
    audit_log(
        actor=actor,
        action="catalog_version_backdate",
        obj=latest,
        detail={"item": latest.item.code, "from": latest.valid_from, "to": spec.valid_from},
    )


def _missing_only(bundle: FixtureBundle) -> FixtureBundle:
    """``bundle`` without the code lists and rule sets the database already has."""
    known_lists = set(CodeList.objects.values_list("code", flat=True))
    known_rule_sets = set(RuleSet.objects.values_list("code", flat=True))
    return replace(
        bundle,
        code_lists={c: s for c, s in bundle.code_lists.items() if c not in known_lists},
        rule_sets={c: s for c, s in bundle.rule_sets.items() if c not in known_rule_sets},
    )


def catalog_load_fixtures(
    *, path: str | Path | None = None, as_of: dt.date, actor: Any = None, only_missing: bool = False
) -> LoadReport:
    """Load catalog fixtures idempotently: new items, versions, code lists and rule sets only where content changed.

    With ``only_missing`` (what ``migrate`` does) only items, code lists and rule sets the database does not
    have yet are loaded: an operator's edits are never replaced by the shipped content behind their back.
    """
    bundle = catalog_check_fixtures(path=path)
    report = LoadReport()
    if only_missing:
        bundle = _missing_only(bundle)
    with transaction.atomic():
        changed_lists: set[str] = set()
        for spec in bundle.code_lists.values():
            outcome = _save_code_list(spec=spec, actor=actor, as_of=as_of)
            getattr(report, f"code_lists_{outcome}").append(spec.code)
            if outcome == "updated":
                changed_lists.add(spec.code)

        for spec in bundle.rule_sets.values():
            rs = _save_rule_set(spec=spec, actor=actor)
            if rs is None:
                report.rule_sets_unchanged.append(spec.code)
            else:
                report.rule_sets_created.append(rs)

        for spec in bundle.items.values():
            if only_missing and CatalogItemVersion.objects.filter(item__code=spec.code).exists():
                item = CatalogItem.objects.get(code=spec.code)
                _backdate_first_version(spec=spec, latest=_latest_version(item), actor=actor)
                report.items_unchanged.append(spec.code)
                continue
            item = _upsert_item_meta(spec=spec, actor=actor, report=report)
            latest = _latest_version(item)
            note = spec.change_note or (f"从 {spec.file} 载入" if latest is None else f"从 {spec.file} 更新")
            version = _create_version(
                item=item,
                payload=spec.payload,
                valid_from=_fixture_valid_from(spec=spec, latest=latest, as_of=as_of),
                change_note=note,
                actor=actor,
            )
            if version is None:
                report.items_unchanged.append(item.code)
                _backdate_first_version(spec=spec, latest=latest, actor=actor)
            else:
                report.versions_created.append(version)

        report.versions_created += _propagate_code_lists(
            codes=changed_lists, skip_items=set(bundle.items), actor=actor, as_of=as_of
        )
    return report


# ---------------------------------------------------------------------------------------------------
# Operator edits (admin)


def _item_issues_from_db(
    payload: Mapping[str, Any], *, item_code: str
) -> tuple[ItemSpec | None, list[FixtureIssue]]:
    return validate_item(
        payload,
        code_lists=_db_code_lists(),
        rule_sets=set(_latest_rule_sets()),
        subject_kinds=SubjectKind.values,
        choices=ITEM_CHOICES,
        meta=False,
        item_code=item_code,
    )


def catalog_item_validate_payload(*, payload: Mapping[str, Any], item_code: str) -> dict[str, Any]:
    """Validate an edited version payload against the stored code lists and rule sets; return it normalised."""
    spec, issues = _item_issues_from_db(payload, item_code=item_code)
    if issues:
        raise CatalogFixtureError(issues)
    return spec.payload


def catalog_item_save(
    *,
    code: str,
    name: str,
    category: str,
    payload: Mapping[str, Any],
    actor: Any,
    as_of: dt.date,
    description: str = "",
    is_active: bool = True,
    change_note: str = "",
    valid_from: dt.date | None = None,
) -> tuple[CatalogItem, CatalogItemVersion | None]:
    """Create or edit a catalog item; a changed payload becomes a new version (None when the content is unchanged)."""
    spec, issues = _item_issues_from_db(payload, item_code=code)
    if category not in CatalogCategory.values:
        issues.append(FixtureIssue("invalid_category", "信息类别不正确", item=code))
    if issues:
        raise CatalogFixtureError(issues)
    with transaction.atomic():
        item = _upsert_item_meta(
            spec=ItemSpec(
                code=code,
                name=name.strip(),
                category=category,
                description=description.strip(),
                valid_from=valid_from,
                change_note=change_note,
                payload=spec.payload,
            ),
            actor=actor,
            report=None,
        )
        if item.is_active != is_active:
            item.is_active = is_active
            item.save(update_fields=["is_active"])
            audit_log(actor=actor, action="catalog_item_update", obj=item, detail={"is_active": is_active})
        version = _create_version(
            item=item,
            payload=spec.payload,
            valid_from=valid_from or as_of,
            change_note=change_note.strip() or "在管理控制台中编辑",
            actor=actor,
        )
    return item, version


def code_list_check(*, code: str, name: str, entries: Any, description: str = "") -> CodeListSpec:
    """Validate a code list as edited by an operator; raise CatalogFixtureError listing every issue."""
    spec, issues = validate_code_list(
        {"code": code, "name": name, "description": description, "entries": entries}
    )
    if spec is not None:
        issues += _code_list_consistency(spec)
    if issues:
        raise CatalogFixtureError(issues)
    return spec


def code_list_save(
    *,
    code: str,
    name: str,
    entries: list[dict[str, Any]],
    actor: Any,
    as_of: dt.date,
    description: str = "",
) -> tuple[CodeList, list[CatalogItemVersion]]:
    """Create or update a code list; items whose current version uses it get a new version."""
    spec = code_list_check(code=code, name=name, description=description, entries=entries)
    with transaction.atomic():
        outcome = _save_code_list(spec=spec, actor=actor, as_of=as_of)
        versions = (
            _propagate_code_lists(codes={code}, skip_items=set(), actor=actor, as_of=as_of)
            if outcome == "updated"
            else []
        )
    return CodeList.objects.get(code=code), versions


def rule_set_save(*, data: Mapping[str, Any], actor: Any) -> RuleSet | None:
    """Create a new version of a rule set (or its first); None when the content equals the current version."""
    spec = rule_set_check(data=data)
    with transaction.atomic():
        return _save_rule_set(spec=spec, actor=actor)


def rule_set_check(*, data: Mapping[str, Any]) -> RuleSetSpec:
    """Validate a rule set as edited by an operator (including overlaps with the other rule sets of its family)."""
    lists = _db_code_lists()
    penalty_kinds = (
        [e["value"] for e in lists[PENALTY_KIND_CODE_LIST]["entries"]]
        if PENALTY_KIND_CODE_LIST in lists
        else None
    )
    spec, issues = validate_rule_set(data, tiers=SeverityTier.values, penalty_kinds=penalty_kinds)
    if spec is not None:
        others = [rs for c, rs in _latest_rule_sets().items() if c != spec.code]
        issues += rule_set_overlap_issues([spec, *others])
    if issues:
        raise CatalogFixtureError(issues)
    return spec
