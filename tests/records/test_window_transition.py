"""The 令第36号 switch on 2026-04-01 as data (records.windows rules 7–9): which rule set governs information
already published when a new one takes effect, 轻微 published where a regulator requires it, and the
publication end a source department supplies."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.core.management import call_command

from tests.catalog.rule_set_support import rule_set_revise
from tests.factories import record_ingest_row, subject_create
from xinyong.catalog.spec import APPLIES_TO_PUBLISHED, rule_set_rules_issues
from xinyong.records.windows import WindowCalculator

from .test_windows import PENALTY, RULE_SETS, penalty_window
from .window_cases import Case

D = dt.date
SWITCH = D(2026, 4, 1)
DAY = dt.timedelta(days=1)


def _calc(*, published_on_switch: bool, required=None) -> WindowCalculator:
    sets = copy.deepcopy(RULE_SETS)
    for rs in sets:
        if rs.code == "ndrc-36":
            if published_on_switch:
                rs.rules["applies_to"] = APPLIES_TO_PUBLISHED
                rs.rules["applies_to_basis"] = "信用办决定（测试）"
            if required is not None:
                rs.rules["tiers"]["minor"]["published_where_required"] = required
    return WindowCalculator(sets, sector_departments={"fire": "消防"})


def test_shipped_default_keeps_the_decision_date_rule_set():
    """The day before and the day of the switch: 令第58号 (3 years) and 令第36号 (1 year) for 一般."""
    before = penalty_window(Case("x", SWITCH - DAY, "罚款"))
    on = penalty_window(Case("x", SWITCH, "罚款"))
    assert (before.rule_set_code, before.publish_until) == ("ndrc-58", D(2029, 3, 31))
    assert (on.rule_set_code, on.publish_until) == ("ndrc-36", D(2027, 4, 1))


def test_governing_what_is_still_published_shortens_the_older_decision():
    calc = _calc(published_on_switch=True)
    before = penalty_window(Case("x", SWITCH - DAY, "罚款"), calc)
    assert before.rule_set_code == "ndrc-36"
    assert before.publish_until == D(2027, 3, 31)  # 12 months from 2026-03-31
    assert before.repair_from == D(2026, 7, 1)  # 3 months from the decision, then the next day
    assert "施行时仍在公示" in before.rule
    # Decisions from the effective date are unchanged by the setting.
    assert penalty_window(Case("x", SWITCH, "罚款"), calc) == penalty_window(Case("x", SWITCH, "罚款"))


def test_a_period_already_run_out_under_the_new_rules_ends_on_the_eve_of_the_switch():
    calc = _calc(published_on_switch=True)
    old = penalty_window(Case("x", D(2024, 6, 1), "罚款"), calc)  # 令第58号: public until 2027-06-01
    assert old.publishable and old.publish_until == SWITCH - DAY
    assert old.is_public_on(SWITCH - DAY) and not old.is_public_on(SWITCH)
    assert old.rule_set_code == "ndrc-36" and "施行之日起停止公示" in old.rule


def test_records_not_published_on_the_switch_keep_their_rule_set():
    calc = _calc(published_on_switch=True)
    expired = penalty_window(Case("x", D(2022, 1, 10), "罚款"), calc)  # 527号 一般: ended 2023-01-10
    assert expired == penalty_window(Case("x", D(2022, 1, 10), "罚款"))
    warning = penalty_window(Case("x", SWITCH - DAY, "警告"), calc)  # never published
    assert not warning.publishable and warning.rule_set_code == "ndrc-58"


def test_serious_decision_before_the_switch_gets_the_new_minimum_period():
    calc = _calc(published_on_switch=True)
    window = penalty_window(Case("x", D(2026, 3, 1), "罚款", severity="serious"), calc)
    assert window.publish_until == D(2029, 3, 1) and window.repair_from == D(2027, 3, 2)


@pytest.mark.parametrize(
    ("department", "sector_fields", "published"),
    [("samr", {}, True), ("tax", {}, False), ("tax", {"CF_YJ": "《中华人民共和国消防法》第六十条"}, True)],
)
def test_minor_published_for_three_months_where_the_regulator_requires_it(
    department, sector_fields, published
):
    calc = _calc(published_on_switch=False, required={"departments": ["samr"], "sectors": ["消防"]})
    case = Case("x", D(2026, 5, 20), "罚款", severity="minor", department=department, fields=sector_fields)
    window = penalty_window(case, calc)
    assert window.publishable is published
    assert window.publish_until == D(2026, 8, 20)
    assert window.is_public_on(D(2026, 8, 20)) is published and not window.is_public_on(D(2026, 8, 21))
    if published:
        assert "主管部门要求公示" in window.rule


def test_supplied_publication_end_shortens_but_never_extends():
    shorter = penalty_window(Case("x", D(2026, 5, 20), "罚款", fields={"CF_GSJZQ": "2026-11-30"}))
    assert shorter.publish_until == D(2026, 11, 30) and "数据来源单位报送" in shorter.rule
    longer = penalty_window(Case("x", D(2026, 5, 20), "罚款", fields={"CF_GSJZQ": "2030-01-01"}))
    assert longer.publish_until == D(2027, 5, 20)


def test_rule_set_validation_of_the_new_keys():
    rules = copy.deepcopy(next(rs for rs in RULE_SETS if rs.code == "ndrc-36").rules)
    tiers = ["minor", "general", "serious"]
    assert rule_set_rules_issues(rules, tiers=tiers, penalty_kinds=None) == []
    rules["applies_to"] = "sometimes"
    assert any("applies_to" in m for m in rule_set_rules_issues(rules, tiers=tiers, penalty_kinds=None))
    rules["applies_to"] = APPLIES_TO_PUBLISHED
    rules["applies_to_basis"] = ""
    assert any("applies_to_basis" in m for m in rule_set_rules_issues(rules, tiers=tiers, penalty_kinds=None))
    rules["applies_to_basis"] = "信用办决定"
    rules["tiers"]["general"]["published_where_required"] = {"departments": ["samr"]}
    assert any("published: false" in m for m in rule_set_rules_issues(rules, tiers=tiers, penalty_kinds=None))


def test_penalty_item_maps_the_supplied_publication_end():
    assert PENALTY.core_fields["publish_until"] == "CF_GSJZQ"


# ---------------------------------------------------------------------------------------------------
# Stored records (SQLite and PostgreSQL): the credit office switches the transition, then recomputes.


@pytest.fixture
def stored(db, settings):
    from tests.subjects.factories import department, received
    from xinyong.catalog.selectors import catalog_item_current_version
    from xinyong.catalog.services import catalog_load_fixtures
    from xinyong.core.codes import SubjectKind
    from xinyong.records.models import Channel

    catalog_load_fixtures(as_of=D(2026, 6, 15))
    penalty = catalog_item_current_version(code="penalty")
    dept = department("tax", "税务局")
    company = subject_create(
        kind=SubjectKind.ORGANISATION, name="甲市某某科技有限公司", uscc="91350100M000100Y43"
    )

    def ingest(number: str, decided: dt.date, **fields):
        return record_ingest_row(
            item_version=penalty,
            department=dept,
            document_number=number,
            subject=company,
            decision_date=decided,
            fields={"CF_XDR_MC": company.name, "CF_WSH": number, "CF_CFLB": "罚款", **fields},
            severity="general",
            channel=Channel.FILE,
            received_at=received(),
        ).record

    return {
        "eve": ingest("税罚〔1〕号", SWITCH - DAY),
        "supplied": ingest("税罚〔2〕号", SWITCH - DAY, CF_GSJZQ="2026-12-31"),
        "after": ingest("税罚〔3〕号", SWITCH),
    }


def _switch_to_published_on_effective_date():
    def edit(rules: dict) -> None:
        rules["applies_to"] = APPLIES_TO_PUBLISHED
        rules["applies_to_basis"] = "市信用办决定：令第36号施行之日仍在公示的信息一并适用（测试）"

    return rule_set_revise("ndrc-36", edit, change_note="过渡适用")


def test_recompute_follows_the_transition_setting_and_keeps_supplied_ends(stored):
    eve, supplied, after = (stored[k] for k in ("eve", "supplied", "after"))
    assert eve.publish_until == D(2029, 3, 31)  # 令第58号, decision date 2026-03-31
    assert supplied.publish_until == D(2026, 12, 31)  # the department's 公示截止期
    assert after.publish_until == D(2027, 4, 1)
    call_command("publication", "recompute", "--all", stdout=None)
    for record in (eve, supplied, after):
        before = (record.publish_until, record.window_rule)
        record.refresh_from_db()
        assert (record.publish_until, record.window_rule) == before  # nothing changed, nothing overwritten
    assert _switch_to_published_on_effective_date().version == 2
    call_command("publication", "recompute", "--all", stdout=None)
    for record in (eve, supplied, after):
        record.refresh_from_db()
    assert (eve.publish_until, eve.rule_set_code) == (D(2027, 3, 31), "ndrc-36")
    assert "ndrc-36 v2" in eve.window_rule and "施行时仍在公示" in eve.window_rule
    assert supplied.publish_until == D(2026, 12, 31)  # still the department's date, inside the new maximum
    assert after.publish_until == D(2027, 4, 1)
