"""Importing a department's matter list: GBK CSV, XLSX, synonyms, per-row errors, nothing half-written."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from tests.support import make_user
from xinyong.accounts.models import AuditEntry, Department, Role
from xinyong.jrp.measures.matters import matters_import
from xinyong.jrp.models import Matter

pytestmark = pytest.mark.django_db


@pytest.fixture
def approval(db):
    return Department.objects.create(code="approval", name="行政审批局")


@pytest.fixture
def officer(approval):
    return make_user("officer", Role.DATA_OFFICER, approval)


def write_csv(path, text, encoding="gbk"):
    path.write_bytes(text.encode(encoding))
    return path


def test_a_gbk_csv_with_synonym_headers_is_imported(tmp_path, approval, officer):
    path = write_csv(
        tmp_path / "权责清单.csv",
        "基本编码,权力事项名称,实施机关,权力类型\n"
        "XK-001,食品经营许可,行政审批局,行政许可\n"
        "CF-002,对无证经营的处罚,行政审批局,行政处罚\n"
        "JC-003,日常监督检查,行政审批局,行政检查\n",
    )
    report = matters_import(path=path, department=approval, actor=officer)
    assert report.ok, report.errors
    assert (report.created, report.updated) == (3, 0)
    stages = dict(Matter.objects.values_list("code", "stage"))
    assert stages == {"XK-001": "before", "CF-002": "after", "JC-003": "during"}
    assert AuditEntry.objects.filter(action="jrp_matters_import").count() == 1
    again = matters_import(path=path, department=approval, actor=officer)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_an_xlsx_with_a_stage_column(tmp_path, approval, officer):
    wb = Workbook()
    ws = wb.active
    ws.append(["事项编码", "事项名称", "管理阶段"])
    ws.append(["M-1", "政府采购供应商资格审查", "事前"])
    ws.append(["M-2", "招标投标监督", "事中环节"])
    path = tmp_path / "事项.xlsx"
    wb.save(path)
    report = matters_import(path=path, department=approval, actor=officer)
    assert report.ok, report.errors
    assert Matter.objects.get(code="M-2").stage == "during"
    assert Matter.objects.get(code="M-1").department == approval


def test_faulty_rows_are_reported_and_nothing_is_written(tmp_path, approval, officer):
    Department.objects.create(code="tax", name="税务局")
    path = write_csv(
        tmp_path / "bad.csv",
        "事项编码,事项名称,实施主体,管理阶段\n"
        "OK-1,好的事项,行政审批局,事前\n"
        ",缺编码,行政审批局,事前\n"
        "OK-1,重复,行政审批局,事前\n"
        "X 2,编码含空格,行政审批局,事前\n"
        "OK-3,,行政审批局,事前\n"
        "OK-4,阶段错误,行政审批局,事后期\n"
        "OK-5,别的部门,税务局,事前\n",
        encoding="gb18030",
    )
    report = matters_import(path=path, department=approval, actor=officer)
    assert not report.ok
    assert [e.code for e in report.errors] == [
        "code_missing",
        "code_duplicate",
        "code_invalid",
        "name_missing",
        "stage_invalid",
        "department_other",
    ]
    assert report.errors[0].row == 3 and "事项编码为空" in report.errors[0].message
    assert Matter.objects.count() == 0
    assert not AuditEntry.objects.filter(action="jrp_matters_import").exists()


def test_a_file_without_the_name_column_is_refused(tmp_path, approval, officer):
    path = write_csv(tmp_path / "x.csv", "编码,备注\nA-1,无\n")
    report = matters_import(path=path, department=approval, actor=officer)
    assert [e.code for e in report.errors] == ["column_missing"]
    assert "事项名称" in report.errors[0].message


def test_another_departments_officer_cannot_import(tmp_path, approval):
    other = make_user("other", Role.DATA_OFFICER, Department.objects.create(code="tax", name="税务局"))
    path = write_csv(tmp_path / "x.csv", "事项编码,事项名称\nA-1,事项\n")
    report = matters_import(path=path, department=approval, actor=other)
    assert [e.code for e in report.errors] == ["forbidden"]
