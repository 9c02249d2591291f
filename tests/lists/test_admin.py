"""Admin: list types with their versions and the unmapped list names; operators revoke entries with a reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tests.lists.conftest import dishonesty, honour
from tests.support import make_user
from xinyong.accounts.models import Role
from xinyong.lists.models import ListEntry, ListType
from xinyong.lists.services import list_entries_sync

pytestmark = pytest.mark.usefixtures("shipped")
DAY = dt.date(2026, 6, 15)


@pytest.fixture
def operator(db):
    user = make_user("lists_op", role=Role.OPERATOR)
    client = Client()
    client.force_login(user)
    return client


def test_list_type_changelist_shows_unmapped_names(operator, depts, company):
    dishonesty(depts["court"], company, dt.date(2026, 3, 2), "某某自定义名单")
    html = operator.get("/admin/lists/listtype/").content.decode()
    assert "未对应名单类型的名单名称" in html and "某某自定义名单" in html


def test_editing_a_list_type_adds_a_version(operator):
    court = ListType.objects.get(code="court_dishonest_debtor")
    page = operator.get(f"/admin/lists/listtype/{court.pk}/change/")
    assert page.status_code == 200 and "版本历史" in page.content.decode()
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "synonyms": '["失信被执行人名单", "老赖名单"]',
            "subject_kinds": '["organisation", "individual_business", "natural_person"]',
            "department_codes": '["court"]',
            "active": "on",
            "note": "补充写法",
            "versions-TOTAL_FORMS": "0",
            "versions-INITIAL_FORMS": "0",
        }
    )
    response = operator.post(f"/admin/lists/listtype/{court.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    court.refresh_from_db()
    assert court.version == 2 and "老赖名单" in court.synonyms
    assert court.versions.get(number=2).note == "补充写法"


def test_operator_revokes_an_honour_with_a_reason(operator, depts, company):
    record = honour(depts["tax"], company, dt.date(2026, 1, 10), "纳税信用A级纳税人")
    list_entries_sync(record_ids=[record.pk], as_of=DAY)
    entry = ListEntry.objects.get()
    ask = operator.post(
        "/admin/lists/listentry/", {"action": "revoke_entries", "_selected_action": [entry.pk]}
    )
    assert "撤销原因" in ask.content.decode()
    operator.post(
        "/admin/lists/listentry/",
        {"action": "revoke_entries", "_selected_action": [entry.pk], "apply": "1", "reason": "评价结果更正"},
    )
    entry.refresh_from_db()
    assert entry.state == "removed" and entry.end_reason == "撤销：评价结果更正"
