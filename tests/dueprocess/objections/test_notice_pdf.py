"""我的信用: a linked subject account downloads its decision notices as PDF; others get 404; audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tests.dueprocess.objections.conftest import account_create, portal_sign_in
from xinyong.accounts.models import AuditAction, AuditEntry
from xinyong.dueprocess.objections.services import objection_file, objection_notify, objection_refuse
from xinyong.reports import pdf as report_pdf
from xinyong.reports.case_notices import case_notice_issue
from xinyong.reports.models import ReportKind

pytestmark = pytest.mark.django_db
needs_fonts = pytest.mark.skipif(report_pdf.report_fonts() is None, reason="fonts-noto-cjk is not installed")

D = dt.date(2026, 6, 1)


def portal(account) -> Client:
    client = Client()
    portal_sign_in(client, account)
    return client


@pytest.fixture
def notice(world, people, account):
    objection = objection_file(filer=account, on_date=D, statement="记录有误", record=world.record)
    objection = objection_refuse(
        objection=objection, actor=people["operator"], on_date=D, reasons="不属于受理范围"
    )
    return objection, objection_notify(objection=objection, actor=people["operator"], on_date=D)


@needs_fonts
def test_linked_account_downloads_the_notice_as_pdf(notice, account):
    objection, issued = notice
    client = portal(account)
    page = client.get(f"/my/objections/{objection.number}/").content.decode()
    url = f"/my/notices/{issued.number}/pdf/"
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"xinyong-notice-{issued.number}.pdf" in response["Content-Disposition"]
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT, detail__stage="case_notice_pdf")
    assert entry.detail["number"] == issued.number and entry.purpose == "异议处理决定告知书"


def test_unlinked_account_and_other_reports_get_404(notice, world, account, monkeypatch):
    monkeypatch.setattr(
        "xinyong.dueprocess.subject_accounts.services.report_render_pdf", lambda **kw: b"%PDF-1.7 stand-in"
    )
    _, issued = notice
    url = f"/my/notices/{issued.number}/pdf/"
    stranger = account_create(world.clean, login="13800000009")  # linked to another subject
    assert portal(stranger).get(url).status_code == 404
    assert portal(account).get("/my/notices/R000000000000/pdf/").status_code == 404
    # A notice about a subject that is not linked, even of a case kind: 404.
    other = case_notice_issue(
        kind=ReportKind.REPAIR_DECISION,
        subject=world.clean,
        on_date=D,
        facts=[("申请编号", "XF1")],
        statements=["准予修复。"],
        case_ref={"repair": "XF1"},
        actor=None,
    )
    assert portal(account).get(f"/my/notices/{other.number}/pdf/").status_code == 404
    assert portal(stranger).get(f"/my/notices/{other.number}/pdf/").content.startswith(b"%PDF")
    # Signed out: to the portal's sign-in page; nothing was audited for the refusals.
    assert Client().get(url).status_code == 302
    assert AuditEntry.objects.filter(detail__stage="case_notice_pdf").count() == 1
