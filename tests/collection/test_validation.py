"""Row validation against the catalog: every issue code, canonical values, subject and record.

The rules are those of docs/dual-disclosure.md and docs/identifiers.md.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc
from stdnum.iso7064 import mod_11_2

from tests.collection.schema_support import (
    AS_OF,
    AUTHORITY_USCC,
    COMPANY_USCC,
    PERSON_RIC,
    SHOP_USCC,
    columns_for,
    item_data,
    penalty_row,
    person_row,
    schema,
    schema_from,
)
from xinyong.accounts.models import Department
from xinyong.catalog.selectors import catalog_item_current_version, catalog_version_schema
from xinyong.catalog.services import catalog_load_fixtures
from xinyong.collection.mapping import mapping_apply
from xinyong.collection.readers import SourceRow
from xinyong.collection.validation import (
    ROW_ISSUE_MESSAGES,
    WARNING_CODES,
    RowIssue,
    RowValidator,
    row_validate,
)
from xinyong.collection.validation.identity import uscc_is_clean
from xinyong.core.identifiers import (
    USCC_CONFIRMED_BY_OPERATOR,
    USCC_NO_CODE,
    UsccConfirmations,
    check_uscc,
    generate_uscc,
    org_code_check_char,
)
from xinyong.records.loading.prepare import RecordInput
from xinyong.subjects.bulk import SubjectInput

PENALTY = schema("penalty")
LICENSE = schema("license")
DEPT = SimpleNamespace(pk=1, name="甲市市场监督管理局", uscc=AUTHORITY_USCC)


def validator(item=PENALTY, *, columns=None, department=DEPT, **kwargs) -> RowValidator:
    return RowValidator(
        schema=item,
        department=department,
        as_of=AS_OF,
        columns=columns if columns is not None else columns_for(item),
        **kwargs,
    )


def check(row: dict, item=PENALTY, *, number: int = 5, **kwargs):
    return validator(item, **kwargs).validate(number, row)


def codes(result) -> set[str]:
    return {i.code for i in [*result.errors, *result.warnings]}


def ric(body17: str) -> str:
    return body17 + mod_11_2.calc_check_digit(body17)


def uscc_with(category: str) -> str:
    return generate_uscc(random.Random(category), category=category)


def uscc_pilot(valid: str) -> str:
    """Position 18 wrong, positions 9–17 fine: an early pilot code."""
    return valid[:17] + next(c for c in USCC_ALPHABET_ if c != valid[17])


def uscc_org_code_broken(valid: str) -> str:
    """Position 17 wrong, position 18 computed over it: issued, but not a GB 11714 code."""
    wrong17 = next(c for c in "0123456789" if c != valid[16])
    body = valid[:16] + wrong17
    return body + stdnum_uscc.calc_check_digit(body)


def uscc_both_wrong(valid: str) -> str:
    for c in USCC_ALPHABET_:
        candidate = valid[:9] + c + valid[10:]
        if candidate != valid and check_uscc(candidate).has("uscc_check_digit"):
            return candidate
    raise AssertionError("no candidate")


USCC_ALPHABET_ = "0123456789ABCDEFGHJKLMNPQRTUWXY"


# ---------------------------------------------------------------------------------------------------
# Valid rows


def test_valid_enterprise_row():
    result = check(penalty_row())
    assert result.ok, result.errors
    assert result.errors == [] and result.warnings == []
    assert result.subject == SubjectInput(kind="organisation", name="某某食品有限公司", uscc=COMPANY_USCC)
    record = result.record
    assert isinstance(record, RecordInput)
    assert record.number == 5
    assert record.document_number == "甲市监罚〔2026〕12号"
    assert record.decision_date == dt.date(2026, 5, 1)
    assert record.status == "effective"
    assert record.fields["CF_CFLB"] == "警告；罚款"
    assert record.fields["CF_NR_FK"] == "0.5"
    assert record.fields["CF_JDRQ"] == "2026-05-01"


def test_valid_natural_person_row():
    result = check(person_row())
    assert result.ok, result.errors
    assert result.subject == SubjectInput(kind="natural_person", name="李四", uscc=None, ric=PERSON_RIC)
    assert result.record.fields["CF_XDR_ZJHM"] == PERSON_RIC  # full value; the record service encrypts it


def test_valid_individual_business_without_a_code():
    row = penalty_row(
        CF_XDR_LB="个体工商户", CF_XDR_SHXYM=USCC_NO_CODE.lower(), CF_XDR_GSZC="350100600123456"
    )
    row.pop("CF_FRDB")
    result = check(row)
    assert result.ok, result.errors
    assert result.warnings == []  # the no-code reminder is noise when the 工商注册号 is there
    assert result.subject == SubjectInput(
        kind="individual_business",
        name="某某食品有限公司",
        uscc=USCC_NO_CODE,
        legacy_codes={"reg_no": "350100600123456"},
    )


def test_individual_business_with_its_code():
    result = check(penalty_row(CF_XDR_LB="个体户", CF_XDR_SHXYM=SHOP_USCC, CF_FRDB=None))
    assert result.ok, result.errors
    assert result.subject.kind == "individual_business" and result.subject.uscc == SHOP_USCC
    assert result.record.fields["CF_XDR_LB"] == "个体工商户"


def test_legacy_codes_of_the_subject():
    org = generate_uscc(random.Random(3))[8:17]
    result = check(
        penalty_row(
            CF_XDR_ZZJG=f"{org[:8]}-{org[8]}",
            CF_XDR_GSZC="350100100012345",
            CF_XDR_SWDJ="350100123456789",
            CF_XDR_SYDW="事证第123号",
            CF_XDR_SHZZ="民证字第1号",
        )
    )
    assert result.ok, result.errors
    assert result.subject.legacy_codes == {
        "org_code": org,
        "reg_no": "350100100012345",
        "tax_no": "350100123456789",
        "pi_cert": "事证第123号",
        "so_cert": "民证字第1号",
    }
    assert result.record.fields["CF_XDR_ZZJG"] == org


def test_canonical_values():
    result = check(
        penalty_row(
            CF_XDR_LB=" 法人及其他组织 ",
            CF_XDR_SHXYM=" " + COMPANY_USCC.lower() + " ",
            CF_CFLB="罚款、吊销营业执照，警告 罚款",
            CF_NR_ZKDX="营业执照 91350100",
            CF_NR_FK="1,234.50",
            CF_NR_WFFF=Decimal("0.000001"),
            CF_JDRQ="2026年5月1日",
            CF_YXQ=73415.0,  # an Excel serial (2100-12-31)
            CF_GSJZQ=dt.datetime(2027, 5, 1, 0, 0),
            CF_WSH=12345.0,  # a number cell
            CF_SXYZCD="严重失信",
            CF_ZT="撤销",
            BZ="  第一行\r\n第二行  ",
        )
    )
    assert result.ok, result.errors
    fields = result.record.fields
    assert fields["CF_XDR_LB"] == "法人及非法人组织"
    assert fields["CF_XDR_SHXYM"] == COMPANY_USCC
    assert fields["CF_CFLB"] == "警告；罚款；吊销许可证件"  # each once, in code-list order
    assert fields["CF_NR_FK"] == "1234.5"
    assert fields["CF_NR_WFFF"] == "0.000001"
    assert fields["CF_JDRQ"] == "2026-05-01"
    assert fields["CF_YXQ"] == "2100-12-31"
    assert fields["CF_GSJZQ"] == "2027-05-01"
    assert fields["CF_WSH"] == "12345"
    assert fields["BZ"] == "第一行\n第二行"
    assert result.record.document_number == "12345"
    assert result.record.severity == "serious"
    assert result.record.status == "revoked"


def test_empty_values_are_left_out_of_the_fields():
    result = check(penalty_row(BZ="   ", CF_GSJZQ=""))
    assert result.ok
    assert "BZ" not in result.record.fields and "CF_GSJZQ" not in result.record.fields


def test_severity_default_applies_when_the_row_has_none():
    assert check(penalty_row(), severity_default="general").record.severity == "general"
    assert check(penalty_row(CF_SXYZCD="轻微"), severity_default="general").record.severity == "minor"


@pytest.mark.parametrize("value", ["2026-05-01", "2026/05/01", "2026/5/1", "20260501", "2026年5月1日", 46143])
def test_every_date_form_is_accepted_in_a_row(value):
    result = check(penalty_row(CF_JDRQ=value))
    assert result.ok, result.errors
    assert result.record.decision_date == dt.date(2026, 5, 1)


def test_long_term_validity():
    result = check(penalty_row(CF_YXQ="2099/12/31"))
    assert result.ok and result.record.fields["CF_YXQ"] == "2099-12-31"


def test_license_row_dates_and_status():
    row = {
        "XK_XDR_MC": "某某食品有限公司",
        "XK_XDR_LB": "法人及非法人组织",
        "XK_XDR_SHXYM": COMPANY_USCC,
        "XK_FRDB": "张三",
        "XK_XKWS": "食品经营许可决定书",
        "XK_WSH": "甲市监许〔2026〕8号",
        "XK_XKLB": "普通许可",
        "XK_NR": "食品经营",
        "XK_JDRQ": "2026-03-01",
        "XK_YXQZ": "2026-03-01",
        "XK_YXQZI": "2099-12-31",
        "XK_XKJG": "甲市市场监督管理局",
        "XK_XKJGDM": AUTHORITY_USCC,
        "XK_ZT": "有效",
        "XK_LYDW": "甲市市场监督管理局",
        "XK_LYDWDM": AUTHORITY_USCC,
    }
    result = check(row, LICENSE)
    assert result.ok, result.errors
    assert result.record.fields["XK_XKLB"] == "普通"
    bad = check({**row, "XK_YXQZI": "2026-02-28"}, LICENSE)
    assert [e.code for e in bad.errors] == ["date_order"]
    assert "“有效期至”（2026-02-28）早于“有效期自”（2026-03-01）" in bad.errors[0].message


def test_legacy_id_column_implies_the_id_type():
    columns = {**columns_for(PENALTY), "CF_XDR_ZJHM": "CF_XDR_SFZ"}
    row = person_row(CF_XDR_ZJLX=None)
    result = check(row, columns=columns)
    assert result.ok, result.errors
    assert result.record.fields["CF_XDR_ZJLX"] == "身份证"
    assert result.subject.ric == PERSON_RIC
    # Without the legacy column nothing is implied: 证件类型 is required for a natural person.
    assert "required_when_missing" in codes(check(row))


def test_legacy_code_values_only_from_legacy_columns():
    item = copy.deepcopy(item_data("license"))
    for f in item["fields"]:
        if f["code"] == "XK_ZT":
            f["legacy_codes"] = ["XK_DQZT"]
    legacy_schema = schema_from(item)
    row = {"XK_ZT": "1"}
    from_legacy = validator(legacy_schema, columns={"XK_ZT": "XK_DQZT"}).validate(2, row)
    from_current = validator(legacy_schema, columns={"XK_ZT": "当前状态"}).validate(2, row)
    assert from_legacy.errors and "code_invalid" not in codes(from_legacy)
    assert "code_invalid" in codes(from_current)


def test_source_department_is_filled_from_the_department():
    result = check(penalty_row(CF_SJLY=None, CF_SJLYDM=None))
    assert result.ok, result.errors
    assert result.record.fields["CF_SJLY"] == DEPT.name
    assert result.record.fields["CF_SJLYDM"] == DEPT.uscc


def test_warnings_do_not_block():
    pilot = uscc_pilot(COMPANY_USCC)
    confirmed = UsccConfirmations({pilot: USCC_CONFIRMED_BY_OPERATOR})
    result = check(penalty_row(CF_XDR_SHXYM=pilot, CF_NR_FK="200000"), confirmed=confirmed)
    assert result.ok
    assert {w.code for w in result.warnings} == {"uscc_check_digit_confirmed", "amount_unit_suspect"}
    assert result.record is not None and result.subject.uscc == pilot


def test_a_wrong_check_character_is_rejected_unless_confirmed():
    """Positions 9–17 pass their own check after a typo in position 18: the row is rejected all the same."""
    pilot = uscc_pilot(COMPANY_USCC)
    result = check(penalty_row(CF_XDR_SHXYM=pilot))
    assert not result.ok and result.record is None
    (issue,) = result.errors
    assert issue.code == "uscc_check_digit" and issue.column == "统一社会信用代码"
    assert "第 5 行" in issue.message and "申请确认" in issue.message


def test_department_codes_in_rows_follow_the_same_rule():
    pilot = uscc_pilot(AUTHORITY_USCC)
    result = check(penalty_row(CF_CFJGDM=pilot))
    assert "uscc_check_digit" in codes(result) and not result.ok
    confirmed = UsccConfirmations({pilot: USCC_CONFIRMED_BY_OPERATOR})
    assert check(penalty_row(CF_CFJGDM=pilot), confirmed=confirmed).ok


def test_the_registration_authority_vouches_only_for_the_subject_code():
    """A 登记注册 row from its registration authority: its subject's code is accepted, with a warning;
    another USCC column of the row is not."""
    pilot = uscc_pilot(COMPANY_USCC)
    confirmed = UsccConfirmations(registration_authority=True)
    result = check(penalty_row(CF_XDR_SHXYM=pilot), confirmed=confirmed)
    assert result.ok and "uscc_check_digit_registered" in codes(result)
    result = check(penalty_row(CF_CFJGDM=uscc_pilot(AUTHORITY_USCC)), confirmed=confirmed)
    assert not result.ok and "uscc_check_digit" in codes(result)


# ---------------------------------------------------------------------------------------------------
# Messages


def test_message_names_row_column_value_and_fix():
    result = check(penalty_row(CF_JDRQ="2023-13-01"))
    (issue,) = result.errors
    assert issue == RowIssue(
        "date_invalid",
        "CF_JDRQ",
        "处罚决定日期",
        "2023-13-01",
        "第 5 行“处罚决定日期”的值“2023-13-01”不是有效日期：请使用 2023-05-01 或 2023年5月1日 格式",
    )


def test_message_uses_the_column_header_of_the_file():
    columns = {**columns_for(PENALTY), "CF_NR_FK": "罚款（万元）"}
    (issue,) = check(penalty_row(CF_NR_FK="五千元"), columns=columns).errors
    assert issue.column == "罚款（万元）"
    assert issue.message.startswith("第 5 行“罚款（万元）”的值“五千元”不是数字")


def test_missing_column_is_named_by_the_field():
    columns = {k: v for k, v in columns_for(PENALTY).items() if k != "CF_NR_FK"}
    (issue,) = check(penalty_row(CF_NR_FK=None), columns=columns).errors
    assert issue.code == "required_when_missing"
    assert issue.column == ""
    assert issue.message == "第 5 行“处罚类别”含“罚款”时，必须填写“罚款金额（万元）”：请补充后重新上传"


def test_personal_numbers_are_masked_in_messages():
    bad = PERSON_RIC[:17] + ("1" if PERSON_RIC[17] != "1" else "2")
    (issue,) = check(person_row(CF_XDR_ZJHM=bad + "0")).errors
    assert issue.code == "ric_length"
    assert issue.value == bad + "0"
    assert bad not in issue.message


def test_every_message_template_is_chinese_and_names_the_row():
    for code, template in ROW_ISSUE_MESSAGES.items():
        assert template.startswith("第 {row} "), code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in template), code


# ---------------------------------------------------------------------------------------------------
# Every issue code can be produced


def _without_required_when(field_code: str):
    item = copy.deepcopy(item_data("penalty"))
    for f in item["fields"]:
        if f["code"] == field_code:
            f.pop("required_when", None)
    return schema_from(item)


def _without_core(*roles: str):
    item = copy.deepcopy(item_data("penalty"))
    item["core_fields"] = {r: c for r, c in item["core_fields"].items() if r not in roles}
    return schema_from(item)


def _source(row: SourceRow, headers=("CF_WSH",)):
    mapper = mapping_apply(headers=list(headers), mapping={h: h for h in headers}, schema=PENALTY)
    return validator().validate_source(row, mapper)


ORG = generate_uscc(random.Random(11))[8:17]

PRODUCERS = {
    "json_line_invalid": lambda: _source(SourceRow(3, [], error="json_line_invalid", detail="{bad")),
    "json_item_invalid": lambda: _source(SourceRow(3, [], error="json_item_invalid", detail="3")),
    "encoding_invalid_bytes": lambda: _source(
        SourceRow(3, ["\ufffd"], error="encoding_invalid_bytes", detail="utf-8")
    ),
    "row_extra_cells": lambda: _source(SourceRow(3, ["甲1号", "", "多出"])),
    "required_missing": lambda: check(penalty_row(CF_WSH=None)),
    "required_when_missing": lambda: check(penalty_row(CF_NR_FK="")),
    "value_type_invalid": lambda: check(penalty_row(CF_SY={"a": 1})),
    "value_too_long": lambda: check(penalty_row(CF_WSH="号" * 65)),
    "code_invalid": lambda: check(penalty_row(CF_XDR_LB="企业")),
    "code_multiple": lambda: check(penalty_row(CF_XDR_LB="法人及非法人组织;个体工商户")),
    "date_format": lambda: check(penalty_row(CF_JDRQ="2026.05.01")),
    "date_invalid": lambda: check(penalty_row(CF_JDRQ="2026-02-30")),
    "date_serial_range": lambda: check(penalty_row(CF_JDRQ=60)),
    "date_future": lambda: check(penalty_row(CF_JDRQ="2026-06-16")),
    "date_too_early": lambda: check(penalty_row(CF_JDRQ="1949-09-30")),
    "date_order": lambda: check(penalty_row(CF_YXQ="2026-04-30")),
    "amount_format": lambda: check(penalty_row(CF_NR_FK="五千元")),
    "amount_unit_yuan": lambda: check(penalty_row(CF_NR_FK="5000元")),
    "amount_negative": lambda: check(penalty_row(CF_NR_FK="-1")),
    "amount_precision": lambda: check(penalty_row(CF_NR_FK="0.0000001")),
    "amount_unit_suspect": lambda: check(penalty_row(CF_NR_FK=5000000)),
    "reg_no_invalid": lambda: check(penalty_row(CF_XDR_GSZC="35010010001")),
    "subject_code_missing": lambda: check(
        penalty_row(CF_XDR_SHXYM=None), _without_required_when("CF_XDR_SHXYM")
    ),
    "subject_uscc_not_allowed": lambda: check(person_row(CF_XDR_SHXYM=COMPANY_USCC)),
    "subject_id_type_unsupported": lambda: check(person_row(CF_XDR_ZJLX="护照", CF_XDR_ZJHM="E12345678")),
    "source_department_mismatch": lambda: check(penalty_row(CF_SJLYDM=COMPANY_USCC)),
    "excel_truncated": lambda: check(penalty_row(CF_XDR_SHXYM=9.13501001234567e17)),
    "uscc_length": lambda: check(penalty_row(CF_XDR_SHXYM=COMPANY_USCC[:17])),
    "uscc_invalid_char": lambda: check(penalty_row(CF_XDR_SHXYM=COMPANY_USCC[:17] + "I")),
    "uscc_division_format": lambda: check(
        penalty_row(CF_XDR_SHXYM=COMPANY_USCC[:4] + "A" + COMPANY_USCC[5:])
    ),
    "uscc_check_digit": lambda: check(penalty_row(CF_XDR_SHXYM=uscc_both_wrong(COMPANY_USCC))),
    "uscc_no_code_not_allowed": lambda: check(penalty_row(CF_XDR_SHXYM=USCC_NO_CODE)),
    "uscc_no_code_format": lambda: check(
        penalty_row(CF_XDR_LB="个体工商户", CF_XDR_SHXYM="0" * 17 + "Y", CF_FRDB=None)
    ),
    "ric_length": lambda: check(person_row(CF_XDR_ZJHM=PERSON_RIC[:16])),
    "ric_invalid_char": lambda: check(person_row(CF_XDR_ZJHM=PERSON_RIC[:10] + "A" + PERSON_RIC[11:])),
    "ric_birth_date_invalid": lambda: check(person_row(CF_XDR_ZJHM=ric("11010519491331002"))),
    "ric_birth_date_too_early": lambda: check(person_row(CF_XDR_ZJHM=ric("11010518991231002"))),
    "ric_birth_date_future": lambda: check(person_row(CF_XDR_ZJHM=ric("11010520270101002"))),
    "ric_check_digit": lambda: check(person_row(CF_XDR_ZJHM="110105194912310021")),
    "org_code_length": lambda: check(penalty_row(CF_XDR_ZZJG="1234567")),
    "org_code_invalid_char": lambda: check(penalty_row(CF_XDR_ZZJG="1234567?-1")),
    "org_code_check_digit": lambda: check(
        penalty_row(CF_XDR_ZZJG=ORG[:8] + ("1" if org_code_check_char(ORG[:8]) != "1" else "2"))
    ),
    "uscc_check_digit_confirmed": lambda: check(
        penalty_row(CF_XDR_SHXYM=uscc_pilot(COMPANY_USCC)),
        confirmed=UsccConfirmations({uscc_pilot(COMPANY_USCC): USCC_CONFIRMED_BY_OPERATOR}),
    ),
    "uscc_check_digit_registered": lambda: check(
        penalty_row(CF_XDR_SHXYM=uscc_pilot(COMPANY_USCC)),
        confirmed=UsccConfirmations(registration_authority=True),
    ),
    "uscc_org_code_check": lambda: check(penalty_row(CF_XDR_SHXYM=uscc_org_code_broken(COMPANY_USCC))),
    "uscc_no_code": lambda: check(
        penalty_row(CF_XDR_LB="个体工商户", CF_XDR_SHXYM=USCC_NO_CODE, CF_FRDB=None)
    ),
    "uscc_unknown_category": lambda: check(penalty_row(CF_XDR_SHXYM=uscc_with("99"))),
    "uscc_kind_mismatch": lambda: check(penalty_row(CF_XDR_SHXYM=SHOP_USCC)),
    "ric_upgraded_from_15": lambda: check(person_row(CF_XDR_ZJHM="110105491231002")),
    "ric_unknown_region": lambda: check(person_row(CF_XDR_ZJHM=ric("99010519800101002"))),
    "record_key_missing": lambda: check(penalty_row(), _without_core("document_number")),
    "subject_unresolved": lambda: check(penalty_row(), _without_core("subject_kind")),
}


@pytest.mark.parametrize(
    ("roles", "code", "words"),
    [
        (("document_number",), "record_key_missing", "“文书号（去重键）”"),
        (("document_number", "decision_date"), "record_key_missing", "“文书号（去重键）”和“决定日期”"),
        (("subject_name",), "subject_unresolved", "“主体名称”"),
    ],
)
def test_a_row_without_errors_that_gives_no_record_or_subject_is_rejected(roles, code, words):
    """An item whose catalog names no key, date, name or kind field: the row is rejected, not loaded half."""
    result = check(penalty_row(), _without_core(*roles))
    assert not result.ok and result.record is None and result.subject is None
    (error,) = result.errors
    assert error.code == code and words in error.message and "信用办" in error.message


def test_a_row_leaving_an_optional_decision_date_empty_is_rejected():
    item = copy.deepcopy(item_data("penalty"))
    for f in item["fields"]:
        if f["code"] == "CF_JDRQ":
            f["required"] = False
    result = check(penalty_row(CF_JDRQ=None), schema_from(item))
    assert not result.ok and [e.code for e in result.errors] == ["record_key_missing"]
    assert "未填写“处罚决定日期”" in result.errors[0].message


def test_every_issue_code_has_a_producer():
    assert set(PRODUCERS) == set(ROW_ISSUE_MESSAGES)


@pytest.mark.parametrize("code", sorted(ROW_ISSUE_MESSAGES))
def test_issue_code_can_be_produced(code):
    result = PRODUCERS[code]()
    issues = [*result.errors, *result.warnings]
    found = [i for i in issues if i.code == code]
    assert found, [(i.code, i.message) for i in issues]
    issue = found[0]
    assert issue.message.startswith("第 ")
    assert not re.search(r"\{[a-z_]+\}", issue.message)  # every placeholder filled
    if code in WARNING_CODES and code != "reg_no_invalid":
        assert issue in result.warnings
    elif code not in WARNING_CODES:
        assert issue in result.errors
        assert not result.ok and result.record is None and result.subject is None


def test_reg_no_is_an_error_only_when_the_row_depends_on_it():
    aux = check(penalty_row(CF_XDR_GSZC="35010010001"))
    assert aux.ok and [w.code for w in aux.warnings] == ["reg_no_invalid"]
    needed = check(
        penalty_row(
            CF_XDR_LB="个体工商户", CF_XDR_SHXYM=USCC_NO_CODE, CF_FRDB=None, CF_XDR_GSZC="35010010001"
        )
    )
    assert not needed.ok and "reg_no_invalid" in [e.code for e in needed.errors]


def test_column_order_of_the_file_does_not_matter():
    row = penalty_row(CF_XDR_LB="个体工商户", CF_XDR_SHXYM=USCC_NO_CODE, CF_FRDB=None, CF_XDR_GSZC="3501001")
    reordered = dict(reversed(list(row.items())))
    assert (
        [e.code for e in check(row).errors] == [e.code for e in check(reordered).errors] == ["reg_no_invalid"]
    )


def test_one_element_list_for_a_single_code():
    result = check(penalty_row(CF_XDR_LB=["法人及非法人组织"], CF_CFLB=["警告", "罚款"]))
    assert result.ok, result.errors
    assert result.record.fields["CF_XDR_LB"] == "法人及非法人组织"
    assert result.record.fields["CF_CFLB"] == "警告；罚款"


def test_org_code_problems_are_warnings_and_not_aliases():
    result = PRODUCERS["org_code_check_digit"]()
    assert result.ok
    assert "org_code" not in result.subject.legacy_codes


def test_required_when_individual_without_code_needs_reg_no():
    result = check(penalty_row(CF_XDR_LB="个体工商户", CF_XDR_SHXYM=USCC_NO_CODE, CF_FRDB=None))
    assert [e.code for e in result.errors] == ["required_when_missing"]
    assert "“统一社会信用代码”为“00000000000000000X”时，必须填写“工商注册号”" in result.errors[0].message


def test_natural_person_needs_no_uscc_but_an_id():
    assert check(person_row()).ok
    result = check(person_row(CF_XDR_ZJHM=None), _without_required_when("CF_XDR_ZJHM"))
    assert [e.code for e in result.errors] == ["subject_code_missing"]


def test_organisation_needs_its_uscc():
    result = check(penalty_row(CF_XDR_SHXYM=None))
    assert [e.code for e in result.errors] == ["required_when_missing"]


def test_penalty_kinds_needing_amounts_and_licence_names():
    result = check(penalty_row(CF_CFLB="没收违法所得;暂扣许可证", CF_NR_FK=None))
    missing = {e.field for e in result.errors}
    assert missing == {"CF_NR_WFFF", "CF_NR_ZKDX"}
    assert check(penalty_row(CF_CFLB="警告", CF_NR_FK=None)).ok


def test_decision_today_is_fine_tomorrow_is_not():
    assert check(penalty_row(CF_JDRQ=AS_OF.isoformat(), CF_YXQ="2027-01-01")).ok
    result = check(penalty_row(CF_JDRQ=(AS_OF + dt.timedelta(days=1)).isoformat(), CF_YXQ="2027-01-01"))
    assert [e.code for e in result.errors] == ["date_future"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.5", "0.5"),
        ("1,234.5", "1234.5"),
        ("1,234,567", "1234567"),
        ("１２.５０", "12.5"),
        ("3万元", "3"),
        ("3 万", "3"),
        ("100.000", "100"),
        ("0", "0"),
        ("-0", "0"),
        (".5", "0.5"),
        ("1E+2", "100"),
        (12, "12"),
        (12.5, "12.5"),
        (0.1, "0.1"),
        (Decimal("2.50"), "2.5"),
        ("0.123456", "0.123456"),
    ],
)
def test_amounts_in_wan_yuan(value, expected):
    result = check(penalty_row(CF_NR_FK=value))
    assert result.ok, result.errors
    assert result.record.fields["CF_NR_FK"] == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("五千元", "amount_format"),
        ("五千", "amount_format"),
        ("1,23.4", "amount_format"),
        ("约 5", "amount_format"),
        ("5000元", "amount_unit_yuan"),
        ("-0.5", "amount_negative"),
        ("0.0000001", "amount_precision"),
        (True, "amount_format"),
        ("NaN", "amount_format"),
    ],
)
def test_bad_amounts(value, code):
    result = check(penalty_row(CF_NR_FK=value))
    assert [e.code for e in result.errors] == [code]


def test_amount_in_yuan_suggests_the_value_in_wan():
    (issue,) = check(penalty_row(CF_NR_FK="5000元")).errors
    assert "请填写 0.5" in issue.message


# ---------------------------------------------------------------------------------------------------
# Source rows and the one-row form


def test_extra_cells_reject_an_otherwise_valid_row():
    headers = list(columns_for(PENALTY).values())
    row_values = penalty_row()
    mapper = mapping_apply(
        headers=headers, mapping={name: code for code, name in columns_for(PENALTY).items()}, schema=PENALTY
    )
    values = [row_values.get(code) for code in columns_for(PENALTY)]
    v = validator()
    assert v.validate_source(SourceRow(7, values), mapper).ok
    bad = v.validate_source(SourceRow(7, [*values, None, "错位的值"]), mapper)
    assert not bad.ok and bad.record is None
    assert bad.errors[0].code == "row_extra_cells"
    assert f"第 7 行有 1 个单元格超出了列标题的范围（第 {len(headers) + 2} 列起" in bad.errors[0].message


def test_row_validate_gives_what_one_validator_gives_row_after_row():
    kwargs = {"schema": PENALTY, "department": DEPT, "as_of": AS_OF, "columns": columns_for(PENALTY)}
    one = RowValidator(**kwargs)
    rows = [(2, penalty_row()), (3, penalty_row(CF_JDRQ="坏日期")), (4, penalty_row())]
    results = [row_validate(number=number, values=values, **kwargs) for number, values in rows]
    assert [r.ok for r in results] == [True, False, True]
    assert results == [one.validate(number, values) for number, values in rows]


def test_without_department_nothing_is_filled():
    result = check(penalty_row(CF_SJLY=None, CF_SJLYDM=None), department=None)
    assert {e.field for e in result.errors} == {"CF_SJLY", "CF_SJLYDM"}


def test_with_a_stored_catalog_version_and_department(db):
    catalog_load_fixtures(as_of=AS_OF)
    dept = Department.objects.create(code="samr", name="甲市市场监督管理局", uscc=AUTHORITY_USCC)
    stored = catalog_version_schema(version=catalog_item_current_version(code="penalty"))
    result = row_validate(
        number=2,
        values=penalty_row(CF_SJLY=None, CF_SJLYDM=None),
        schema=stored,
        department=dept,
        as_of=AS_OF,
        columns=columns_for(stored),
    )
    assert result.ok, result.errors
    assert result.record.fields["CF_SJLYDM"] == AUTHORITY_USCC


# ---------------------------------------------------------------------------------------------------
# Properties


kind_values = st.sampled_from(
    ["法人及非法人组织", "自然人", "个体工商户", "个体户", "个人", "其他", "", None]
)
kind_sets = st.lists(
    st.sampled_from(
        ["警告", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证", "吊销营业执照", "其他", "x"]
    ),
    max_size=4,
).map(lambda parts: "、".join(parts))
uscc_values = st.sampled_from([USCC_NO_CODE, USCC_NO_CODE.lower(), COMPANY_USCC, " ", None, "0000"])
id_types = st.sampled_from(["身份证", "护照", "", None])


@settings(max_examples=300, deadline=None)
@given(
    kind=kind_values,
    kinds=kind_sets,
    uscc=uscc_values,
    id_type=id_types,
    amount=st.sampled_from(["", "1", None]),
)
def test_compiled_conditions_agree_with_the_catalog(kind, kinds, uscc, id_type, amount):
    row = {
        "CF_XDR_LB": kind,
        "CF_CFLB": kinds,
        "CF_XDR_SHXYM": uscc,
        "CF_FR_ZJLX": id_type,
        "CF_NR_FK": amount,
    }
    v = validator()
    compiled = {plan.spec.code for plan, cond in v.required if cond is not None and cond(row)}
    expected = {
        f.code
        for f in PENALTY.fields
        if not f.required and f.required_when and PENALTY.is_required(f.code, row)
    }
    assert compiled == expected


@settings(max_examples=500, deadline=None)
@given(
    code=st.one_of(
        st.builds(
            lambda seed, cat: generate_uscc(random.Random(seed), category=cat),
            st.integers(0, 10**6),
            st.sampled_from(["91", "92", "11", "51", "99", "A1", "Y1"]),
        ),
        st.text(alphabet=USCC_ALPHABET_, min_size=18, max_size=18),
    ),
    kind=st.sampled_from(["organisation", "individual_business", None]),
)
def test_fast_uscc_path_agrees_with_check_uscc(code, kind):
    result = check_uscc(code, subject_kind=kind)
    if uscc_is_clean(code, kind):
        assert result.ok and not result.warnings and result.normalized == code
    else:
        assert not (result.ok and not result.warnings and result.normalized == code)


def test_every_warning_code_has_a_chinese_message_addressed_to_the_department():
    for code in WARNING_CODES:
        template = ROW_ISSUE_MESSAGES[code]
        assert template.startswith("第 {row} 行") and re.search(r"[\u4e00-\u9fff]", template), code
