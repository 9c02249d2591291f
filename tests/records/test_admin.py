import datetime as dt

import pytest
from django.urls import reverse

from xinyong.accounts.models import AuditEntry

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:records_creditrecord_changelist"


def change_url(record):
    return reverse("admin:records_creditrecord_change", args=[record.pk])


def test_officer_list_hides_other_departments_non_shared_records(client, records, officer_a):
    client.force_login(officer_a)
    page = client.get(reverse(CHANGELIST)).content.decode()
    for key in ("a-public", "a-shared", "a-authorised", "a-none", "b-public", "b-shared"):
        assert records[key].document_number in page, key
    for key in ("b-authorised", "b-none"):
        assert records[key].document_number not in page, key


def test_officer_gets_404_for_other_departments_non_shared_record(client, records, officer_a):
    client.force_login(officer_a)
    for key in ("b-authorised", "b-none"):
        assert client.get(change_url(records[key])).status_code == 404
        history = reverse("admin:records_creditrecord_history", args=[records[key].pk])
        assert client.get(history).status_code == 404
    assert client.get(change_url(records["b-shared"])).status_code == 200
    assert client.get(change_url(records["a-none"])).status_code == 200


def test_search_finds_by_document_number_and_subject(client, records, officer_a, company):
    client.force_login(officer_a)
    url = reverse(CHANGELIST)
    page = client.get(url, {"q": "A罚[2026]none号"}).content.decode()
    assert records["a-none"].document_number in page and records["a-public"].document_number not in page
    page = client.get(url, {"q": company.uscc}).content.decode()
    assert records["b-shared"].document_number in page and records["b-none"].document_number not in page


def test_filters_work(client, records, operator):
    client.force_login(operator)
    page = client.get(reverse(CHANGELIST), {"disclosure_scope__exact": "none"}).content.decode()
    assert records["a-none"].document_number in page and records["b-none"].document_number in page
    assert records["a-public"].document_number not in page


def test_operator_sees_everything(client, records, operator):
    client.force_login(operator)
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert all(record.document_number in page for record in records.values())
    assert client.get(change_url(records["b-none"])).status_code == 200


def test_records_are_read_only_in_the_console(client, records, operator, officer_a):
    for user in (operator, officer_a):
        client.force_login(user)
        assert client.get(reverse("admin:records_creditrecord_add")).status_code == 403
        delete = reverse("admin:records_creditrecord_delete", args=[records["a-none"].pk])
        assert client.get(delete).status_code == 403
        assert client.post(delete, {"post": "yes"}).status_code == 403
        page = client.get(change_url(records["a-none"])).content.decode()
        assert 'name="_save"' not in page
    assert records["a-none"].__class__.objects.filter(pk=records["a-none"].pk).exists()


def test_old_versions_inline_for_auditor_but_not_for_other_department(
    client, records, ingest, items, dept_b, auditor, officer_a
):
    ingest(items["shared"], dept_b, "B罚〔2026〕shared号", fields={"CF_NR": "更正后的处罚内容"})
    record = records["b-shared"]
    client.force_login(auditor)
    page = client.get(change_url(record)).content.decode()
    assert "更正后的处罚内容" in page and "罚款人民币五千元" in page
    client.force_login(officer_a)
    page = client.get(change_url(record)).content.decode()
    assert "更正后的处罚内容" in page and "罚款人民币五千元" not in page


def test_views_of_non_public_records_are_audited(client, records, officer_a):
    client.force_login(officer_a)
    client.get(change_url(records["b-shared"]))
    entry = AuditEntry.objects.filter(action="view", object_type="records.creditrecord").latest("seq")
    assert entry.actor_user == officer_a and entry.object_id == str(records["b-shared"].pk)
    assert entry.purpose and entry.detail["record_ids"] == [records["b-shared"].pk]
    before = AuditEntry.objects.count()
    client.get(change_url(records["b-public"]))  # public: no entry
    assert AuditEntry.objects.count() == before
    client.get(reverse(CHANGELIST))
    listed = AuditEntry.objects.latest("seq")
    assert listed.action == "view" and records["a-none"].pk in listed.detail["record_ids"]
    assert records["b-public"].pk not in listed.detail["record_ids"]


def test_list_shows_and_filters_the_computed_status(client, records, ingest, items, dept_a, operator):
    expired = ingest(items["public"], dept_a, "A罚〔2019〕1号", publish_until=dt.date(2020, 1, 1)).record
    client.force_login(operator)
    page = client.get(reverse(CHANGELIST), {"effective_status": "expired"}).content.decode()
    assert expired.document_number in page and "公示期满" in page
    assert records["a-public"].document_number not in page
    page = client.get(reverse(CHANGELIST), {"effective_status": "effective"}).content.decode()
    assert expired.document_number not in page and records["a-public"].document_number in page


def test_version_fields_are_shown_with_their_chinese_names(client, records, operator):
    client.force_login(operator)
    page = client.get(change_url(records["a-public"])).content.decode()
    assert "处罚内容" in page and "CF_NR" in page and "罚款人民币五千元" in page
