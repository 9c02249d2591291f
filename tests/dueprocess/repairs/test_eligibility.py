"""When a record or a list entry may be repaired: before, on and after each boundary, for each rule set."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.dueprocess.repairs.conftest import penalty
from tests.factories import record_ingest_row
from xinyong.dueprocess.repairs.eligibility import entry_eligibility, record_eligibility
from xinyong.lists.models import ListEntry
from xinyong.lists.services import list_entries_sync, list_types_load
from xinyong.records.models import Channel
from xinyong.records.services import record_change_status, record_mark_repaired

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("decided", "severity", "rule_set", "repair_from", "publish_until"),
    [
        # 发改办财金〔2019〕527号: 一般 3 months / 1 year, 严重 6 months / 3 years.
        (dt.date(2020, 6, 1), "general", "ndrc-527", dt.date(2020, 9, 2), dt.date(2021, 6, 1)),
        (dt.date(2020, 6, 1), "serious", "ndrc-527", dt.date(2020, 12, 2), dt.date(2023, 6, 1)),
        # 令第58号: 3 months / 3 years.
        (dt.date(2024, 6, 1), "general", "ndrc-58", dt.date(2024, 9, 2), dt.date(2027, 6, 1)),
        # 令第36号: 一般 3 months / 1 year, 严重 1 year / 3 years.
        (dt.date(2026, 4, 15), "general", "ndrc-36", dt.date(2026, 7, 16), dt.date(2027, 4, 15)),
        (dt.date(2026, 4, 15), "serious", "ndrc-36", dt.date(2027, 4, 16), dt.date(2029, 4, 15)),
    ],
)
def test_repair_window_boundaries_for_each_rule_set(
    rp, decided, severity, rule_set, repair_from, publish_until
):
    record = penalty(rp, on=decided, severity=severity)
    assert (record.rule_set_code, record.repair_from, record.publish_until) == (
        rule_set,
        repair_from,
        publish_until,
    )
    before = record_eligibility(record=record, as_of=repair_from - DAY)
    assert not before.eligible and before.code == "too_early"
    assert before.from_date == repair_from
    assert f"{repair_from:%Y年%m月%d日}" in before.message
    assert before.deciding_department_name == "甲市市场监督管理局"
    on = record_eligibility(record=record, as_of=repair_from)
    assert on.eligible and on.code == "eligible" and on.conditions
    assert record_eligibility(record=record, as_of=repair_from + DAY).eligible
    # Publication ends at the end of publish_until: repairable that day, nothing left to repair after.
    assert record_eligibility(record=record, as_of=publish_until).eligible
    after = record_eligibility(record=record, as_of=publish_until + DAY)
    assert not after.eligible and after.code == "expired"


def test_minor_information_under_order_36_is_repairable_once_the_obligation_is_met(rp):
    record = penalty(rp, on=dt.date(2026, 4, 15), severity="minor")
    assert not record.publishable and record.repair_from is None
    answer = record_eligibility(record=record, as_of=dt.date(2026, 4, 15))
    assert answer.eligible and answer.code == "minor"
    assert "轻微" in answer.message and "履行法定义务" in answer.message


def test_no_early_stop_for_a_long_term_licence_revocation(rp):
    record = penalty(rp, on=dt.date(2026, 4, 15), kinds="吊销许可证件")
    assert record.no_early_stop and record.repair_from is None
    answer = record_eligibility(record=record, as_of=dt.date(2026, 12, 1))
    assert not answer.eligible and answer.code == "no_early_stop"
    assert "不得提前停止公示" in answer.message


def test_no_early_stop_until_the_penalty_ends(rp):
    # 责令停产停业 until 2026-12-31: the repair window opens the day after the penalty ends.
    record = penalty(rp, on=dt.date(2026, 4, 15), kinds="罚款,责令停产停业", extra={"CF_YXQ": "2026-12-31"})
    assert record.no_early_stop and record.repair_from == dt.date(2027, 1, 1)
    before = record_eligibility(record=record, as_of=dt.date(2026, 12, 31))
    assert before.code == "too_early" and "处罚期满" in before.message
    assert record_eligibility(record=record, as_of=dt.date(2027, 1, 1)).eligible


def test_not_repairable_when_repaired_revoked_or_not_negative(rp):
    record = penalty(rp, on=dt.date(2026, 4, 15))
    record_mark_repaired(record=record, actor=None, reason="修复决定", on_date=dt.date(2026, 8, 1))
    record.refresh_from_db()
    assert record_eligibility(record=record, as_of=dt.date(2026, 8, 2)).code == "already_repaired"
    other = penalty(rp, on=dt.date(2026, 4, 15))
    record_change_status(
        record=other,
        status="revoked",
        actor=rp["users"]["officer"],
        reason="复议撤销",
        as_of=dt.date(2026, 5, 1),
    )
    other.refresh_from_db()
    assert record_eligibility(record=other, as_of=dt.date(2026, 8, 2)).code == "not_in_effect"


def _abnormal(rp, *, on: dt.date):
    company = rp["company"]
    return record_ingest_row(
        item_code="abnormal_operations",
        department=rp["samr"],
        document_number=f"甲市监异〔{on.year}〕1号",
        subject=company,
        decision_date=on,
        fields={"YC_QYMC": company.name, "YC_LRYY": "未按规定报送年度报告", "YC_LRRQ": on.isoformat()},
        channel=Channel.FILE,
        received_at=timezone.make_aware(dt.datetime(2026, 6, 15, 10, 0)),
    ).record


def test_abnormal_operations_record_and_entry_have_no_window(rp):
    record = _abnormal(rp, on=dt.date(2026, 5, 10))
    assert not record.rule_set_code and record.repair_from is None
    answer = record_eligibility(record=record, as_of=dt.date(2026, 5, 10))
    assert answer.eligible and answer.code == "no_window" and "经营异常名录" in answer.message
    list_types_load(as_of=dt.date(2026, 5, 10))
    list_entries_sync(record_ids=[record.pk], as_of=dt.date(2026, 5, 10))
    entry = ListEntry.objects.get(record=record)
    answer = entry_eligibility(entry=entry, as_of=dt.date(2026, 5, 11))
    assert answer.eligible and answer.code == "no_window"
    assert answer.deciding_department_name == "甲市市场监督管理局"
