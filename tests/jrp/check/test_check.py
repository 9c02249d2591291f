"""The credit check: in force on the day, exact codes decisive, names only candidates, 落实到人, suspension,
the log row and pending feedback."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.jrp.check.conftest import (
    AS_OF,
    CLEAN_USCC,
    LISTED_USCC,
    MATTER,
    OTHER_RIC,
    PERSON_RIC,
    entry_create,
    listed_record,
)
from tests.support import make_user
from xinyong.accounts.models import Role
from xinyong.jrp.check.services import CheckError, check_many, check_run
from xinyong.jrp.models import CheckLog, CheckLogChangeRefused, FeedbackState, Measure, MeasureFeedback
from xinyong.lists.models import EntryState
from xinyong.records.services import record_change_status, record_mark_disputed, record_mark_repaired

pytestmark = pytest.mark.django_db


def run(world, query, *, as_of=AS_OF, **kw):
    kw.setdefault("matter_code", MATTER)
    return check_run(
        requester=world.requester(),
        purpose="办理食品经营许可",
        query=query,
        as_of=as_of,
        channel="api",
        **kw,
    )


def codes(answer):
    return sorted(m.code for m in answer.measures if not m.suspended)


def test_exact_uscc_hit_gives_measures_basis_and_explanation(world):
    answer = run(world, LISTED_USCC)
    assert answer.outcome == "hit"
    assert answer.subject["name"] == "甲市示例食品有限公司"
    assert [h.list_type for h in answer.hits] == ["samr_serious"]
    assert codes(answer) == ["M-LIMIT", "M-PERSON", "M-WATCH"]
    assert answer.rulebook_number == 1
    text = "".join(answer.explanation)
    assert "市场监督管理严重违法失信名单" in text and "2026年3月1日" in text
    assert "【强制】依法限制其申请食品经营许可" in text and "国办发〔2020〕49号" in text
    assert answer.facts.last_negative_on == dt.date(2026, 3, 1)
    assert answer.facts.negative_count_3y == 1


def test_clean_subject_and_unknown_code(world):
    clean = run(world, CLEAN_USCC.lower())
    assert clean.outcome == "clean" and clean.hits == [] and clean.measures == []
    assert "未被列入任何有效的红黑名单" in clean.explanation[-1]
    unknown = run(world, "91350100MA2YBPC41T")
    assert unknown.outcome in ("not_found", "invalid")


def test_invalid_code_is_answered_and_logged(world):
    answer = run(world, "91350100MA2YBPC41", query_kind="uscc")
    assert answer.outcome == "invalid" and answer.error_code == "uscc_length"
    assert CheckLog.objects.get(pk=answer.check_id).outcome == "invalid"


def test_request_errors_are_refused_without_a_log(world):
    with pytest.raises(CheckError) as purpose:
        check_run(
            requester=world.requester(),
            purpose=" ",
            matter_code="",
            query=LISTED_USCC,
            as_of=AS_OF,
            channel="api",
        )
    assert purpose.value.code == "purpose_required"
    with pytest.raises(CheckError) as matter:
        run(world, LISTED_USCC, matter_code="NO-SUCH")
    assert matter.value.code == "matter_unknown"
    assert CheckLog.objects.count() == 0


@pytest.mark.parametrize(
    ("as_of", "outcome"),
    [
        (dt.date(2026, 2, 28), "clean"),  # before the entry's start
        (dt.date(2026, 3, 1), "hit"),  # first day
        (dt.date(2026, 12, 31), "hit"),  # last day
        (dt.date(2027, 1, 1), "clean"),  # the day after
    ],
)
def test_in_force_at_the_window_boundaries(world, as_of, outcome):
    world.entry.effective_until = dt.date(2026, 12, 31)
    world.entry.save()
    assert run(world, LISTED_USCC, as_of=as_of).outcome == outcome


def test_entry_not_effective_is_not_a_hit(world):
    world.entry.state = EntryState.REMOVED
    world.entry.save()
    assert run(world, LISTED_USCC).outcome == "clean"


def test_revoked_and_repaired_records_are_not_in_force(world):
    record_mark_repaired(record=world.record, actor=None, reason="信用修复决定 2026-001", on_date=AS_OF)
    assert run(world, LISTED_USCC).outcome == "clean"
    other = listed_record(department=world.samr, subject=world.listed, number="甲市监严〔2026〕2号")
    entry_create(list_type=world.list_type, subject=world.listed, record=other, department=world.samr)
    assert run(world, LISTED_USCC).outcome == "hit"
    officer = make_user("officer", role=Role.DATA_OFFICER, department=world.samr)
    record_change_status(record=other, status="revoked", actor=officer, reason="决定已撤销", as_of=AS_OF)
    assert run(world, LISTED_USCC).outcome == "clean"


def test_disputed_record_suspends_and_undisputing_lifts(world):
    record_mark_disputed(
        record=world.record, disputed=True, actor=None, reason="异议申请 1 号", on_date=AS_OF
    )
    answer = run(world, LISTED_USCC)
    assert answer.outcome == "hit" and answer.hits[0].disputed
    assert codes(answer) == []
    assert all(m.suspended for m in answer.measures) and len(answer.measures) == 3
    assert "暂停执行" in "".join(answer.explanation)
    assert MeasureFeedback.objects.count() == 0
    record_mark_disputed(record=world.record, disputed=False, actor=None, reason="异议不成立", on_date=AS_OF)
    assert codes(run(world, LISTED_USCC)) == ["M-LIMIT", "M-PERSON", "M-WATCH"]


def test_disputed_entry_suspends(world):
    world.entry.disputed = True
    world.entry.save()
    assert all(m.suspended for m in run(world, LISTED_USCC).measures)


def test_name_only_never_punishes_and_confirmation_does(world):
    answer = run(world, "甲市示例食品有限公司")
    assert answer.outcome == "candidates"
    assert answer.measures == [] and answer.hits == []
    assert answer.candidates[0]["subject_id"] == world.listed.pk
    assert "确认前不适用任何惩戒措施" in "".join(answer.explanation)
    assert MeasureFeedback.objects.count() == 0
    confirmed = run(world, "甲市示例食品有限公司", confirm_subject_id=world.listed.pk)
    assert confirmed.outcome == "hit" and confirmed.subject["confirmed"] is True
    assert codes(confirmed) == ["M-LIMIT", "M-PERSON", "M-WATCH"]
    log = CheckLog.objects.get(pk=confirmed.check_id)
    assert log.query_kind == "name" and "确认主体" in log.query_text and log.subject_id == world.listed.pk
    with pytest.raises(CheckError) as refused:
        run(world, "甲市示例食品有限公司", confirm_subject_id=world.clean.pk + 1000)
    assert refused.value.code == "confirm_not_candidate"


def test_responsible_person_by_id_gets_extended_measures_only(world):
    answer = run(world, PERSON_RIC)
    assert answer.outcome == "hit"
    assert answer.hits[0].via_person and answer.hits[0].organisation_name == "甲市示例食品有限公司"
    assert codes(answer) == ["M-PERSON"]
    assert "法定代表人" in "".join(answer.explanation)
    assert answer.subject["code"] == PERSON_RIC[:6] + "********" + PERSON_RIC[-4:]
    assert PERSON_RIC not in json.dumps(answer.as_json(), ensure_ascii=False)
    assert run(world, OTHER_RIC).outcome == "not_found"


def test_responsible_person_by_name_is_only_a_candidate(world):
    answer = run(world, "张三")
    assert answer.measures == [] and answer.hits == []
    persons = [c for c in answer.candidates if c["candidate_kind"] == "responsible_person"]
    assert persons and persons[0]["organisation_id"] == world.listed.pk
    assert PERSON_RIC not in json.dumps(answer.as_json(), ensure_ascii=False)
    assert "仅凭姓名不能认定为同一人" in "".join(answer.explanation)


def test_log_row_holds_the_answer_and_no_full_id(world):
    answer = run(world, PERSON_RIC)
    log = CheckLog.objects.get(pk=answer.check_id)
    assert log.query_kind == "ric" and log.channel == "api" and log.department_id == world.samr.pk
    assert log.query_text == PERSON_RIC[:6] + "********" + PERSON_RIC[-4:]
    assert log.outcome == "hit" and log.hit_count == 1 and log.measure_count == 1 and log.rulebook_number == 1
    assert log.answer["facts"]["subject_kind"] == "natural_person"
    assert log.purpose == "办理食品经营许可" and log.matter_code == MATTER
    stored = json.dumps(
        [list(row) for row in CheckLog.objects.values_list()], default=str, ensure_ascii=False
    )
    assert PERSON_RIC not in stored and PERSON_RIC[6:14] not in stored


def test_pending_feedback_for_the_requesters_mandatory_measures(world):
    answer = run(world, LISTED_USCC)
    feedback = MeasureFeedback.objects.filter(check_id=answer.check_id).order_by("measure_code")
    assert [f.measure_code for f in feedback] == ["M-LIMIT", "M-PERSON"]
    assert all(f.state == FeedbackState.PENDING and f.department_id == world.samr.pk for f in feedback)
    assert feedback[0].due_on > feedback[0].checked_on
    other = check_run(
        requester=world.requester(world.other),
        purpose="发票领用",
        matter_code="",
        query=LISTED_USCC,
        as_of=AS_OF,
        channel="api",
    )
    assert codes(other) == ["M-LIMIT", "M-PERSON", "M-WATCH"]
    assert not MeasureFeedback.objects.filter(check_id=other.check_id).exists()


def test_feedback_follows_the_implementing_department_not_its_name(world):
    run(world, LISTED_USCC)  # the published rulebook is compiled (and cached) with the department's name
    world.samr.name = "甲市市场监管局"
    world.samr.save()
    answer = run(world, LISTED_USCC)  # asked under the department's new name
    feedback = MeasureFeedback.objects.filter(check_id=answer.check_id)
    assert sorted(feedback.values_list("measure_code", flat=True)) == ["M-LIMIT", "M-PERSON"]
    assert {m.implementing_department_id for m in answer.measures} == {world.samr.pk}
    logged = CheckLog.objects.get(pk=answer.check_id).answer["measures"]
    assert {m["implementing_department_id"] for m in logged} == {world.samr.pk}


def test_feedback_of_measures_without_a_linked_department(world):
    """No department and no text: the requesting department implements it; free text (责任处室) names no
    department that could report, even when it reads as the requester's name."""
    common = {
        "rulebook": world.rulebook,
        "kind": "punishment",
        "family": "management",
        "legal_basis": "国办发〔2020〕49号",
        "target": "严重失信主体",
        "list_type_codes": [world.list_type.code],
        "application": "mandatory",
    }
    Measure.objects.create(code="M-ANY", content="从严审核行政许可申请", **common)
    Measure.objects.create(
        code="M-TEXT", content="列为重点监管对象", responsible_office=world.samr.name, **common
    )
    answer = run(world, LISTED_USCC)
    assert codes(answer) == ["M-ANY", "M-LIMIT", "M-PERSON", "M-TEXT", "M-WATCH"]
    feedback = MeasureFeedback.objects.filter(check_id=answer.check_id)
    assert sorted(feedback.values_list("measure_code", flat=True)) == ["M-ANY", "M-LIMIT", "M-PERSON"]
    other = check_run(
        requester=world.requester(world.other),
        purpose="发票领用",
        matter_code="",
        query=LISTED_USCC,
        as_of=AS_OF,
        channel="api",
    )
    feedback = MeasureFeedback.objects.filter(check_id=other.check_id)
    assert list(feedback.values_list("measure_code", "department_id")) == [("M-ANY", world.other.pk)]


def test_no_published_rulebook_lists_no_measures(world):
    world.rulebook.status = "superseded"
    world.rulebook.save()
    answer = run(world, LISTED_USCC)
    assert answer.outcome == "hit" and answer.measures == [] and answer.rulebook_number is None
    assert "未经公布的惩戒措施不得实施" in "".join(answer.explanation)


def test_check_many_counts_add_up(world):
    answers = check_many(
        requester=world.requester(),
        purpose="批量核查",
        matter_code=MATTER,
        codes=[LISTED_USCC, CLEAN_USCC, PERSON_RIC, "not-a-code", "甲市示例食品有限公司", OTHER_RIC],
        as_of=AS_OF,
        channel="batch",
        batch_ref="B1",
    )
    assert [a.outcome for a in answers] == ["hit", "clean", "hit", "invalid", "invalid", "not_found"]
    assert answers[4].error_code == "name_not_allowed"
    logs = CheckLog.objects.filter(batch_ref="B1")
    assert logs.count() == 6 and {a.check_id for a in answers} == set(logs.values_list("pk", flat=True))
    assert MeasureFeedback.objects.filter(check_id=answers[0].check_id).count() == 2
    assert MeasureFeedback.objects.filter(check_id=answers[2].check_id).count() == 1
    for answer in answers:  # the stored answer is the answer as returned (the id is the row's)
        log = CheckLog.objects.get(pk=answer.check_id)
        assert {**log.answer, "check_id": log.pk} == answer.as_json()
        assert log.outcome == answer.outcome and log.batch_ref == "B1" and log.channel == "batch"


def test_check_log_is_append_only(world):
    log = CheckLog.objects.get(pk=run(world, LISTED_USCC).check_id)
    with pytest.raises(CheckLogChangeRefused):
        log.save()
    with pytest.raises(CheckLogChangeRefused):
        log.delete()
    with pytest.raises(CheckLogChangeRefused):
        CheckLog.objects.filter(pk=log.pk).update(purpose="x")
    with pytest.raises(CheckLogChangeRefused):
        CheckLog.objects.all().delete()


def test_exact_check_query_budget(world, django_assert_max_num_queries):
    run(world, CLEAN_USCC)  # warm the matter cache
    with django_assert_max_num_queries(3):  # subject, entries, log insert
        run(world, CLEAN_USCC)
