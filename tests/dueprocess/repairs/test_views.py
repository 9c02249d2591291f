"""The portal's 信用修复 pages (the subject) and the console's screens (the deciding department)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client

from tests.dueprocess.repairs.conftest import PDF, penalty, portal_client
from xinyong.dueprocess.models import SubjectAccount
from xinyong.dueprocess.repairs.models import RepairApplication, RepairState
from xinyong.records.models import CreditRecord, RecordStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(monkeypatch):
    """The pages use the local date; fix it inside the repair window of a 2026-04-15 penalty."""
    day = dt.date(2026, 7, 20)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: day)
    return day


def console(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_subject_sees_when_and_how_it_may_apply(rp, today):
    open_record = penalty(rp, on=dt.date(2026, 4, 15))
    early = penalty(rp, on=dt.date(2026, 6, 1))
    client = portal_client(Client(), rp["account"])
    page = client.get("/my/repairs/").content.decode()
    assert open_record.document_number in page and early.document_number in page
    assert f"/my/repairs/new/?record={open_record.pk}" in page
    assert "自 2026年09月02日 起可以申请信用修复" in page
    assert "未核实" in page  # the deadlines of 令第36号 not yet checked against the official text
    new = client.get(f"/my/repairs/new/?record={early.pk}").content.decode()
    assert "最短公示期满后方可申请" in new and '<form method="post" enctype' not in new


def test_the_subject_applies_and_the_department_decides(rp, today):
    record = penalty(rp, on=dt.date(2026, 4, 15))
    subject_client = portal_client(Client(), rp["account"])
    response = subject_client.post(
        f"/my/repairs/new/?record={record.pk}",
        {
            "statement": "已缴清罚款并完成整改",
            "commitment_text": "本主体承诺所提交材料真实有效",
            "signatory": "王经理",
            "agree": "on",
            "evidence": io.BytesIO(PDF),
        },
    )
    application = RepairApplication.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/my/repairs/{application.pk}/"
    assert "已提交" in subject_client.get(response["Location"]).content.decode()

    officer = console(rp["users"]["officer"])
    queue = officer.get("/console/dueprocess/repairs/").content.decode()
    assert application.number in queue
    detail = officer.get(f"/console/dueprocess/repairs/{application.pk}/").content.decode()
    assert "未核实" in detail and "受理" in detail and "缴款凭证.pdf" not in detail
    officer.post(f"/console/dueprocess/repairs/{application.pk}/accept/")
    officer.post(f"/console/dueprocess/repairs/{application.pk}/approve/", {"reasons": "罚款已缴清"})
    application.refresh_from_db()
    assert application.state == RepairState.APPROVED
    assert CreditRecord.objects.get(pk=record.pk).status == RecordStatus.REPAIRED

    outcome = subject_client.get(f"/my/repairs/{application.pk}/").content.decode()
    assert "准予修复" in outcome and "信用修复决定书" in outcome and "罚款已缴清" in outcome


def test_other_departments_and_accounts_do_not_reach_the_application(rp, today):
    record = penalty(rp, on=dt.date(2026, 4, 15))
    subject_client = portal_client(Client(), rp["account"])
    subject_client.post(
        f"/my/repairs/new/?record={record.pk}",
        {
            "statement": "已整改",
            "commitment_text": "承诺",
            "signatory": "王",
            "agree": "on",
            "evidence": io.BytesIO(PDF),
        },
    )
    application = RepairApplication.objects.get()
    tax = console(rp["users"]["tax_officer"])
    assert application.number not in tax.get("/console/dueprocess/repairs/").content.decode()
    assert tax.get(f"/console/dueprocess/repairs/{application.pk}/").status_code == 404
    assert tax.post(f"/console/dueprocess/repairs/{application.pk}/accept/").status_code == 404
    assert console(rp["users"]["clerk_tax"]).get("/console/dueprocess/repairs/").status_code == 403
    auditor = console(rp["users"]["auditor"])
    assert auditor.get(f"/console/dueprocess/repairs/{application.pk}/").status_code == 200
    assert auditor.post(f"/console/dueprocess/repairs/{application.pk}/accept/").status_code == 403
    stranger = SubjectAccount.objects.create(login_name="s@example.com", display_name="路人")
    other = portal_client(Client(), stranger)
    assert other.get(f"/my/repairs/{application.pk}/").status_code == 404
    assert other.get(f"/my/repairs/new/?record={record.pk}").status_code == 404


def test_repair_notice_issued_with_the_penalty_decision(rp, today):
    record = penalty(rp, on=dt.date(2026, 6, 1))
    officer = console(rp["users"]["officer"])
    response = officer.post(f"/console/dueprocess/repairs/records/{record.pk}/notice/")
    assert response.status_code == 302
    page = officer.get(response["Location"]).content.decode()
    assert "信用修复告知书" in page and "自 2026年09月02日 起" in page
    assert console(rp["users"]["tax_officer"]).get(response["Location"]).status_code == 404
    assert (
        console(rp["users"]["tax_officer"])
        .post(f"/console/dueprocess/repairs/records/{record.pk}/notice/")
        .status_code
        == 403
    )
    # From the queue's form, by the decision's document number (own department's records only).
    by_number = officer.post(
        "/console/dueprocess/repairs/notice/", {"document_number": record.document_number}
    )
    assert by_number.status_code == 302 and "/notices/" in by_number["Location"]
    refused = console(rp["users"]["tax_officer"]).post(
        "/console/dueprocess/repairs/notice/", {"document_number": record.document_number}, follow=True
    )
    assert "未找到本部门该文书号的失信信息" in refused.content.decode()
    # The subject finds it on its 信用修复 page.
    assert "信用修复告知书" in portal_client(Client(), rp["account"]).get("/my/repairs/").content.decode()


def test_statistics_page(rp, today):
    page = (
        console(rp["users"]["operator"])
        .get("/console/dueprocess/repairs/stats/?from=2026-01-01")
        .content.decode()
    )
    assert "按期办理率" in page and "全部部门" in page
