"""Which measures apply: published rulebook only, matters, department conditions, disputes, persons."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.support import make_user
from xinyong.accounts.models import Department, Role
from xinyong.jrp.measures.rulebook import measures_for, rulebook_compiled
from xinyong.jrp.measures.services import (
    MeasuresError,
    matter_save,
    measure_condition_set,
    measures_load_fixtures,
    rulebook_draft_create,
    rulebook_preview,
    rulebook_publish,
)
from xinyong.jrp.measures.signals import measures_load_after_migrate
from xinyong.jrp.models import Measure, Rulebook, RulebookStatus
from xinyong.jrp.types import Facts, Hit

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 15)
FACTS = Facts(subject_kind="organisation", as_of=AS_OF)


def hit(list_type="court_dishonest_debtor", colour="black", **extra) -> Hit:
    extra.setdefault("entry_id", 7)
    return Hit(list_type=list_type, list_name="失信被执行人", colour=colour, **extra)


@pytest.fixture
def departments(db):
    return {
        code: Department.objects.create(code=code, name=name)
        for code, name in (
            ("approval", "行政审批局"),
            ("samr", "市场监管局"),
            ("tax", "税务局"),
            ("court", "法院"),
        )
    }


@pytest.fixture
def operator(db):
    return make_user("op", Role.OPERATOR)


@pytest.fixture
def loaded(departments):
    return measures_load_fixtures(as_of=AS_OF)


def codes(results) -> list[str]:
    return [r.code for r in results]


def test_loading_the_fixtures_publishes_rulebook_one_once(loaded):
    assert loaded.published and loaded.rulebook.number == 1
    assert loaded.measures >= 20
    assert measures_load_fixtures(as_of=AS_OF, only_missing=True).rulebook is None
    assert Rulebook.objects.count() == 1
    assert Measure.objects.filter(implementing_department__code="approval").exists()


def test_measures_apply_by_list_type_and_colour(loaded):
    rb = rulebook_compiled()
    black = measures_for(rulebook=rb, hits=[hit()], facts=FACTS, matter_code="", department_id=None)
    assert "CD-02" in codes(black) and all(r.kind == "punishment" for r in black)
    assert black[0].conditions_met[0] == "命中名单：失信被执行人"
    red = measures_for(
        rulebook=rb, hits=[hit("taxpayer_a", "red")], facts=FACTS, matter_code="", department_id=None
    )
    assert red and all(r.kind == "incentive" for r in red)
    assert (
        measures_for(rulebook=rb, hits=[hit("unknown")], facts=FACTS, matter_code="", department_id=None)
        == []
    )


def test_a_measure_outside_the_published_rulebook_never_applies(loaded, operator, departments):
    draft = rulebook_draft_create(actor=operator)
    Measure.objects.create(
        rulebook=draft,
        code="NEW-01",
        kind="punishment",
        family="management",
        content="新措施",
        legal_basis="某规定",
        target="失信被执行人",
        list_type_codes=["court_dishonest_debtor"],
        stage="before",
        application="mandatory",
    )
    published = rulebook_compiled()
    assert published.number == 1
    assert "NEW-01" not in codes(
        measures_for(rulebook=published, hits=[hit()], facts=FACTS, matter_code="", department_id=None)
    )
    rulebook_preview(rulebook=draft, as_of=dt.date(2026, 6, 15), actor=operator)
    rulebook_publish(rulebook=draft, actor=operator)
    assert Rulebook.objects.get(number=1).status == RulebookStatus.SUPERSEDED
    now = rulebook_compiled()
    assert now.number == draft.number
    assert "NEW-01" in codes(
        measures_for(rulebook=now, hits=[hit()], facts=FACTS, matter_code="", department_id=None)
    )


def test_matters_limit_measures_to_their_department_or_their_list(loaded, operator, departments):
    matter_save(
        actor=operator,
        code="GP-1",
        name="政府采购供应商资格审查",
        stage="before",
        department=departments["approval"],
    )
    matter_save(
        actor=operator, code="SAMR-1", name="企业登记", stage="before", department=departments["samr"]
    )
    rb = rulebook_compiled()
    at_approval = codes(
        measures_for(rulebook=rb, hits=[hit()], facts=FACTS, matter_code="GP-1", department_id=None)
    )
    at_samr = codes(
        measures_for(rulebook=rb, hits=[hit()], facts=FACTS, matter_code="SAMR-1", department_id=None)
    )
    assert "CD-02" in at_approval and "CD-02" not in at_samr
    assert "CD-05" in at_samr and "CD-05" not in at_approval


def test_department_conditions_apply_only_to_that_department(loaded, operator, departments):
    draft = rulebook_draft_create(actor=operator)
    measure_condition_set(
        rulebook=draft,
        measure_code="CD-04",
        department=departments["approval"],
        expression={"pred": "amount", "op": "gte", "value": 10000},
        actor=operator,
    )
    rulebook_preview(rulebook=draft, as_of=dt.date(2026, 6, 15), actor=operator)
    rulebook_publish(rulebook=draft, actor=operator)
    rb = rulebook_compiled()
    approval = departments["approval"].pk
    small = measures_for(
        rulebook=rb, hits=[hit(amount=500.0)], facts=FACTS, matter_code="", department_id=approval
    )
    large = measures_for(
        rulebook=rb, hits=[hit(amount=50000.0)], facts=FACTS, matter_code="", department_id=approval
    )
    other = measures_for(
        rulebook=rb, hits=[hit(amount=500.0)], facts=FACTS, matter_code="", department_id=None
    )
    assert "CD-04" not in codes(small) and "CD-04" in codes(large) and "CD-04" in codes(other)
    result = next(r for r in large if r.code == "CD-04")
    assert "本部门条件：涉及金额不少于 10,000 元" in result.conditions_met


def test_disputed_hits_suspend_and_via_person_hits_get_person_measures_only(loaded):
    rb = rulebook_compiled()
    disputed = measures_for(
        rulebook=rb, hits=[hit(disputed=True)], facts=FACTS, matter_code="", department_id=None
    )
    assert disputed and all(r.suspended and r.suspended_reason for r in disputed)
    both = measures_for(
        rulebook=rb,
        hits=[hit(disputed=True), hit(entry_id=8)],
        facts=FACTS,
        matter_code="",
        department_id=None,
    )
    assert not any(r.suspended for r in both)
    person = measures_for(
        rulebook=rb,
        hits=[hit(via_person=True, organisation_name="某公司")],
        facts=Facts("natural_person", AS_OF),
        matter_code="",
        department_id=None,
    )
    assert codes(person) == ["CD-01"]
    assert person[0].via_person and "申请人为某公司的法定代表人或主要负责人" in person[0].conditions_met


def test_ended_entries_only_get_measures_that_continue_after_removal(loaded):
    rb = rulebook_compiled()
    ended = hit("market_serious_violation", effective_until=AS_OF - dt.timedelta(days=40))
    assert codes(
        measures_for(rulebook=rb, hits=[ended], facts=FACTS, matter_code="", department_id=None)
    ) == ["MS-02"]
    long_ago = hit("market_serious_violation", effective_until=AS_OF - dt.timedelta(days=400))
    assert measures_for(rulebook=rb, hits=[long_ago], facts=FACTS, matter_code="", department_id=None) == []
    # The shipped list's longest continuation, which tells the check how far back to read ended entries.
    assert rb.max_continuation_months == 12
    [result] = measures_for(rulebook=rb, hits=[ended], facts=FACTS, matter_code="", department_id=None)
    assert result.continues_months == 12 and "移出名单后继续实施 12 个月" in result.conditions_met


@pytest.mark.parametrize(
    ("last_in_force", "applies_to", "not_on"),
    [
        (dt.date(2026, 2, 28), dt.date(2027, 2, 28), dt.date(2027, 3, 1)),  # removed on 1 March 2026
        (dt.date(2025, 6, 14), dt.date(2026, 6, 14), dt.date(2026, 6, 15)),
        (dt.date(2024, 2, 29), dt.date(2025, 2, 28), dt.date(2025, 3, 1)),  # no 29 February: month's end
    ],
)
def test_a_continuation_ends_on_the_same_day_months_later(loaded, last_in_force, applies_to, not_on):
    rb = rulebook_compiled()
    ended = hit("market_serious_violation", effective_until=last_in_force)
    for day, expected in (
        (last_in_force + dt.timedelta(days=1), ["MS-02"]),
        (applies_to, ["MS-02"]),
        (not_on, []),
    ):
        facts = Facts(subject_kind="organisation", as_of=day)
        found = measures_for(rulebook=rb, hits=[ended], facts=facts, matter_code="", department_id=None)
        assert codes(found) == expected, day


def test_only_drafts_change_and_only_allowed_people_change_them(loaded, operator, departments):
    published = Rulebook.objects.get(status=RulebookStatus.PUBLISHED)
    with pytest.raises(MeasuresError) as exc:
        measure_condition_set(
            rulebook=published,
            measure_code="CD-04",
            department=departments["approval"],
            expression={},
            actor=operator,
        )
    assert exc.value.code == "not_draft"
    draft = rulebook_draft_create(actor=operator)
    with pytest.raises(MeasuresError):
        rulebook_draft_create(actor=operator)
    reviewer = make_user("rev", Role.REVIEWER, departments["samr"])
    with pytest.raises(MeasuresError) as exc:
        measure_condition_set(
            rulebook=draft,
            measure_code="CD-04",
            department=departments["approval"],
            expression={"pred": "amount", "op": "gte", "value": 1},
            actor=reviewer,
        )
    assert exc.value.code == "forbidden"
    with pytest.raises(MeasuresError) as exc:
        measure_condition_set(
            rulebook=draft,
            measure_code="CD-04",
            department=departments["samr"],
            expression={"pred": "amount", "op": "bogus", "value": 1},
            actor=reviewer,
        )
    assert exc.value.code == "operator_unknown"
    with pytest.raises(MeasuresError):
        rulebook_publish(rulebook=draft, actor=reviewer)


def test_a_draft_is_published_only_after_its_impact_preview(departments, operator):
    """Any channel (console, API, a script) must run the preview first: the service refuses otherwise."""
    measures_load_fixtures(as_of=AS_OF)
    draft = rulebook_draft_create(actor=operator)
    with pytest.raises(MeasuresError) as exc:
        rulebook_publish(rulebook=draft, actor=operator)
    assert exc.value.code == "preview_required"
    assert Rulebook.objects.get(pk=draft.pk).status == RulebookStatus.DRAFT
    rulebook_preview(rulebook=draft, as_of=AS_OF, actor=operator)
    assert rulebook_publish(rulebook=draft, actor=operator).status == RulebookStatus.PUBLISHED


def test_with_500_measures_only_those_of_the_hit_list_types_and_met_conditions_apply(departments, operator):
    measures_load_fixtures(as_of=AS_OF)
    draft = rulebook_draft_create(actor=operator)
    Measure.objects.bulk_create(
        Measure(
            rulebook=draft,
            code=f"X-{i:03}",
            kind="punishment",
            family="management",
            content="措施",
            legal_basis="依据",
            target="对象",
            list_type_codes=[f"type_{i % 50}"],
            stage="before",
            application="mandatory",
            condition={
                "all": [
                    {"pred": "subject_kind", "op": "in", "value": ["organisation", "individual_business"]},
                    {
                        "any": [
                            {"pred": "level", "op": "at_least", "value": "heavier"},
                            {"pred": "amount", "op": "gte", "value": i},
                        ]
                    },
                ]
            },
        )
        for i in range(500)
    )
    rulebook_preview(rulebook=draft, as_of=dt.date(2026, 6, 15), actor=operator)
    rulebook_publish(rulebook=draft, actor=operator)
    rb = rulebook_compiled()
    # a subject on three lists: 4 shipped measures and 2 × 10 of the generated ones apply
    hits = [
        hit(level="serious", amount=1e6),
        hit("type_3", level="heavier", amount=1e6),
        hit("type_7", amount=1e6),
    ]
    # Its speed is measured by bench/check.py, not here.
    assert len(measures_for(rulebook=rb, hits=hits, facts=FACTS, matter_code="", department_id=1)) == 24


def test_the_command_loads_then_makes_a_draft(departments):
    out = StringIO()
    call_command("jrp", "measures", "load", "--as-of", "2026-06-15", stdout=out)
    assert "并公布" in out.getvalue()
    call_command("jrp", "measures", "load", stdout=out)
    assert "草稿" in out.getvalue()
    assert Rulebook.objects.get(status=RulebookStatus.DRAFT).number == 2
    with pytest.raises(CommandError):
        call_command("jrp", "measures", "load", stdout=out)


def test_migrate_loads_the_list_only_into_a_database_without_one(departments, settings):
    settings.JRP_MEASURES_LOAD_ON_MIGRATE = True
    measures_load_after_migrate(None, using="default", verbosity=0)
    assert Rulebook.objects.get().status == RulebookStatus.PUBLISHED
    measures_load_after_migrate(None, using="default", verbosity=0)
    assert Rulebook.objects.count() == 1
    settings.JRP_MEASURES_LOAD_ON_MIGRATE = False
    Rulebook.objects.update(status=RulebookStatus.SUPERSEDED)


def test_a_renamed_department_is_named_anew_in_answers_without_a_publication(loaded, monkeypatch):
    from xinyong.jrp.measures import rulebook as rulebook_module

    monkeypatch.setattr(rulebook_module, "PUBLISHED_TTL_SECONDS", 0.0)  # re-read at once, as after 2 s
    before = rulebook_compiled()
    measure = next(m for m in before.measures if m.implementing_department_id is not None)
    department = Department.objects.get(pk=measure.implementing_department_id)
    assert measure.implementing_department == department.name
    department.name = f"{department.name}（更名）"
    department.save()
    after = rulebook_compiled()
    renamed = next(m for m in after.measures if m.code == measure.code)
    assert renamed.implementing_department == department.name
    assert rulebook_compiled() is after  # nothing else changed: the compiled rulebook is reused
