"""The objection screens: the console queue and detail with its step forms, the portal's filing and outcome."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.dueprocess.objections.conftest import PDF, account_create, pdf_file, portal_sign_in
from tests.jrp.check.conftest import listed_record
from xinyong.accounts.models import AuditEntry
from xinyong.dueprocess.objections.models import Objection, ObjectionState
from xinyong.dueprocess.objections.services import objection_accept, objection_file
from xinyong.records.models import CreditRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


def console(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def portal(account) -> Client:
    client = Client()
    portal_sign_in(client, account)
    return client


def file(world, filer, on_date, record=None):
    return objection_file(
        filer=filer, on_date=on_date, statement="记录有误", record=record or world.record, files=[pdf_file()]
    )


def test_queue_shows_overdue_first_and_filters(world, people, account, today):
    late = file(world, account, today - dt.timedelta(days=30))
    other = listed_record(department=world.samr, subject=world.listed, number="甲市监严〔2026〕2号")
    fresh = file(world, people["operator"], today, record=other)
    html = console(people["operator"]).get("/console/dueprocess/objections/").content.decode()
    assert html.index(late.number) < html.index(fresh.number)
    assert "已超期" in html and 'data-overdue="1"' in html
    html = console(people["operator"]).get("/console/dueprocess/objections/?overdue=on").content.decode()
    assert late.number in html and fresh.number not in html
    html = (
        console(people["operator"]).get(f"/console/dueprocess/objections/?q={fresh.number}").content.decode()
    )
    assert fresh.number in html and late.number not in html
    html = console(people["operator"]).get("/console/dueprocess/objections/?q=示例食品").content.decode()
    assert fresh.number in html and late.number in html
    html = console(people["operator"]).get(f"/console/dueprocess/objections/?department={world.other.pk}")
    assert late.number not in html.content.decode()
    html = console(people["operator"]).get(
        f"/console/dueprocess/objections/?department={world.samr.pk}&state=marked"
    )
    assert late.number in html.content.decode() and 'data-figure="marked">2<' in html.content.decode()
    # Another department sees none of them; the source department sees both.
    assert late.number not in console(people["other"]).get("/console/dueprocess/objections/").content.decode()
    assert late.number in console(people["officer"]).get("/console/dueprocess/objections/").content.decode()
    assert console(people["clerk"]).get("/console/dueprocess/objections/").status_code == 403


def test_operator_and_department_handle_it_on_the_console(world, people, account, today):
    objection = file(world, account, today)
    op = console(people["operator"])
    base = f"/console/dueprocess/objections/{objection.number}/"
    page = op.get(base).content.decode()
    assert "予以受理" in page and "不予受理" in page and "证明.pdf" in page
    assert op.post(base + "accept/", {"note": ""}).status_code == 302
    assert op.post(base + "forward/", {"department": world.samr.pk, "note": "请核查"}).status_code == 302
    officer = console(people["officer"])
    page = officer.get(base).content.decode()
    assert "作出处理决定" in page
    response = officer.post(
        base + "decide/", {"outcome": "maintained", "reasons": "经核查信息准确"}, follow=True
    )
    assert "已作出处理决定" in response.content.decode()
    assert op.post(base + "notify/").status_code == 302
    objection.refresh_from_db()
    assert objection.state == ObjectionState.CLOSED
    page = op.get(base).content.decode()
    assert "异议处理决定告知书" in page and "经核查信息准确" in page
    assert not CreditRecord.objects.get(pk=world.record.pk).disputed


def test_step_errors_are_shown_and_permissions_hold(world, people, account, today):
    objection = file(world, account, today)
    base = f"/console/dueprocess/objections/{objection.number}/"
    response = console(people["operator"]).post(base + "refuse/", {"reasons": ""}, follow=True)
    assert "请填写不予受理的理由" in response.content.decode()
    assert console(people["officer"]).post(base + "accept/").status_code == 403
    assert console(people["other"]).get(base).status_code == 404
    assert console(people["operator"]).post(base + "nonsense/").status_code == 404


def test_evidence_download_is_checked_and_audited(world, people, account, today):
    objection = file(world, account, today)
    evidence_id = objection_evidence_id(objection)
    url = f"/console/dueprocess/objections/{objection.number}/evidence/{evidence_id}/"
    response = console(people["officer"]).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert console(people["other"]).get(url).status_code == 404
    assert AuditEntry.objects.filter(action="objection_evidence_open").count() == 1
    my_url = f"/my/objections/{objection.number}/evidence/{evidence_id}/"
    assert portal(account).get(my_url).status_code == 200
    stranger = account_create(world.clean, login="13800000009")
    assert portal(stranger).get(my_url).status_code == 404


def objection_evidence_id(objection) -> int:
    from xinyong.dueprocess.cases.models import EvidenceFile

    return EvidenceFile.objects.get(case_id=objection.pk, case_kind="objection").pk


def test_subject_files_on_the_portal_and_sees_the_mark(world, people, account, client):
    me = portal(account)
    page = me.get("/my/objections/").content.decode()
    assert f"?record={world.record.pk}" in page
    page = me.get(f"/my/objections/new/?record={world.record.pk}").content.decode()
    assert world.record.document_number in page
    name, stream = pdf_file()
    stream.name = name
    response = me.post(
        f"/my/objections/new/?record={world.record.pk}",
        {"statement": "该处罚已被撤销", "requested": "撤销", "evidence": [stream]},
    )
    objection = Objection.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/my/objections/{objection.number}/"
    page = me.get(response["Location"]).content.decode()
    assert "已异议标注" in page and "证明.pdf" in page
    # The public subject page shows the mark at once.
    assert "异议标注" in client.get(f"/subjects/{world.listed.pk}/").content.decode()
    # A second one is refused with the reason.
    response = me.post(f"/my/objections/new/?record={world.record.pk}", {"statement": "再次提出"})
    assert "已有正在办理的异议申请" in response.content.decode()


def test_portal_refuses_wrong_files_and_other_subjects(world, account):
    me = portal(account)
    import io

    bad = io.BytesIO(b"MZ" + b"0" * 100)
    bad.name = "a.pdf"
    response = me.post(f"/my/objections/new/?record={world.record.pk}", {"statement": "x", "evidence": [bad]})
    assert "只接受 PDF" in response.content.decode() and not Objection.objects.exists()
    other = listed_record(department=world.samr, subject=world.clean, number="甲市监严〔2026〕3号")
    assert me.get(f"/my/objections/new/?record={other.pk}").status_code == 404
    assert me.get("/my/objections/new/").status_code == 404


def test_subject_sees_the_outcome_and_the_notice(world, people, account, today):
    from xinyong.dueprocess.objections.services import objection_decide, objection_notify

    objection = file(world, account, today)
    objection_accept(objection=objection, actor=people["operator"], on_date=today)
    objection_decide(
        objection=objection,
        actor=people["operator"],
        on_date=today,
        outcome="undetermined",
        reasons="无法核实",
    )
    notice = objection_notify(objection=objection, actor=people["operator"], on_date=today)
    page = portal(account).get(f"/my/objections/{objection.number}/").content.decode()
    assert "无法核实" in page and notice.number in page and "已告知办结" in page
    assert "信用平台" in page and ">op<" not in page  # no staff names for the subject
    assert "异议申请与核查情况已一并记录" in page and notice.verification_code in page
    verify = portal(account).get(
        "/reports/verify/", {"number": notice.number, "code": notice.verification_code}
    )
    assert verify.status_code == 200
    stranger = account_create(world.clean, login="13800000009")
    assert portal(stranger).get(f"/my/objections/{objection.number}/").status_code == 404


def test_console_registration_on_behalf(world, people):
    op = console(people["operator"])
    url = f"/console/dueprocess/objections/new/?entry={world.entry.pk}"
    assert "登记异议申请" in op.get(url).content.decode()
    response = op.post(url, {"statement": "当事人来窗口提出：名单有误", "contact_name": "张三"})
    objection = Objection.objects.get()
    assert response.status_code == 302 and objection.list_entry == world.entry
    assert console(people["other"]).get(url).status_code == 403
