"""API of credit reports: public verification (throttled), issuing and downloading with an API key."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.reports.conftest import make_authorisation
from tests.subjects.factories import RIC
from xinyong.accounts.models import ApiScope, AuditEntry, GranteeKind
from xinyong.accounts.services import apiclient_create
from xinyong.reports import pdf as report_pdf
from xinyong.reports.models import CreditReport, ReportKind
from xinyong.reports.services import report_issue

pytestmark = pytest.mark.django_db

needs_fonts = pytest.mark.skipif(report_pdf.report_fonts() is None, reason="fonts-noto-cjk is not installed")


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


def _client_key(department, scopes=(ApiScope.REPORTS_ISSUE,)):
    client, key = apiclient_create(
        name=f"{department.name}业务系统", department=department, scopes=list(scopes)
    )
    return client, {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_verify_is_public(client, company, company_records, as_of):
    report = report_issue(subject=company, kind=ReportKind.PUBLIC, as_of=as_of, actor=None)
    response = client.get("/api/reports/verify", {"number": report.number, "code": report.verification_code})
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == report.number
    assert body["content_hash"] == report.content_hash
    assert body["intact"] is True and body["hash_checked"] is False
    assert body["subject_name"] == "甲市****有限公司"
    assert body["kind"] == "public" and body["as_of"] == "2026-06-15"

    checked = client.get(
        "/api/reports/verify",
        {"number": report.number, "code": report.verification_code, "hash": report.content_hash},
    ).json()
    assert checked["hash_checked"] is True and checked["hash_matches"] is True

    missing = client.get("/api/reports/verify", {"number": report.number, "code": "AAAAAAAA"})
    assert missing.status_code == 404
    assert missing.json()["code"] == "report_not_found"


def test_verify_reports_a_tampered_snapshot(client, company, company_records, as_of):
    report = report_issue(subject=company, kind=ReportKind.PUBLIC, as_of=as_of, actor=None)
    CreditReport.objects.filter(pk=report.pk).update(content={**report.content, "sections": []})
    body = client.get(
        "/api/reports/verify", {"number": report.number, "code": report.verification_code}
    ).json()
    assert body["intact"] is False


def test_verify_is_rate_limited(client, settings, company, catalog, as_of):
    settings.XINYONG_PUBLIC_API_RATE = "3/m"
    report = report_issue(subject=company, kind=ReportKind.PUBLIC, as_of=as_of, actor=None)
    params = {"number": report.number, "code": report.verification_code}
    statuses = [client.get("/api/reports/verify", params).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/reports/verify", params)
    assert limited.json()["code"] == "rate_limited"
    assert "Retry-After" in limited


def test_issue_needs_a_key_with_the_scope(client, samr, company, catalog):
    assert client.post("/api/reports/", {}, content_type="application/json").status_code == 401
    _, headers = _client_key(samr, scopes=(ApiScope.RECORDS_READ,))
    response = client.post(
        "/api/reports/",
        {"kind": "public", "subject_id": company.pk},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 403
    assert response.json()["code"] == "api_scope_missing"


def test_issue_public_report_by_api(client, samr, person, person_records):
    api_client, headers = _client_key(samr)
    response = client.post(
        "/api/reports/",
        {"kind": "public", "subject_id": person.pk},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    report = CreditReport.objects.get(number=body["number"])
    assert report.issued_by_api_client == api_client
    assert report.issued_by_department == samr
    assert body["subject_name"] == "张**"
    assert body["verification_code"] == report.verification_code
    assert f"number={report.number}" in body["verify_url"]
    assert RIC not in response.content.decode()
    detail = client.get(f"/api/reports/{report.number}", **headers)
    assert detail.status_code == 200
    assert RIC not in detail.content.decode()
    assert detail.json()["content"]["kind"] == "public"


def test_issue_authorised_report_by_api_needs_an_authorisation_naming_the_department(
    client, samr, tax, company, company_records, shared_record, operator
):
    for_samr = make_authorisation(
        company,
        grantee_kind=GranteeKind.DEPARTMENT,
        grantee_name=samr.name,
        grantee_department=samr,
        actor=operator,
    )
    _, samr_headers = _client_key(samr)
    _, tax_headers = _client_key(tax)

    refused = client.post(
        "/api/reports/", {"authorisation_id": for_samr.pk}, content_type="application/json", **tax_headers
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "authorisation_grantee_mismatch"

    no_authorisation = client.post("/api/reports/", {}, content_type="application/json", **samr_headers)
    assert no_authorisation.status_code == 400
    assert no_authorisation.json()["code"] == "authorisation_required"

    unknown = client.post(
        "/api/reports/", {"authorisation_id": 999999}, content_type="application/json", **samr_headers
    )
    assert unknown.status_code == 404

    issued = client.post(
        "/api/reports/", {"authorisation_id": for_samr.pk}, content_type="application/json", **samr_headers
    )
    assert issued.status_code == 201, issued.content
    body = issued.json()
    assert body["kind"] == "authorised"
    assert body["purpose"] == "政府采购投标资格审查"
    content = client.get(f"/api/reports/{body['number']}", **samr_headers).json()["content"]
    documents = {r["document_number"] for s in content["sections"] for g in s["groups"] for r in g["rows"]}
    assert "甲市监查〔2026〕5号" in documents  # shared record, authorised version

    # Another client cannot fetch it.
    assert client.get(f"/api/reports/{body['number']}", **tax_headers).status_code == 404
    assert client.get(f"/api/reports/{body['number']}/pdf", **tax_headers).status_code == 404


def test_revoked_authorisation_is_refused_by_api(client, samr, company, catalog, operator):
    from xinyong.reports.services import authorisation_revoke

    for_samr = make_authorisation(
        company, grantee_kind=GranteeKind.DEPARTMENT, grantee_name=samr.name, grantee_department=samr
    )
    authorisation_revoke(authorisation=for_samr, reason="当事人撤回授权", actor=operator)
    _, headers = _client_key(samr)
    response = client.post(
        "/api/reports/", {"authorisation_id": for_samr.pk}, content_type="application/json", **headers
    )
    assert response.status_code == 403
    assert response.json()["code"] == "authorisation_revoked"


@needs_fonts
def test_pdf_download_by_api(client, samr, company, company_records, operator):
    for_samr = make_authorisation(
        company, grantee_kind=GranteeKind.DEPARTMENT, grantee_name=samr.name, grantee_department=samr
    )
    _, headers = _client_key(samr)
    number = client.post(
        "/api/reports/", {"authorisation_id": for_samr.pk}, content_type="application/json", **headers
    ).json()["number"]
    response = client.get(f"/api/reports/{number}/pdf", **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    report = CreditReport.objects.get(number=number)
    assert AuditEntry.objects.filter(action="export", object_id=str(report.pk)).exists()


def test_openapi_documents_the_report_endpoints(client):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    assert "/api/reports/verify" in paths
    assert "/api/reports/" in paths
    assert "/api/reports/{number}/pdf" in paths
