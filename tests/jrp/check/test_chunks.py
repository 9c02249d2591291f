"""The batch's chunk steps (``xinyong.jrp.check.chunks``) answer and log as the per-code check does: for a
mixed set of codes, every answer and log row equals ``check_run``'s for the same code (and ``check_many``'s),
the clean and not-found answers written from templates included."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest

from tests.factories import subject_create
from tests.jrp.check.conftest import AS_OF, CLEAN_USCC, LISTED_USCC, MATTER, PERSON_RIC
from tests.subjects.factories import ric, uscc
from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import check_uscc
from xinyong.jrp.check.chunks import codes_answer, codes_check, codes_read
from xinyong.jrp.check.log import answer_expanded
from xinyong.jrp.check.services import check_many, check_run
from xinyong.jrp.models import CheckLog, MeasureFeedback

pytestmark = pytest.mark.django_db

PURPOSE = "政府采购供应商资格审查"
# Log columns that must agree between the paths (the answer is compared apart, without its check id).
COLUMNS = (
    "query_kind",
    "query_text",
    "subject_id",
    "outcome",
    "hit_count",
    "measure_count",
    "rulebook_number",
)


def _unambiguous_ric(seed: int) -> str:
    """A 身份证 number that is not also a valid USCC (``query_parse`` checks such a number as a USCC)."""
    while check_uscc(ric(seed)).ok:
        seed += 1000
    return ric(seed)


def _codes(world) -> list[str]:
    odd = subject_create(
        kind=SubjectKind.ORGANISATION, name='甲市"引号"\\斜杠\t制表😀有限公司', uscc=uscc(201)
    )
    shop = subject_create(kind=SubjectKind.INDIVIDUAL_BUSINESS, name="甲市小明便利店", uscc=uscc(202))
    person = subject_create(kind=SubjectKind.NATURAL_PERSON, name="李四", ric=_unambiguous_ric(203))
    assert odd and shop and person
    return [
        LISTED_USCC,  # on a list: the general answer
        CLEAN_USCC,  # clean: the template
        uscc(201),  # clean, a name JSON must escape
        uscc(202),  # clean, another kind of subject
        uscc(777),  # no such subject: the not-found template
        PERSON_RIC,  # the listed company's legal representative: hits via the person
        _unambiguous_ric(203),  # a natural person on no list
        _unambiguous_ric(204),  # a 身份证 number of nobody
        LISTED_USCC.lower(),  # not as the parser wants it: parsed first, same subject
        LISTED_USCC[:17] + ("0" if LISTED_USCC[17] != "0" else "1"),  # a wrong check character: invalid
        "甲市示例食品有限公司",  # a name: refused in a batch
    ]


def _logged(check_id: int) -> tuple[tuple, dict]:
    log = CheckLog.objects.get(pk=check_id)
    answer = dict(answer_expanded(log.answer, query_kind=log.query_kind))
    answer.pop("check_id")
    return tuple(getattr(log, c) for c in COLUMNS), answer


def test_chunk_answers_and_log_rows_equal_the_per_code_check(world):
    codes = _codes(world)
    requester = world.requester()
    batch = codes_check(
        requester=requester,
        purpose=PURPOSE,
        matter_code=MATTER,
        codes=codes,
        as_of=AS_OF,
        channel="batch",
        batch_ref="B-1",
    )
    assert len(batch) == len(codes)
    outcomes = [outcome for outcome, _id, _answer in batch]
    assert outcomes == [
        "hit",
        "clean",
        "clean",
        "clean",
        "not_found",
        "hit",
        "clean",
        "not_found",
        "hit",
        "invalid",
        "invalid",
    ]
    # The clean and not-found USCCs come from the templates, without the answer itself.
    assert [answer is None for _o, _id, answer in batch] == [i in (1, 2, 3, 4) for i in range(len(codes))]
    many = check_many(
        requester=requester, purpose=PURPOSE, matter_code=MATTER, codes=codes, as_of=AS_OF, channel="batch"
    )
    for code, (outcome, check_id, answer), other in zip(codes, batch, many, strict=True):
        columns, logged = _logged(check_id)
        if code != codes[-1]:  # the name: check_run searches names, a batch refuses them
            one = check_run(
                requester=requester,
                purpose=PURPOSE,
                matter_code=MATTER,
                query=code,
                as_of=AS_OF,
                channel="api",
            )
            assert _logged(one.check_id) == (columns, logged), code
            assert orjson.loads(orjson.dumps(one)) | {"check_id": None} == logged | {"check_id": None}
        assert _logged(other.check_id) == (columns, logged), code
        assert outcome == logged["outcome"] == other.outcome
        if answer is not None:
            assert answer.check_id == check_id
            assert orjson.loads(orjson.dumps(answer)) == logged | {"check_id": check_id}
    log = CheckLog.objects.get(pk=batch[0][1])
    assert (log.channel, log.batch_ref, log.purpose, log.matter_code) == ("batch", "B-1", PURPOSE, MATTER)
    # The mandatory measure of the listed company: pending feedback on the batch's check, as check_many's.
    feedback = MeasureFeedback.objects.filter(check_id=batch[0][1])
    assert feedback.count() == MeasureFeedback.objects.filter(check_id=many[0].check_id).count() >= 1


def test_clean_answers_name_no_rulebook_even_in_a_chunk_with_hits(world):
    """A clean or not-found answer names no rulebook, as check_run's (the chunk's hits do not matter)."""
    requester = world.requester()
    answers = check_many(
        requester=requester,
        purpose=PURPOSE,
        matter_code=MATTER,
        codes=[LISTED_USCC, CLEAN_USCC, uscc(777)],
        as_of=AS_OF,
        channel="batch",
    )
    assert [a.rulebook_number for a in answers] == [world.rulebook.number, None, None]


def test_the_steps_apart_equal_the_steps_in_a_row(world):
    requester = world.requester()
    codes = [LISTED_USCC, CLEAN_USCC, uscc(777)]
    chunk = codes_read(codes=codes, as_of=AS_OF, well_formed=[True, True, True])
    answers = codes_answer(
        chunk=chunk, requester=requester, purpose=PURPOSE, matter_code=MATTER, as_of=AS_OF, channel="batch"
    )
    assert [pk for _o, pk, _a in answers.results] == chunk.ids
    assert not CheckLog.objects.filter(pk__in=chunk.ids).exists()  # nothing written before codes_write
    # The clean and not-found answers are logged without what follows from the rest.
    clean, missing = (orjson.loads(row[-1]) for row in answers.rows[1:])
    assert set(clean) == {"outcome", "as_of", "subject"} and clean["outcome"] == "clean"
    assert clean["as_of"] == AS_OF.isoformat() and clean["subject"]["kind_label"]
    assert {k: v for k, v in clean["subject"].items() if k != "kind_label"} == {
        "id": world.clean.pk,
        "kind": "organisation",
        "name": world.clean.name,
        "code": CLEAN_USCC,
        "confirmed": False,
    }
    assert missing["subject"]["code"] == uscc(777) and set(missing) == {"outcome", "as_of", "subject"}
    assert dt.date.fromisoformat(missing["as_of"]) == AS_OF


def test_the_api_returns_a_batch_answer_whole(world):
    """GET /api/jrp/check/{id} of a batch's clean code: the answer as a single check returns it."""
    from django.test import Client

    from xinyong.accounts.models import ApiScope
    from xinyong.accounts.services import apiclient_create

    key = apiclient_create(name="受理系统", department=world.samr, scopes=[ApiScope.CHECK_QUERY])[1]
    requester = world.requester()
    [(_o, check_id, _a), (_o2, missing_id, _a2)] = codes_check(
        requester=requester, purpose=PURPOSE, matter_code=MATTER, codes=[CLEAN_USCC, uscc(777)], as_of=AS_OF,
        channel="batch",
    )  # fmt: skip
    client = Client(headers={"X-API-Key": key})
    for code, pk in ((CLEAN_USCC, check_id), (uscc(777), missing_id)):
        body = client.get(f"/api/jrp/check/{pk}").json()
        one = check_run(
            requester=requester, purpose=PURPOSE, matter_code=MATTER, query=code, as_of=AS_OF, channel="api"
        )
        assert body == orjson.loads(orjson.dumps(one)) | {"check_id": pk}
        assert body["explanation"]
