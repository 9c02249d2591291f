"""Confirmed codes (已确认代码): USCCs whose check character is wrong but which an operator confirmed.

Who, when and why are kept; a confirmation is revocable; every change is in the audit log. Operators manage
the list in the console, the admin and with ``xinyong identifiers``; no other role does.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from tests.subjects.factories import department, uscc, user
from xinyong.accounts.models import AuditEntry, Department, Role
from xinyong.accounts.selectors import audit_verify
from xinyong.subjects.models import ConfirmationSource, ConfirmedCode
from xinyong.subjects.selectors import uscc_confirmations
from xinyong.subjects.services import (
    ConfirmedCodeError,
    confirmed_code_add,
    confirmed_code_revoke,
    confirmed_codes_record_registered,
)

pytestmark = pytest.mark.django_db

AT = timezone.make_aware(dt.datetime(2026, 6, 15, 9, 30))


def early(seed: int) -> str:
    """A well-formed code whose check character (position 18) is wrong: positions 9–17 still check."""
    code = uscc(seed)
    return code[:17] + ("1" if code[17] != "1" else "2")


@pytest.fixture
def operator():
    return user("operator", Role.OPERATOR)


def test_confirm_keeps_who_when_why_and_is_audited(operator):
    code = early(1)
    confirmation = confirmed_code_add(
        uscc=f" {code.lower()} ", reason="已核对营业执照原件", actor=operator, at=AT
    )
    assert (confirmation.uscc, confirmation.confirmed_by, confirmation.confirmed_at) == (code, operator, AT)
    assert confirmation.source == ConfirmationSource.OPERATOR and confirmation.reason == "已核对营业执照原件"
    entry = AuditEntry.objects.get(action="create", object_type="subjects.confirmedcode")
    assert entry.detail["uscc"] == code and entry.detail["reason"] == "已核对营业执照原件"
    assert uscc_confirmations().codes.get(code) == "operator" and uscc_confirmations().codes == {
        code: "operator"
    }


def test_revoke_keeps_the_history_and_a_new_confirmation_is_a_new_row(operator):
    code = early(2)
    confirmed_code_add(uscc=code, reason="已核对", actor=operator)
    revoked = confirmed_code_revoke(uscc=code, reason="登记机关答复代码有误", actor=operator, at=AT)
    assert revoked.revoked_at == AT and revoked.revoked_by == operator
    assert uscc_confirmations().codes.get(code) is None
    assert AuditEntry.objects.filter(action="revoke", detail__reason="登记机关答复代码有误").exists()
    confirmed_code_add(uscc=code, reason="复核后再次确认", actor=operator)
    assert ConfirmedCode.objects.filter(uscc=code).count() == 2
    assert uscc_confirmations().codes.get(code) == "operator"
    assert audit_verify().ok


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (uscc(3), "confirmed_code_not_needed"),  # a valid code needs no confirmation
        ("91350100M000100Y4", "uscc_length"),
        ("913501A0M000100Y44", "uscc_division_format"),
    ],
)
def test_only_a_well_formed_code_with_a_wrong_check_character_can_be_confirmed(operator, value, code):
    with pytest.raises(ConfirmedCodeError) as excinfo:
        confirmed_code_add(uscc=value, reason="已核对", actor=operator)
    assert excinfo.value.code == code and excinfo.value.message
    assert not ConfirmedCode.objects.exists()


def test_a_reason_is_required_and_codes_are_confirmed_once(operator):
    with pytest.raises(ConfirmedCodeError) as excinfo:
        confirmed_code_add(uscc=early(4), reason="  ", actor=operator)
    assert excinfo.value.code == "confirmed_code_reason_required"
    confirmed_code_add(uscc=early(4), reason="已核对", actor=operator)
    with pytest.raises(ConfirmedCodeError) as excinfo:
        confirmed_code_add(uscc=early(4), reason="已核对", actor=operator)
    assert excinfo.value.code == "confirmed_code_exists"
    with pytest.raises(ConfirmedCodeError) as excinfo:
        confirmed_code_revoke(uscc=early(5), reason="无", actor=operator)
    assert excinfo.value.code == "confirmed_code_unknown"


@pytest.mark.parametrize("role", [Role.DATA_OFFICER, Role.REVIEWER, Role.WINDOW_CLERK, Role.AUDITOR])
def test_only_operators_confirm_or_revoke(role):
    dept = department("samr", "甲市市场监督管理局")
    someone = user(f"user_{role}", role, dept if role != Role.AUDITOR else None)
    with pytest.raises(PermissionDenied):
        confirmed_code_add(uscc=early(6), reason="已核对", actor=someone)
    confirmed_code_add(uscc=early(6), reason="已核对", actor=None)  # the command line on the server
    with pytest.raises(PermissionDenied):
        confirmed_code_revoke(uscc=early(6), reason="撤销", actor=someone)


def test_codes_reported_by_the_registration_authority_join_the_list_once():
    samr = department("samr", "甲市市场监督管理局")
    assert (
        confirmed_codes_record_registered(
            codes=[early(7), early(7)], department=samr, origin="batch:1", actor=None
        )
        == 1
    )
    assert (
        confirmed_codes_record_registered(codes=[early(7)], department=samr, origin="batch:2", actor=None)
        == 0
    )
    row = ConfirmedCode.objects.get()
    assert (
        row.source == ConfirmationSource.REGISTRATION and row.department == samr and row.origin == "batch:1"
    )
    assert uscc_confirmations().codes.get(early(7)) == "registration"


def test_a_department_code_follows_the_same_rule(operator):
    dept = Department(code="old", name="某早期赋码单位", uscc=early(8))
    with pytest.raises(ValidationError) as excinfo:
        dept.full_clean()
    assert [e.code for e in excinfo.value.error_dict["uscc"]] == ["uscc_check_digit"]
    confirmed_code_add(uscc=early(8), reason="已核对统一社会信用代码证书", actor=operator)
    dept.full_clean()


# --- command line -----------------------------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command("identifiers", *args, stdout=out)
    return out.getvalue()


def test_command_line_confirm_list_revoke():
    code = early(9)
    assert f"已确认 {code}" in run("confirm", code, "--reason", "已核对营业执照原件")
    listing = run("list")
    assert code in listing and "已核对营业执照原件" in listing and "共 1 条" in listing
    assert f"已撤销对 {code} 的确认" in run("revoke", code, "--reason", "代码有误")
    assert "共 0 条" in run("list")
    assert "撤销：代码有误" in run("list", "--all")
    entry = AuditEntry.objects.filter(action="revoke").get()
    assert entry.actor_kind == "system" and entry.detail["uscc"] == code


def test_command_line_refuses_with_the_error_code():
    with pytest.raises(CommandError, match=r"\[confirmed_code_not_needed\]"):
        run("confirm", uscc(10), "--reason", "已核对")


# --- console and admin --------------------------------------------------------------------------------


def test_console_page_operators_list_search_confirm_and_revoke(client, operator):
    client.force_login(operator)
    page = reverse("identifiers_console:list")
    assert client.get(page).status_code == 200
    code = early(11)
    response = client.post(reverse("identifiers_console:confirm"), {"uscc": code, "reason": "已核对证书原件"})
    assert response.status_code == 302
    html = client.get(page, {"q": code[-6:]}).content.decode()
    assert code in html and "已核对证书原件" in html and "生效中" in html
    # A valid code: refused with the reason shown next to the field.
    refused = client.post(reverse("identifiers_console:confirm"), {"uscc": uscc(12), "reason": "已核对"})
    assert refused.status_code == 400 and "无需确认" in refused.content.decode()
    client.post(reverse("identifiers_console:revoke"), {"uscc": code, "reason": "代码有误"})
    assert uscc_confirmations().codes.get(code) is None
    html = client.get(page, {"state": "revoked"}).content.decode()
    assert "已撤销" in html and "代码有误" in html
    assert AuditEntry.objects.filter(actor_user=operator, action="revoke").exists()


@pytest.mark.parametrize("role", [Role.DATA_OFFICER, Role.REVIEWER, Role.WINDOW_CLERK, Role.AUDITOR])
def test_console_page_is_for_operators_only(client, role):
    dept = department("samr", "甲市市场监督管理局")
    client.force_login(user(f"user_{role}", role, dept if role != Role.AUDITOR else None))
    assert client.get(reverse("identifiers_console:list")).status_code == 403
    response = client.post(reverse("identifiers_console:confirm"), {"uscc": early(13), "reason": "x"})
    assert response.status_code == 403 and not ConfirmedCode.objects.exists()


def test_admin_adds_and_revokes_through_the_services(client, operator):
    operator.is_staff = True
    operator.save()
    client.force_login(operator)
    code = early(14)
    response = client.post(reverse("admin:subjects_confirmedcode_add"), {"uscc": code, "reason": "已核对"})
    assert response.status_code == 302, response.content.decode()
    confirmation = ConfirmedCode.objects.get()
    assert confirmation.confirmed_by == operator
    assert AuditEntry.objects.filter(action="create", detail__uscc=code).exists()
    url = reverse("admin:subjects_confirmedcode_change", args=[confirmation.pk])
    client.post(url, {"revoke_reason": "代码有误"})
    confirmation.refresh_from_db()
    assert confirmation.revoked_at and confirmation.revoke_reason == "代码有误"
    refused = client.post(reverse("admin:subjects_confirmedcode_add"), {"uscc": uscc(15), "reason": "已核对"})
    assert refused.status_code == 200 and "无需确认" in refused.content.decode()


def test_data_officers_do_not_see_confirmed_codes_in_the_admin(client):
    dept = department("samr", "甲市市场监督管理局")
    officer = user("officer", Role.DATA_OFFICER, dept)
    officer.is_staff = True
    officer.save()
    client.force_login(officer)
    assert client.get(reverse("admin:subjects_confirmedcode_changelist")).status_code == 403
