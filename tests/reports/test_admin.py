"""Admin of authorisations (当事人授权) and of issued reports."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.reports.conftest import PASSWORD, make_authorisation
from xinyong.accounts.models import AuditEntry, Authorisation
from xinyong.reports.models import ReportKind
from xinyong.reports.services import report_issue

pytestmark = pytest.mark.django_db


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_operator_records_an_authorisation_in_the_admin(client, company, operator):
    _login(client, operator)
    response = client.post(
        reverse("admin:accounts_authorisation_add"),
        {
            "subject": company.pk,
            "grantee_kind": "third_party",
            "grantee_name": "某银行股份有限公司",
            "grantee_code": "",
            "grantee_department": "",
            "purpose": "贷款审批",
            "scope": ["credit_report"],
            "valid_from": "2026-06-01",
            "valid_until": "2026-12-31",
            "evidence": "授权书编号 SQ-2026-009",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    authorisation = Authorisation.objects.get()
    assert authorisation.recorded_by == operator
    assert authorisation.scope == ["credit_report"]
    created = AuditEntry.objects.filter(
        action="create", object_type="accounts.authorisation", object_id=str(authorisation.pk)
    )
    assert created.count() == 1  # written by the service, not twice


def test_admin_form_explains_missing_department_and_scope(client, company, operator):
    _login(client, operator)
    response = client.post(
        reverse("admin:accounts_authorisation_add"),
        {
            "subject": company.pk,
            "grantee_kind": "department",
            "grantee_name": "某局",
            "purpose": "行政审批",
            "valid_from": "2026-06-01",
            "valid_until": "2026-12-31",
            "evidence": "授权书",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "请选择被授权部门" in html or "这个字段是必填项" in html
    assert not Authorisation.objects.exists()


def test_revoke_action_and_no_delete(client, company, operator):
    authorisation = make_authorisation(company, actor=operator)
    _login(client, operator)
    changelist = reverse("admin:accounts_authorisation_changelist")
    assert client.get(changelist).status_code == 200
    response = client.post(
        changelist, {"action": "revoke_selected", "_selected_action": [authorisation.pk]}, follow=True
    )
    assert response.status_code == 200
    authorisation.refresh_from_db()
    assert authorisation.revoked_at is not None and authorisation.revoked_by == operator
    assert AuditEntry.objects.filter(action="revoke", object_id=str(authorisation.pk)).exists()
    delete_url = reverse("admin:accounts_authorisation_delete", args=[authorisation.pk])
    assert client.get(delete_url).status_code == 403


def test_auditor_reads_reports_in_the_admin(client, company, catalog, auditor, as_of):
    report = report_issue(subject=company, kind=ReportKind.PUBLIC, as_of=as_of, actor=None)
    _login(client, auditor)
    listing = client.get(reverse("admin:reports_creditreport_changelist"))
    assert listing.status_code == 200
    assert report.number in listing.content.decode()
    detail = client.get(reverse("admin:reports_creditreport_change", args=[report.pk]))
    assert detail.status_code == 200
    assert report.verification_code not in detail.content.decode()
    assert AuditEntry.objects.filter(action="view", object_type="reports.creditreport").exists()
