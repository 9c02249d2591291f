# ruff: noqa: F811  (fixtures imported from tests.lists.decided_support)
"""Escalation as data (忻州 example): two acts of one type or three of any type within a year propose an
entry one level up; proposals only, set-based, idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from tests.factories import subject_create
from tests.lists.decided_support import (  # noqa: F401
    catalog,
    company,
    escalation_rules,
    fast_password_hashing,
    penalty,
    samr,
    tax,
)
from tests.subjects.factories import uscc
from xinyong.core.codes import SubjectKind
from xinyong.lists.escalation import escalation_after_batch, escalation_evaluate, escalation_rules_load
from xinyong.lists.hooks import lists_after_batch
from xinyong.lists.models import EntryOrigin, EntryState, EscalationRule, ListEntry
from xinyong.lists.selectors import entries_in_force

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("escalation_rules")]

AS_OF = dt.date(2026, 6, 15)
LIST_TYPE = "enterprise_dishonesty_level"


def proposals():
    return list(ListEntry.objects.filter(list_type__code=LIST_TYPE).order_by("pk"))


def test_the_rule_and_its_list_type_are_loaded():
    rule = EscalationRule.objects.get(code="xinzhou_enterprise_levels", active=True)
    assert rule.definition["same_type_count"] == 2 and rule.definition["any_type_count"] == 3
    assert [level["name"] for level in rule.definition["levels"]] == ["一般失信", "较重失信", "严重失信"]
    # Loading again changes nothing.
    report = escalation_rules_load()
    assert report.rules_created == [] and report.list_types_created == []


def test_two_acts_of_the_same_type_propose_the_next_level(catalog, company, samr):
    first = penalty(company, samr, on=dt.date(2025, 9, 1))
    second = penalty(company, samr, on=dt.date(2026, 5, 1))
    report = escalation_evaluate(as_of=AS_OF, subject_ids=[company.pk])
    [entry] = proposals()
    assert report.proposed == [entry.pk]
    assert entry.state == EntryState.PROPOSED and entry.origin == EntryOrigin.ESCALATION
    assert entry.level == "dishonest_major"
    assert sorted(entry.basis_record_ids) == sorted([first.pk, second.pk])
    assert entry.department == samr and "由一般失信升为较重失信" in entry.reason
    # Proposed, never listed.
    assert not entries_in_force(as_of=AS_OF).exists()


def test_two_acts_of_different_types_are_not_enough_but_three_are(catalog, company, samr, tax):
    penalty(company, samr, on=dt.date(2025, 9, 1))
    penalty(company, tax, on=dt.date(2026, 1, 1))
    escalation_evaluate(as_of=AS_OF)
    assert proposals() == []
    penalty(company, tax.__class__.objects.create(code="env", name="甲市生态环境局"), on=dt.date(2026, 3, 1))
    escalation_evaluate(as_of=AS_OF)
    [entry] = proposals()
    assert len(entry.basis_record_ids) == 3 and entry.level == "dishonest_major"


def test_acts_outside_the_one_year_window_do_not_count(catalog, company, samr):
    penalty(company, samr, on=dt.date(2025, 6, 15))  # one year and a day before AS_OF... not inside
    penalty(company, samr, on=dt.date(2026, 6, 1))
    escalation_evaluate(as_of=AS_OF)
    assert proposals() == []
    escalation_evaluate(as_of=dt.date(2026, 6, 14))
    assert len(proposals()) == 1


def test_idempotent_and_the_same_basis_never_proposes_twice(catalog, company, samr):
    penalty(company, samr, on=dt.date(2026, 1, 1))
    penalty(company, samr, on=dt.date(2026, 2, 1))
    escalation_evaluate(as_of=AS_OF)
    escalation_evaluate(as_of=AS_OF)
    [entry] = proposals()
    # Declined: the same acts do not propose again.
    entry.state = EntryState.DECLINED
    entry.save()
    assert escalation_evaluate(as_of=AS_OF).proposed == []
    assert len(proposals()) == 1


def test_new_acts_after_a_proposal_move_one_more_level_up(catalog, company, samr):
    penalty(company, samr, on=dt.date(2026, 1, 1))
    penalty(company, samr, on=dt.date(2026, 2, 1))
    escalation_evaluate(as_of=AS_OF)
    penalty(company, samr, on=dt.date(2026, 3, 1))
    escalation_evaluate(as_of=AS_OF)
    assert len(proposals()) == 1  # one new act alone is not enough
    penalty(company, samr, on=dt.date(2026, 4, 1))
    escalation_evaluate(as_of=AS_OF)
    assert [e.level for e in proposals()] == ["dishonest_major", "dishonest_serious"]
    penalty(company, samr, on=dt.date(2026, 5, 1))
    penalty(company, samr, on=dt.date(2026, 5, 2))
    escalation_evaluate(as_of=AS_OF)
    assert len(proposals()) == 2  # 严重失信 is the top level


def test_natural_persons_are_not_enterprises(catalog, samr):
    person = subject_create(kind=SubjectKind.NATURAL_PERSON, name="李四", ric="11010519491231002X")
    penalty(person, samr, on=dt.date(2026, 1, 1))
    penalty(person, samr, on=dt.date(2026, 2, 1))
    escalation_evaluate(as_of=AS_OF)
    assert proposals() == []


def test_after_batch_evaluates_only_the_batch_subjects(catalog, company, samr):
    other = subject_create(kind=SubjectKind.ORGANISATION, name="甲市另一有限公司", uscc=uscc(8))
    penalty(other, samr, on=dt.date(2026, 1, 1))
    penalty(other, samr, on=dt.date(2026, 2, 1))
    penalty(company, samr, on=dt.date(2026, 1, 1))
    last = penalty(company, samr, on=dt.date(2026, 2, 1), number="甲市监罚〔2026〕900号")
    report = escalation_after_batch(batch_ref=last.current_version.batch_ref, as_of=AS_OF)
    assert report.subjects_checked == 1
    assert [e.subject_id for e in proposals()] == [company.pk]
    lists_after_batch(batch_ref="batch-甲市监罚〔2026〕900号", as_of=AS_OF)
    assert len(proposals()) == 1


def test_command_runs_a_full_evaluation(catalog, company, samr, capsys):
    penalty(company, samr, on=dt.date(2026, 1, 1))
    penalty(company, samr, on=dt.date(2026, 2, 1))
    call_command("lists", "escalate", "--as-of", "2026-06-15")
    assert "提出拟列入 1 条" in capsys.readouterr().out
    assert len(proposals()) == 1
