"""A wrong USCC check character in a collected row: rejected unless confirmed (docs/identifiers.md), and the
department re-sends the row from its rejection file once the code is confirmed."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.collection.batch_support import (
    AS_OF,
    AUTHORITY,
    AUTHORITY_USCC,
    RECEIVED,
    org_uscc,
    penalty_row,
    pilot_uscc,
    read_csv,
    valid_rows,
    write_csv,
)
from xinyong.accounts.models import AuditEntry
from xinyong.collection.entry import record_submit_form
from xinyong.collection.intake import batch_create_from_file
from xinyong.collection.lifecycle import batch_confirm_mapping, batch_start
from xinyong.collection.loading import engine
from xinyong.collection.models import Batch, BatchStatus
from xinyong.collection.rejections import batch_rejection_file_export
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import ConfirmationSource, ConfirmedCode, Subject
from xinyong.subjects.services import confirmed_code_add, confirmed_code_revoke

pytestmark = pytest.mark.django_db

URL = "/api/collection/penalty/records"


def load_file(path, *, department, actor, item_code="penalty", parent=None) -> Batch:
    batch = batch_create_from_file(
        department=department,
        item_code=item_code,
        uploaded_file=SimpleUploadedFile(path.name, path.read_bytes()),
        actor=actor,
        as_of=AS_OF,
        received_at=RECEIVED,
        parent=parent,
    )
    batch = batch_confirm_mapping(batch=batch, mapping=batch.mapping, actor=actor)
    batch_start(batch=batch, actor=actor)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE, (batch.error_code, batch.error_message)
    return batch


def test_a_typo_in_position_18_is_rejected_and_the_row_loads_once_the_code_is_confirmed(
    catalog, dept_a, officer_a, operator, tmp_path
):
    rows = valid_rows(4)
    typo = pilot_uscc(rows[1]["统一社会信用代码"])  # positions 9–17 still pass their own check
    rows[1]["统一社会信用代码"] = typo
    batch = load_file(write_csv(tmp_path / "处罚.csv", rows), department=dept_a, actor=officer_a)
    assert (batch.created, batch.rejected) == (3, 1)
    (rejected,) = batch.rejected_rows.all()
    (error,) = rejected.errors
    assert error["code"] == "uscc_check_digit" and error["column"] == "统一社会信用代码"
    # The message says how to have a genuine early code confirmed.
    assert "申请确认" in error["message"] and "登记证书" in error["message"]
    assert not Subject.objects.filter(uscc=typo).exists()

    # The department asks; the operator checks the certificate and confirms the code.
    confirmed_code_add(uscc=typo, reason="已核对营业执照原件（早期赋码）", actor=operator)
    # The rejection file, sent back unchanged, now loads the row (with a warning).
    path = batch_rejection_file_export(batch=batch, actor=officer_a, dest=tmp_path / "退回.csv")
    (line,) = read_csv(path)
    assert line["错误代码"] == "uscc_check_digit"
    again = load_file(path, department=dept_a, actor=officer_a, parent=batch)
    assert (again.created, again.rejected) == (1, 0)
    assert again.warnings == {"uscc_check_digit_confirmed": 1}
    (warning,) = again.row_warnings.all()
    assert warning.number == 2 and warning.value == typo and "确认" in warning.message
    assert CreditRecord.objects.filter(subject__uscc=typo).count() == 1

    # Revoked: the next row with the code is rejected again.
    confirmed_code_revoke(uscc=typo, reason="登记机关答复该代码有误", actor=operator)
    rows = [penalty_row(50, 统一社会信用代码=typo)]
    third = load_file(write_csv(tmp_path / "处罚2.csv", rows), department=dept_a, actor=officer_a)
    assert third.rejected == 1 and third.rejected_rows.get().errors[0]["code"] == "uscc_check_digit"


def test_the_api_applies_the_same_rule(catalog, client, client_a, operator):
    typo = pilot_uscc(org_uscc(7))
    body = json.dumps([penalty_row(7, 统一社会信用代码=typo)], ensure_ascii=False).encode()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {client_a.key}"}
    response = client.generic("POST", URL, body, content_type="application/json", **headers)
    assert response.status_code == 200, response.content
    (error,) = response.json()["errors"]
    assert error["code"] == "uscc_check_digit" and error["row"] == 1 and "申请确认" in error["message"]

    confirmed_code_add(uscc=typo, reason="已核对登记证书", actor=operator)
    body = json.dumps([penalty_row(8, 统一社会信用代码=typo)], ensure_ascii=False).encode()
    response = client.generic("POST", URL, body, content_type="application/json", **headers)
    assert response.json()["created"] == 1 and response.json()["rejected"] == 0


def test_the_console_form_applies_the_same_rule(catalog, dept_a, officer_a, operator):
    typo = pilot_uscc(org_uscc(8))
    values = {
        "CF_XDR_MC": "甲市早期赋码有限公司",
        "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": typo,
        "CF_FRDB": "王五",
        "CF_WSH": "甲市监罚〔2026〕88号",
        "CF_WFXW": "未按规定公示年度报告",
        "CF_SY": "未在规定期限内公示年度报告",
        "CF_YJ": "《企业信息公示暂行条例》第十条",
        "CF_CFLB": "警告",
        "CF_NR": "警告",
        "CF_JDRQ": "2026-06-01",
        "CF_YXQ": "2027-06-01",
        "CF_CFJG": AUTHORITY,
        "CF_CFJGDM": AUTHORITY_USCC,
    }
    result = record_submit_form(
        department=dept_a, item_code="penalty", values=values, actor=officer_a, as_of=AS_OF
    )
    assert not result.ok and [e.code for e in result.errors] == ["uscc_check_digit"]
    confirmed_code_add(uscc=typo, reason="已核对登记证书", actor=operator)
    result = record_submit_form(
        department=dept_a, item_code="penalty", values=values, actor=officer_a, as_of=AS_OF
    )
    assert result.ok, result.errors
    assert "uscc_check_digit_confirmed" in {w.code for w in result.warnings}
    assert result.batch.row_warnings.filter(code="uscc_check_digit_confirmed").count() == 1


def test_the_registration_authority_is_the_source_department_of_a_registration_item(catalog, dept_a, dept_b):
    from xinyong.catalog.selectors import catalog_item_current_version
    from xinyong.collection.selectors import uscc_confirmations_for

    registration = catalog_item_current_version(code="registration", on=AS_OF)
    penalty = catalog_item_current_version(code="penalty", on=AS_OF)
    assert uscc_confirmations_for(item_version=registration, department=dept_a).registration_authority
    assert not uscc_confirmations_for(item_version=registration, department=dept_b).registration_authority
    assert not uscc_confirmations_for(item_version=penalty, department=dept_a).registration_authority


def test_a_code_the_registration_authority_reports_is_accepted_everywhere(
    catalog, dept_a, officer_a, dept_b, officer_b, tmp_path, monkeypatch
):
    """Rows the registration authority reports carry their subject's code as registered: they load with a
    warning, the code joins the confirmed codes, and other departments' records with it load too."""
    from xinyong.subjects.selectors import uscc_confirmations

    early = pilot_uscc(org_uscc(60))
    # The loader asks who vouches for codes per batch: here dept_a's batch is the registration authority's.
    monkeypatch.setattr(
        engine,
        "uscc_confirmations_for",
        lambda *, item_version, department: uscc_confirmations(registration_authority=department == dept_a),
    )
    rows = [penalty_row(60, 统一社会信用代码=early)]
    batch = load_file(write_csv(tmp_path / "登记.csv", rows), department=dept_a, actor=officer_a)
    assert (batch.created, batch.rejected) == (1, 0)
    assert batch.warnings == {"uscc_check_digit_registered": 1}
    confirmation = ConfirmedCode.objects.get(uscc=early)
    assert confirmation.source == ConfirmationSource.REGISTRATION and confirmation.department == dept_a
    assert confirmation.origin == f"batch:{batch.pk}"
    assert AuditEntry.objects.filter(action="create", detail__uscc=[early]).exists()

    rows = [penalty_row(61, 统一社会信用代码=early, 行政相对人名称="甲市第60贸易有限公司")]
    penalty = load_file(write_csv(tmp_path / "处罚.csv", rows), department=dept_b, actor=officer_b)
    assert (penalty.created, penalty.rejected) == (1, 0)
    assert penalty.warnings == {"uscc_check_digit_registered": 1}


def test_a_department_that_is_not_the_registration_authority_vouches_for_nothing(
    catalog, dept_b, officer_b, tmp_path
):
    rows = [penalty_row(70, 统一社会信用代码=pilot_uscc(org_uscc(70)))]
    batch = load_file(write_csv(tmp_path / "处罚.csv", rows), department=dept_b, actor=officer_b)
    assert batch.rejected == 1 and not ConfirmedCode.objects.exists()
