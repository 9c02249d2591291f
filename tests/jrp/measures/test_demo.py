"""The demo county's matters, measure list and department conditions (idempotent)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support import make_user
from xinyong.accounts.models import Department, Role
from xinyong.demo.jrp_measures import DEMO_MATTERS, demo_jrp_measures
from xinyong.jrp.measures.rulebook import measures_for, rulebook_compiled
from xinyong.jrp.models import Matter, MeasureCondition, Rulebook, RulebookStatus
from xinyong.jrp.types import Facts, Hit

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 15)


def test_the_demo_publishes_a_version_with_department_conditions_once():
    codes = {d for d, *_ in DEMO_MATTERS} | {"court"}
    departments = {code: Department.objects.create(code=code, name=f"示范县{code}") for code in codes}
    make_user("xinban", Role.OPERATOR)
    first = demo_jrp_measures(departments=departments, as_of=AS_OF)
    assert first.matters_created == len(DEMO_MATTERS) and first.conditions == 5
    published = Rulebook.objects.get(status=RulebookStatus.PUBLISHED)
    assert published.number == first.rulebook
    assert MeasureCondition.objects.filter(rulebook=published).count() == 5
    again = demo_jrp_measures(departments=departments, as_of=AS_OF)
    assert again.matters_created == 0 and again.conditions == 0
    assert Rulebook.objects.count() == 2 and Matter.objects.count() == len(DEMO_MATTERS)
    rb = rulebook_compiled()
    hit = Hit(entry_id=1, list_type="court_dishonest_debtor", list_name="失信被执行人", colour="black")
    facts = Facts(subject_kind="organisation", as_of=AS_OF)
    at_procurement = measures_for(
        rulebook=rb,
        hits=[hit],
        facts=facts,
        matter_code="ZF-CG-001",
        department_id=departments["approval"].pk,
    )
    assert "CD-02" in [r.code for r in at_procurement]
    at_invoice = measures_for(
        rulebook=rb, hits=[hit], facts=facts, matter_code="SW-FP-001", department_id=None
    )
    assert "CD-02" not in [r.code for r in at_invoice]
