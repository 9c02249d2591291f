"""FollowTheMoney export: black lists of organisations in force, on public records, as valid FtM entities."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.lists.ftm_support import AS_OF, honoured, listed, lists_world, organisation, person
from tests.subjects.factories import api_client
from tests.support import fast_password_hashing  # noqa: F401
from xinyong.accounts.models import ApiScope, AuditEntry
from xinyong.lists.interop.ftm import ftm_export_entities
from xinyong.lists.interop.schema import schema_issues
from xinyong.lists.models import EntryState
from xinyong.records.models import CreditRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    dept = lists_world()
    company = organisation(1, "甲市恒宏建筑工程有限公司")
    entry = listed(department=dept, subject=company, document="（2026）甲执123号")
    assert entry is not None and entry.state == EntryState.EFFECTIVE
    return {"dept": dept, "company": company}


def export(as_of=AS_OF, **kwargs) -> list[dict]:
    return list(ftm_export_entities(as_of=as_of, **kwargs))


def test_an_organisation_on_a_black_list_is_a_company_with_its_sanction(world):
    company = world["company"]
    entities = export(site_url="https://xy.example.gov.cn/")
    assert [e["schema"] for e in entities] == ["Company", "Sanction"]
    entity, sanction = entities
    assert entity["id"] == f"xinyong-uscc-{company.uscc}"
    props = entity["properties"]
    assert props["name"] == ["甲市恒宏建筑工程有限公司"]
    assert props["uscCode"] == props["registrationNumber"] == props["taxNumber"] == [company.uscc]
    assert props["jurisdiction"] == ["cn"]
    assert props["sourceUrl"] == [f"https://xy.example.gov.cn/subjects/{company.pk}/"]
    s = sanction["properties"]
    assert s["entity"] == [entity["id"]]
    assert s["program"] == ["失信被执行人"] and s["programId"] == ["court_dishonest_debtor"]
    assert s["authority"] == ["甲市中级人民法院"]
    assert s["startDate"] == ["2026-03-02"] and s["endDate"] == ["2028-03-01"]  # 24 months
    assert s["authorityId"] == ["（2026）甲执123号"]
    assert s["reason"] == ["有履行能力而拒不履行生效法律文书确定的义务"]
    for e in entities:
        assert schema_issues(e) == [], e


def test_never_natural_persons_nor_individual_businesses(world):
    dept = world["dept"]
    assert listed(department=dept, subject=person(5, "张三"), document="（2026）甲执5号")
    shop = organisation(6, "甲市张三便利店", category="92")
    assert listed(department=dept, subject=shop, document="（2026）甲执6号")
    entities = export()
    names = [e["properties"].get("name") for e in entities if e["schema"] != "Sanction"]
    assert names == [["甲市恒宏建筑工程有限公司"]]
    text = json.dumps(entities, ensure_ascii=False)
    assert "张三" not in text
    assert all(e["schema"] != "Person" for e in entities)


def test_only_entries_in_force_on_public_records(world):
    dept = world["dept"]
    removed = organisation(2, "甲市已移出科技有限公司")
    entry = listed(
        department=dept, subject=removed, document="（2026）甲执2号", removed_on=dt.date(2026, 5, 1)
    )
    assert entry.state == EntryState.REMOVED
    expired = organisation(3, "甲市已届满贸易有限公司")
    entry = listed(department=dept, subject=expired, document="（2024）甲执3号", decided=dt.date(2024, 1, 2))
    assert entry.state == EntryState.EXPIRED
    shared = organisation(4, "甲市共享商贸有限公司")
    entry = listed(department=dept, subject=shared, document="（2026）甲执4号")
    CreditRecord.objects.filter(pk=entry.record_id).update(disclosure_scope="shared")
    assert honoured(department=dept, subject=organisation(7, "甲市守信食品有限公司"), document="A-2026-7")
    later = organisation(8, "甲市将来物流有限公司")
    listed(department=dept, subject=later, document="（2026）甲执8号", decided=dt.date(2026, 7, 1))
    names = [e["properties"]["name"][0] for e in export() if e["schema"] != "Sanction"]
    assert names == ["甲市恒宏建筑工程有限公司"]
    # The later listing is exported from its day on.
    names = [
        e["properties"]["name"][0] for e in export(as_of=dt.date(2026, 7, 2)) if e["schema"] != "Sanction"
    ]
    assert "甲市将来物流有限公司" in names


def test_one_legal_entity_for_several_sanctions(world):
    listed(department=world["dept"], subject=world["company"], document="（2026）甲执124号")
    entities = export()
    assert [e["schema"] for e in entities] == ["Company", "Sanction", "Sanction"]
    assert {e["properties"]["entity"][0] for e in entities[1:]} == {entities[0]["id"]}


def test_api_streams_json_lines_with_records_read_scope(world, client):
    _c, key = api_client(world["dept"], [ApiScope.RECORDS_READ])
    response = client.get("/api/lists/ftm/export", {"as_of": AS_OF.isoformat()}, HTTP_X_API_KEY=key)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [json.loads(line)["schema"] for line in lines] == ["Company", "Sanction"]
    assert AuditEntry.objects.filter(action="export", detail__format="followthemoney").count() == 1
    _c, other = api_client(world["dept"], [ApiScope.SUBJECTS_READ])
    refused = client.get("/api/lists/ftm/export", HTTP_X_API_KEY=other)
    assert refused.status_code == 403 and refused.json()["code"] == "api_scope_missing"
    assert client.get("/api/lists/ftm/export").status_code == 401
