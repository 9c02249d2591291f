"""The condition language: every operator true and false, hostile conditions refused, explanations."""

from __future__ import annotations

import datetime as dt

import pytest

from xinyong.jrp.measures.conditions import (
    ConditionContext,
    ConditionError,
    condition_compile,
    condition_describe,
    condition_validate,
)
from xinyong.jrp.types import Facts, Hit

AS_OF = dt.date(2026, 6, 15)


def ctx(*, matter="M1", stage="before", facts=None, **hit) -> ConditionContext:
    values = {
        "entry_id": 1,
        "list_type": "court_dishonest_debtor",
        "list_name": "失信被执行人",
        "colour": "black",
    }
    values.update(hit)
    return ConditionContext(
        hit=Hit(**values),
        facts=facts or Facts(subject_kind="organisation", as_of=AS_OF),
        matter_code=matter,
        matter_stage=stage,
    )


def holds(condition, context) -> bool:
    return condition_compile(condition_validate(condition)).test(context)


def leaf(pred, op, value):
    return {"pred": pred, "op": op, "value": value}


CASES = [
    # (condition, context that holds, context that does not)
    (leaf("subject_kind", "in", ["organisation"]), ctx(), ctx(facts=Facts("natural_person", AS_OF))),
    (leaf("subject_kind", "not_in", ["natural_person"]), ctx(), ctx(facts=Facts("natural_person", AS_OF))),
    (leaf("list_type", "in", ["court_dishonest_debtor"]), ctx(), ctx(list_type="tax_major_violation")),
    (leaf("list_type", "not_in", ["tax_major_violation"]), ctx(), ctx(list_type="tax_major_violation")),
    (leaf("level", "in", ["serious"]), ctx(level="serious"), ctx(level="general")),
    (leaf("level", "at_least", "heavier"), ctx(level="serious"), ctx(level="general")),
    (leaf("level", "at_least", "heavier"), ctx(level="heavier"), ctx(level="")),
    (
        leaf("entry_age_days", "gte", 30),
        ctx(effective_from=AS_OF - dt.timedelta(days=30)),
        ctx(effective_from=AS_OF - dt.timedelta(days=29)),
    ),
    (
        leaf("entry_age_days", "lte", 30),
        ctx(effective_from=AS_OF - dt.timedelta(days=30)),
        ctx(effective_from=AS_OF - dt.timedelta(days=31)),
    ),
    (
        leaf("entry_age_months", "gte", 12),
        ctx(effective_from=dt.date(2025, 6, 15)),
        ctx(effective_from=dt.date(2025, 6, 16)),
    ),
    (
        leaf("entry_age_months", "lte", 2),
        ctx(effective_from=dt.date(2026, 4, 15)),
        ctx(effective_from=dt.date(2026, 3, 14)),
    ),
    (leaf("entry_age_months", "gte", 0), ctx(effective_from=AS_OF), ctx(effective_from=None)),
    (leaf("amount", "gte", 100_000), ctx(amount=100_000.0), ctx(amount=99_999.5)),
    (leaf("amount", "lte", 100_000), ctx(amount=5.0), ctx(amount=None)),
    (
        leaf("continues_after_removal", "months", 6),
        ctx(effective_until=dt.date(2026, 1, 1)),
        ctx(effective_until=dt.date(2025, 12, 1)),
    ),
    (
        leaf("clean_years", "gte", 3),
        ctx(facts=Facts("organisation", AS_OF, last_negative_on=dt.date(2023, 6, 14))),
        ctx(facts=Facts("organisation", AS_OF, last_negative_on=dt.date(2023, 6, 15))),
    ),
    (leaf("clean_years", "gte", 3), ctx(), ctx(facts=Facts("organisation", AS_OF, last_negative_on=AS_OF))),
    (
        leaf("negative_count_3y", "gte", 2),
        ctx(facts=Facts("organisation", AS_OF, negative_count_3y=2)),
        ctx(),
    ),
    (
        leaf("negative_count_3y", "lte", 0),
        ctx(),
        ctx(facts=Facts("organisation", AS_OF, negative_count_3y=1)),
    ),
    (leaf("matter", "in", ["M1"]), ctx(), ctx(matter="M2")),
    (leaf("matter", "not_in", ["M2"]), ctx(), ctx(matter="M2")),
    (leaf("stage", "in", ["before"]), ctx(), ctx(stage="after")),
    (leaf("via_person", "is", True), ctx(via_person=True), ctx()),
    (
        {"all": [leaf("amount", "gte", 1), leaf("level", "in", ["serious"])]},
        ctx(amount=2.0, level="serious"),
        ctx(amount=2.0),
    ),
    (
        {"any": [leaf("amount", "gte", 1), leaf("level", "in", ["serious"])]},
        ctx(level="serious"),
        ctx(level="general"),
    ),
    (
        {"not": leaf("subject_kind", "in", ["natural_person"])},
        ctx(),
        ctx(facts=Facts("natural_person", AS_OF)),
    ),
    ({}, ctx(), None),
]


@pytest.mark.parametrize(("condition", "yes", "no"), CASES, ids=[str(c[0])[:60] for c in CASES])
def test_every_operator_true_and_false(condition, yes, no):
    assert holds(condition, yes) is True
    if no is not None:
        assert holds(condition, no) is False


HOSTILE = [
    ("__import__('os').system('true')", "condition_json_invalid"),
    ('["a"]', "condition_not_object"),
    ({"pred": "eval", "op": "in", "value": ["x"]}, "predicate_unknown"),
    ({"pred": "amount", "op": "__class__", "value": 1}, "operator_unknown"),
    ({"pred": "amount", "op": "gte", "value": "1e9"}, "value_type"),
    ({"pred": "amount", "op": "gte", "value": True}, "value_type"),
    ({"pred": "level", "op": "at_least", "value": "worst"}, "value_unknown"),
    ({"pred": "subject_kind", "op": "in", "value": ["robot"]}, "value_unknown"),
    ({"pred": "list_type", "op": "in", "value": []}, "value_type"),
    ({"pred": "list_type", "op": "in", "value": [{"a": 1}]}, "value_type"),
    ({"pred": "list_type", "op": "in", "value": ["x" * 101]}, "value_type"),
    ({"pred": "amount", "op": "gte", "value": 1, "extra": 1}, "condition_node_invalid"),
    ({"all": []}, "condition_group_empty"),
    ({"all": {"pred": "amount"}}, "condition_group_empty"),
    ({"not": []}, "condition_node_invalid"),
    ({"pred": "list_type", "op": "in", "value": ["a"] * 600}, "value_too_long"),
    ({"all": [{"pred": "amount", "op": "gte", "value": 1}] * 250}, "condition_too_many_nodes"),
    ("{" * 5000, "condition_json_invalid"),
    ("x" * 30_000, "condition_too_large"),
]


@pytest.mark.parametrize(("condition", "code"), HOSTILE, ids=[c[1] + str(i) for i, c in enumerate(HOSTILE)])
def test_hostile_conditions_are_refused_with_a_code_and_a_message(condition, code):
    with pytest.raises(ConditionError) as exc:
        condition_validate(condition)
    assert exc.value.code == code
    assert exc.value.message


def test_deep_nesting_is_refused():
    node = {"pred": "amount", "op": "gte", "value": 1}
    for _ in range(20):
        node = {"not": node}
    with pytest.raises(ConditionError) as exc:
        condition_validate(node)
    assert exc.value.code == "condition_too_deep"


def test_invisible_characters_are_stripped_from_codes():
    cleaned = condition_validate({"pred": "matter", "op": "in", "value": ["M\u200b1"]})
    assert cleaned["value"] == ["M1"]


def test_explanations_in_chinese_list_the_predicates_that_held():
    condition = condition_validate(
        {
            "all": [
                {"pred": "level", "op": "at_least", "value": "heavier"},
                {
                    "any": [
                        {"pred": "amount", "op": "gte", "value": 100000},
                        {"pred": "clean_years", "op": "gte", "value": 3},
                    ]
                },
            ]
        }
    )
    compiled = condition_compile(condition)
    context = ctx(
        level="serious", amount=200_000.0, facts=Facts("organisation", AS_OF, last_negative_on=AS_OF)
    )
    assert compiled.test(context)
    assert compiled.explain(context) == ["失信等级不低于较重", "涉及金额不少于 100,000 元"]
    assert "或" in condition_describe(condition)
