"""A valid 身份证 number that is also a valid 统一社会信用代码 (about one in 341): it is personal data, so the check
log and the answer keep only its mask, and it is looked up both ways (docs/credit-check.md)."""

from __future__ import annotations

import json

import pytest

from tests.factories import subject_create
from tests.jrp.check.conftest import AS_OF, MATTER
from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import ric_check_chars_ok, uscc_check_chars_ok
from xinyong.jrp.channels.codes import code_classify
from xinyong.jrp.check.services import check_many, check_run
from xinyong.jrp.models import CheckLog

pytestmark = pytest.mark.django_db

BOTH = "110101199011030589"  # a valid 身份证 number (born 1990-11-03) and a valid USCC
MASK = BOTH[:6] + "********" + BOTH[-4:]


def test_the_code_is_both():
    assert ric_check_chars_ok(BOTH, as_of=AS_OF) and uscc_check_chars_ok(BOTH)
    assert code_classify(BOTH, as_of=AS_OF).kind == "ric"


def check(world, query=BOTH, **kw):
    return check_run(
        requester=world.requester(),
        purpose="办理食品经营许可",
        matter_code=MATTER,
        query=query,
        as_of=AS_OF,
        channel="api",
        **kw,
    )


def stored(answer) -> str:
    log = CheckLog.objects.get(pk=answer.check_id)
    return log.query_text + json.dumps(log.answer, ensure_ascii=False)


def test_not_found_logs_only_the_mask(world):
    answer = check(world)
    assert answer.outcome == "not_found"
    assert BOTH not in stored(answer) and MASK in stored(answer)
    assert BOTH not in json.dumps(answer.as_json(), ensure_ascii=False)


def test_an_organisation_with_that_uscc_is_found(world):
    org = subject_create(kind=SubjectKind.ORGANISATION, name="某机关服务中心", uscc=BOTH, as_of=AS_OF)
    answer = check(world)
    # The organisation's own registered code is shown as its code; the query as typed is logged masked.
    assert answer.subject["id"] == org.pk and answer.subject["code"] == BOTH
    assert CheckLog.objects.get(pk=answer.check_id).query_text == MASK
    assert check(world, query_kind="uscc").subject["id"] == org.pk


def test_a_person_with_that_number_is_found(world):
    person = subject_create(kind=SubjectKind.NATURAL_PERSON, name="张某", ric=BOTH, as_of=AS_OF)
    answer = check(world)
    assert answer.subject["id"] == person.pk and answer.subject["code"] == MASK
    assert BOTH not in stored(answer)


def test_the_batch_logs_only_the_mask(world):
    answers = check_many(
        requester=world.requester(),
        purpose="批量核查",
        matter_code=MATTER,
        codes=[BOTH, world.clean.uscc],
        as_of=AS_OF,
        channel="batch",
    )
    assert [a.outcome for a in answers] == ["not_found", "clean"]
    text = " ".join(stored(a) for a in answers)
    assert BOTH not in text and MASK in text
