"""Console screens: measure list, editor per role, draft → preview → publish, matters and their import."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.support import make_user
from xinyong.accounts.models import AuditEntry, Department, Role
from xinyong.jrp.measures.services import measures_load_fixtures, rulebook_draft_create
from xinyong.jrp.models import Matter, MeasureCondition, Rulebook, RulebookStatus

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 15)


@pytest.fixture
def world(db):
    approval = Department.objects.create(code="approval", name="行政审批局")
    tax = Department.objects.create(code="tax", name="税务局")
    measures_load_fixtures(as_of=AS_OF)
    users = {
        "operator": make_user("op", Role.OPERATOR),
        "reviewer": make_user("rv", Role.REVIEWER, approval),
        "officer": make_user("do", Role.DATA_OFFICER, approval),
        "clerk": make_user("wc", Role.WINDOW_CLERK, approval),
        "tax_reviewer": make_user("rv_tax", Role.REVIEWER, tax),
    }
    return {"approval": approval, "tax": tax, "users": users}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_console_user_reads_the_published_list_with_filters(world):
    client = client_for(world["users"]["clerk"])
    page = client.get("/console/jrp/measures/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "奖惩措施清单" in text and "CD-02" in text and "奖惩措施" in text
    filtered = client.get("/console/jrp/measures/", {"kind": "incentive"}).content.decode()
    assert "TA-01" in filtered and "CD-02" not in filtered
    by_list = client.get("/console/jrp/measures/", {"list_type": "wage_arrears"}).content.decode()
    assert "WA-01" in by_list and "TA-01" not in by_list


def _editor_post(client, number, department, **fields):
    data = {"department": department.pk, "combine": "all", "action": "save", **fields}
    return client.post(f"/console/jrp/measures/rulebooks/{number}/measures/CD-04/conditions/", data)


def test_the_editor_per_role(world):
    users, approval, tax = world["users"], world["approval"], world["tax"]
    draft = rulebook_draft_create(actor=users["operator"], note="修订")
    url = f"/console/jrp/measures/rulebooks/{draft.number}/measures/CD-04/conditions/"
    assert client_for(users["clerk"]).get(url).status_code == 403
    assert client_for(users["officer"]).get(url).status_code == 403
    reviewer = client_for(users["reviewer"])
    page = reviewer.get(url)
    assert page.status_code == 200 and "行政审批局" in page.content.decode()
    assert "税务局" not in page.content.decode()  # a reviewer edits only their own department
    # a reviewer posting for another department gets the department chooser back, nothing saved
    response = _editor_post(reviewer, draft.number, tax, pred_0="amount", op_0="gte", value_0="1")
    assert response.status_code == 400 and not MeasureCondition.objects.exists()
    # a wrong value: the row's message, nothing saved
    bad = _editor_post(reviewer, draft.number, approval, pred_0="amount", op_0="gte", value_0="很多")
    assert bad.status_code == 400 and "涉及金额（元）" in bad.content.decode()
    assert not MeasureCondition.objects.exists()
    good = _editor_post(
        reviewer,
        draft.number,
        approval,
        pred_0="amount",
        op_0="gte",
        value_0="10,000",
        pred_1="subject_kind",
        op_1="in",
        value_1="organisation，individual_business",
        description="金额较大的才实施",
    )
    assert good.status_code == 302
    saved = MeasureCondition.objects.get(rulebook=draft, department=approval)
    assert saved.expression == {
        "all": [
            {"pred": "amount", "op": "gte", "value": 10000},
            {"pred": "subject_kind", "op": "in", "value": ["organisation", "individual_business"]},
        ]
    }
    assert AuditEntry.objects.filter(action="jrp_measure_condition_set").count() == 1
    # the operator edits any department's condition, by JSON too
    operator = client_for(users["operator"])
    refused = operator.post(
        url, {"department": tax.pk, "action": "save_json", "expression_json": '{"pred": "x"}'}
    )
    assert refused.status_code == 400 and "condition_node_invalid" not in refused.content.decode()
    assert "条件节点只能是" in refused.content.decode()
    ok = operator.post(
        url,
        {
            "department": tax.pk,
            "action": "save_json",
            "expression_json": '{"not": {"pred": "via_person", "op": "is", "value": true}}',
        },
    )
    assert ok.status_code == 302
    assert MeasureCondition.objects.get(department=tax).expression == {
        "not": {"pred": "via_person", "op": "is", "value": True}
    }
    # the published version is read-only
    published = Rulebook.objects.get(status=RulebookStatus.PUBLISHED)
    response = operator.get(f"/console/jrp/measures/rulebooks/{published.number}/measures/CD-04/conditions/")
    assert response.status_code == 302


def test_rows_are_added_and_removed_on_the_server(world):
    users, approval = world["users"], world["approval"]
    draft = rulebook_draft_create(actor=users["operator"], note="修订")
    client = client_for(users["reviewer"])
    added = _editor_post(
        client, draft.number, approval, action="add", pred_0="amount", op_0="gte", value_0="5"
    )
    assert added.status_code == 200 and 'name="pred_1"' in added.content.decode()
    removed = client.post(
        f"/console/jrp/measures/rulebooks/{draft.number}/measures/CD-04/conditions/",
        {
            "department": approval.pk,
            "combine": "all",
            "remove": "0",
            "pred_0": "amount",
            "op_0": "gte",
            "value_0": "5",
            "pred_1": "level",
            "op_1": "at_least",
            "value_1": "较重",
        },
    )
    text = removed.content.decode()
    assert 'name="pred_1"' not in text and 'value="较重"' in text


def test_draft_preview_publish_from_the_console(world):
    operator = client_for(world["users"]["operator"])
    assert operator.post("/console/jrp/measures/rulebooks/draft/", {"note": ""}).status_code == 302
    assert Rulebook.objects.count() == 1  # a draft needs a note
    response = operator.post("/console/jrp/measures/rulebooks/draft/", {"note": "增加部门条件"})
    draft = Rulebook.objects.get(status=RulebookStatus.DRAFT)
    assert response.url.endswith(f"/rulebooks/{draft.number}/")
    # publishing before the preview is refused
    operator.post(f"/console/jrp/measures/rulebooks/{draft.number}/publish/")
    assert Rulebook.objects.get(pk=draft.pk).status == RulebookStatus.DRAFT
    operator.post(f"/console/jrp/measures/rulebooks/{draft.number}/preview/")
    page = operator.get(f"/console/jrp/measures/rulebooks/{draft.number}/preview/").content.decode()
    assert "重放核查" in page and "没有主体的核查结果会变化" in page
    operator.post(f"/console/jrp/measures/rulebooks/{draft.number}/publish/")
    assert Rulebook.objects.get(pk=draft.pk).status == RulebookStatus.PUBLISHED
    assert Rulebook.objects.get(number=1).status == RulebookStatus.SUPERSEDED
    reviewer = client_for(world["users"]["reviewer"])
    assert reviewer.post("/console/jrp/measures/rulebooks/draft/", {"note": "x"}).status_code == 403


def test_matters_are_listed_edited_and_imported_per_department(world):
    users, approval = world["users"], world["approval"]
    officer = client_for(users["officer"])
    response = officer.post(
        "/console/jrp/measures/matters/new/",
        {
            "code": "XK-1",
            "name": "食品经营许可",
            "department": approval.pk,
            "kind": "行政许可",
            "stage": "before",
            "active": "on",
        },
    )
    assert response.status_code == 302
    matter = Matter.objects.get(code="XK-1")
    assert officer.get("/console/jrp/measures/matters/", {"q": "食品"}).content.decode().count("XK-1") >= 1
    # the tax reviewer may not change it
    tax = client_for(users["tax_reviewer"])
    tax.post(
        f"/console/jrp/measures/matters/{matter.pk}/",
        {"code": "XK-1", "name": "改名", "department": world["tax"].pk, "stage": "after"},
    )
    assert Matter.objects.get(pk=matter.pk).name == "食品经营许可"
    csv = "事项编码,事项名称,事项类型\nXK-2,药品经营许可,行政许可\n,无编码,行政许可\n".encode("gbk")
    bad = officer.post(
        "/console/jrp/measures/matters/import/",
        {"file": SimpleUploadedFile("清单.csv", csv), "department": approval.pk},
    )
    assert (
        bad.status_code == 400
        and "事项编码为空" in bad.content.decode()
        and "code_missing" in bad.content.decode()
    )
    assert not Matter.objects.filter(code="XK-2").exists()
    good = officer.post(
        "/console/jrp/measures/matters/import/",
        {"file": SimpleUploadedFile("清单.csv", csv[: csv.index(b"\n,")] + b"\n"), "department": approval.pk},
    )
    assert good.status_code == 302
    assert Matter.objects.get(code="XK-2").department == approval
    unreadable = officer.post(
        "/console/jrp/measures/matters/import/",
        {"file": SimpleUploadedFile("x.xlsx", b"not a spreadsheet"), "department": approval.pk},
    )
    assert unreadable.status_code == 400
