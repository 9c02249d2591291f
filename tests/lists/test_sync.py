"""Mirrored list entries from credit records: created on import, updated, removed, idempotent, unmapped names,
篇十四 (black leaves red of the same domain), revocation of an honour, expiry by date, the batch hook."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.lists.conftest import abnormal, dishonesty, honour
from tests.support import make_user
from xinyong.accounts.models import AuditEntry
from xinyong.lists.hooks import lists_after_batch
from xinyong.lists.models import EntryEvent, ListEntry, ListType
from xinyong.lists.selectors import entries_in_force, unmapped_list_names
from xinyong.lists.services import list_entries_expire, list_entries_sync, list_entry_revoke
from xinyong.records.models import RecordStatus
from xinyong.records.services import record_change_status

DAY = dt.date(2026, 6, 15)
pytestmark = pytest.mark.usefixtures("shipped")


def sync(*records, as_of=DAY):
    return list_entries_sync(record_ids=[r.pk for r in records], as_of=as_of)


def test_mirrored_records_become_effective_entries(depts, company, person):
    court = dishonesty(depts["court"], company, dt.date(2026, 3, 2), "失信被执行人名单")
    # full-width letters, spaces and an invisible character in the list name still map
    tax = dishonesty(
        depts["tax"], person, dt.date(2026, 4, 1), " 重大税收违法\u200b失信主体 名单 ", number="税1号"
    )
    report = sync(court, tax)
    assert (report.records, report.created) == (2, 2)
    entry = ListEntry.objects.get(record=court)
    assert entry.list_type.code == "court_dishonest_debtor"
    assert (entry.state, entry.origin, entry.department_id) == ("effective", "import", depts["court"].pk)
    assert entry.effective_from == dt.date(2026, 3, 2)
    assert entry.effective_until == dt.date(2028, 3, 1)  # default validity: 2 years
    assert entry.reason == "有履行能力而拒不履行生效法律文书确定的义务"
    assert ListEntry.objects.get(record=tax).list_type.code == "tax_major_violation"
    assert set(entries_in_force(as_of=DAY).values_list("record_id", flat=True)) == {court.pk, tax.pk}
    assert [e.to_state for e in entry.events.all()] == ["effective"]
    assert AuditEntry.objects.filter(action="list_entries_sync").count() == 1


def test_sync_is_idempotent(depts, company):
    record = dishonesty(depts["court"], company, dt.date(2026, 3, 2), "失信被执行人名单")
    sync(record)
    events = EntryEvent.objects.count()
    again = sync(record)
    assert (again.created, again.changed) == (0, 0)
    assert ListEntry.objects.count() == 1 and EntryEvent.objects.count() == events
    assert AuditEntry.objects.filter(action="list_entries_sync").count() == 1


def test_record_dates_win_over_the_default_validity(depts, company):
    record = dishonesty(
        depts["court"], company, dt.date(2026, 3, 2), "失信被执行人名单", SX_YXQZI="2027-03-01"
    )
    sync(record)
    assert ListEntry.objects.get().effective_until == dt.date(2027, 3, 1)


def test_new_version_with_removal_date_removes_the_entry(depts, company):
    day = dt.date(2026, 3, 2)
    record = dishonesty(depts["court"], company, day, "失信被执行人名单", number="（2026）测执9号")
    sync(record)
    dishonesty(
        depts["court"],
        company,
        day,
        "失信被执行人名单",
        number="（2026）测执9号",
        SX_YCRQ="2026-05-20",
        SX_YCYY="已履行生效法律文书确定的义务",
    )
    report = sync(record)
    entry = ListEntry.objects.get()
    assert report.removed == 1
    assert (entry.state, entry.ended_on) == ("removed", dt.date(2026, 5, 20))
    assert "已履行" in entry.end_reason
    assert not entries_in_force(as_of=DAY).exists()
    assert entry.events.last().to_state == "removed"


def test_revoked_record_removes_and_repaired_repairs(depts, company, other_company):
    revoked = dishonesty(depts["court"], company, dt.date(2026, 3, 2), "失信被执行人名单")
    sync(revoked)
    officer = make_user("court_data", role="data_officer", department=depts["court"])
    record_change_status(record=revoked, status=RecordStatus.REVOKED, actor=officer, reason="撤销", as_of=DAY)
    assert sync(revoked).removed == 1
    entry = ListEntry.objects.get(record=revoked)
    assert entry.state == "removed" and entry.end_reason.startswith("信用记录所依据的决定已撤销")


def test_unmapped_names_are_counted_and_listed(depts, company):
    odd = dishonesty(depts["court"], company, dt.date(2026, 3, 2), "本县自定义失信名单")
    report = sync(odd)
    assert report.created == 0 and report.unmapped == {"serious_dishonesty｜本县自定义失信名单": 1}
    assert unmapped_list_names() == [("serious_dishonesty", "本县自定义失信名单", 1)]
    assert "未对应名单类型的名单名称 1 个" in report.summary()


def test_decided_list_types_create_no_entries(depts, company):
    record = dishonesty(depts["hrss"], company, dt.date(2026, 3, 2), "拖欠农民工工资失信联合惩戒对象名单")
    report = sync(record)
    assert report.decided_skipped == 1 and not ListEntry.objects.exists()


def test_abnormal_operations_and_honours(depts, company):
    listed = abnormal(depts["samr"], company, dt.date(2026, 1, 5))
    # a region prefix before a known honour name
    award = honour(
        depts["dev-reform"], company, dt.date(2025, 12, 1), "测试县诚信示范企业", RY_YXQZI="2099-12-31"
    )
    sync(listed, award)
    by_type = {e.list_type.code: e for e in ListEntry.objects.all()}
    assert by_type["abnormal_operations"].effective_until is None
    assert by_type["integrity_model"].effective_until is None  # 长期有效


def test_black_entry_takes_the_subject_off_red_lists_of_its_domain(depts, company, other_company):
    a_grade = honour(depts["tax"], company, dt.date(2026, 1, 10), "纳税信用A级纳税人", number="A1")
    contract = honour(depts["samr"], company, dt.date(2026, 1, 10), "守合同重信用企业", number="A2")
    other = honour(depts["tax"], other_company, dt.date(2026, 1, 10), "纳税信用A级纳税人", number="A3")
    sync(a_grade, contract, other)
    black = dishonesty(depts["tax"], company, dt.date(2026, 5, 6), "重大税收违法失信主体名单")
    report = sync(black)
    assert report.red_left == 1
    red = ListEntry.objects.get(record=a_grade)
    assert (red.state, red.ended_on) == ("removed", dt.date(2026, 5, 6))
    assert red.end_reason == "列入同领域黑名单（重大税收违法失信主体）"
    # another domain and another subject keep their red entries
    assert ListEntry.objects.get(record=contract).state == "effective"
    assert ListEntry.objects.get(record=other).state == "effective"


def test_an_honour_can_be_revoked(depts, company):
    award = honour(depts["tax"], company, dt.date(2026, 1, 10), "纳税信用A级纳税人")
    sync(award)
    entry = ListEntry.objects.get()
    officer = make_user("op", role="operator")
    list_entry_revoke(entry=entry, on_date=DAY, actor=officer, reason="评价结果更正")
    entry.refresh_from_db()
    assert (entry.state, entry.ended_on, entry.end_reason) == ("removed", DAY, "撤销：评价结果更正")
    assert entry.events.last().actor == officer


def test_expiry_by_date_and_the_daily_job(depts, company):
    record = dishonesty(
        depts["court"],
        company,
        dt.date(2026, 3, 2),
        "失信被执行人名单",
        number="延1号",
        SX_YXQZI="2026-06-30",
    )
    sync(record)
    assert entries_in_force(as_of=dt.date(2026, 6, 30)).exists()
    assert not entries_in_force(as_of=dt.date(2026, 7, 1)).exists()  # computed at query time
    assert list_entries_expire(as_of=dt.date(2026, 6, 30)) == 0
    assert list_entries_expire(as_of=dt.date(2026, 7, 1)) == 1
    entry = ListEntry.objects.get()
    assert (entry.state, entry.ended_on) == ("expired", dt.date(2026, 7, 1))
    # a court extends the listing: the next version brings it back
    dishonesty(
        depts["court"],
        company,
        dt.date(2026, 3, 2),
        "失信被执行人名单",
        number="延1号",
        SX_YXQZI="2027-06-30",
    )
    assert sync(record, as_of=dt.date(2026, 7, 2)).reactivated == 1


def test_historic_record_arrives_expired(depts, company):
    record = dishonesty(depts["court"], company, dt.date(2020, 3, 2), "失信被执行人名单")
    assert sync(record).expired == 1
    assert ListEntry.objects.get().state == "expired"


def test_batch_hook_syncs_the_batch_records(depts, company):
    record = dishonesty(depts["court"], company, dt.date(2026, 3, 2), "失信被执行人名单")
    record.current_version.__class__.objects.filter(pk=record.current_version_id).update(batch_ref="77")
    lists_after_batch(batch_ref="77", as_of=DAY)
    assert ListEntry.objects.filter(record=record, state="effective").exists()
    lists_after_batch(batch_ref="78", as_of=DAY)  # another batch: nothing
    assert ListEntry.objects.count() == 1


def test_list_type_kinds_are_respected(depts, person):
    record = honour(depts["tax"], person, dt.date(2026, 1, 10), "纳税信用A级纳税人", RY_ZTLB="自然人")
    assert sync(record).kind_refused == 1
    assert ListType.objects.get(code="taxpayer_a").subject_kinds == ["organisation", "individual_business"]
