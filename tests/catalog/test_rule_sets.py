"""Publication rule sets (docs/publication-rules.md): dated data, versions, the rule set in force on a decision date."""

import datetime as dt

import pytest

from xinyong.catalog.errors import CatalogFixtureError, RuleSetNotFound
from xinyong.catalog.models import RuleSet, SeverityTier
from xinyong.catalog.selectors import (
    catalog_item_current_version,
    catalog_rule_set_for,
    rule_set_current,
    rule_set_in_force,
)
from xinyong.catalog.services import catalog_load_fixtures, rule_set_save

from .conftest import LOAD_DAY


@pytest.mark.parametrize(
    ("day", "code"),
    [
        (dt.date(2019, 7, 1), "ndrc-527"),
        (dt.date(2021, 1, 1), "ndrc-527"),
        (dt.date(2023, 4, 30), "ndrc-527"),
        (dt.date(2023, 5, 1), "ndrc-58"),
        (dt.date(2026, 3, 31), "ndrc-58"),
        (dt.date(2026, 4, 1), "ndrc-36"),
        (dt.date(2040, 1, 1), "ndrc-36"),
    ],
)
def test_rule_set_in_force_on_boundary_dates(loaded, day, code):
    assert rule_set_in_force(on=day).code == code


def test_dates_before_the_first_rule_set(loaded):
    # 527号 applied its periods to penalties already published, so earlier decisions fall back to it ...
    assert rule_set_in_force(on=dt.date(2019, 6, 30)).code == "ndrc-527"
    assert rule_set_in_force(on=dt.date(2016, 1, 1)).code == "ndrc-527"
    # ... unless the caller asks for a strict answer.
    with pytest.raises(RuleSetNotFound) as exc:
        rule_set_in_force(on=dt.date(2019, 6, 30), strict=True)
    assert "2019-07-01" in exc.value.message


def test_no_rule_sets_at_all(db):
    with pytest.raises(RuleSetNotFound) as exc:
        rule_set_in_force(on=dt.date(2026, 4, 1))
    assert exc.value.code == "rule_set_not_found"
    assert "xinyong catalog load" in exc.value.message


def test_a_gap_between_rule_sets_is_an_error(loaded, operator):
    rs = rule_set_current(code="ndrc-58")
    rule_set_save(data=_data(rs, in_force_to=dt.date(2025, 12, 31)), actor=operator)
    with pytest.raises(RuleSetNotFound):
        rule_set_in_force(on=dt.date(2026, 1, 15))
    assert rule_set_in_force(on=dt.date(2025, 12, 31)).code == "ndrc-58"


def test_tier_rules(loaded):
    ndrc36 = rule_set_in_force(on=dt.date(2026, 4, 1))
    minor = ndrc36.tier_rule(SeverityTier.MINOR)
    assert (minor.published, minor.max_months) == (False, 3)
    general = ndrc36.tier_rule(SeverityTier.GENERAL)
    assert (general.published, general.min_months, general.max_months) == (True, 3, 12)
    serious = ndrc36.tier_rule(SeverityTier.SERIOUS)
    assert (serious.min_months, serious.max_months) == (12, 36)
    assert ndrc36.longest_period
    assert set(ndrc36.no_early_stop_kinds) == {
        "责令停产停业",
        "限制开展生产经营活动",
        "限制从业",
        "降低资质等级",
        "吊销许可证件",
    }
    warning = next(c for c in ndrc36.special_cases if c["code"] == "warning_only")
    assert warning["penalty_kinds_only"] == ["警告"] and warning["published"] is False

    ndrc58 = rule_set_in_force(on=dt.date(2024, 1, 1))
    assert ndrc58.tier_rule("general").min_months == 3 and ndrc58.tier_rule("serious").max_months == 36
    assert ndrc58.sector_overrides[0]["sectors"] == ["特种设备", "安全生产", "消防"]
    assert ndrc58.sector_overrides[0]["min_months"] == 12

    ndrc527 = rule_set_in_force(on=dt.date(2020, 1, 1))
    assert (ndrc527.tier_rule("general").min_months, ndrc527.tier_rule("general").max_months) == (3, 12)
    assert (ndrc527.tier_rule("serious").min_months, ndrc527.tier_rule("serious").max_months) == (6, 36)


def test_item_rule_set_follows_the_decision_date(loaded):
    penalty = catalog_item_current_version(code="penalty")
    assert penalty.rule_set_code == "ndrc-36"
    assert catalog_rule_set_for(version=penalty, decision_date=dt.date(2020, 3, 1)).code == "ndrc-527"
    assert catalog_rule_set_for(version=penalty, decision_date=dt.date(2024, 3, 1)).code == "ndrc-58"
    assert catalog_rule_set_for(version=penalty, decision_date=dt.date(2026, 5, 1)).code == "ndrc-36"
    assert (
        catalog_rule_set_for(
            version=catalog_item_current_version(code="license"), decision_date=dt.date(2026, 5, 1)
        )
        is None
    )


def _data(rs: RuleSet, **changes) -> dict:
    data = {
        "code": rs.code,
        "family": rs.family,
        "name": rs.name,
        "in_force_from": rs.in_force_from,
        "in_force_to": rs.in_force_to,
        "legal_basis": rs.legal_basis,
        "rules": rs.rules,
    }
    data.update(changes)
    return data


def test_editing_a_rule_set_creates_a_new_version(loaded, operator):
    v1 = rule_set_current(code="ndrc-36")
    rules = {
        **v1.rules,
        "tiers": {**v1.rules["tiers"], "general": {"published": True, "min_months": 6, "max_months": 12}},
    }
    v2 = rule_set_save(
        data={**_data(v1, rules=rules), "change_note": "本地规定一般失信最短 6 个月"}, actor=operator
    )
    assert (v2.code, v2.version, v2.created_by) == ("ndrc-36", 2, operator)
    assert rule_set_in_force(on=dt.date(2026, 5, 1)).pk == v2.pk
    assert rule_set_in_force(on=dt.date(2026, 5, 1)).tier_rule("general").min_months == 6
    v1.refresh_from_db()
    assert v1.tier_rule("general").min_months == 3  # the old version is intact
    assert rule_set_save(data=_data(v2), actor=operator) is None  # unchanged content: no version


def test_rule_set_edit_is_validated(loaded, operator):
    v1 = rule_set_current(code="ndrc-36")
    with pytest.raises(CatalogFixtureError) as exc:
        rule_set_save(data=_data(v1, in_force_from=dt.date(2026, 3, 1)), actor=operator)
    assert "rule_set_overlap" in exc.value.codes
    bad_rules = {**v1.rules, "no_early_stop_kinds": ["吊销执照X"]}
    with pytest.raises(CatalogFixtureError) as exc:
        rule_set_save(data=_data(v1, rules=bad_rules), actor=operator)
    assert "invalid_rules" in exc.value.codes
    assert RuleSet.objects.filter(code="ndrc-36").count() == 1


def test_reloading_fixtures_after_an_edit_restores_the_shipped_rules_as_a_new_version(loaded, operator):
    v1 = rule_set_current(code="ndrc-36")
    rule_set_save(data=_data(v1, name="本地修订"), actor=operator)
    report = catalog_load_fixtures(as_of=LOAD_DAY)
    assert [f"{r.code} v{r.version}" for r in report.rule_sets_created] == ["ndrc-36 v3"]
    assert rule_set_current(code="ndrc-36").name == v1.name
