"""A chunk resolves its subjects as its inputs resolved one by one would, with a handful of queries per chunk."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import subject_create, subject_resolve_one
from tests.subjects.factories import RIC, RIC_MASKED, ric, uscc, user
from xinyong.accounts.models import AuditEntry, Role
from xinyong.accounts.selectors import audit_verify
from xinyong.core.codes import SubjectKind
from xinyong.subjects import crypto
from xinyong.subjects.bulk import SubjectInput, subjects_resolve_bulk
from xinyong.subjects.models import AliasKind, Subject, SubjectAlias, SubjectReview
from xinyong.subjects.services import confirmed_code_add, subject_review_resolve

pytestmark = pytest.mark.django_db

ORG = SubjectKind.ORGANISATION
IB = SubjectKind.INDIVIDUAL_BUSINESS
PERSON = SubjectKind.NATURAL_PERSON
NO_CODE = "00000000000000000X"
LEGACY_RIC = "110105491231002"  # the 15-digit form of RIC


class _Rollback(Exception):
    pass


def _snapshot(outcomes):
    """Subjects, aliases, reviews and per-input outcomes, with ids replaced by creation order."""
    subjects = list(Subject.objects.order_by("pk"))
    rank = {s.pk: i for i, s in enumerate(subjects)}
    return {
        "subjects": [
            (
                s.kind,
                s.name,
                s.name_normalized,
                s.uscc,
                s.org_type,
                s.uscc_category,
                s.uscc_category_name,
                s.ric_hmac,
                s.ric_masked,
                crypto.decrypt(s.ric_encrypted) if s.ric_encrypted else "",
                s.created_source,
            )
            for s in subjects
        ],
        "aliases": sorted(
            (rank[a.subject_id], a.kind, a.value, a.value_normalized, a.source)
            for a in SubjectAlias.objects.all()
        ),
        "reviews": sorted(
            (rank[r.subject_id], rank[r.conflicting_subject_id], r.code, r.message, r.status, r.source)
            for r in SubjectReview.objects.all()
        ),
        "outcomes": [
            (
                None if subject_id is None else rank[subject_id],
                [(i.code, i.message) for i in errors],
                [(i.code, i.message) for i in warnings],
            )
            for subject_id, errors, warnings in outcomes
        ],
    }


def _one_by_one(inputs, *, source, as_of):
    """Each input resolved on its own: a chunk of one per call."""
    outcomes = []
    for item in inputs:
        result = subject_resolve_one(
            kind=item.kind,
            name=item.name,
            uscc=item.uscc,
            ric=item.ric,
            legacy_codes=dict(item.legacy_codes),
            source=source,
            as_of=as_of,
        )
        if result.errors:
            outcomes.append((None, result.errors, []))
        else:
            outcomes.append((result.subject.pk, [], result.warnings))
    return outcomes


def _both_paths(inputs, *, as_of, source="batch:7"):
    """The snapshot after the one-by-one path (rolled back) and after the bulk path, from the same start."""
    try:
        with transaction.atomic():
            one_by_one = _snapshot(_one_by_one(inputs, source=source, as_of=as_of))
            raise _Rollback
    except _Rollback:
        pass
    results = subjects_resolve_bulk(inputs=inputs, source=source, as_of=as_of)
    bulk = _snapshot([(r.subject_id, r.errors, r.warnings) for r in results])
    return one_by_one, bulk, results


def _registry(as_of):
    """Subjects already known before the chunk arrives."""
    subject_create(kind=ORG, name="甲市老字号贸易有限公司", uscc=uscc(1), as_of=as_of)
    subject_create(kind=ORG, name="同名科技有限公司", uscc=uscc(2), as_of=as_of)
    subject_create(kind=ORG, name="旧名商行有限公司", uscc=uscc(3), as_of=as_of)
    subject_create(kind=ORG, name="新名商行有限公司", uscc=uscc(3), as_of=as_of)  # former name 新名…
    subject_create(kind=PERSON, name="张三", ric=RIC, as_of=as_of)
    subject_create(
        kind=IB,
        name="李四便利店",
        uscc=NO_CODE,
        legacy_codes={AliasKind.REG_NO: "350100600012345"},
        as_of=as_of,
    )
    subject_create(kind=IB, name="王五小吃店", uscc=uscc(4, "92"), as_of=as_of)
    # Two same-named organisations an operator already judged distinct.
    subject_create(kind=ORG, name="已核查同名公司", uscc=uscc(5), as_of=as_of)
    review = subject_resolve_one(kind=ORG, name="已核查同名公司", uscc=uscc(6), as_of=as_of).review_flag
    subject_review_resolve(review=review, actor=user("op", Role.OPERATOR), note="两家不同的公司")
    confirmed_code_add(uscc="91350100M000100Y42", reason="已核对登记证书原件", actor=None)


def _chunk():
    return [
        SubjectInput(ORG, "甲市新设科技有限公司", uscc=uscc(11)),  # new
        SubjectInput(ORG, "甲市新设科技有限公司", uscc=uscc(11).lower()),  # same new subject again
        SubjectInput(ORG, "甲市老字号贸易有限公司", uscc=uscc(1)),  # known
        SubjectInput(ORG, "甲市老字号商贸有限公司", uscc=uscc(1)),  # known code, other name → former name
        SubjectInput(ORG, "甲市老字号商贸有限公司", uscc=uscc(1)),  # …seen again: warning, no second alias
        SubjectInput(ORG, "同名科技有限公司", uscc=uscc(12)),  # same name, other code → review flag
        SubjectInput(ORG, "同名科技有限公司", uscc=uscc(13)),  # a third one → two flags
        SubjectInput(ORG, "新名商行有限公司", uscc=uscc(14)),  # equals a known former name → flag
        SubjectInput(ORG, "甲市老字号商贸有限公司", uscc=uscc(15)),  # equals a former name added above
        SubjectInput(ORG, "已核查同名公司", uscc=uscc(6)),  # resolved pair: no new flag
        SubjectInput(ORG, "已核查同名公司", uscc=uscc(16)),  # a new third one: flagged against both
        SubjectInput(PERSON, "张三", ric=LEGACY_RIC),  # known person, 15-digit form
        SubjectInput(PERSON, "张叁", ric=RIC),  # known person, other name
        SubjectInput(PERSON, "赵六", ric=ric(21)),  # new person
        SubjectInput(PERSON, "赵六", ric=ric(21)),  # …twice in the chunk
        SubjectInput(PERSON, "张三", ric=ric(22)),  # people sharing a name are not flagged
        SubjectInput(IB, "李四便利店", uscc=NO_CODE, legacy_codes={AliasKind.REG_NO: "350100600012345"}),
        SubjectInput(IB, "钱七五金店", uscc=NO_CODE, legacy_codes={AliasKind.REG_NO: "350100600099999"}),
        SubjectInput(IB, "钱七五金店", uscc=NO_CODE, legacy_codes={AliasKind.REG_NO: "350100600099999"}),
        # The no-code 个体工商户 received its USCC: same subject, USCC added.
        SubjectInput(
            IB, "李四便利店", uscc=uscc(17, "92"), legacy_codes={AliasKind.REG_NO: "350100600012345"}
        ),
        SubjectInput(
            IB, "钱七五金店", uscc=uscc(18, "92"), legacy_codes={AliasKind.REG_NO: "350100600099999"}
        ),
        SubjectInput(IB, "王五小吃店", uscc=uscc(4, "92")),
        SubjectInput(ORG, "王五小吃店", uscc=uscc(4, "92")),  # registered as 个体工商户: kind mismatch
        SubjectInput(
            ORG,
            "孙八建材有限公司",
            uscc=uscc(19),
            legacy_codes={AliasKind.ORG_CODE: "D2143569X", AliasKind.TAX_NO: "350100D2143569X"},
        ),
        SubjectInput(ORG, "孙九建材有限公司", uscc=uscc(20), legacy_codes={AliasKind.ORG_CODE: "123"}),
        SubjectInput(ORG, "试点公司", uscc="91350100M000100Y42"),  # confirmed early code: warning
        SubjectInput(ORG, "录错公司", uscc="91350100M000100Y41"),  # positions 9–17 check, 18 does not
        # Rejections.
        SubjectInput(ORG, "坏代码公司", uscc="91350100M000101Y43"),
        SubjectInput(ORG, "无代码公司", uscc=""),
        SubjectInput(ORG, "占位代码公司", uscc=NO_CODE),
        SubjectInput(IB, "无注册号小店", uscc=NO_CODE),
        SubjectInput(PERSON, "坏号码", ric="110105194912310021"),
        SubjectInput(PERSON, "无号码"),
        SubjectInput(PERSON, "有代码的人", uscc=uscc(23), ric=ric(23)),
        SubjectInput(ORG, " \u3000", uscc=uscc(24)),
        SubjectInput("club", "俱乐部", uscc=uscc(25)),
    ]


def test_a_chunk_resolves_as_its_inputs_one_by_one(as_of):
    _registry(as_of)
    one_by_one, bulk, results = _both_paths(_chunk(), as_of=as_of)
    assert bulk["outcomes"] == one_by_one["outcomes"]
    assert bulk["subjects"] == one_by_one["subjects"]
    assert bulk["aliases"] == one_by_one["aliases"]
    assert bulk["reviews"] == one_by_one["reviews"]
    # The comparison is not vacuous: every kind of outcome occurs.
    codes = {code for _s, _e, warnings in bulk["outcomes"] for code, _m in warnings}
    assert {
        "subject_name_changed",
        "subject_code_conflict",
        "subject_uscc_assigned",
        "subject_kind_mismatch",
        "ric_upgraded_from_15",
        "uscc_check_digit_confirmed",
    } <= codes
    errors = {code for _s, errors, _w in bulk["outcomes"] for code, _m in errors}
    assert {
        "uscc_check_digit",
        "uscc_required",
        "reg_no_required",
        "ric_required",
        "subject_kind_invalid",
    } <= errors
    assert [r.created for r in results[:2]] == [True, False]
    assert results[0].subject_id == results[1].subject_id


def test_on_an_empty_registry_a_chunk_resolves_as_its_inputs_one_by_one(as_of):
    one_by_one, bulk, _results = _both_paths(_chunk(), as_of=as_of)
    assert bulk == one_by_one


def test_a_subject_repeated_in_the_chunk_is_created_once(as_of, monkeypatch):
    calls = []
    encrypt = crypto.encrypt
    monkeypatch.setattr(crypto, "encrypt", lambda text: calls.append(1) or encrypt(text))
    inputs = [SubjectInput(PERSON, "赵六", ric=ric(21))] * 3 + [SubjectInput(ORG, "某公司", uscc=uscc(1))] * 3
    results = subjects_resolve_bulk(inputs=inputs, source="batch:1", as_of=as_of)
    assert len({r.subject_id for r in results[:3]}) == 1 and len({r.subject_id for r in results[3:]}) == 1
    assert [r.created for r in results] == [True, False, False, True, False, False]
    assert Subject.objects.count() == 2
    assert len(calls) == 1  # one Fernet encryption per new person
    # The ids the bulk path took are taken for good: the one-by-one path goes on after them.
    later = subject_create(kind=ORG, name="后来的公司", uscc=uscc(2), as_of=as_of)
    assert later.pk > max(r.subject_id for r in results)


def test_queries_do_not_grow_with_the_chunk(as_of):
    _registry(as_of)
    large = [SubjectInput(ORG, f"批量公司{i}号有限公司", uscc=uscc(1000 + i)) for i in range(300)] + [
        SubjectInput(PERSON, f"人员{i}", ric=ric(2000 + i)) for i in range(300)
    ]

    def reads(inputs, source):
        with CaptureQueriesContext(connection) as queries:
            subjects_resolve_bulk(inputs=inputs, source=source, as_of=as_of)
        sql = [q["sql"].lstrip().upper() for q in queries.captured_queries]
        return sum(s.startswith("SELECT") for s in sql), len(sql)

    small_reads, _ = reads(_chunk(), "batch:1")
    large_reads, large_total = reads(large + _chunk(), "batch:2")
    # Seven registry reads, the confirmed codes (one read, when no preparer is given), plus those of the
    # name-search indexing (subjects.search) of the new subjects.
    assert small_reads <= 13 and large_reads == small_reads
    # Writes are batched (SQLite allows 999 parameters per statement, so a few inserts per table).
    assert large_total < 40


def test_one_audit_entry_per_call_and_the_chain_still_verifies(as_of):
    before = AuditEntry.objects.count()
    subjects_resolve_bulk(inputs=_chunk(), source="batch:1", as_of=as_of)
    entries = list(AuditEntry.objects.order_by("seq")[before:])
    assert [e.action for e in entries] == ["bulk_resolve"]
    assert entries[0].detail["subjects_created"] == Subject.objects.count()
    assert entries[0].detail["aliases_created"] == SubjectAlias.objects.count()
    assert audit_verify().ok
    # Nothing new: no audit entry.
    subjects_resolve_bulk(
        inputs=[SubjectInput(ORG, "甲市新设科技有限公司", uscc=uscc(11))], source="b", as_of=as_of
    )
    assert AuditEntry.objects.count() == before + 1


def test_personal_ids_are_encrypted(as_of):
    results = subjects_resolve_bulk(
        inputs=[SubjectInput(PERSON, "张三", ric=RIC.lower()), SubjectInput(PERSON, "张三", ric=LEGACY_RIC)],
        source="batch:1",
        as_of=as_of,
    )
    person = Subject.objects.get(pk=results[0].subject_id)
    assert results[1].subject_id == person.pk
    assert person.ric_masked == RIC_MASKED and person.ric_hmac == crypto.ric_hmac(RIC)
    assert crypto.decrypt(person.ric_encrypted) == RIC
    for table in ("subjects_subject", "subjects_subjectalias"):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            text = repr(cursor.fetchall())
        assert RIC not in text and RIC[:17] not in text and LEGACY_RIC not in text, table


def test_rejected_inputs_write_nothing(as_of):
    results = subjects_resolve_bulk(
        inputs=[SubjectInput(ORG, "坏代码公司", uscc="91350100M000101Y43"), SubjectInput(PERSON, "无号码")],
        source="batch:1",
        as_of=as_of,
    )
    assert [r.subject_id for r in results] == [None, None]
    assert [[i.code for i in r.errors] for r in results] == [["uscc_check_digit"], ["ric_required"]]
    assert all(i.message for r in results for i in r.errors)
    assert not Subject.objects.exists() and not AuditEntry.objects.filter(action="bulk_resolve").exists()


@settings(max_examples=400, deadline=None)
@given(
    code=st.one_of(
        st.builds(
            lambda seed, cat: uscc(seed, cat),
            st.integers(0, 10**6),
            st.sampled_from(["91", "92", "12", "31"]),
        ),
        st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXYEIOSZ", min_size=17, max_size=19),
        st.builds(
            lambda d: d + "E" + "1" * (17 - len(d)), st.text(alphabet="0123456789", min_size=1, max_size=16)
        ),
    ),
    kind=st.sampled_from([ORG, IB]),
)
def test_the_fast_uscc_check_agrees_with_check_uscc(code, kind):
    from dataclasses import asdict

    from xinyong.core.identifiers import check_uscc
    from xinyong.subjects.bulk import _clean_uscc

    fast = _clean_uscc(code, kind)
    if fast is not None:
        assert asdict(fast) == asdict(check_uscc(code, subject_kind=kind))
