"""Measures that continue after removal (continues_after_removal): the check reads the entries that ended
within the rulebook's longest continuation, applies only the continuing measures to them, up to the last
day of their window, and never after a repair or an annulment; batch and single checks agree."""

from __future__ import annotations

import dataclasses
import datetime as dt

import orjson
import pytest
from django.utils import timezone

from tests.factories import record_ingest_row, subject_create
from tests.jrp.check.conftest import CLEAN_USCC, LISTED_USCC, MATTER, RECEIVED, continuing_measure
from tests.subjects.factories import ric, uscc
from tests.support import make_user
from xinyong.accounts.models import Role
from xinyong.core.codes import SubjectKind
from xinyong.jrp.check import selectors
from xinyong.jrp.check.chunks import codes_check
from xinyong.jrp.check.log import answer_expanded
from xinyong.jrp.check.services import check_many, check_run
from xinyong.jrp.measures.preview import preview_replay
from xinyong.jrp.measures.rulebook import rulebook_compiled
from xinyong.jrp.models import CheckLog, MatterStage, MeasureFeedback
from xinyong.lists.models import EntryState, ListEntry
from xinyong.lists.services import list_entries_sync, list_entry_revoke
from xinyong.records.services import record_change_status, record_mark_repaired
from xinyong.subjects.models import LinkedRole
from xinyong.subjects.services import linked_person_add

pytestmark = pytest.mark.django_db

REMOVED_ON = dt.date(2026, 3, 1)  # the first day off the list
LAST_DAY = dt.date(2027, 2, 28)  # 12 months from the removal, inclusive
REMOVED_USCC = uscc(301)
PURPOSE = "荣誉称号评选推荐审核"


@pytest.fixture
def after(world):
    """M-AFTER: continues 12 months after removal, extends to responsible persons (as MS-02 of the fixture)."""
    return continuing_measure(world, stage=MatterStage.BEFORE, extends_to_responsible_persons=True)


def mirrored(world, subject, number: str, **fields):
    """A record of the deciding body on the world's list, synced into its entry as on import."""
    record = record_ingest_row(
        department=world.samr,
        document_number=number,
        subject=subject,
        decision_date=dt.date(2025, 3, 1),
        fields={"SX_ZTMC": subject.name, "SX_RDWSH": number, "SX_MDMC": world.list_type.name, **fields},
        received_at=RECEIVED,
        item_code="serious_dishonesty",
    ).record
    list_entries_sync(record_ids=[record.pk], as_of=dt.date(2026, 6, 15))
    return record, ListEntry.objects.get(record=record)


def company(seed: int, name: str):
    return subject_create(kind=SubjectKind.ORGANISATION, name=name, uscc=uscc(seed))


def removed_company(world):
    """A company the deciding body removed from the list on ``REMOVED_ON``."""
    subject = company(301, "甲市已移出食品有限公司")
    record, entry = mirrored(world, subject, "甲市监严〔2025〕9号", SX_YCRQ=REMOVED_ON.isoformat())
    assert (entry.state, entry.ended_on) == (EntryState.REMOVED, REMOVED_ON)
    return subject, record, entry


def run(world, query: str, as_of: dt.date, **kw):
    kw.setdefault("matter_code", MATTER)
    return check_run(
        requester=world.requester(), purpose=PURPOSE, query=query, as_of=as_of, channel="api", **kw
    )


def codes(answer) -> list[str]:
    return sorted(m.code for m in answer.measures if not m.suspended)


def plain(answer) -> dict:
    """The answer as JSON, without what differs between two subjects (check id, subject, its line)."""
    data = orjson.loads(orjson.dumps(answer))
    return data | {"check_id": None, "subject": None, "explanation": data["explanation"][1:]}


@pytest.mark.parametrize(
    "as_of",
    [REMOVED_ON, REMOVED_ON + dt.timedelta(days=1), dt.date(2026, 9, 30), LAST_DAY],
)
def test_a_continuing_measure_applies_after_removal_to_the_last_day_of_its_window(world, after, as_of):
    _subject, _record, entry = removed_company(world)
    answer = run(world, REMOVED_USCC, as_of)
    assert answer.outcome == "hit" and answer.rulebook_number == 1
    # Only the measure that continues: the others of the list stopped with the listing.
    assert codes(answer) == ["M-AFTER"] and answer.measures[0].continues_months == 12
    [hit] = answer.hits
    assert hit.entry_id == entry.pk and hit.ended_on == REMOVED_ON
    assert hit.effective_until == REMOVED_ON - dt.timedelta(days=1)  # the last day in force
    text = "".join(answer.explanation)
    assert "已于2026年3月1日移出名单，目前不在该名单内" in text
    assert "措施按规定在移出后继续实施 12 个月（至2027年2月28日）" in text
    assert "名单移出后继续实施 12 个月" in text and "有效期至" not in text
    logged = CheckLog.objects.get(pk=answer.check_id)
    assert (logged.outcome, logged.hit_count, logged.measure_count) == ("hit", 1, 1)
    assert logged.answer["hits"][0]["ended_on"] == "2026-03-01"
    # The continuing mandatory measure the requester implements is fed back like any other.
    feedback = MeasureFeedback.objects.filter(check_id=answer.check_id)
    assert list(feedback.values_list("measure_code", "list_entry_id")) == [("M-AFTER", entry.pk)]


def test_the_day_after_the_window_the_subject_is_on_no_list(world, after):
    removed_company(world)
    answer = run(world, REMOVED_USCC, LAST_DAY + dt.timedelta(days=1))
    assert answer.outcome == "clean" and answer.hits == [] and answer.measures == []
    # Answered exactly as a company never listed (no rulebook named, default facts).
    assert plain(answer) == plain(run(world, CLEAN_USCC, LAST_DAY + dt.timedelta(days=1)))
    assert not MeasureFeedback.objects.filter(check_id=answer.check_id).exists()


def test_without_a_continuing_measure_nothing_applies_after_removal(world):
    removed_company(world)
    assert rulebook_compiled().max_continuation_months == 0
    answer = run(world, REMOVED_USCC, REMOVED_ON + dt.timedelta(days=1))
    assert answer.outcome == "clean" and answer.hits == [] and answer.measures == []
    # With no continuing measure the reads ask for no ended entry at all.
    subject = selectors.subjects_by_uscc(codes=[REMOVED_USCC])[REMOVED_USCC]
    assert selectors.hits_in_force(subject_ids=[subject.id], as_of=REMOVED_ON) == {}


def test_an_ended_entry_without_a_continuing_measure_for_the_matter_is_not_shown(world, after):
    removed_company(world)
    after.matter_codes = ["TAX-001"]
    after.save()
    answer = run(world, REMOVED_USCC, REMOVED_ON + dt.timedelta(days=1))
    assert answer.outcome == "clean" and answer.hits == []
    assert codes(run(world, REMOVED_USCC, REMOVED_ON + dt.timedelta(days=1), matter_code="TAX-001")) == [
        "M-AFTER"
    ]


@pytest.mark.parametrize("how", ["expired", "past_its_date"])
def test_an_expired_entry_continues_as_a_removed_one(world, after, how):
    subject = company(302, "甲市期满食品有限公司")
    last = REMOVED_ON - dt.timedelta(days=1)
    if how == "expired":  # the record's end date passed: the sync marks the entry expired
        _record, entry = mirrored(world, subject, "甲市监严〔2025〕10号", SX_YXQZI=last.isoformat())
        assert entry.state == EntryState.EXPIRED
    else:  # still effective: the daily job has not marked it yet
        record, _entry = mirrored(world, subject, "甲市监严〔2025〕10号")
        ListEntry.objects.filter(record=record).update(effective_until=last)
    for as_of, expected in (
        (REMOVED_ON, ["M-AFTER"]),
        (LAST_DAY, ["M-AFTER"]),
        (LAST_DAY + dt.timedelta(1), []),
    ):
        answer = run(world, uscc(302), as_of)
        assert codes(answer) == expected, as_of
        assert [h.ended_on for h in answer.hits] == ([REMOVED_ON] if expected else [])


def test_repaired_and_annulled_entries_never_continue(world, after):
    officer = make_user("officer", role=Role.DATA_OFFICER, department=world.samr)
    day = REMOVED_ON + dt.timedelta(days=1)
    # Repaired (信用修复): the record repaired, the entry follows at the sync.
    repaired = company(303, "甲市已修复食品有限公司")
    record, _entry = mirrored(world, repaired, "甲市监严〔2025〕11号")
    record_mark_repaired(record=record, actor=None, reason="信用修复决定 2026-001", on_date=REMOVED_ON)
    list_entries_sync(record_ids=[record.pk], as_of=REMOVED_ON)
    assert ListEntry.objects.get(record=record).state == EntryState.REPAIRED
    # Removed by the deciding body, then repaired: the repair ends the continuation too.
    removed, removed_record, _entry = removed_company(world)
    assert codes(run(world, REMOVED_USCC, day)) == ["M-AFTER"]
    record_mark_repaired(record=removed_record, actor=None, reason="信用修复决定 2026-002", on_date=day)
    # Revoked by an operator (撤销: the listing was wrong).
    revoked = company(304, "甲市已撤销食品有限公司")
    _record, entry = mirrored(world, revoked, "甲市监严〔2025〕12号")
    list_entry_revoke(entry=entry, on_date=REMOVED_ON, actor=None, reason="认定主体有误")
    # The decision behind the record revoked: the entry is removed at the sync.
    annulled = company(305, "甲市决定已撤销食品有限公司")
    record, _entry = mirrored(world, annulled, "甲市监严〔2025〕13号")
    record_change_status(
        record=record, status="revoked", actor=officer, reason="决定已撤销", as_of=REMOVED_ON
    )
    list_entries_sync(record_ids=[record.pk], as_of=REMOVED_ON)
    assert ListEntry.objects.get(record=record).state == EntryState.REMOVED
    for subject in (repaired, removed, revoked, annulled):
        answer = run(world, subject.uscc, day)
        assert (answer.outcome, answer.hits, answer.measures) == ("clean", [], []), subject.name


def test_an_entry_in_force_carries_the_measure_before_an_ended_one(world, after):
    _record, ended = mirrored(world, world.listed, "甲市监严〔2025〕14号", SX_YCRQ=REMOVED_ON.isoformat())
    answer = run(world, LISTED_USCC, REMOVED_ON + dt.timedelta(days=1))
    assert [h.entry_id for h in answer.hits] == [world.entry.pk]  # the ended entry adds nothing
    assert codes(answer) == ["M-AFTER", "M-LIMIT", "M-PERSON", "M-WATCH"]
    assert {m.entry_id for m in answer.measures} == {world.entry.pk} and ended.pk != world.entry.pk
    assert all(m.continues_months == 0 for m in answer.measures)
    assert "移出" not in "".join(answer.explanation)


def test_the_responsible_person_of_a_removed_company_gets_the_continuing_measure(world, after):
    subject, _record, _entry = removed_company(world)
    person = ric(305)
    linked_person_add(subject=subject, role=LinkedRole.LEGAL_REPRESENTATIVE, name="王五", ric=person)
    answer = run(world, person, REMOVED_ON + dt.timedelta(days=1))
    assert answer.outcome == "hit" and codes(answer) == ["M-AFTER"]
    [hit] = answer.hits
    assert hit.via_person and hit.ended_on == REMOVED_ON and hit.organisation_id == subject.pk
    assert "“甲市已移出食品有限公司”（申请人为其法定代表人）曾" in "".join(answer.explanation)
    assert run(world, person, LAST_DAY + dt.timedelta(days=1)).outcome == "not_found"


def _logged(check_id: int) -> tuple[tuple, dict]:
    log = CheckLog.objects.get(pk=check_id)
    answer = dict(answer_expanded(log.answer, query_kind=log.query_kind))
    answer.pop("check_id")
    columns = ("query_kind", "query_text", "subject_id", "outcome", "hit_count", "measure_count")
    return (*(getattr(log, c) for c in columns), log.rulebook_number), answer


def test_batch_and_single_checks_agree_on_ended_entries(world, after):
    subject, _record, _entry = removed_company(world)
    person = ric(306)
    linked_person_add(subject=subject, role=LinkedRole.LEGAL_REPRESENTATIVE, name="赵六", ric=person)
    long_ago = company(307, "甲市早已移出食品有限公司")
    mirrored(world, long_ago, "甲市监严〔2024〕1号", SX_YCRQ="2025-01-01")  # before the window
    repaired = company(308, "甲市已修复贸易有限公司")
    record, _entry = mirrored(world, repaired, "甲市监严〔2025〕15号", SX_YCRQ=REMOVED_ON.isoformat())
    record_mark_repaired(record=record, actor=None, reason="信用修复决定 2026-003", on_date=REMOVED_ON)
    codes_ = [REMOVED_USCC, uscc(307), uscc(308), LISTED_USCC, CLEAN_USCC, person]
    as_of = dt.date(2026, 6, 15)
    requester = world.requester()
    batch = codes_check(
        requester=requester, purpose=PURPOSE, matter_code=MATTER, codes=codes_, as_of=as_of, channel="batch"
    )
    assert [outcome for outcome, _id, _a in batch] == ["hit", "clean", "clean", "hit", "clean", "hit"]
    # Not clean for the batch's fast path; the entries outside the window or repaired are not even read.
    assert [answer is None for _o, _id, answer in batch] == [False, True, True, False, True, False]
    many = check_many(
        requester=requester, purpose=PURPOSE, matter_code=MATTER, codes=codes_, as_of=as_of, channel="batch"
    )
    for code, (_outcome, check_id, _answer), other in zip(codes_, batch, many, strict=True):
        one = run(world, code, as_of)
        assert _logged(one.check_id) == _logged(check_id) == _logged(other.check_id), code
        assert orjson.loads(orjson.dumps(one)) | {"check_id": None} == _logged(check_id)[1] | {
            "check_id": None
        }
    assert [h.ended_on for h in many[0].hits] == [REMOVED_ON] and codes(many[0]) == ["M-AFTER"]
    assert [h.via_person for h in many[5].hits] == [True] and codes(many[5]) == ["M-AFTER"]
    # The same feedback from the batch as from the single check.
    rows = MeasureFeedback.objects.filter(check_id__in=[batch[0][1], many[0].check_id])
    assert sorted(rows.values_list("measure_code", flat=True)) == ["M-AFTER", "M-AFTER"]


def test_the_set_based_and_one_subject_reads_of_ended_entries_agree(world, after):
    subject, _record, entry = removed_company(world)
    as_of = REMOVED_ON + dt.timedelta(days=3)
    one = selectors.hits_in_force(subject_ids=[subject.pk], as_of=as_of, continuation_months=12)
    both = selectors.hits_in_force(
        subject_ids=[subject.pk, world.listed.pk], as_of=as_of, continuation_months=12
    )
    assert one[subject.pk] == both[subject.pk] and [h.entry_id for h in one[subject.pk]] == [entry.pk]
    assert [h.ended_on for h in both[world.listed.pk]] == [None]
    # Outside the months asked for, nothing.
    later = dt.date(2026, 7, 2)
    assert selectors.hits_in_force(subject_ids=[subject.pk], as_of=later, continuation_months=4) == {}
    assert selectors.hits_in_force(subject_ids=[subject.pk], as_of=later, continuation_months=5)


def test_the_impact_preview_replays_an_ended_hit(world, after):
    removed_company(world)
    at = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))
    answer = run(world, REMOVED_USCC, REMOVED_ON + dt.timedelta(days=1), checked_at=at)
    published = rulebook_compiled()
    same = preview_replay(rulebook=published, as_of=dt.date(2026, 3, 10))
    assert same["counts"] == {"replayed": 1, "changed": 0, "subjects_changed": 0, "unreadable": 0}
    without = dataclasses.replace(
        published,
        by_list_type={
            k: tuple(m for m in v if m.code != "M-AFTER") for k, v in published.by_list_type.items()
        },
    )
    dropped = preview_replay(rulebook=without, as_of=dt.date(2026, 3, 10))
    assert (
        dropped["removed_by_measure"] == {"M-AFTER": 1} and dropped["rows"][0]["check_id"] == answer.check_id
    )


def test_the_card_the_widget_and_the_result_file_say_the_entry_has_ended(world, after, monkeypatch):
    from django.test import Client

    from tests.subjects.factories import PASSWORD
    from xinyong.jrp.channels.presenters import widget_card
    from xinyong.jrp.channels.running import _answer_cells

    removed_company(world)
    day = REMOVED_ON + dt.timedelta(days=1)
    answer = run(world, REMOVED_USCC, day)
    card = widget_card(answer)
    assert card["title"] == "已移出名单（移出后继续实施的措施）"
    assert card["hits"][0]["ended_on"] == "2026-03-01" and card["measures"][0]["continues_months"] == 12
    lists, applied, _suspended, _id, _note = _answer_cells(answer)
    assert lists == "市场监督管理严重违法失信名单（已于 2026-03-01 移出，适用移出后继续实施的措施）"
    assert applied == "不予通过荣誉称号评选"
    # The clerks' page checks as of today: today is the day after the removal here.
    monkeypatch.setattr(timezone, "localdate", lambda *_args: day)
    clerk = make_user("chuangkou", role=Role.WINDOW_CLERK, department=world.samr)
    client = Client()
    client.login(username=clerk.username, password=PASSWORD)
    text = client.post(
        "/console/jrp/check/", data={"purpose": PURPOSE, "matter_code": MATTER, "query": REMOVED_USCC}
    ).content.decode()
    assert "核查结果：已移出名单（移出后继续实施的措施）" in text and ">已移出<" in text
    assert "已于 2026-03-01 移出名单" in text and "名单移出后继续实施 12 个月" in text
    assert "有效期至" not in text


def test_answers_logged_before_the_new_fields_still_load(world, after):
    """A logged answer without ``ended_on``, ``implementing_department_id`` or ``continues_months`` is still
    returned by the API and replayed by the impact preview."""
    from django.test import Client

    from xinyong.accounts.models import ApiScope
    from xinyong.accounts.services import apiclient_create

    day = dt.date(2026, 6, 1)
    answer = run(world, LISTED_USCC, day, checked_at=timezone.make_aware(dt.datetime(2026, 6, 1, 9, 0)))
    log = CheckLog.objects.get(pk=answer.check_id)
    old = dict(log.answer)
    old["hits"] = [{k: v for k, v in h.items() if k != "ended_on"} for h in old["hits"]]
    old["measures"] = [
        {k: v for k, v in m.items() if k not in ("implementing_department_id", "continues_months")}
        for m in old["measures"]
    ]
    fields = {f.attname: getattr(log, f.attname) for f in CheckLog._meta.concrete_fields if not f.primary_key}
    older = CheckLog.objects.create(**(fields | {"answer": old}))
    key = apiclient_create(name="受理系统", department=world.samr, scopes=[ApiScope.CHECK_QUERY])[1]
    body = Client(headers={"X-API-Key": key}).get(f"/api/jrp/check/{older.pk}").json()
    assert body["check_id"] == older.pk and body["measures"] == old["measures"]
    replay = preview_replay(rulebook=rulebook_compiled(), as_of=dt.date(2026, 6, 10))
    assert replay["counts"]["replayed"] == 2 and replay["counts"]["unreadable"] == 0
    assert replay["counts"]["changed"] == 0
