"""信用档案 services: who may open it, the purpose (查询事由) and its audit entry, what each principal sees
(department limits, shared-only and expired records, versions), the timeline, the view log, search and export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import subject_create
from tests.subjects.factories import RIC, RIC_MASKED, api_client, item_version, user
from xinyong.accounts.models import ApiScope, AuditEntry, Role
from xinyong.catalog.models import CatalogItem
from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import check_ric
from xinyong.core.spreadsheet import formula_safe
from xinyong.records.archive.errors import ArchiveError, ArchiveSubjectNotFound
from xinyong.records.archive.permissions import archive_can_open
from xinyong.records.archive.selectors import archive_subject_get
from xinyong.records.archive.services import (
    ArchivePurpose,
    archive_export_csv,
    archive_purpose_text,
    archive_subject_search,
    archive_view,
)
from xinyong.records.models import EffectiveStatus
from xinyong.records.selectors import record_versions_visible_to
from xinyong.records.services import record_change_status
from xinyong.subjects.models import Subject

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 6, 15)
ID_LIKE = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")


def full_ids(text: str) -> list[str]:
    return [c for c in ID_LIKE.findall(text) if check_ric(c, as_of=AS_OF).ok]


def view(principal, subject, purpose="信用核查", **kwargs):
    return archive_view(principal=principal, subject=subject, purpose=purpose, as_of=AS_OF, **kwargs)


def by_document(archive) -> dict[str, object]:
    return {r.document_number: r for r in archive.records}


def archive_entries(subject, action="view"):
    return AuditEntry.objects.filter(object_type="subjects.subject", object_id=str(subject.pk), action=action)


# ---------------------------------------------------------------------------------------------------
# Purpose


@pytest.mark.parametrize(
    ("purpose", "note", "expected"),
    [
        ("信用核查", "", "信用核查"),
        ("credit_check", "", "信用核查"),
        (ArchivePurpose.AUDIT, "", "审计检查"),
        ("other", "核对举报线索", "其他：核对举报线索"),
        ("其他（须说明）", "核对举报线索", "其他：核对举报线索"),
        ("其他：核对举报线索", "", "其他：核对举报线索"),
    ],
)
def test_purposes_of_the_fixed_list_are_accepted(purpose, note, expected):
    assert archive_purpose_text(purpose=purpose, purpose_note=note) == expected


@pytest.mark.parametrize(
    ("purpose", "note", "code"),
    [
        ("", "", "purpose_required"),
        ("   ", "", "purpose_required"),
        ("随便看看", "", "purpose_invalid"),
        ("其他", "", "purpose_note_required"),
        ("other", "  ", "purpose_note_required"),
        ("other", "很" * 101, "purpose_note_too_long"),
    ],
)
def test_a_missing_or_unknown_purpose_is_refused_with_a_code(purpose, note, code):
    with pytest.raises(ArchiveError) as caught:
        archive_purpose_text(purpose=purpose, purpose_note=note)
    assert caught.value.code == code
    assert re.search(r"[\u4e00-\u9fff]", caught.value.message)


def test_no_data_and_no_view_entry_without_a_purpose(records, operator, company):
    with pytest.raises(ArchiveError) as caught:
        view(operator, company, purpose="")
    assert caught.value.code == "purpose_required"
    assert not archive_entries(company).exists()


def test_every_view_is_audited_with_its_purpose_and_counts(records, operator, company):
    archive = view(operator, company, purpose="other", purpose_note="核对举报线索")
    entry = archive_entries(company).get()
    assert entry.seq == archive.audit_seq
    assert entry.purpose == "其他：核对举报线索" == archive.purpose
    assert entry.actor_user == operator
    assert entry.detail["records"] == 8
    assert entry.detail["non_public"] == 6
    assert entry.detail["stage"] == "archive" and entry.detail["via"] == "console"
    assert sorted(entry.detail["record_ids"]) == sorted(r.pk for r in records.values())
    view(operator, company, purpose="执法检查")
    assert list(archive_entries(company).order_by("seq").values_list("purpose", flat=True)) == [
        "其他：核对举报线索",
        "执法检查",
    ]


# ---------------------------------------------------------------------------------------------------
# Who may open it


def test_role_matrix(dept_a, operator, auditor, officer_a):
    reviewer = user("reviewer_a", Role.REVIEWER, dept_a)
    clerk = user("clerk_a", Role.WINDOW_CLERK, dept_a)
    nobody = user("nobody", "")
    superuser = user("root", "")
    superuser.is_superuser = True
    superuser.save()
    for allowed in (operator, auditor, officer_a, reviewer, superuser):
        assert archive_can_open(allowed), allowed.username
    for refused in (clerk, nobody, None):
        assert not archive_can_open(refused)
    reader, _ = api_client(dept_a, [ApiScope.RECORDS_READ])
    writer, _ = api_client(dept_a, [ApiScope.RECORDS_WRITE])
    assert archive_can_open(reader) and not archive_can_open(writer)


def test_window_clerk_is_refused_and_the_attempt_logged(records, dept_a, company):
    clerk = user("clerk_a", Role.WINDOW_CLERK, dept_a)
    with pytest.raises(PermissionDenied):
        view(clerk, company)
    denied = archive_entries(company).get()
    assert denied.outcome == "denied" and denied.actor_user == clerk
    with pytest.raises(PermissionDenied):
        archive_subject_search(principal=clerk, query=company.name)


# ---------------------------------------------------------------------------------------------------
# What each principal sees


def test_department_sees_its_own_records_and_shared_ones_of_others(records, officer_a, officer_b, company):
    seen = set(by_document(view(officer_a, company)))
    assert seen == {
        records[k].document_number for k in ("a-public", "a-shared", "a-authorised", "a-none")
    } | {
        records["b-public"].document_number,
        records["b-shared"].document_number,
    }
    seen_b = set(by_document(view(officer_b, company)))
    assert records["a-authorised"].document_number not in seen_b
    assert records["b-none"].document_number in seen_b


@pytest.mark.parametrize("role", ["operator", "auditor"])
def test_platform_wide_roles_see_every_record(records, company, request, role):
    archive = view(request.getfixturevalue(role), company)
    assert archive.counts.records == 8
    assert archive.counts.departments == 2
    assert {r.disclosure_scope for r in archive.records} == {"public", "shared", "authorised", "none"}


def test_scopes_expired_and_revoked_records_are_marked(items, dept_a, ingest, officer_a, company):
    live = ingest(items["public"], dept_a, "甲罚1号", publish_from=dt.date(2026, 5, 25)).record
    ended = ingest(
        items["public"],
        dept_a,
        "甲罚2号",
        decision_date=dt.date(2023, 1, 5),
        publish_from=dt.date(2023, 1, 10),
        publish_until=dt.date(2026, 1, 9),
    ).record
    shared = ingest(items["shared"], dept_a, "甲查1号").record
    revoked = ingest(items["public"], dept_a, "甲罚3号").record
    record_change_status(record=revoked, status="revoked", actor=officer_a, reason="复议撤销", as_of=AS_OF)
    archive = view(officer_a, company)
    rows = by_document(archive)
    assert rows[live.document_number].effective_status == EffectiveStatus.EFFECTIVE
    assert rows[live.document_number].in_publication
    assert rows[ended.document_number].expired and not rows[ended.document_number].in_publication
    assert rows[ended.document_number].effective_label == "公示期满"
    assert rows[shared.document_number].scope_label == "政务共享"
    assert not rows[shared.document_number].in_publication
    assert rows[revoked.document_number].revoked and not rows[revoked.document_number].in_publication
    assert archive.counts.expired == 1 and archive.counts.revoked == 1
    # As of a date before the window ended, the same record is effective and published.
    earlier = archive_view(
        principal=officer_a, subject=company, purpose="信用核查", as_of=dt.date(2025, 6, 1)
    )
    assert by_document(earlier)[ended.document_number].effective_status == EffectiveStatus.EFFECTIVE
    assert by_document(earlier)[ended.document_number].in_publication


def test_versions_follow_can_read_old_versions(records, ingest, items, dept_b, officer_a, officer_b, company):
    ingest(items["shared"], dept_b, records["b-shared"].document_number, fields={"CF_NR": "更正后的内容"})
    record = records["b-shared"]
    record.refresh_from_db()
    theirs = by_document(view(officer_a, company))[record.document_number]
    assert (
        [v.number for v in theirs.versions]
        == [2]
        == [v.number for v in record_versions_visible_to(principal=officer_a, record=record)]
    )
    assert theirs.version_count == 2 and not theirs.old_versions_readable
    own = by_document(view(officer_b, company))[record.document_number]
    assert [v.number for v in own.versions] == [2, 1] and own.old_versions_readable
    assert own.versions[0].is_current and not own.versions[1].is_current
    assert {f.value for f in own.versions[0].fields} >= {"更正后的内容"}
    # The old version's receipt is on the owner's timeline only.
    corrections = [e for e in view(officer_a, company).timeline if e.record_id == record.pk]
    assert [e.kind for e in corrections if e.kind in ("received", "version")] == ["version"]
    owner_events = [e.kind for e in view(officer_b, company).timeline if e.record_id == record.pk]
    assert "received" in owner_events and "version" in owner_events


def test_timeline_has_dated_decisions_receipts_windows_and_status_changes(
    items, dept_a, ingest, officer_a, company
):
    record = ingest(
        items["public"],
        dept_a,
        "甲罚9号",
        decision_date=dt.date(2026, 5, 20),
        publish_from=dt.date(2026, 5, 27),
        publish_until=dt.date(2027, 5, 19),
    ).record
    record_change_status(record=record, status="withdrawn", actor=officer_a, reason="决定被撤销", as_of=AS_OF)
    events = {e.kind: e for e in view(officer_a, company).timeline if e.record_id == record.pk}
    assert events["decision"].on == dt.date(2026, 5, 20)
    assert events["received"].on == dt.date(2026, 6, 1)
    assert events["publish_from"].on == dt.date(2026, 5, 27)
    assert events["publish_until"].on == dt.date(2027, 5, 19) and events["publish_until"].upcoming
    assert events["status"].on == AS_OF and events["status"].detail == "决定被撤销"
    assert "撤回" in events["status"].label
    timeline = view(officer_a, company).timeline
    assert [e.on for e in timeline] == sorted((e.on for e in timeline), reverse=True)


def test_sweep_entries_are_dated_by_the_window_not_by_the_first_sweep(
    items, dept_a, ingest, officer_a, company
):
    """A platform loaded with older records runs its first sweep today: the records entered publication when
    their window started (or when they were received, if later), not on the day of that sweep."""
    from django.utils import timezone

    from xinyong.records.services import record_publication_sweep

    received_2024 = timezone.make_aware(dt.datetime(2024, 3, 12, 9, 30))
    on_time = ingest(
        items["public"],
        dept_a,
        "甲罚2024-1号",
        decision_date=dt.date(2024, 3, 8),
        publish_from=dt.date(2024, 3, 15),
        publish_until=dt.date(2027, 3, 7),
        received_at=received_2024,
    ).record
    late = ingest(
        items["public"],
        dept_a,
        "甲罚2024-2号",
        decision_date=dt.date(2024, 1, 5),
        publish_from=dt.date(2024, 1, 5),
        publish_until=dt.date(2026, 6, 10),
        received_at=received_2024,
    ).record
    record_publication_sweep(as_of=dt.date(2026, 6, 1))  # the first sweep: both enter
    record_publication_sweep(as_of=AS_OF)  # the second: the late one's window has ended
    events = [e for e in view(officer_a, company).timeline if e.kind.startswith("publication_")]
    entered = {e.record_id: e.on for e in events if e.kind == "publication_entered"}
    assert entered == {on_time.pk: dt.date(2024, 3, 15), late.pk: dt.date(2024, 3, 12)}
    left = {e.record_id: e.on for e in events if e.kind == "publication_left"}
    assert left == {late.pk: dt.date(2026, 6, 11)}
    assert all(e.label in ("纳入公示", "停止公示") for e in events)


def test_records_are_grouped_by_catalog_category_and_paginated(records, ingest, dept_a, operator, company):
    honour = item_version("honour-x", scope="public", polarity="positive")
    CatalogItem.objects.filter(pk=honour.item_id).update(category="honour")
    ingest(honour, dept_a, "荣誉1号")
    first = view(operator, company, page_size=4)
    assert first.num_pages == 3 and first.page_number == 1 and len(first.records) == 4
    assert [g.label for g in first.groups] == ["行政管理信息"]
    last = view(operator, company, page_size=4, page=3)
    assert [g.label for g in last.groups][-1] == "诚实守信相关荣誉信息"
    assert last.counts.records == 9
    everything = view(operator, company, page_size=200)
    categories = [r.category for r in everything.records]
    assert categories == sorted(categories, key=lambda c: c != "administrative")


def test_natural_person_archive_never_holds_the_full_id(
    items, dept_a, dept_b, ingest, person, officer_a, officer_b
):
    ingest(
        items["authorised"],
        dept_a,
        "甲授1号",
        subject=person,
        fields={"CF_XDR_MC": person.name, "CF_XDR_ZJHM": RIC, "CF_NR": f"当事人身份证{RIC}，已履行"},
    )
    archive = view(officer_a, person)
    assert archive.subject_code == RIC_MASKED
    text = repr(archive)
    assert full_ids(text) == []
    assert RIC_MASKED in text
    # Another department sees neither the record nor the person.
    with pytest.raises(ArchiveSubjectNotFound):
        view(officer_b, person)
    with pytest.raises(ArchiveSubjectNotFound):
        archive_subject_get(principal=officer_b, subject_id=person.pk)


# ---------------------------------------------------------------------------------------------------
# The view log


def test_view_log_shows_who_looked_and_why(records, operator, officer_a, officer_b, company, client_a):
    view(operator, company, purpose="审计检查")
    view(officer_b, company, purpose="执法检查")
    view(client_a, company, purpose="日常监管")
    archive = view(operator, company, purpose="信用核查")
    assert [(v.actor, v.purpose) for v in archive.views] == [
        ("operator", "信用核查"),
        (client_a.name, "日常监管"),
        ("officer_b", "执法检查"),
        ("operator", "审计检查"),
    ]
    assert archive.view_count == 4
    # A department sees the views by its own department only.
    own = view(officer_a, company, purpose="信用核查")
    assert {(v.actor, v.purpose) for v in own.views} == {
        ("officer_a", "信用核查"),
        (client_a.name, "日常监管"),
    }


def test_views_of_single_records_belong_to_the_trail(records, operator, company):
    from xinyong.records.services import records_audit_view

    records_audit_view(actor=operator, records=[records["a-none"]], purpose="管理控制台查阅", via="admin")
    archive = view(operator, company)
    assert any(v.target == f"信用记录 {records['a-none'].pk}" for v in archive.views)


# ---------------------------------------------------------------------------------------------------
# Search


def test_search_by_code_name_and_id_number(records, operator, company, person, officer_b):
    assert [s.id for s in archive_subject_search(principal=operator, query=company.uscc)] == [company.pk]
    assert [s.id for s in archive_subject_search(principal=operator, query="某某科技")] == [company.pk]
    # Natural persons: by the full ID number only, shown masked, and the search is logged without the number.
    assert archive_subject_search(principal=operator, query=person.name) == []
    found = archive_subject_search(principal=operator, query=RIC.lower())
    assert [(s.id, s.code) for s in found] == [(person.pk, RIC_MASKED)]
    logged = AuditEntry.objects.filter(action="query", object_type="subjects.subject").get()
    assert logged.detail["subject_ids"] == [person.pk] and logged.purpose
    assert full_ids(repr(list(AuditEntry.objects.values_list("detail", "object_repr", "purpose")))) == []
    # A department that holds no record of the person does not learn the person exists.
    assert archive_subject_search(principal=officer_b, query=RIC) == []


def test_search_finds_other_names_of_a_subject(records, operator, company):
    # The same code arriving under another name keeps that name as an alias of the subject.
    again = subject_create(kind=SubjectKind.ORGANISATION, name="乙市另一名称有限公司", uscc=company.uscc)
    assert again.pk == company.pk
    assert [s.id for s in archive_subject_search(principal=operator, query="另一名称")] == [company.pk]


# ---------------------------------------------------------------------------------------------------
# Export


def test_export_is_audited_and_holds_the_visible_records(records, officer_a, company):
    text = archive_export_csv(principal=officer_a, subject=company, purpose="信用修复", as_of=AS_OF)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["主体名称", company.name]
    assert rows[1][0] == "信息类别"
    assert len(rows) == 2 + 6
    entry = archive_entries(company, action="export").get()
    assert entry.purpose == "信用修复" and entry.detail["records"] == 6
    with pytest.raises(ArchiveError):
        archive_export_csv(principal=officer_a, subject=company, purpose="", as_of=AS_OF)


def test_search_finds_by_code_name_and_id_number(records, operator, company, person):
    assert [s.id for s in archive_subject_search(principal=operator, query=company.uscc)] == [company.pk]
    assert [s.id for s in archive_subject_search(principal=operator, query="甲市某某科技有限公司")] == [
        company.pk
    ]
    assert [s.id for s in archive_subject_search(principal=operator, query=RIC)] == [person.pk]
    assert archive_subject_search(principal=operator, query="张三") == []


def test_export_carries_no_formula(records, officer_a, company, ingest, items, dept_a):
    Subject.objects.filter(pk=company.pk).update(name='=HYPERLINK("http://evil.example","甲市某某科技")')
    company.refresh_from_db()
    ingest(items["public"], dept_a, "-2+3+cmd|' /C calc'!A0")
    ingest(items["public"], dept_a, "@SUM(1)")
    ingest(items["public"], dept_a, "＝1+1")  # full-width forms are formulas too in a Chinese Excel
    text = archive_export_csv(principal=officer_a, subject=company, purpose="信用修复", as_of=AS_OF)
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows for cell in row]
    assert rows[0][1] == "'" + company.name
    assert {"'-2+3+cmd|' /C calc'!A0", "'@SUM(1)", "'＝1+1"} <= set(cells)
    assert all(formula_safe(cell) for cell in cells)
