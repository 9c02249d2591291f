"""The check API (scope check:query) and the window clerks' page (window clerks and operators)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.jrp.check.conftest import CLEAN_USCC, LISTED_USCC, MATTER, PERSON_RIC
from tests.subjects.factories import PASSWORD
from tests.support import make_user
from xinyong.accounts.models import ApiScope, Role
from xinyong.accounts.services import apiclient_create
from xinyong.jrp.models import CheckLog

pytestmark = pytest.mark.django_db

URL = "/api/jrp/check/"


def key(department, scopes):
    _client, secret = apiclient_create(
        name=f"{department.name}审批系统", department=department, scopes=scopes
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def post(headers, body):
    return Client().post(URL, data=json.dumps(body), content_type="application/json", **headers)


def test_api_check_per_scope(world):
    body = {"purpose": "受理食品经营许可", "matter_code": MATTER, "query": LISTED_USCC}
    assert post({}, body).status_code == 401
    assert post(key(world.samr, [ApiScope.RECORDS_READ]), body).status_code == 403
    headers = key(world.samr, [ApiScope.CHECK_QUERY])
    response = post(headers, body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["outcome"] == "hit" and data["check_id"]
    assert data["hits"][0]["colour"] == "black"
    assert {m["code"] for m in data["measures"]} == {"M-LIMIT", "M-PERSON", "M-WATCH"}
    assert data["explanation"] and data["facts"]["subject_kind"] == "organisation"
    log = CheckLog.objects.get(pk=data["check_id"])
    assert log.api_client_id is not None and log.channel == "api"

    got = Client().get(f"{URL}{data['check_id']}", **headers)
    assert got.status_code == 200 and got.json()["check_id"] == data["check_id"]
    assert got.json()["hits"] == data["hits"]
    other = key(world.other, [ApiScope.CHECK_QUERY])
    assert Client().get(f"{URL}{data['check_id']}", **other).status_code == 404


def test_api_errors_are_coded(world):
    headers = key(world.samr, [ApiScope.CHECK_QUERY])
    missing = post(headers, {"purpose": " ", "query": LISTED_USCC})
    assert missing.status_code == 400 and missing.json()["code"] == "purpose_required"
    matter = post(headers, {"purpose": "核查", "matter_code": "NOPE", "query": LISTED_USCC})
    assert matter.status_code == 400 and matter.json()["code"] == "matter_unknown"
    bad = post(headers, {"purpose": "核查", "query": "9135010", "query_kind": "uscc"})
    assert bad.status_code == 400 and bad.json()["code"] == "uscc_length"


def test_api_person_answer_has_no_full_id(world):
    headers = key(world.samr, [ApiScope.CHECK_QUERY])
    response = post(headers, {"purpose": "核查", "query": PERSON_RIC})
    assert response.status_code == 200
    assert PERSON_RIC not in response.content.decode()
    assert response.json()["hits"][0]["via_person"] is True


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.WINDOW_CLERK, 200),
        (Role.OPERATOR, 200),
        (Role.DATA_OFFICER, 403),
        (Role.REVIEWER, 403),
        (Role.AUDITOR, 403),
    ],
)
def test_clerk_page_per_role(world, role, status):
    user = make_user(
        f"u-{role}", role=role, department=None if role in (Role.OPERATOR, Role.AUDITOR) else world.samr
    )
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    assert client.get("/console/jrp/check/").status_code == status
    assert Client().get("/console/jrp/check/").status_code == 302


def page(world, clerk, **data):
    client = Client()
    client.login(username=clerk.username, password=PASSWORD)
    return client.post(
        "/console/jrp/check/", data={"purpose": "受理食品经营许可", "matter_code": MATTER, **data}
    )


def test_clerk_page_shows_the_result_card(world, clerk):
    client = Client()
    client.login(username=clerk.username, password=PASSWORD)
    form = client.get("/console/jrp/check/").content.decode()
    assert "食品经营许可（SAMR-XK-001）" in form and "发票领用" not in form  # own department's matters
    assert "信用核查" in form
    text = page(world, clerk, query=LISTED_USCC).content.decode()
    assert "命中名单" in text and "市场监督管理严重违法失信名单" in text and ">黑<" in text
    assert "强制" in text and "依法限制其申请食品经营许可" in text and "国办发〔2020〕49号" in text
    # Only what the check returns: no record details of the archive (document number, fields).
    assert "甲市监严〔2026〕1号" not in text
    clean = page(world, clerk, query=CLEAN_USCC).content.decode()
    assert "未命中名单" in clean and "未被列入任何有效的红黑名单" in clean
    assert CheckLog.objects.filter(channel="console", user_id=clerk.pk).count() == 2


def test_clerk_page_name_candidates_then_confirmation(world, clerk):
    text = page(world, clerk, query="甲市示例食品有限公司").content.decode()
    assert "候选主体" in text and "确认为申请人并核查" in text and "依法限制" not in text
    confirmed = page(
        world, clerk, query="甲市示例食品有限公司", confirm_subject_id=world.listed.pk
    ).content.decode()
    assert "已确认主体" in confirmed and "依法限制其申请食品经营许可" in confirmed


def test_clerk_page_suspended_measures_are_marked(world, clerk):
    from xinyong.records.services import record_mark_disputed

    record_mark_disputed(
        record=world.record, disputed=True, actor=None, reason="异议", on_date=world.entry.effective_from
    )
    text = page(world, clerk, query=LISTED_USCC).content.decode()
    assert "异议中·暂停执行" in text and "异议标注" in text


def test_clerk_page_form_errors(world, clerk):
    text = page(world, clerk, query=LISTED_USCC, purpose="").content.decode()
    assert "请填写核查用途" in text
    assert not CheckLog.objects.exists()
