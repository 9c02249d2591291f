"""A registration authority's 登记注册 file loads through every channel, keyed by the subject's code, and a
code with a wrong check character that it reports is accepted everywhere (docs/identifiers.md); a row that
cannot give a record is rejected with a code, never crashes the batch."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command

from tests.collection.batch_support import (
    AS_OF,
    AUTHORITY,
    AUTHORITY_USCC,
    org_uscc,
    penalty_row,
    pilot_uscc,
    write_csv,
)
from tests.collection.test_confirmed_codes import load_file
from xinyong.catalog.models import CatalogCategory
from xinyong.catalog.selectors import catalog_item_current_version
from xinyong.catalog.services import catalog_item_save, catalog_version_payload
from xinyong.collection.entry import record_submit_form
from xinyong.collection.errors import CollectionError
from xinyong.collection.models import Batch, BatchStatus
from xinyong.core.identifiers import USCC_NO_CODE
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import ConfirmationSource, ConfirmedCode, Subject

pytestmark = pytest.mark.django_db

REG_HEADERS = [
    "主体名称",
    "主体类别",
    "统一社会信用代码",
    "注册号",
    "主体类型",
    "法定代表人",
    "注册资本（万元）",
    "成立日期",
    "住所",
    "登记机关",
    "核准日期",
    "登记状态",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
]


def registration_row(i: int, **overrides: Any) -> dict[str, Any]:
    """A 登记注册 row of a company, keyed by Chinese header; ``overrides`` replace values by header."""
    row = {
        "主体名称": f"甲市第{i}贸易有限公司",
        "主体类别": "法人及非法人组织",
        "统一社会信用代码": org_uscc(i),
        "注册号": "",
        "主体类型": "有限责任公司（自然人投资或控股）",
        "法定代表人": "王五",
        "注册资本（万元）": "100",
        "成立日期": "2015/03/02",
        "住所": f"甲市人民路{i}号",
        "登记机关": AUTHORITY,
        "核准日期": "2026/05/20",
        "登记状态": "存续",
        "数据来源单位": AUTHORITY,
        "数据来源单位统一社会信用代码": AUTHORITY_USCC,
    }
    row.update(overrides)
    return row


def write_registration_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    return write_csv(path, rows, headers=REG_HEADERS)


def write_registration_xlsx(path: Path, rows: list[dict[str, Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(REG_HEADERS)
    for row in rows:
        sheet.append([row.get(h) or None for h in REG_HEADERS])
    book.save(path)
    return path


def load_registration(path: Path, *, department, actor) -> Batch:
    return load_file(path, department=department, actor=actor, item_code="registration")


def test_the_registration_authority_loads_its_file_keyed_by_the_subjects_code(
    catalog, dept_a, officer_a, tmp_path
):
    rows = [registration_row(1), registration_row(2)]
    batch = load_registration(
        write_registration_csv(tmp_path / "登记.csv", rows), department=dept_a, actor=officer_a
    )
    assert (batch.created, batch.rejected) == (2, 0)
    record = CreditRecord.objects.get(subject__uscc=org_uscc(1))
    assert record.document_number == org_uscc(1) and record.item.code == "registration"
    assert (
        record.current_version.fields["DJ_DJZT"] == "存续"
        and record.decision_date.isoformat() == "2015-03-02"
    )

    # The next feed: one subject unchanged, one with a new status — a duplicate and a new version.
    rows = [registration_row(1), registration_row(2, 登记状态="注销", 核准日期="2026/06/10")]
    again = load_registration(
        write_registration_csv(tmp_path / "登记2.csv", rows), department=dept_a, actor=officer_a
    )
    assert (again.created, again.new_version, again.duplicate, again.rejected) == (0, 1, 1, 0)
    assert CreditRecord.objects.filter(item__code="registration").count() == 2
    assert CreditRecord.objects.get(subject__uscc=org_uscc(2)).current_version.fields["DJ_DJZT"] == "注销"


def test_an_individual_business_without_a_code_is_keyed_by_its_registration_number(
    catalog, dept_a, officer_a, tmp_path
):
    shops = [
        registration_row(
            i,
            主体名称=f"甲市第{i}小吃店",
            主体类别="个体工商户",
            统一社会信用代码=USCC_NO_CODE,
            注册号=f"35010060000{i:04d}",
            法定代表人="李四",
        )
        for i in (3, 4)
    ]
    batch = load_registration(
        write_registration_csv(tmp_path / "个体.csv", shops), department=dept_a, actor=officer_a
    )
    # Two records, not one record and a duplicate: the placeholder code names nobody.
    assert (batch.created, batch.duplicate, batch.rejected) == (2, 0, 0), [
        r.errors for r in batch.rejected_rows.all()
    ]
    numbers = set(CreditRecord.objects.values_list("document_number", flat=True))
    assert numbers == {"350100600000003", "350100600000004"}


def test_a_code_the_registration_authority_reports_loads_with_a_warning_and_vouches_for_others(
    catalog, dept_a, officer_a, dept_b, officer_b, tmp_path
):
    """dept_a is 市场监管 (``samr``), which the catalog names as the registration item's source."""
    early = pilot_uscc(org_uscc(60))
    rows = [registration_row(60, 统一社会信用代码=early), registration_row(61)]
    batch = load_registration(
        write_registration_csv(tmp_path / "登记.csv", rows), department=dept_a, actor=officer_a
    )
    assert (batch.created, batch.rejected) == (2, 0)
    assert batch.warnings == {"uscc_check_digit_registered": 1}
    (warning,) = batch.row_warnings.all()
    assert warning.number == 2 and warning.value == early
    confirmation = ConfirmedCode.objects.get(uscc=early)
    assert confirmation.source == ConfirmationSource.REGISTRATION and confirmation.department == dept_a
    assert confirmation.origin == f"batch:{batch.pk}"
    assert CreditRecord.objects.get(subject__uscc=early).document_number == early

    # Another department's penalty with the code loads, with a warning.
    penalty = load_file(
        write_csv(tmp_path / "处罚.csv", [penalty_row(60, 统一社会信用代码=early)]),
        department=dept_b,
        actor=officer_b,
    )
    assert (penalty.created, penalty.rejected) == (1, 0)
    assert penalty.warnings == {"uscc_check_digit_registered": 1}
    assert CreditRecord.objects.filter(subject__uscc=early).count() == 2


def test_a_department_that_is_not_the_registration_authority_vouches_for_nothing(
    catalog, dept_a, dept_b, officer_b, operator, tmp_path
):
    early = pilot_uscc(org_uscc(70))
    path = write_registration_csv(tmp_path / "登记.csv", [registration_row(70, 统一社会信用代码=early)])
    # The shipped catalog lets only the registration authorities send the item at all.
    with pytest.raises(CollectionError) as refused:
        load_registration(path, department=dept_b, actor=officer_b)
    assert refused.value.code == "department_not_source"

    # An edited catalog that names no source department: anyone may send it, and no one vouches for codes.
    version = catalog_item_current_version(code="registration", on=AS_OF)
    catalog_item_save(
        code="registration",
        name=version.item.name,
        category=CatalogCategory.REGISTRATION,
        payload={**catalog_version_payload(version=version), "source_departments": []},
        actor=operator,
        as_of=AS_OF,
    )
    batch = load_registration(path, department=dept_b, actor=officer_b)
    assert (batch.created, batch.rejected) == (0, 1)
    (error,) = batch.rejected_rows.get().errors
    assert error["code"] == "uscc_check_digit" and "申请确认" in error["message"]
    assert not ConfirmedCode.objects.exists() and not Subject.objects.filter(uscc=early).exists()


def test_a_row_that_gives_no_record_is_rejected_with_a_code(catalog, dept_a, officer_a, operator, tmp_path):
    """An item whose catalog version names no dedupe key (as the registration item once did): every row is
    rejected with ``record_key_missing`` and the batch finishes."""
    version = catalog_item_current_version(code="registration", on=AS_OF)
    payload = catalog_version_payload(version=version)
    core = {role: code for role, code in payload["core_fields"].items() if role != "document_number"}
    catalog_item_save(
        code="registration",
        name=version.item.name,
        category=CatalogCategory.REGISTRATION,
        payload={**payload, "core_fields": core},
        actor=operator,
        as_of=AS_OF,
    )
    rows = [registration_row(80), registration_row(81)]
    batch = load_registration(
        write_registration_csv(tmp_path / "登记.csv", rows), department=dept_a, actor=officer_a
    )
    assert batch.status == BatchStatus.DONE and (batch.created, batch.rejected) == (0, 2)
    errors = [row.errors for row in batch.rejected_rows.order_by("number")]
    assert [[e["code"] for e in row] for row in errors] == [["record_key_missing"]] * 2
    assert "文书号" in errors[0][0]["message"] and "信用办" in errors[0][0]["message"]
    assert not CreditRecord.objects.exists() and not Subject.objects.exists()

    # The console form says the same, and stores nothing.
    values = {"DJ_MC": "甲市第82贸易有限公司", "DJ_ZTLB": "法人及非法人组织", "DJ_TYSHXYDM": org_uscc(82)}
    values |= {"DJ_FDDBR": "王五", "DJ_CLRQ": "2015-03-02", "DJ_ZS": "甲市人民路82号", "DJ_DJJG": AUTHORITY}
    values |= {"DJ_DJZT": "存续"}
    result = record_submit_form(
        department=dept_a, item_code="registration", values=values, actor=officer_a, as_of=AS_OF
    )
    assert not result.ok and [e.code for e in result.errors] == ["record_key_missing"]


def test_an_xlsx_file_loads_through_xinyong_import(catalog, dept_a, tmp_path):
    early = pilot_uscc(org_uscc(90))
    path = write_registration_xlsx(
        tmp_path / "登记.xlsx", [registration_row(90, 统一社会信用代码=early), registration_row(91)]
    )
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import",
        str(path),
        *("--item", "registration", "--department", "samr", "--as-of", AS_OF.isoformat()),
        stdout=out,
        stderr=err,
    )
    batch = Batch.objects.get()
    assert batch.status == BatchStatus.DONE and (batch.created, batch.rejected) == (2, 0), out.getvalue()
    assert "uscc_check_digit_registered" in out.getvalue()
    assert ConfirmedCode.objects.get(uscc=early).source == ConfirmationSource.REGISTRATION


def test_the_api_and_the_console_form_load_registration_records(catalog, client, client_a, dept_a, officer_a):
    early = pilot_uscc(org_uscc(95))
    body = json.dumps([registration_row(95, 统一社会信用代码=early)], ensure_ascii=False).encode()
    response = client.generic(
        "POST",
        "/api/collection/registration/records",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {client_a.key}",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["created"], response.json()["rejected"]) == (1, 0), response.json()
    assert ConfirmedCode.objects.get(uscc=early).source == ConfirmationSource.REGISTRATION

    other = pilot_uscc(org_uscc(96))
    values = {"DJ_MC": "甲市第96贸易有限公司", "DJ_ZTLB": "法人及非法人组织", "DJ_TYSHXYDM": other}
    values |= {"DJ_FDDBR": "王五", "DJ_CLRQ": "2015-03-02", "DJ_ZS": "甲市人民路96号", "DJ_DJJG": AUTHORITY}
    values |= {"DJ_DJZT": "存续"}
    result = record_submit_form(
        department=dept_a, item_code="registration", values=values, actor=officer_a, as_of=AS_OF
    )
    assert result.ok, result.errors
    assert result.record.document_number == other
    assert "uscc_check_digit_registered" in {w.code for w in result.warnings}
    assert ConfirmedCode.objects.filter(uscc=other, source=ConfirmationSource.REGISTRATION).exists()
