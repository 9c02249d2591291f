"""Publication windows (公示期限) of credit records (docs/publication-rules.md).

Signatures (used by the bulk loader and by ``records.services``)::

    calc = WindowCalculator.load()            # once per call site: reads the rule sets (a few rows)
    calc.window(*, item_version, decision_date, severity, fields, department_code) -> Window
    publication_window(*, item_version, decision_date, severity, fields, department_code) -> Window

``fields`` is the record's field dict (field code → value, as stored). Results are cached per distinct
input, so calling ``window`` for every row of a large load costs a few dictionary look-ups per row.

Rules, in order:

1. **Items without a rule set** (licences, honours, registrations, lists …; ``rule_set_code`` empty): published
   from the decision date while valid — until the item's ``valid_until`` field (core field role
   ``valid_until``); 2099-12-31 or later, or no value, means long-term (no end date).
2. **Rule set in force on the decision date**: the item names a rule set; the record is governed by the
   rule set of that family in force on its decision date (发改办财金〔2019〕527号 up to 2023-04-30, 令第58号
   2023-05-01 – 2026-03-31, 令第36号 from 2026-04-01; a date before the first falls back to the first). A
   family without a rule set for the date, or an unknown rule set, gives a window that is *not* published
   (negative information is never published without a legal basis); its ``rule`` says why.
3. **Tier**: the record's severity (轻微/一般/严重); blank → the item's ``severity_rules.default`` (else 一般).
   A tier marked ``published: false`` (令第36号 轻微) is not published.
4. **Sector overrides** (令第58号: 特种设备/安全生产/消防 → minimum period 1 year) replace the tier's periods
   when the record's sector is one of the override's sectors. The sector is taken from the item's
   ``sector`` core field when it has one, else from the department (setting ``XINYONG_SECTOR_DEPARTMENTS``,
   department code → sector, default 消防救援 ``fire`` → 消防, 应急管理 ``emergency`` → 安全生产), else from
   the penalty's legal basis / violation type text naming the sector (e.g. 《特种设备安全法》).
5. **Special cases per penalty kind**: a penalty kind listed in a special case's ``penalty_kinds_only`` gets
   that case's period (it only restricts: never published when the tier is not, never longer than the
   tier's maximum) when the case's other conditions hold (``source_departments``; for 罚款, the fine
   ``CF_NR_FK`` must be at most ``fine_max_wan`` — unset means the case never applies to fines). Other
   kinds get the tier's period. **Several penalty kinds → the longest period applies** (``longest_period``,
   default true): the decision is published when any kind is, until the latest end among the published
   kinds; so 警告 alone is not published (warning_only), 警告 + 罚款 follows the tier. With
   ``longest_period: false`` a special case applies only when every kind of the decision is in its list.
6. **No early stop**: when a kind is one of ``no_early_stop_kinds`` (责令停产停业, 限制开展生产经营活动, 限制从业,
   降低资质等级, 吊销许可证件), ``no_early_stop`` is set and repair cannot end publication while the penalty
   is in force: ``repair_from`` becomes the day after the penalty's ``valid_until`` (if later than the
   minimum period), or None when the penalty has no end (long-term) or lasts beyond the publication.

7. **Transition between rule sets** (``rules.applies_to``): a rule set normally governs the decisions made
   from its effective date on (``decisions_from_effective_date``). One marked ``published_on_effective_date``
   also governs every record still published (under the rule set of its decision date) on its effective
   date: the record's window is computed again under it, periods still counted from the decision date; where
   that new period has already run out, publication stops the day before the effective date. Which reading
   applies is the credit office's choice, written in the rule set with its basis (``applies_to_basis``).
8. **Required publication of an unpublished tier** (``published_where_required``; 令第36号: 轻微 is not
   published, but up to 3 months where the regulator requires it): a record of a listed source department
   or sector is published for the tier's ``max_months``.
9. **A publication end supplied by the source** (the item's ``publish_until`` core field, 公示截止期) ends
   publication earlier; it never extends it beyond the rule set's maximum. Being part of the record's fields,
   it is kept by ``xinyong publication recompute``.

Month arithmetic (民法典第二百零一、二百零二条): a period of N months counted from the decision date ends on the
day with the decision's day number N months later; when that month has no such day, on its last day
(31 January + 1 month → 28/29 February; 29 February 2024 + 12 months → 28 February 2025).

- ``publish_from`` = decision date; ``publish_until`` = end of the maximum period (inclusive: the record is
  public on that day and not on the next); no maximum → None (no end).
- ``repair_from`` = the day after the end of the minimum period (repair may be applied for from that day);
  None when the tier has no minimum period or the record is not published.
- Not published records still get ``publish_until`` (the maximum period, e.g. 3 months for a warning): a
  regulator requiring publication would publish up to then, and the record counts as expired after it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from xinyong.catalog.models import RuleSet
from xinyong.catalog.spec import APPLIES_TO_DECISIONS, APPLIES_TO_PUBLISHED, normalize_value, split_values
from xinyong.core.codes import SeverityTier
from xinyong.core.dates import DateParseError, parse_date_value

__all__ = [
    "FINE_AMOUNT_FIELD",
    "LONG_TERM",
    "SECTOR_TEXT_FIELDS",
    "Window",
    "WindowCalculator",
    "add_months",
    "period_end",
    "publication_window",
]

# "有效期至 2099/12/31" is the national template's long-term marker.
LONG_TERM = dt.date(2099, 12, 31)
# Field holding the fine in 万元 (行政处罚 template); the samr_minor special case compares it.
FINE_AMOUNT_FIELD = "CF_NR_FK"
# Fields whose text names the sector of a penalty (处罚依据, 违法行为类型).
SECTOR_TEXT_FIELDS = ("CF_YJ", "CF_WFXW")
DEFAULT_SECTOR_DEPARTMENTS = {"fire": "消防", "emergency": "安全生产"}
FINE_KIND = "罚款"

_CACHE_LIMIT = 200_000
_TIERS = frozenset(SeverityTier.values)
_TIER_LABELS = {tier.value: str(tier.label) for tier in SeverityTier}
_TEXT_TYPES = frozenset({str, type(None)})
_UNKNOWN = object()


@dataclass(frozen=True)
class Window:
    """The publication window of one record (see the module docstring)."""

    publishable: bool
    publish_from: dt.date | None
    publish_until: dt.date | None
    repair_from: dt.date | None
    no_early_stop: bool
    rule: str
    rule_set_code: str

    def is_public_on(self, day: dt.date) -> bool:
        """Inside the window on ``day`` (ignores the record's status and disclosure scope)."""
        return (
            self.publishable
            and (self.publish_from is None or self.publish_from <= day)
            and (self.publish_until is None or day <= self.publish_until)
        )


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months; a missing day number becomes the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_end(start: dt.date, months: int) -> dt.date:
    """Last day of a period of ``months`` months counted from the event on ``start`` (民法典 201–202)."""
    return add_months(start, months)


def _long_term(day: dt.date | None) -> bool:
    return day is None or day >= LONG_TERM


def _hashable(value: Any) -> Any:
    if value.__class__ is str or value is None:  # the usual cell values: nothing to convert
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _hashable(v)) for k, v in value.items()))
    return value


def _parse_day(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return parse_date_value(value)
    except (DateParseError, ValueError, OverflowError):
        return None


def _parse_amount(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(normalize_value(value).replace(",", ""))
    except (InvalidOperation, ValueError):
        return None


@dataclass(frozen=True)
class _Period:
    """One candidate period: published?, months, and the text naming its basis."""

    published: bool
    min_months: int | None
    max_months: int | None
    label: str


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per rule set version
class _RuleSet:
    """The parts of a catalog RuleSet row the calculation needs (plain data, no database)."""

    code: str
    version: int
    family: str
    in_force_from: dt.date
    in_force_to: dt.date | None
    rules: Mapping[str, Any]

    @classmethod
    def of(cls, row) -> _RuleSet:
        return cls(
            code=row.code,
            version=row.version,
            family=row.family,
            in_force_from=row.in_force_from,
            in_force_to=row.in_force_to,
            rules=row.rules or {},
        )

    @property
    def name(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def governs_published(self) -> bool:
        """Does it also govern information still published on its effective date (not only new decisions)?"""
        return self.rules.get("applies_to", APPLIES_TO_DECISIONS) == APPLIES_TO_PUBLISHED

    def covers(self, day: dt.date) -> bool:
        return self.in_force_from <= day and (self.in_force_to is None or day <= self.in_force_to)


@dataclass(frozen=True)
class _Facts:
    """What of a rule set decides which inputs matter (so the cache keys only on those)."""

    sectors: frozenset[str]
    fine_limits: bool


@dataclass(frozen=True, eq=False)  # hashed by identity: WindowCalculator keeps one object per distinct shape
class _Shape:
    """A window without dates: what the rule set, tier and penalty kinds decide."""

    publishable: bool
    min_months: int | None
    max_months: int | None
    no_early_stop: bool
    rule: str
    rule_set_code: str


@dataclass(frozen=True)
class _ItemInfo:
    """The parts of a catalog item version the calculation needs."""

    rule_set_code: str
    default_tier: str
    kinds_field: str | None
    valid_until_field: str | None
    publish_until_field: str | None
    sector_field: str | None
    canonical_kind: Any  # callable: raw value → canonical 处罚类别 value


class WindowCalculator:
    """Computes windows from an in-memory copy of the rule sets; build once per call site with ``load()``."""

    def __init__(self, rule_sets: Iterable[Any], *, sector_departments: Mapping[str, str] | None = None):
        # Latest version of each rule set code.
        latest: dict[str, _RuleSet] = {}
        for row in rule_sets:
            rs = row if isinstance(row, _RuleSet) else _RuleSet.of(row)
            if rs.code not in latest or rs.version > latest[rs.code].version:
                latest[rs.code] = rs
        self._by_code = latest
        self._families: dict[str, list[_RuleSet]] = {}
        for rs in sorted(latest.values(), key=lambda r: r.in_force_from):
            self._families.setdefault(rs.family, []).append(rs)
        if sector_departments is None:
            sector_departments = getattr(settings, "XINYONG_SECTOR_DEPARTMENTS", DEFAULT_SECTOR_DEPARTMENTS)
        self._sector_departments = dict(sector_departments)
        self._items: dict[tuple, tuple[Any, _ItemInfo]] = {}
        self._in_force: dict[tuple[str, dt.date], _RuleSet | None] = {}
        self._windows: dict[tuple, Window] = {}
        self._shapes: dict[tuple, _Shape] = {}
        self._kind_sets: dict[tuple, tuple[str, ...]] = {}
        self._rule_facts: dict[_RuleSet, _Facts] = {}
        self._sectors: dict[tuple, str | None] = {}
        self._shape_objects: dict[tuple, _Shape] = {}
        self._later: dict[_RuleSet, list[_RuleSet]] = {}
        self._last_item: tuple | None = None

    @classmethod
    def load(cls) -> WindowCalculator:
        """A calculator over the stored rule sets (latest version of each)."""
        return cls(RuleSet.objects.all())

    # -- look-ups ----------------------------------------------------------------------------------

    def _item(self, item_version) -> _ItemInfo:
        # Saved versions are immutable: their key names the content. An unsaved one is keyed by identity,
        # and the cache keeps a reference to it so that its id cannot be reused by another object.
        pk = item_version.pk
        last = self._last_item
        # Every row of a load asks for the same version: checked against the last one first.
        if (
            last is not None
            and last[0] is item_version
            and pk
            and last[1:3] == (pk, item_version.content_hash)
        ):
            return last[3]
        key = (pk, item_version.content_hash) if pk else (id(item_version),)
        entry = self._items.get(key)
        if entry is None or (not pk and entry[0] is not item_version):
            entry = self._items[key] = (item_version, self._item_info(item_version))
        if pk:
            self._last_item = (item_version, pk, key[1], entry[1])
        return entry[1]

    @staticmethod
    def _item_info(item_version) -> _ItemInfo:
        core = item_version.core_fields or {}
        kinds_field = core.get("penalty_kinds")
        lookup: dict[str, str] = {}
        if kinds_field:
            spec = next((f for f in item_version.fields or [] if f.get("code") == kinds_field), None)
            code_list = (item_version.code_lists or {}).get((spec or {}).get("code_list") or "")
            for entry in (code_list or {}).get("entries") or []:
                value = str(entry.get("value") or "")
                for key in (value, entry.get("code"), *(entry.get("synonyms") or ())):
                    if key:
                        lookup.setdefault(normalize_value(key), value)
        default_tier = (item_version.severity_rules or {}).get("default") or SeverityTier.GENERAL
        return _ItemInfo(
            rule_set_code=item_version.rule_set_code or "",
            default_tier=default_tier,
            kinds_field=kinds_field,
            valid_until_field=core.get("valid_until"),
            publish_until_field=core.get("publish_until"),
            sector_field=core.get("sector"),
            canonical_kind=lambda raw: lookup.get(raw, raw),
        )

    def rule_set_for(self, rule_set_code: str, decision_date: dt.date) -> _RuleSet | None:
        """The rule set of ``rule_set_code``'s family in force on ``decision_date`` (None: none applies)."""
        named = self._by_code.get(rule_set_code)
        if named is None:
            return None
        key = (named.family, decision_date)
        if key not in self._in_force:
            sets = self._families[named.family]
            found = next((rs for rs in sets if rs.covers(decision_date)), None)
            if found is None and decision_date < sets[0].in_force_from:
                found = sets[0]  # as catalog.selectors.rule_set_in_force
            self._in_force[key] = found
        return self._in_force[key]

    # -- the window --------------------------------------------------------------------------------

    def window(
        self,
        *,
        item_version,
        decision_date: dt.date,
        severity: str,
        fields: Mapping[str, Any] | None,
        department_code: str | None,
    ) -> Window:
        """The publication window of a record (see the module docstring for the rules)."""
        info = self._item(item_version)
        fields = fields or {}
        valid_raw = fields.get(info.valid_until_field) if info.valid_until_field else None
        supplied_raw = fields.get(info.publish_until_field) if info.publish_until_field else None
        if not info.rule_set_code:
            key = (None, decision_date, _hashable(valid_raw), _hashable(supplied_raw))
            found = self._windows.get(key)
            if found is None:
                found = self._validity_window(decision_date, _parse_day(valid_raw))
                found = self._remember(key, _with_supplied_end(found, _parse_day(supplied_raw)))
            return found
        rs = self.rule_set_for(info.rule_set_code, decision_date)
        if rs is None:
            return self._no_rule_set(info, decision_date)
        # First level: the window's shape (published?, months, basis) from the inputs that matter for it.
        department_code = department_code or ""
        kinds = self._kinds(info, fields.get(info.kinds_field) if info.kinds_field else None)
        tier = severity if severity in _TIERS else info.default_tier
        shape = self._shape_for(rs, info, tier, kinds, department_code, fields)
        # Later rule sets of the family that also govern what is still published when they take effect.
        later = [
            (rs_later, self._shape_for(rs_later, info, tier, kinds, department_code, fields))
            for rs_later in self._transitions(rs)
        ]
        # Second level: the dates.
        no_early_stop = shape.no_early_stop or any(s.no_early_stop for _, s in later)
        valid_key = _hashable(valid_raw) if no_early_stop else None
        key = (shape, *later, decision_date, valid_key, _hashable(supplied_raw))
        found = self._windows.get(key)
        if found is None:
            valid_until = _parse_day(valid_raw) if no_early_stop else None
            found = self._dated(shape, decision_date, valid_until)
            for rs_later, later_shape in later:
                if found.is_public_on(rs_later.in_force_from):
                    found = _switched(found, rs_later, self._dated(later_shape, decision_date, valid_until))
            found = self._remember(key, _with_supplied_end(found, _parse_day(supplied_raw)))
        return found

    def _shape_for(
        self,
        rs: _RuleSet,
        info: _ItemInfo,
        tier: str,
        kinds: tuple[str, ...],
        department_code: str,
        fields: Mapping[str, Any],
    ) -> _Shape:
        """The shape of a decision under ``rs``, remembered per the inputs that matter for it."""
        facts = self._facts(rs)
        fine_key = fields.get(FINE_AMOUNT_FIELD) if facts.fine_limits and FINE_KIND in kinds else None
        sector = self._sector(info, fields, department_code, facts.sectors) if facts.sectors else None
        shape_key = (rs, tier, kinds, department_code, _hashable(fine_key), sector)
        shape = self._shapes.get(shape_key)
        if shape is None:
            if len(self._shapes) >= _CACHE_LIMIT:
                self._shapes.clear()
                self._shape_objects.clear()
            made = self._shape(rs, tier, kinds, department_code, fine_key, sector)
            # Equal shapes share one object, so that the windows cache (keyed by the shape's identity) finds
            # the window of an equal shape reached through another shape key.
            shape = self._shapes[shape_key] = self._shape_objects.setdefault(astuple(made), made)
        return shape

    def _transitions(self, rs: _RuleSet) -> list[_RuleSet]:
        """Rule sets of ``rs``'s family taking effect after it that govern information still published then."""
        found = self._later.get(rs)
        if found is None:
            found = self._later[rs] = [
                other
                for other in self._families[rs.family]
                if other.in_force_from > rs.in_force_from and other.governs_published
            ]
        return found

    def _remember(self, key: tuple, window: Window) -> Window:
        if len(self._windows) >= _CACHE_LIMIT:
            self._windows.clear()
        self._windows[key] = window
        return window

    @staticmethod
    def _validity_window(decision_date: dt.date, valid_until: dt.date | None) -> Window:
        long_term = _long_term(valid_until)
        return Window(
            publishable=True,
            publish_from=decision_date,
            publish_until=None if long_term else valid_until,
            repair_from=None,
            no_early_stop=False,
            rule="长期公示" if long_term else f"有效期内公示（至 {valid_until.isoformat()}）",
            rule_set_code="",
        )

    def _no_rule_set(self, info: _ItemInfo, decision_date: dt.date) -> Window:
        reason = (
            f"未找到公示期限规则集“{info.rule_set_code}”"
            if info.rule_set_code not in self._by_code
            else f"决定日期 {decision_date.isoformat()} 没有施行中的公示期限规则集"
        )
        return Window(False, decision_date, None, None, False, f"{reason}，暂不公示", info.rule_set_code)

    def _facts(self, rs: _RuleSet) -> _Facts:
        facts = self._rule_facts.get(rs)
        if facts is None:
            rules = rs.rules
            facts = self._rule_facts[rs] = _Facts(
                sectors=frozenset(
                    s for ov in rules.get("sector_overrides") or [] for s in ov.get("sectors") or []
                )
                | frozenset(
                    s
                    for tier in (rules.get("tiers") or {}).values()
                    for s in ((tier or {}).get("published_where_required") or {}).get("sectors") or []
                ),
                fine_limits=any(
                    c.get("fine_max_wan") is not None and FINE_KIND in (c.get("penalty_kinds_only") or [])
                    for c in rules.get("special_cases") or []
                ),
            )
        return facts

    def _kinds(self, info: _ItemInfo, raw: Any) -> tuple[str, ...]:
        """The decision's penalty kinds, canonical (code-list synonyms resolved), in order, unique."""
        if raw is None:
            return ()
        key = (id(info), _hashable(raw))
        kinds = self._kind_sets.get(key)
        if kinds is None:
            out: list[str] = []
            for part in split_values(raw):
                kind = info.canonical_kind(part)
                if kind not in out:
                    out.append(kind)
            if len(self._kind_sets) >= _CACHE_LIMIT:
                self._kind_sets.clear()
            kinds = self._kind_sets[key] = tuple(out)
        return kinds

    def _sector(
        self, info: _ItemInfo, fields: Mapping[str, Any], department_code: str, sectors: frozenset[str]
    ) -> str | None:
        """The record's sector among ``sectors`` (item field, then department, then legal basis text)."""
        # A function of these values, which repeat from record to record (an item's legal basis texts are a
        # handful): remembered for text values (other types are worked out each time).
        sector_field = info.sector_field
        texts = (fields.get(sector_field) if sector_field else None, *map(fields.get, SECTOR_TEXT_FIELDS))
        if not _TEXT_TYPES.issuperset(map(type, texts)):
            return self._find_sector(info, fields, department_code, sectors)
        key = (sector_field, department_code, sectors, texts)
        found = self._sectors.get(key, _UNKNOWN)
        if found is _UNKNOWN:
            found = self._find_sector(info, fields, department_code, sectors)
            if len(self._sectors) >= _CACHE_LIMIT:
                self._sectors.clear()
            self._sectors[key] = found
        return found

    def _find_sector(
        self, info: _ItemInfo, fields: Mapping[str, Any], department_code: str, sectors: frozenset[str]
    ) -> str | None:
        if info.sector_field:
            value = normalize_value(fields.get(info.sector_field) or "")
            if value:
                return next((s for s in sorted(sectors) if s in value), None)
        by_department = self._sector_departments.get(department_code)
        if by_department:
            return by_department if by_department in sectors else None
        for code in SECTOR_TEXT_FIELDS:
            text = fields.get(code)
            if not text:
                continue
            text = normalize_value(text)
            for sector in sorted(sectors):
                if sector in text:
                    return sector
        return None

    def _tier_period(self, rs: _RuleSet, tier: str, sector: str | None, department_code: str) -> _Period:
        tiers = rs.rules.get("tiers") or {}
        rule = tiers.get(tier) or tiers.get(SeverityTier.GENERAL) or {}
        label = f"{rs.name} {_TIER_LABELS.get(tier, tier)}"
        published = bool(rule.get("published", True))
        low, high = rule.get("min_months"), rule.get("max_months")
        required = rule.get("published_where_required") or {}
        if not published and (
            department_code in (required.get("departments") or ())
            or (sector is not None and sector in (required.get("sectors") or ()))
        ):
            # A regulator requires publication (令第36号: 轻微, at most the tier's max_months).
            published = True
            label += "（主管部门要求公示）"
        if sector is not None:
            for override in rs.rules.get("sector_overrides") or []:
                if sector not in (override.get("sectors") or []):
                    continue
                if override.get("tiers") and tier not in override["tiers"]:
                    continue
                low = override.get("min_months", low)
                high = override.get("max_months", high)
                if low is not None and high is not None and low > high:
                    high = low
                label += f"（{sector}领域）"
                break
        return _Period(published, low, high, label)

    @staticmethod
    def _special_applies(
        case: Mapping[str, Any], kind: str, department_code: str, fine: Decimal | None
    ) -> bool:
        if kind not in (case.get("penalty_kinds_only") or []):
            return False
        departments = case.get("source_departments")
        if departments and department_code not in departments:
            return False
        if kind == FINE_KIND:
            limit = case.get("fine_max_wan")
            if limit is None or fine is None or fine > Decimal(str(limit)):
                return False
        return True

    def _shape(
        self,
        rs: _RuleSet,
        tier: str,
        kinds: tuple[str, ...],
        department_code: str,
        fine_raw: Any,
        sector: str | None,
    ) -> _Shape:
        """Published?, periods and basis of a decision, independent of its date."""
        tier_period = self._tier_period(rs, tier, sector, department_code)
        fine = _parse_amount(fine_raw)
        cases = rs.rules.get("special_cases") or []

        def case_period(case: Mapping[str, Any]) -> _Period:
            # A special case only restricts: a tier that is not published stays unpublished, and the
            # case's maximum never extends the tier's.
            label = f"{rs.name} {case.get('name') or case.get('code')}"
            high = case.get("max_months")
            if tier_period.max_months is not None and (high is None or high > tier_period.max_months):
                high = tier_period.max_months
            published = bool(case.get("published", True)) and tier_period.published
            return _Period(published, None, high, label)

        def applies(case: Mapping[str, Any], kind: str) -> bool:
            return self._special_applies(case, kind, department_code, fine)

        if not kinds:
            candidates = [tier_period]
        elif rs.rules.get("longest_period", True):
            candidates = [
                next((case_period(c) for c in cases if applies(c, kind)), tier_period) for kind in kinds
            ]
        else:
            whole = next((c for c in cases if all(applies(c, kind) for kind in kinds)), None)
            candidates = [case_period(whole) if whole is not None else tier_period]

        published = [c for c in candidates if c.published]

        def longest(c: _Period) -> tuple:
            # None (no maximum) is the longest; ties go to the larger minimum.
            return (c.max_months is None, c.max_months or 0, c.min_months or 0)

        governing = max(published or candidates, key=longest)
        lows = [c.min_months for c in published if c.min_months is not None]
        rule = governing.label
        if not published:
            rule += "（不予公示）"
        elif len({c.label for c in candidates}) > 1:
            rule += "（多种处罚取最长期限）"
        return _Shape(
            publishable=bool(published),
            min_months=max(lows) if lows else None,
            max_months=governing.max_months,
            no_early_stop=bool(set(kinds) & set(rs.rules.get("no_early_stop_kinds") or [])),
            rule=rule[:200],
            rule_set_code=rs.code,
        )

    @staticmethod
    def _dated(shape: _Shape, decision_date: dt.date, valid_until: dt.date | None) -> Window:
        """The window of a shape for a decision date (and, for no-early-stop kinds, the penalty's end)."""
        publish_until = None if shape.max_months is None else period_end(decision_date, shape.max_months)
        repair_from = None
        if shape.publishable and shape.min_months is not None:
            repair_from = period_end(decision_date, shape.min_months) + dt.timedelta(days=1)
            if shape.no_early_stop:
                if _long_term(valid_until) or (publish_until is not None and valid_until >= publish_until):
                    repair_from = None
                else:
                    repair_from = max(repair_from, valid_until + dt.timedelta(days=1))
        return Window(
            publishable=shape.publishable,
            publish_from=decision_date,
            publish_until=publish_until,
            repair_from=repair_from,
            no_early_stop=shape.no_early_stop,
            rule=shape.rule,
            rule_set_code=shape.rule_set_code,
        )


def _switched(old: Window, rs: _RuleSet, new: Window) -> Window:
    """The window of a record still published when ``rs`` takes effect and governs such information."""
    if new.publishable and (new.publish_until is None or new.publish_until >= rs.in_force_from):
        return replace(
            new, rule=f"{new.rule}（{rs.in_force_from.isoformat()} 施行时仍在公示，适用新规定）"[:200]
        )
    # Its new period has already run out (or the new rule set does not publish it): it stops on the switch.
    last_day = rs.in_force_from - dt.timedelta(days=1)
    return replace(
        old,
        publish_until=last_day,
        repair_from=old.repair_from if old.repair_from and old.repair_from <= last_day else None,
        rule=f"{old.rule}；{rs.name} 施行之日起停止公示"[:200],
        rule_set_code=rs.code,
    )


def _with_supplied_end(window: Window, supplied: dt.date | None) -> Window:
    """A publication end date the source department supplied (公示截止期) shortens the window, never extends it."""
    if supplied is None or not window.publishable:
        return window
    if window.publish_until is not None and supplied >= window.publish_until:
        return window
    return replace(
        window, publish_until=supplied, rule=f"{window.rule}（公示截止期按数据来源单位报送）"[:200]
    )


def publication_window(
    *,
    item_version,
    decision_date: dt.date,
    severity: str,
    fields: Mapping[str, Any] | None,
    department_code: str | None,
) -> Window:
    """The publication window of one record (loads the rule sets; use WindowCalculator for many records)."""
    return WindowCalculator.load().window(
        item_version=item_version,
        decision_date=decision_date,
        severity=severity,
        fields=fields,
        department_code=department_code,
    )
