"""An approved repair leaves every reader at once: the public set and portal, reports, the change feeds, the
check, and other departments' views; the deciding department, operators and auditors still see it, and the
implementing departments are notified."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from tests.dueprocess.repairs.conftest import evidence
from tests.jrp.check.conftest import (  # noqa: F401
    AS_OF,
    LISTED_USCC,
    MATTER,
    _fresh_rulebook_cache,
    catalog,
    fast_password_hashing,
    world,
)
from tests.support import make_user
from xinyong.accounts.models import ApiScope, Role
from xinyong.accounts.services import apiclient_create
from xinyong.dueprocess.models import LinkMethod, SubjectAccount, SubjectLink
from xinyong.dueprocess.profiles.services import profiles_load
from xinyong.dueprocess.repairs.selectors import (
    repair_implementing_department_ids,
    repair_notifications_for,
)
from xinyong.dueprocess.repairs.services import repair_accept, repair_apply, repair_approve
from xinyong.jrp.check.services import check_run
from xinyong.jrp.models import MeasureFeedback
from xinyong.lists.models import EntryState
from xinyong.lists.selectors import entries_in_force, list_entry_changes_since
from xinyong.records.models import PublicationChange
from xinyong.records.selectors import record_changes_since, records_public, records_visible_to
from xinyong.records.services import record_publication_sweep
from xinyong.reports.models import ReportKind
from xinyong.reports.services import report_issue
from xinyong.workdays.services import calendar_seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def repaired(world, settings, tmp_path):  # noqa: F811
    """The listed company's record repaired on AS_OF by the market regulator, after a tax check applied measures."""
    settings.DUEPROCESS_EVIDENCE_DIR = tmp_path / "evidence"
    calendar_seed()
    profiles_load()
    record_publication_sweep(as_of=AS_OF)
    officer = make_user("samr_officer", role=Role.DATA_OFFICER, department=world.samr)
    MeasureFeedback.objects.create(
        check_id=1,
        checked_on=AS_OF,
        subject=world.listed,
        measure_code="M-LIMIT",
        rulebook_number=1,
        list_entry_id=world.entry.pk,
        department=world.other,
        due_on=AS_OF,
    )
    account = SubjectAccount.objects.create(login_name="listed@example.com", display_name="李经理")
    SubjectLink.objects.create(account=account, subject=world.listed, method=LinkMethod.OPERATOR)
    snapshot = {
        "public": records_public(as_of=AS_OF).filter(pk=world.record.pk).exists(),
        "in_force": entries_in_force(as_of=AS_OF).filter(pk=world.entry.pk).exists(),
    }
    application = repair_apply(
        account=account,
        record=world.record,
        statement="已履行全部义务",
        signatory="李经理",
        evidence=evidence(),
        on_date=AS_OF,
    )
    repair_accept(application=application, actor=officer, on_date=AS_OF)
    application = repair_approve(application=application, actor=officer, on_date=AS_OF, reasons="义务已履行")
    return {"application": application, "officer": officer, "before": snapshot, "account": account}


def test_the_public_set_portal_and_reports_drop_the_repaired_record(world, repaired):  # noqa: F811
    assert repaired["before"] == {"public": True, "in_force": True}
    assert not records_public(as_of=AS_OF).filter(pk=world.record.pk).exists()
    page = Client().get(f"/subjects/{world.listed.pk}/").content.decode()
    assert "甲市监严〔2026〕1号" not in page
    report = report_issue(
        subject=world.listed, kind=ReportKind.PUBLIC, as_of=AS_OF, actor=repaired["officer"]
    )
    assert "甲市监严〔2026〕1号" not in json.dumps(report.content, ensure_ascii=False)


def test_the_entry_is_repaired_and_the_check_lifts_its_measures(world, repaired):  # noqa: F811
    world.entry.refresh_from_db()
    assert world.entry.state == EntryState.REPAIRED and world.entry.ended_on == AS_OF
    assert not entries_in_force(as_of=AS_OF).filter(pk=world.entry.pk).exists()
    answer = check_run(
        requester=world.requester(),
        purpose="核查",
        matter_code=MATTER,
        query=LISTED_USCC,
        as_of=AS_OF,
        channel="api",
    )
    assert not answer.hits and not answer.measures


def test_sharing_stops_for_other_departments_but_not_for_the_deciding_one(world, repaired):  # noqa: F811
    record_id = world.record.pk
    tax = make_user("tax_officer", role=Role.DATA_OFFICER, department=world.other)
    auditor = make_user("auditor", role=Role.AUDITOR)
    operator = make_user("operator", role=Role.OPERATOR)
    assert not records_visible_to(principal=tax).filter(pk=record_id).exists()
    for principal in (repaired["officer"], auditor, operator):
        assert records_visible_to(principal=principal).filter(pk=record_id).exists()
    tax_client, tax_key = apiclient_create(
        name="税务", department=world.other, scopes=[ApiScope.RECORDS_READ]
    )
    response = Client(headers={"X-API-Key": tax_key, "X-Purpose": "核查"}).get(f"/api/records/{record_id}")
    assert response.status_code == 404


def test_change_feeds_carry_the_repaired_reason_at_once(world, repaired):  # noqa: F811
    left = PublicationChange.objects.get(record=world.record, change=PublicationChange.Change.LEFT)
    assert left.reason == PublicationChange.Reason.REPAIRED and left.on_date == AS_OF
    tax_client, _ = apiclient_create(name="税务", department=world.other, scopes=[ApiScope.RECORDS_READ])
    feed = record_changes_since(
        principal=tax_client, version_after=0, change_after=0, horizon=timezone.now(), limit=100
    )
    changes = [
        row for row in feed.rows if isinstance(row, PublicationChange) and row.record_id == world.record.pk
    ]
    assert [c.reason for c in changes][-1] == PublicationChange.Reason.REPAIRED
    # The repaired version itself (the record's content) is no longer shared with them.
    assert all(getattr(row, "status", None) != "repaired" for row in feed.rows)
    events, _ = list_entry_changes_since(event_after=0, horizon=timezone.now(), limit=100)
    assert any(e.entry_id == world.entry.pk and e.to_state == EntryState.REPAIRED for e in events)


def test_implementing_departments_are_notified(world, repaired):  # noqa: F811
    application = repaired["application"]
    assert repair_implementing_department_ids(application=application) == {world.other.pk}
    clerk = make_user("tax_clerk", role=Role.WINDOW_CLERK, department=world.other)
    assert [a.number for a in repair_notifications_for(clerk)] == [application.number]
    samr_clerk = make_user("samr_clerk", role=Role.WINDOW_CLERK, department=world.samr)
    assert repair_notifications_for(samr_clerk) == []
    client = Client()
    client.force_login(clerk)
    page = client.get("/console/dueprocess/repairs/notifications/").content.decode()
    assert application.number in page and "准予修复，措施解除" in page
    _, key = apiclient_create(name="税务", department=world.other, scopes=[ApiScope.RECORDS_READ])
    api = Client(headers={"X-API-Key": key}).get("/api/dueprocess/repairs/notifications")
    assert api.status_code == 200 and api.json()[0]["number"] == application.number


def test_the_archive_and_the_audit_keep_the_repaired_record(world, repaired):  # noqa: F811
    from xinyong.accounts.models import AuditEntry

    versions = list(world.record.versions.order_by("number").values_list("status", flat=True))
    assert versions[-1] == "repaired" and versions[0] == "effective"
    assert AuditEntry.objects.filter(object_id=str(repaired["application"].pk), action="update").count() >= 2
