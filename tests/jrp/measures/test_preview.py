"""Impact preview: logged checks replayed against a draft; the diff; the summary stored on publication."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support import make_user
from xinyong.accounts.models import Department, Role
from xinyong.jrp.measures.rulebook import measures_for, rulebook_compiled
from xinyong.jrp.measures.services import (
    measure_condition_set,
    measures_load_fixtures,
    rulebook_draft_create,
    rulebook_preview,
    rulebook_publish,
)
from xinyong.jrp.models import CheckLog, Measure, Rulebook
from xinyong.jrp.types import CheckAnswer, Facts, Hit

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 15)


@pytest.fixture
def world(db):
    approval = Department.objects.create(code="approval", name="行政审批局")
    measures_load_fixtures(as_of=AS_OF)
    return {"approval": approval, "operator": make_user("op", Role.OPERATOR)}


def log_check(*, subject_id, hits, department, days_ago=1, matter=""):
    facts = Facts(subject_kind="organisation", as_of=AS_OF - dt.timedelta(days=days_ago))
    rb = rulebook_compiled()
    measures = measures_for(
        rulebook=rb, hits=hits, facts=facts, matter_code=matter, department_id=department.pk
    )
    answer = CheckAnswer(
        check_id=None,
        outcome="hit",
        as_of=facts.as_of,
        subject={
            "id": subject_id,
            "name": f"主体{subject_id}",
            "kind": "organisation",
            "code": f"91{subject_id:016}",
        },
        hits=list(hits),
        measures=measures,
        rulebook_number=rb.number,
        facts=facts,
    )
    return CheckLog.objects.create(
        checked_on=facts.as_of,
        as_of=facts.as_of,
        channel="api",
        department=department,
        purpose="行政许可",
        matter_code=matter,
        query_kind="uscc",
        query_text="x",
        subject_id=subject_id,
        outcome="hit",
        hit_count=len(hits),
        measure_count=len(measures),
        rulebook_number=rb.number,
        answer=answer.as_json(),
    )


def court(amount, **extra):
    return Hit(
        entry_id=1,
        list_type="court_dishonest_debtor",
        list_name="失信被执行人",
        colour="black",
        amount=amount,
        **extra,
    )


def test_the_preview_lists_subjects_whose_answer_changes(world):
    approval, operator = world["approval"], world["operator"]
    log_check(subject_id=1, hits=[court(500.0)], department=approval)
    log_check(subject_id=1, hits=[court(500.0)], department=approval, days_ago=3)
    log_check(subject_id=2, hits=[court(50_000.0)], department=approval)
    log_check(subject_id=3, hits=[court(500.0)], department=approval, days_ago=120)  # outside the 90 days
    log_check(subject_id=4, hits=[court(500.0, disputed=True)], department=approval)
    draft = rulebook_draft_create(actor=operator)
    measure_condition_set(
        rulebook=draft,
        measure_code="CD-04",
        department=approval,
        expression={"pred": "amount", "op": "gte", "value": 10_000},
        actor=operator,
    )
    Measure.objects.filter(rulebook=draft, code="CD-05").delete()
    summary = rulebook_preview(rulebook=draft, as_of=AS_OF, actor=operator)
    assert summary["counts"] == {"replayed": 4, "changed": 4, "subjects_changed": 3, "unreadable": 0}
    rows = {row["subject_id"]: row for row in summary["rows"]}
    assert set(rows) == {1, 2, 4}
    assert rows[1]["removed"] == ["CD-04", "CD-05"] and rows[1]["added"] == []
    assert rows[2]["removed"] == ["CD-05"]
    assert summary["removed_by_measure"] == {"CD-05": 4, "CD-04": 3}
    published = rulebook_publish(rulebook=draft, actor=operator)
    stored = Rulebook.objects.get(pk=published.pk).preview_summary
    assert stored["counts"]["subjects_changed"] == 3 and "rows" not in stored


def test_an_unchanged_draft_changes_nobody_and_unreadable_answers_are_counted(world):
    approval, operator = world["approval"], world["operator"]
    log_check(subject_id=1, hits=[court(500.0)], department=approval)
    bad = log_check(subject_id=2, hits=[court(500.0)], department=approval)
    CheckLog.objects.filter(pk=bad.pk).update(answer={"hits": "garbage", "measures": 5})
    draft = rulebook_draft_create(actor=operator)
    summary = rulebook_preview(rulebook=draft, as_of=AS_OF, actor=operator)
    assert summary["counts"] == {"replayed": 1, "changed": 0, "subjects_changed": 0, "unreadable": 1}
    assert summary["rows"] == []
