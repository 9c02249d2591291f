"""THE public set (records_public), windows stored by the loader, revocation / withdrawal, the nightly sweep
and the recomputation of stored windows — on the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.utils import timezone

from tests.factories import record_ingest_row
from tests.subjects.factories import department, received, user
from xinyong.accounts.models import Department, Role
from xinyong.catalog.selectors import catalog_item_current_version
from xinyong.catalog.services import catalog_load_fixtures
from xinyong.core.codes import SubjectKind
from xinyong.records.models import Channel, CreditRecord, EffectiveStatus, PublicationChange
from xinyong.records.selectors import (
    record_effective_status,
    record_is_published,
    record_withdrawal_late,
    records_public,
    records_visible_to,
    records_withdrawn_late,
)
from xinyong.records.services import record_change_status, record_publication_sweep
from xinyong.records.windows import WindowCalculator
from xinyong.workdays.selectors import working_days_add

from .window_cases import CASES, Case, case_fields

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
RULE_SETS = ["ndrc-36", "ndrc-58", "ndrc-527"]


@pytest.fixture
def catalog(db, settings):
    settings.XINYONG_SECTOR_DEPARTMENTS = {"fire": "消防", "emergency": "安全生产"}
    catalog_load_fixtures(as_of=dt.date(2026, 6, 15))
    return {
        "penalty": catalog_item_current_version(code="penalty"),
        "license": catalog_item_current_version(code="license"),
    }


def _department(code: str) -> Department:
    return Department.objects.filter(code=code).first() or department(code, f"{code} 部门")


def ingest_case(catalog, subject, case: Case, number: str, **overrides):
    values = {
        "item_version": catalog["penalty"],
        "department": _department(case.department),
        "document_number": number,
        "subject": subject,
        "decision_date": case.decision,
        "fields": {"CF_XDR_MC": subject.name, "CF_WSH": number, **case_fields(case)},
        "severity": case.severity,
        "channel": Channel.FILE,
        "received_at": received(),
    }
    values.update(overrides)
    return record_ingest_row(**values).record


def public_ids(as_of: dt.date) -> set[int]:
    return set(records_public(as_of=as_of).values_list("pk", flat=True))


@pytest.mark.parametrize("rule_set", RULE_SETS)
def test_public_set_on_each_window_boundary(catalog, company, rule_set):
    cases = [case for case in CASES if case.rule_set == rule_set]
    stored = {case.id: ingest_case(catalog, company, case, f"罚〔{i}〕号") for i, case in enumerate(cases)}
    for case in cases:
        record = stored[case.id]
        # The window's columns on the record and on its version.
        for row in (record, record.current_version):
            assert (row.publishable, row.publish_from, row.publish_until) == (
                case.publishable,
                case.decision,
                case.until,
            )
            assert (row.repair_from, row.no_early_stop, row.rule_set_code) == (
                case.repair_from,
                case.no_early_stop,
                case.rule_set,
            )
            assert case.rule in row.window_rule
        # Before / on / after each boundary.
        expected = {
            case.decision - DAY: False,
            case.decision: case.publishable,
            case.until: case.publishable,
            case.until + DAY: False,
        }
        for day, public in expected.items():
            assert (record.pk in public_ids(day)) is public, (case.id, day)
            assert record_is_published(record=record, as_of=day) is public
            assert (
                records_visible_to(principal=AnonymousUser(), as_of=day).filter(pk=record.pk).exists()
                is public
            )
        # record_effective_status agrees: effective inside the window, expired after it.
        assert record_effective_status(version=record, as_of=case.until) == EffectiveStatus.EFFECTIVE
        assert record_effective_status(version=record, as_of=case.until + DAY) == EffectiveStatus.EXPIRED


def test_anonymous_visibility_is_exactly_the_public_set(catalog, company, person, as_of):
    for i, case in enumerate(CASES):
        ingest_case(catalog, company, case, f"企〔{i}〕号")
    ingest_case(catalog, person, CASES[0], "个〔1〕号")  # natural person: 政务共享, never public
    nobody = user("no_role", "")
    for day in (dt.date(2021, 3, 1), dt.date(2024, 6, 1), as_of, dt.date(2027, 5, 20), dt.date(2027, 5, 21)):
        public = public_ids(day)
        assert (
            set(records_visible_to(principal=AnonymousUser(), as_of=day).values_list("pk", flat=True))
            == public
        )
        assert set(records_visible_to(principal=nobody, as_of=day).values_list("pk", flat=True)) == public
        for record in CreditRecord.objects.all():
            status = record_effective_status(version=record, as_of=day)
            if record.pk in public:
                assert (
                    status == EffectiveStatus.EFFECTIVE and record.subject_kind != SubjectKind.NATURAL_PERSON
                )
    assert not records_public(as_of=as_of).filter(subject=person).exists()


def test_licence_is_public_while_valid(catalog, company):
    version = catalog["license"]
    fields = {"XK_XDR_MC": company.name, "XK_WSH": "许〔1〕号", "XK_YXQZI": "2027/05/01"}
    record = record_ingest_row(
        item_version=version,
        department=_department("approval"),
        document_number="许〔1〕号",
        subject=company,
        decision_date=dt.date(2026, 5, 2),
        fields=fields,
        channel=Channel.FILE,
        received_at=received(),
    ).record
    assert (record.publish_from, record.publish_until, record.window_rule) == (
        dt.date(2026, 5, 2),
        dt.date(2027, 5, 1),
        "有效期内公示（至 2027-05-01）",
    )
    assert record.pk not in public_ids(dt.date(2026, 5, 1))
    assert record.pk in public_ids(dt.date(2026, 5, 2))
    assert record.pk in public_ids(dt.date(2027, 5, 1))
    assert record.pk not in public_ids(dt.date(2027, 5, 2))
    long_term = record_ingest_row(
        item_version=version,
        department=_department("approval"),
        document_number="许〔2〕号",
        subject=company,
        decision_date=dt.date(2026, 5, 2),
        fields={**fields, "XK_WSH": "许〔2〕号", "XK_YXQZI": "2099/12/31"},
        channel=Channel.FILE,
        received_at=received(),
    ).record
    assert long_term.publish_until is None and long_term.pk in public_ids(dt.date(2099, 12, 31) + DAY)


def test_a_correction_recomputes_the_window(catalog, company):
    case = Case("x", dt.date(2026, 5, 20), "罚款")
    record = ingest_case(catalog, company, case, "罚〔9〕号")
    assert record.publish_until == dt.date(2027, 5, 20)
    record = ingest_case(catalog, company, Case("x", dt.date(2026, 5, 20), "罚款", "serious"), "罚〔9〕号")
    assert record.current_version.number == 2
    assert (record.publish_until, record.repair_from) == (dt.date(2029, 5, 20), dt.date(2027, 5, 21))
    assert record.current_version.supersedes.publish_until == dt.date(2027, 5, 20)


def test_explicit_publish_dates_take_precedence(catalog, company):
    record = ingest_case(
        catalog,
        company,
        Case("x", dt.date(2026, 5, 20), "罚款"),
        "罚〔8〕号",
        publish_until=dt.date(2026, 12, 31),
    )
    assert record.publish_until == dt.date(2026, 12, 31) and record.window_rule == "ndrc-36 v1 一般"


# ---------------------------------------------------------------------------------------------------
# Revocation and withdrawal


@pytest.fixture
def officer(catalog):
    return user("officer_samr", Role.DATA_OFFICER, _department("samr"))


@pytest.mark.parametrize("status", ["revoked", "withdrawn"])
def test_revoked_or_withdrawn_leaves_publication_at_once(catalog, company, officer, status):
    case = Case("x", dt.date(2026, 5, 20), "罚款", department="samr")
    record = ingest_case(catalog, company, case, "罚〔1〕号")
    status_day = dt.date(2026, 6, 12)  # a Friday
    assert record.pk in public_ids(status_day)
    recorded = timezone.make_aware(dt.datetime(2026, 6, 12, 16, 0))
    with mock.patch("django.utils.timezone.now", return_value=recorded):
        record_change_status(
            record=record, status=status, actor=officer, reason="复议决定撤销", as_of=status_day
        )
    record.refresh_from_db()
    # Gone for every day, also for days before the status change: the stored status decides at query time.
    for day in (case.decision, status_day - DAY, status_day, status_day + DAY):
        assert record.pk not in public_ids(day)
    assert record_effective_status(version=record, as_of=status_day) == status
    due = working_days_add(start=status_day, days=3).date
    assert due > status_day
    assert (record.status_date, record.withdrawal_due, record.withdrawn_at) == (status_day, due, recorded)
    assert record_withdrawal_late(record=record) is False
    assert not CreditRecord.objects.filter(records_withdrawn_late()).exists()
    # The window itself is kept (a restored record returns to it).
    assert record.publish_until == dt.date(2027, 5, 20)
    with mock.patch("django.utils.timezone.now", return_value=recorded + dt.timedelta(days=1)):
        record_change_status(
            record=record, status="effective", actor=officer, reason="撤销决定被撤销", as_of=status_day + DAY
        )
    record.refresh_from_db()
    assert record.pk in public_ids(status_day + DAY)
    assert (record.status_date, record.withdrawal_due, record.withdrawn_at) == (status_day + DAY, None, None)


def test_late_withdrawal_is_computable(catalog, company, officer):
    record = ingest_case(
        catalog, company, Case("x", dt.date(2026, 5, 20), "罚款", department="samr"), "罚〔2〕号"
    )
    status_day = dt.date(2026, 6, 1)
    late = timezone.make_aware(dt.datetime(2026, 6, 15, 9, 0))
    with mock.patch("django.utils.timezone.now", return_value=late):
        record_change_status(
            record=record, status="revoked", actor=officer, reason="复议撤销", as_of=status_day
        )
    record.refresh_from_db()
    assert record.withdrawal_due == working_days_add(start=status_day, days=3).date < dt.date(2026, 6, 15)
    assert record_withdrawal_late(record=record) is True
    assert list(CreditRecord.objects.filter(records_withdrawn_late())) == [record]
    # Revoked → withdrawn keeps the original deadline.
    with mock.patch("django.utils.timezone.now", return_value=late + DAY):
        record_change_status(
            record=record, status="withdrawn", actor=officer, reason="撤回公示", as_of=dt.date(2026, 6, 16)
        )
    record.refresh_from_db()
    assert (record.withdrawal_due, record.withdrawn_at) == (
        working_days_add(start=status_day, days=3).date,
        late,
    )


def test_revocation_received_as_a_new_version(catalog, company):
    case = Case("x", dt.date(2026, 5, 20), "罚款")
    record = ingest_case(catalog, company, case, "罚〔3〕号")
    arrived = received(10)
    record = ingest_case(catalog, company, case, "罚〔3〕号", status="revoked", received_at=arrived)
    assert record.status == "revoked" and record.pk not in public_ids(dt.date(2026, 6, 10))
    assert record.status_date == dt.date(2026, 6, 10)
    assert record.withdrawal_due == working_days_add(start=dt.date(2026, 6, 10), days=3).date
    assert record.withdrawn_at is not None
    # Received already revoked: never published, nothing to take down.
    first = ingest_case(catalog, company, case, "罚〔4〕号", status="revoked")
    assert (
        first.withdrawal_due is None
        and first.withdrawn_at is None
        and first.status_date == dt.date(2026, 6, 1)
    )


# ---------------------------------------------------------------------------------------------------
# The nightly sweep


def _changes(record) -> list[tuple]:
    return list(record.publication_changes.order_by("id").values_list("change", "on_date", "reason"))


def test_sweep_records_entries_and_exits_idempotently(catalog, company, person, officer):
    general = ingest_case(
        catalog, company, Case("g", dt.date(2026, 5, 20), "罚款", department="samr"), "罚〔1〕号"
    )
    short = ingest_case(
        catalog, company, Case("s", dt.date(2026, 5, 20), "通报批评", department="samr"), "罚〔2〕号"
    )
    warning = ingest_case(
        catalog, company, Case("w", dt.date(2026, 5, 20), "警告", department="samr"), "罚〔3〕号"
    )
    private = ingest_case(
        catalog, person, Case("p", dt.date(2026, 5, 20), "罚款", department="samr"), "罚〔4〕号"
    )
    future = ingest_case(
        catalog, company, Case("f", dt.date(2026, 7, 1), "罚款", department="samr"), "罚〔5〕号"
    )

    first = record_publication_sweep(as_of=dt.date(2026, 6, 15))
    assert (first.entered, first.left) == (2, 0)
    again = record_publication_sweep(as_of=dt.date(2026, 6, 15))
    assert (again.entered, again.left) == (0, 0)
    assert _changes(general) == [("entered", dt.date(2026, 6, 15), "window_started")]
    assert _changes(warning) == _changes(private) == _changes(future) == []

    assert record_publication_sweep(as_of=dt.date(2026, 7, 1)).entered == 1
    # short: 3 months → last public day 2026-08-20.
    assert record_publication_sweep(as_of=dt.date(2026, 8, 20)).left == 0
    result = record_publication_sweep(as_of=dt.date(2026, 8, 21))
    assert (result.entered, result.left) == (0, 1)
    assert _changes(short)[-1] == ("left", dt.date(2026, 8, 21), "window_ended")

    record_change_status(
        record=general, status="revoked", actor=officer, reason="复议撤销", as_of=dt.date(2026, 8, 24)
    )
    assert record_publication_sweep(as_of=dt.date(2026, 8, 24)).left == 1
    record_change_status(
        record=general, status="effective", actor=officer, reason="恢复", as_of=dt.date(2026, 8, 25)
    )
    assert record_publication_sweep(as_of=dt.date(2026, 8, 25)).entered == 1
    assert _changes(general)[1:] == [
        ("left", dt.date(2026, 8, 24), "revoked"),
        ("entered", dt.date(2026, 8, 25), "restored"),
    ]
    assert set(CreditRecord.objects.filter(in_publication=True)) == {general, future}
    assert set(CreditRecord.objects.filter(in_publication=True)) == set(
        records_public(as_of=dt.date(2026, 8, 25))
    )


def test_sweep_in_small_chunks(catalog, company):
    records = [
        ingest_case(catalog, company, Case("x", dt.date(2026, 5, 20), "罚款"), f"罚〔{i}〕号")
        for i in range(7)
    ]
    assert record_publication_sweep(as_of=dt.date(2026, 6, 1), chunk_size=3).entered == 7
    assert record_publication_sweep(as_of=dt.date(2027, 5, 21), chunk_size=2).left == 7
    assert PublicationChange.objects.count() == 14
    assert all(len(_changes(r)) == 2 for r in records)


def test_publication_changes_are_never_deleted(catalog, company):
    ingest_case(catalog, company, Case("x", dt.date(2026, 5, 20), "罚款"), "罚〔1〕号")
    record_publication_sweep(as_of=dt.date(2026, 6, 1))
    from xinyong.records.models import RecordDeletionRefused

    with pytest.raises(RecordDeletionRefused):
        PublicationChange.objects.all().delete()
    with pytest.raises(RecordDeletionRefused):
        PublicationChange.objects.get().delete()


def test_sweep_command(catalog, company):
    ingest_case(catalog, company, Case("x", dt.date(2026, 5, 20), "罚款"), "罚〔1〕号")
    out = StringIO()
    call_command("publication", "sweep", "--as-of", "2026-06-15", stdout=out)
    assert "2026-06-15 公示巡检完成：纳入公示 1 条，停止公示 0 条" in out.getvalue()
    out = StringIO()
    call_command("publication", "sweep", "--as-of", "2026-06-15", stdout=out)
    assert "纳入公示 0 条" in out.getvalue()


# ---------------------------------------------------------------------------------------------------
# Recomputation of stored records (rows written before the window columns existed)


def test_recompute_fills_records_without_a_window(catalog, company):
    stored = [ingest_case(catalog, company, case, f"罚〔{i}〕号") for i, case in enumerate(CASES)]
    CreditRecord.objects.update(
        publish_from=None,
        publish_until=None,
        publishable=True,
        repair_from=None,
        no_early_stop=False,
        window_rule="",
    )
    CreditRecord.objects.filter(pk=stored[0].pk).update(window_rule="kept")
    out = StringIO()
    call_command("publication", "recompute", stdout=out)
    assert f"已计算 {len(CASES) - 1} 条记录的公示期限" in out.getvalue()
    calc = WindowCalculator.load()
    for case, record in zip(CASES[1:], stored[1:], strict=True):
        record.refresh_from_db()
        window = calc.window(
            item_version=catalog["penalty"],
            decision_date=case.decision,
            severity=case.severity,
            fields=record.current_version.fields,
            department_code=case.department,
        )
        assert (record.publishable, record.publish_from, record.publish_until) == (
            case.publishable,
            case.decision,
            case.until,
        )
        assert (record.repair_from, record.no_early_stop, record.window_rule) == (
            window.repair_from,
            window.no_early_stop,
            window.rule,
        )
    assert CreditRecord.objects.get(pk=stored[0].pk).window_rule == "kept"
    out = StringIO()
    call_command("publication", "recompute", "--all", stdout=out)
    assert f"已计算 {len(CASES)} 条记录的公示期限" in out.getvalue()
    assert CreditRecord.objects.get(pk=stored[0].pk).window_rule == "ndrc-36 v1 严重"
