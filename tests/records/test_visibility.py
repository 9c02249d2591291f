import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from tests.subjects.factories import api_client, user
from xinyong.accounts.models import ApiScope, Role
from xinyong.accounts.services import apiclient_revoke
from xinyong.records.permissions import can_read_old_versions, can_write_record
from xinyong.records.selectors import (
    record_versions_visible_to,
    records_public,
    records_visible_to,
)

pytestmark = pytest.mark.django_db


def keys(queryset, records):
    ids = set(queryset.values_list("pk", flat=True))
    return {key for key, record in records.items() if record.pk in ids}


def test_department_sees_own_records_and_shared_or_public_ones(records, officer_a):
    assert keys(records_visible_to(principal=officer_a), records) == {
        "a-public",
        "a-shared",
        "a-authorised",
        "a-none",
        "b-public",
        "b-shared",
    }


def test_platform_wide_roles_see_everything(records, operator, auditor):
    assert keys(records_visible_to(principal=operator), records) == set(records)
    assert keys(records_visible_to(principal=auditor), records) == set(records)


def test_api_client_is_scoped_like_its_department(records, client_b):
    assert keys(records_visible_to(principal=client_b), records) == {
        "b-public",
        "b-shared",
        "b-authorised",
        "b-none",
        "a-public",
        "a-shared",
    }
    apiclient_revoke(client=client_b)
    assert not records_visible_to(principal=client_b).exists()


def test_anonymous_sees_public_effective_records_inside_their_window(records, ingest, items, dept_a, as_of):
    assert keys(records_visible_to(principal=AnonymousUser()), records) == {"a-public", "b-public"}
    ended = ingest(
        items["public"],
        dept_a,
        "过期1号",
        publish_from=dt.date(2025, 6, 1),
        publish_until=dt.date(2026, 1, 1),
    ).record
    assert (
        records_visible_to(principal=AnonymousUser(), as_of=dt.date(2026, 1, 1)).filter(pk=ended.pk).exists()
    )
    assert not records_visible_to(principal=AnonymousUser(), as_of=as_of).filter(pk=ended.pk).exists()
    # Without as_of the public set of today applies: never the records whose window has ended.
    today = set(records_public(as_of=timezone.localdate()).values_list("pk", flat=True))
    assert set(records_visible_to(principal=AnonymousUser()).values_list("pk", flat=True)) == today


def test_user_without_role_is_treated_as_public(records, dept_a):
    nobody = user("nobody", "", dept_a)
    assert keys(records_visible_to(principal=nobody), records) == {"a-public", "b-public"}


def test_natural_person_records_take_the_narrower_scope(items, dept_b, ingest, person, officer_a):
    record = ingest(items["public"], dept_b, "罚9号", subject=person).record
    assert records_visible_to(principal=officer_a).filter(pk=record.pk).exists()  # shared within government
    assert not records_visible_to(principal=AnonymousUser()).filter(pk=record.pk).exists()


def test_old_versions_only_for_owner_and_platform_wide(
    records, ingest, items, dept_b, officer_a, officer_b, auditor
):
    ingest(items["public"], dept_b, "B罚〔2026〕public号", fields={"CF_NR": "更正"})
    record = records["b-public"]
    record.refresh_from_db()
    assert not can_read_old_versions(officer_a, record)
    assert [v.number for v in record_versions_visible_to(principal=officer_a, record=record)] == [2]
    for reader in (officer_b, auditor):
        assert can_read_old_versions(reader, record)
        assert [v.number for v in record_versions_visible_to(principal=reader, record=record)] == [2, 1]


def test_only_own_department_writes(records, officer_a, officer_b, auditor, operator, dept_a, client_a):
    record = records["a-none"]
    assert can_write_record(officer_a, record)
    assert not can_write_record(officer_b, record)
    assert not can_write_record(auditor, record)
    assert not can_write_record(user("clerk", Role.WINDOW_CLERK, dept_a), record)
    assert not can_write_record(client_a, record)  # read-only scopes
    writer, _ = api_client(dept_a, [ApiScope.RECORDS_WRITE])
    assert can_write_record(writer, record)
    assert not can_write_record(writer, records["b-public"])


def test_a_repaired_record_is_no_longer_shared_with_other_departments(
    records, officer_a, operator, auditor, client_b
):
    """令第36号: a repaired record stops being shared; its own department and platform-wide roles keep it."""
    from xinyong.records.services import record_mark_repaired

    for key in ("a-public", "a-shared"):
        record_mark_repaired(
            record=records[key], actor=None, reason="信用修复决定", on_date=dt.date(2026, 6, 1)
        )
    assert keys(records_visible_to(principal=client_b), records) == {
        "b-public",
        "b-shared",
        "b-authorised",
        "b-none",
    }
    assert {"a-public", "a-shared"} <= keys(records_visible_to(principal=officer_a), records)
    assert keys(records_visible_to(principal=operator), records) == set(records)
    assert keys(records_visible_to(principal=auditor), records) == set(records)
