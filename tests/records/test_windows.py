"""Publication windows (records.windows, docs/publication-rules.md): every rule, with before/on/after checks of each boundary."""

from __future__ import annotations

import calendar
import copy
import datetime as dt

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from xinyong.catalog.selectors import catalog_item_current_version
from xinyong.catalog.services import catalog_load_fixtures
from xinyong.records.windows import LONG_TERM, Window, WindowCalculator, add_months, publication_window

from .window_cases import CASE_IDS, CASES, Case, case_fields, yaml_item, yaml_rule_sets

DAY = dt.timedelta(days=1)

# Built once from the YAML fixtures: the same rules as the database, for fast and property tests.
RULE_SETS = yaml_rule_sets()
CALC = WindowCalculator(RULE_SETS, sector_departments={"fire": "消防", "emergency": "安全生产"})
PENALTY = yaml_item("penalty")
LICENCE = yaml_item("license")


def penalty_window(case: Case, calc: WindowCalculator = CALC, item=PENALTY) -> Window:
    return calc.window(
        item_version=item,
        decision_date=case.decision,
        severity=case.severity,
        fields=case_fields(case),
        department_code=case.department,
    )


def assert_window(window: Window, case: Case) -> None:
    assert window.publishable is case.publishable, window
    assert window.publish_from == case.decision
    assert window.publish_until == case.until, window
    assert window.repair_from == case.repair_from, window
    assert window.no_early_stop is case.no_early_stop, window
    assert window.rule_set_code == case.rule_set
    assert case.rule in window.rule, window.rule
    # Before / on / after each boundary of the window.
    assert not window.is_public_on(case.decision - DAY)
    assert window.is_public_on(case.decision) is case.publishable
    assert window.is_public_on(case.until) is case.publishable
    assert not window.is_public_on(case.until + DAY)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_window_rules(case):
    assert_window(penalty_window(case), case)


@pytest.mark.django_db
def test_window_rules_with_the_stored_rule_sets(settings):
    """The same table through WindowCalculator.load() and the loaded catalog (runs on each database)."""
    settings.XINYONG_SECTOR_DEPARTMENTS = {"fire": "消防", "emergency": "安全生产"}
    catalog_load_fixtures(as_of=dt.date(2026, 6, 15))
    penalty = catalog_item_current_version(code="penalty")
    calc = WindowCalculator.load()
    for case in CASES:
        assert_window(penalty_window(case, calc, penalty), case)
    one = CASES[0]
    assert publication_window(
        item_version=penalty,
        decision_date=one.decision,
        severity=one.severity,
        fields=case_fields(one),
        department_code=one.department,
    ) == penalty_window(one, calc, penalty)


def test_rule_text_names_the_rule_set_version_and_tier():
    window = penalty_window(CASES[0])
    assert window.rule == "ndrc-36 v1 严重"
    minor = penalty_window(Case("x", dt.date(2026, 5, 20), "罚款", "minor"))
    assert minor.rule == "ndrc-36 v1 轻微（不予公示）"


def test_kinds_given_as_a_list():
    case = Case("list", dt.date(2026, 5, 20), "")
    window = CALC.window(
        item_version=PENALTY,
        decision_date=case.decision,
        severity="general",
        fields={"CF_CFLB": ["警告", "吊销许可证件"]},
        department_code="dept-a",
    )
    assert window.publishable and window.no_early_stop
    assert window.publish_until == dt.date(2027, 5, 20)


def test_no_penalty_kinds_follows_the_tier():
    window = CALC.window(
        item_version=PENALTY,
        decision_date=dt.date(2026, 5, 20),
        severity="serious",
        fields={},
        department_code="",
    )
    assert (window.publishable, window.publish_until) == (True, dt.date(2029, 5, 20))


# ---------------------------------------------------------------------------------------------------
# Items without a rule set: published from the decision date while valid


@pytest.mark.parametrize(
    ("valid_until", "until", "rule"),
    [
        ("2027-05-01", dt.date(2027, 5, 1), "有效期内公示（至 2027-05-01）"),
        ("2027/05/01", dt.date(2027, 5, 1), "有效期内公示（至 2027-05-01）"),
        ("2099-12-31", None, "长期公示"),
        ("2099/12/31", None, "长期公示"),
        ("", None, "长期公示"),
        (None, None, "长期公示"),
    ],
)
def test_licence_is_published_while_valid(valid_until, until, rule):
    decided = dt.date(2026, 5, 20)
    fields = {} if valid_until is None else {"XK_YXQZI": valid_until}
    window = CALC.window(
        item_version=LICENCE, decision_date=decided, severity="", fields=fields, department_code="dept-a"
    )
    assert window == Window(True, decided, until, None, False, rule, "")
    assert not window.is_public_on(decided - DAY)
    assert window.is_public_on(decided)
    if until is not None:
        assert window.is_public_on(until)
        assert not window.is_public_on(until + DAY)
    else:
        assert window.is_public_on(LONG_TERM + DAY)


@pytest.mark.parametrize("code", ["honour", "serious_dishonesty", "abnormal_operations", "commitment"])
def test_other_items_without_rule_set_use_their_valid_until(code):
    item = yaml_item(code)
    field_code = item.core_fields["valid_until"]
    window = CALC.window(
        item_version=item,
        decision_date=dt.date(2026, 1, 10),
        severity="",
        fields={field_code: "2028-01-09"},
        department_code="dept-a",
    )
    assert window.publishable and window.publish_until == dt.date(2028, 1, 9) and window.rule_set_code == ""


# ---------------------------------------------------------------------------------------------------
# Configuration variants: fine threshold, unknown rule set, gaps, longest_period false, overrides


def _calc_with(edit) -> WindowCalculator:
    sets = copy.deepcopy(RULE_SETS)
    for rs in sets:
        edit(rs)
    return WindowCalculator(sets, sector_departments={})


def _threshold(rs):
    for case in rs.rules.get("special_cases") or []:
        if case["code"] == "samr_minor":
            case["fine_max_wan"] = 0.5


@pytest.mark.parametrize(
    ("fine", "until", "repair_from"),
    [
        ("0.2", dt.date(2026, 8, 20), None),
        ("0.5", dt.date(2026, 8, 20), None),  # on the threshold: still a small fine
        ("0.51", dt.date(2027, 5, 20), dt.date(2026, 8, 21)),
        ("", dt.date(2027, 5, 20), dt.date(2026, 8, 21)),  # amount missing: the small-fine rule cannot apply
    ],
)
def test_samr_small_fine_once_the_threshold_is_configured(fine, until, repair_from):
    calc = _calc_with(_threshold)
    case = Case("fine", dt.date(2026, 5, 20), "通报批评；罚款", department="samr", fields={"CF_NR_FK": fine})
    window = penalty_window(case, calc)
    assert (window.publishable, window.publish_until, window.repair_from) == (True, until, repair_from)
    other = penalty_window(
        Case("fine", dt.date(2026, 5, 20), "罚款", department="tax", fields={"CF_NR_FK": "0.2"}), calc
    )
    assert other.publish_until == dt.date(2027, 5, 20)


def test_unknown_rule_set_is_not_published():
    item = yaml_item("penalty", rule_set_code="no-such-rules")
    window = penalty_window(Case("x", dt.date(2026, 5, 20), "罚款"), item=item)
    assert not window.publishable
    assert "no-such-rules" in window.rule and window.rule_set_code == "no-such-rules"


def test_gap_between_rule_sets_is_not_published():
    def shorten(rs):
        if rs.code == "ndrc-58":
            rs.in_force_to = dt.date(2025, 12, 31)

    calc = _calc_with(shorten)
    assert penalty_window(Case("x", dt.date(2025, 12, 31), "罚款"), calc).publishable
    gap = penalty_window(Case("x", dt.date(2026, 1, 15), "罚款"), calc)
    assert not gap.publishable and "没有施行中的公示期限规则集" in gap.rule
    assert penalty_window(Case("x", dt.date(2026, 4, 1), "罚款"), calc).rule_set_code == "ndrc-36"


def test_latest_version_of_a_rule_set_applies():
    newer = copy.deepcopy([rs for rs in RULE_SETS if rs.code == "ndrc-36"][0])
    newer.version = 2
    newer.rules["tiers"]["general"]["max_months"] = 24
    calc = WindowCalculator([*RULE_SETS, newer], sector_departments={})
    window = penalty_window(Case("x", dt.date(2026, 5, 20), "罚款"), calc)
    assert window.publish_until == dt.date(2028, 5, 20) and window.rule.startswith("ndrc-36 v2")


def test_without_longest_period_a_special_case_needs_every_kind():
    def strict(rs):
        rs.rules["longest_period"] = False

    calc = _calc_with(strict)
    both = penalty_window(Case("x", dt.date(2026, 5, 20), "警告、通报批评", department="samr"), calc)
    assert both.publish_until == dt.date(2027, 5, 20)  # no case lists both kinds: the tier applies
    alone = penalty_window(Case("x", dt.date(2026, 5, 20), "警告"), calc)
    assert not alone.publishable


def test_sector_from_the_item_sector_field_and_tier_limited_override():
    def tiers_only(rs):
        for ov in rs.rules.get("sector_overrides") or []:
            ov["tiers"] = ["serious"]

    calc = _calc_with(tiers_only)
    item = yaml_item("penalty", core_fields={**PENALTY.core_fields, "sector": "CF_BZ"})
    general = penalty_window(Case("x", dt.date(2024, 3, 15), "罚款", fields={"CF_BZ": "消防"}), calc, item)
    assert general.repair_from == dt.date(2024, 6, 16)  # override limited to 严重
    serious = penalty_window(
        Case("x", dt.date(2024, 3, 15), "罚款", "serious", fields={"CF_BZ": "消防"}), calc, item
    )
    assert serious.repair_from == dt.date(2025, 3, 16) and "消防领域" in serious.rule
    unrelated = penalty_window(
        Case("x", dt.date(2024, 3, 15), "罚款", "serious", fields={"CF_BZ": "交通"}), calc, item
    )
    assert unrelated.repair_from == dt.date(2024, 6, 16)


def test_sector_department_setting_is_used_by_load(settings, db):
    settings.XINYONG_SECTOR_DEPARTMENTS = {"water": "安全生产"}
    catalog_load_fixtures(as_of=dt.date(2026, 6, 15))
    penalty = catalog_item_current_version(code="penalty")
    calc = WindowCalculator.load()
    water = penalty_window(Case("x", dt.date(2024, 3, 15), "罚款", department="water"), calc, penalty)
    fire = penalty_window(Case("x", dt.date(2024, 3, 15), "罚款", department="fire"), calc, penalty)
    assert water.repair_from == dt.date(2025, 3, 16)
    assert fire.repair_from == dt.date(2024, 6, 16)


def test_results_are_cached_per_distinct_input():
    calc = WindowCalculator(RULE_SETS, sector_departments={})
    case = CASES[0]
    first = penalty_window(case, calc)
    assert penalty_window(case, calc) is first
    assert penalty_window(Case("x", case.decision, "罚款", "general"), calc) is not first


def test_unparseable_dates_and_amounts_are_ignored():
    window = penalty_window(
        Case("x", dt.date(2026, 5, 20), "责令停产停业", fields={"CF_YXQ": "不详", "CF_NR_FK": "五千元"})
    )
    assert window.no_early_stop and window.repair_from is None  # end of the suspension unknown


# ---------------------------------------------------------------------------------------------------
# Month arithmetic (property tests)

dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31))
months = st.integers(min_value=0, max_value=120)


@given(dates, months)
@example(dt.date(2027, 1, 31), 1)
@example(dt.date(2024, 2, 29), 12)
@example(dt.date(2023, 12, 31), 2)
def test_add_months_lands_on_the_same_day_or_the_month_end(day, n):
    result = add_months(day, n)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == n
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(day.day, last)
    assert (result.day == day.day) or (result.day == last and day.day > last)


@given(dates, months, months)
def test_add_months_composes_when_the_day_exists_everywhere(day, a, b):
    day = day.replace(day=min(day.day, 28))
    assert add_months(add_months(day, a), b) == add_months(day, a + b)


@given(dates, dates, months)
def test_add_months_is_monotonic(d1, d2, n):
    lo, hi = sorted((d1, d2))
    assert add_months(lo, n) <= add_months(hi, n)


@given(dates, st.integers(min_value=1, max_value=120))
def test_periods_are_never_shorter_than_whole_months_minus_the_clamp(day, n):
    end = add_months(day, n)
    assert day < end
    assert 28 * n - 3 <= (end - day).days <= 31 * n


def test_end_of_month_examples():
    assert add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 2, 29), 48) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 8, 31), 3) == dt.date(2026, 11, 30)
    assert add_months(dt.date(2026, 5, 20), 36) == dt.date(2029, 5, 20)


# ---------------------------------------------------------------------------------------------------
# Window invariants (property tests over the shipped rule sets)

KINDS = [
    "警告",
    "通报批评",
    "罚款",
    "没收违法所得",
    "暂扣许可证件",
    "降低资质等级",
    "吊销许可证件",
    "限制开展生产经营活动",
    "责令停产停业",
    "责令关闭",
    "限制从业",
    "行政拘留",
    "其他",
]
decisions = st.dates(min_value=dt.date(2017, 1, 1), max_value=dt.date(2035, 12, 31))
tiers = st.sampled_from(["minor", "general", "serious", ""])
kind_sets = st.lists(st.sampled_from(KINDS), min_size=1, max_size=4, unique=True)
departments = st.sampled_from(["samr", "fire", "tax", "emergency"])


def _window(decided, tier, kinds, department):
    return CALC.window(
        item_version=PENALTY,
        decision_date=decided,
        severity=tier,
        fields={"CF_CFLB": "；".join(kinds)},
        department_code=department,
    )


@given(decisions, tiers, kind_sets, departments)
def test_window_invariants(decided, tier, kinds, department):
    window = _window(decided, tier, kinds, department)
    assert window.publish_from == decided
    assert window.publish_until is not None and window.publish_until > decided
    assert window.rule_set_code in {"ndrc-527", "ndrc-58", "ndrc-36"}
    if window.repair_from is not None:
        assert window.publishable
        assert decided < window.repair_from <= window.publish_until + DAY
    if kinds == ["警告"]:
        assert not window.publishable
    no_stop = {"责令停产停业", "限制开展生产经营活动", "限制从业", "降低资质等级", "吊销许可证件"}
    assert window.no_early_stop is bool(no_stop & set(kinds))


@given(decisions, tiers, kind_sets, st.sampled_from(KINDS), departments)
def test_adding_a_penalty_kind_never_shortens_publication(decided, tier, kinds, extra, department):
    before = _window(decided, tier, kinds, department)
    after = _window(decided, tier, [*kinds, extra] if extra not in kinds else kinds, department)
    if before.publishable:
        assert after.publishable
        assert after.publish_until >= before.publish_until


def test_unsaved_item_versions_each_get_the_window_of_their_own_rules():
    """Versions without a pk (as ``yaml_item`` builds them) share one calculator's cache without mixing:
    each gets the window of its own rules, whichever was asked first."""
    case = Case("x", dt.date(2026, 5, 20), "罚款", "")
    general = penalty_window(case)
    serious = penalty_window(case, item=yaml_item("penalty", severity_rules={"default": "serious"}))
    assert (general.rule, general.publish_until) == ("ndrc-36 v1 一般", dt.date(2027, 5, 20))
    assert (serious.rule, serious.publish_until) == ("ndrc-36 v1 严重", dt.date(2029, 5, 20))
    assert penalty_window(case) == general  # asked again after the other version


def test_special_cases_only_restrict_the_tier():
    # 令第36号 轻微 is not published: the SAMR 3-month rule does not make it public.
    minor = penalty_window(Case("x", dt.date(2026, 5, 20), "通报批评", "minor", department="samr"))
    assert not minor.publishable and minor.publish_until == dt.date(2026, 8, 20)
