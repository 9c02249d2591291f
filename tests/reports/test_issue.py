"""Issuing reports: numbering, hash and verification, who may issue an authorised report, audit log."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from tests.reports.conftest import make_authorisation
from xinyong.accounts.models import AuditEntry, AuthorisationScope, GranteeKind
from xinyong.accounts.services import ServiceError
from xinyong.reports.models import CreditReport, ReportImmutable, ReportKind, ReportSequence
from xinyong.reports.selectors import report_content_hash, report_verify
from xinyong.reports.services import ReportError, authorisation_revoke, report_issue, report_number_next

NUMBER_RE = re.compile(r"^XYBG\d{8}\d{6}$")


def _public(subject, as_of, **kwargs):
    return report_issue(subject=subject, kind=ReportKind.PUBLIC, as_of=as_of, actor=None, **kwargs)


@pytest.mark.django_db
def test_numbers_are_readable_unique_and_daily(company, catalog, as_of):
    first_day = timezone.make_aware(dt.datetime(2026, 6, 15, 10, 0))
    next_day = first_day + dt.timedelta(days=1)
    reports = [_public(company, as_of, now=first_day) for _ in range(3)]
    numbers = [r.number for r in reports]
    assert numbers == ["XYBG20260615000001", "XYBG20260615000002", "XYBG20260615000003"]
    assert all(NUMBER_RE.match(n) for n in numbers)
    assert _public(company, as_of, now=next_day).number == "XYBG20260616000001"
    assert ReportSequence.objects.get(day=dt.date(2026, 6, 15)).last == 3
    # The number's date is the issue day in China time, not UTC.
    late_evening_utc = timezone.make_aware(dt.datetime(2026, 6, 16, 23, 30), dt.UTC)
    assert _public(company, as_of, now=late_evening_utc).number.startswith("XYBG20260617")


@pytest.mark.django_db
def test_verification_code_is_random_and_unambiguous(company, catalog, as_of):
    codes = {_public(company, as_of).verification_code for _ in range(5)}
    assert len(codes) == 5
    for code in codes:
        assert re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}", code)


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuers_get_distinct_numbers(company, catalog, as_of):
    """Several threads (connections) take numbers of the same day at once: no duplicates, no gaps."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        ("file:memorydb", ":memory:")
    ):
        pytest.skip("an in-memory SQLite test database is not shared between connections")
    day = dt.date(2026, 6, 15)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def worker():
        try:
            start.wait()
            for _ in range(5):
                number = report_number_next(day=day)
                with lock:
                    numbers.append(number)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(numbers) == [f"XYBG20260615{i:06d}" for i in range(1, 21)]


@pytest.mark.django_db
def test_hash_is_sha256_of_the_canonical_snapshot_and_verifies(company, company_records, as_of):
    report = _public(company, as_of)
    assert len(report.content_hash) == 64
    assert report.content_hash == report_content_hash(content=report.content)
    stored = CreditReport.objects.get(pk=report.pk)
    assert (
        report_content_hash(content=stored.content) == report.content_hash
    )  # round trip through the database
    result = report_verify(number=report.number, code=report.verification_code.lower())
    assert result.found and result.intact and result.ok
    assert result.subject_name == "甲市****有限公司"
    # The hash printed on a copy may be checked too.
    assert report_verify(
        number=report.number, code=report.verification_code, printed_hash=report.content_hash
    ).ok
    wrong = report_verify(number=report.number, code=report.verification_code, printed_hash="0" * 64)
    assert wrong.found and wrong.intact and wrong.hash_checked and not wrong.hash_matches and not wrong.ok


@pytest.mark.django_db
def test_wrong_code_or_number_finds_nothing(company, catalog, as_of):
    report = _public(company, as_of)
    assert not report_verify(number=report.number, code="AAAAAAAA").found
    assert not report_verify(number="XYBG20260615999999", code=report.verification_code).found
    assert not report_verify(number="not a number", code=report.verification_code).found
    assert not report_verify(number=report.number, code="").found


@pytest.mark.django_db
def test_tampered_snapshot_fails_verification(company, company_records, as_of):
    report = _public(company, as_of)
    content = dict(report.content)
    content["subject"] = {**content["subject"], "name": "另一家公司"}
    # Behind the platform's back: a direct update of the stored snapshot.
    CreditReport.objects.filter(pk=report.pk).update(content=content)
    result = report_verify(number=report.number, code=report.verification_code)
    assert result.found
    assert not result.intact
    assert not result.ok


@pytest.mark.django_db
def test_reports_are_immutable(company, catalog, as_of):
    report = _public(company, as_of)
    report.purpose = "改动"
    with pytest.raises(ReportImmutable):
        report.save()
    with pytest.raises(ReportImmutable):
        report.delete()


@pytest.mark.django_db
def test_issue_is_audit_logged(company, company_records, operator, authorisation, as_of):
    public = _public(company, as_of)
    entry = AuditEntry.objects.filter(action="report_issue", object_id=str(public.pk)).get()
    assert entry.outcome == "success"
    assert entry.purpose == "公开信用报告查询"
    assert entry.detail["number"] == public.number
    assert entry.detail["content_hash"] == public.content_hash
    assert entry.actor_kind == "system"
    authorised = report_issue(
        subject=company, kind=ReportKind.AUTHORISED, as_of=as_of, actor=operator, authorisation=authorisation
    )
    entry = AuditEntry.objects.filter(action="report_issue", object_id=str(authorised.pk)).get()
    assert entry.actor_user == operator
    assert entry.purpose == "政府采购投标资格审查"
    assert entry.detail["authorisation"] == authorisation.pk
    assert authorised.issued_by_user == operator
    assert authorised.purpose == "政府采购投标资格审查"


# ---------------------------------------------------------------------------------------------------------
# Authorisations


def _authorised(subject, actor, authorisation, as_of):
    return report_issue(
        subject=subject, kind=ReportKind.AUTHORISED, as_of=as_of, actor=actor, authorisation=authorisation
    )


@pytest.mark.django_db
def test_authorised_version_needs_an_authorisation(company, catalog, operator, as_of):
    with pytest.raises(ReportError) as exc:
        _authorised(company, operator, None, as_of)
    assert exc.value.code == "authorisation_required"
    assert exc.value.status == 403
    denied = AuditEntry.objects.filter(action="report_issue", outcome="denied").get()
    assert denied.detail["reason"] == "authorisation_required"
    assert not CreditReport.objects.exists()


@pytest.mark.django_db
def test_expired_authorisation_is_refused(company, catalog, operator, as_of):
    authorisation = make_authorisation(
        company, valid_from=dt.date(2026, 1, 1), valid_until=dt.date(2026, 6, 14), actor=operator
    )
    with pytest.raises(ReportError) as exc:
        _authorised(company, operator, authorisation, as_of)
    assert exc.value.code == "authorisation_expired"
    # On its last day it still works.
    report = _authorised(company, operator, authorisation, dt.date(2026, 6, 14))
    assert report.kind == ReportKind.AUTHORISED


@pytest.mark.django_db
def test_not_yet_valid_authorisation_is_refused(company, catalog, operator, as_of):
    authorisation = make_authorisation(company, valid_from=dt.date(2026, 6, 16), actor=operator)
    with pytest.raises(ReportError) as exc:
        _authorised(company, operator, authorisation, as_of)
    assert exc.value.code == "authorisation_not_yet_valid"


@pytest.mark.django_db
def test_revoked_authorisation_is_refused(company, catalog, operator, authorisation, as_of):
    authorisation_revoke(authorisation=authorisation, reason="当事人撤回授权", actor=operator)
    authorisation.refresh_from_db()
    with pytest.raises(ReportError) as exc:
        _authorised(company, operator, authorisation, as_of)
    assert exc.value.code == "authorisation_revoked"
    assert AuditEntry.objects.filter(action="revoke", object_id=str(authorisation.pk)).exists()


@pytest.mark.django_db
def test_authorisation_must_cover_reports_and_the_subject(company, person, catalog, operator, as_of):
    query_only = make_authorisation(company, scope=[AuthorisationScope.CREDIT_QUERY], actor=operator)
    with pytest.raises(ReportError) as exc:
        _authorised(company, operator, query_only, as_of)
    assert exc.value.code == "authorisation_scope_missing"
    of_person = make_authorisation(person, actor=operator)
    with pytest.raises(ReportError) as exc:
        _authorised(company, operator, of_person, as_of)
    assert exc.value.code == "authorisation_subject_mismatch"


@pytest.mark.django_db
def test_who_may_use_an_authorisation(
    company, catalog, operator, clerk, clerk_tax, auditor, officer, samr, as_of
):
    self_applied = make_authorisation(company, actor=operator)
    for_samr = make_authorisation(
        company, grantee_kind=GranteeKind.DEPARTMENT, grantee_name=samr.name, grantee_department=samr
    )
    for_bank = make_authorisation(
        company, grantee_kind=GranteeKind.THIRD_PARTY, grantee_name="某银行股份有限公司"
    )
    # Operators: any authorisation.
    for authorisation in (self_applied, for_samr, for_bank):
        assert _authorised(company, operator, authorisation, as_of).authorisation == authorisation
    # Window clerks: the subject itself at the window, or their own department as grantee.
    assert _authorised(company, clerk, self_applied, as_of)
    assert _authorised(company, clerk, for_samr, as_of)
    for actor, authorisation in ((clerk, for_bank), (clerk_tax, for_samr)):
        with pytest.raises(ReportError) as exc:
            _authorised(company, actor, authorisation, as_of)
        assert exc.value.code == "authorisation_grantee_mismatch"
    # Auditors, data officers, anonymous visitors and the system never issue authorised reports.
    from django.contrib.auth.models import AnonymousUser

    for actor in (auditor, officer, AnonymousUser(), None):
        with pytest.raises(ReportError) as exc:
            _authorised(company, actor, self_applied, as_of)
        assert exc.value.code == "authorisation_grantee_mismatch"


@pytest.mark.django_db
def test_public_report_takes_no_authorisation(company, catalog, authorisation, as_of):
    with pytest.raises(ReportError) as exc:
        report_issue(
            subject=company, kind=ReportKind.PUBLIC, as_of=as_of, actor=None, authorisation=authorisation
        )
    assert exc.value.code == "authorisation_unexpected"
    with pytest.raises(ReportError) as exc:
        report_issue(subject=company, kind="full", as_of=as_of, actor=None)
    assert exc.value.code == "report_kind_unknown"


@pytest.mark.django_db
def test_authorisation_create_validates(company, samr, operator):
    with pytest.raises(ServiceError) as exc:
        make_authorisation(company, scope=[], actor=operator)
    assert exc.value.code == "authorisation_scope_empty"
    with pytest.raises(ServiceError) as exc:
        make_authorisation(
            company, grantee_kind=GranteeKind.DEPARTMENT, grantee_name="某部门", actor=operator
        )
    assert exc.value.code == "grantee_department_required"
    with pytest.raises(ServiceError) as exc:
        make_authorisation(company, grantee_kind=GranteeKind.THIRD_PARTY, grantee_name="", actor=operator)
    assert exc.value.code == "grantee_name_required"
    with pytest.raises(ServiceError) as exc:
        make_authorisation(company, valid_from=dt.date(2026, 7, 1), valid_until=dt.date(2026, 6, 1))
    assert exc.value.code == "authorisation_period_order"
    ok = make_authorisation(company, actor=operator)
    assert ok.grantee_name == company.name  # the subject itself
    assert ok.recorded_by == operator
    assert AuditEntry.objects.filter(action="create", object_id=str(ok.pk)).exists()
