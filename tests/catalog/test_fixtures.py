"""The shipped YAML fixtures: content (docs/dual-disclosure.md fields), idempotent loading, new versions, bad files."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from xinyong.accounts.models import AuditEntry
from xinyong.catalog.errors import CatalogFixtureError
from xinyong.catalog.models import (
    CatalogItem,
    CatalogItemVersion,
    CodeList,
    DisclosureScope,
    ImmutableRowError,
    RuleSet,
)
from xinyong.catalog.selectors import catalog_item_current_version
from xinyong.catalog.services import catalog_check_fixtures, catalog_load_fixtures
from xinyong.core.codes import SubjectKind

from .conftest import LOAD_DAY, edit

ORGS = {"field_in": ["法人及非法人组织"]}

# docs/dual-disclosure.md, 行政许可: column code → "M" (required), a condition marker, or "" (optional).
LICENSE_FIELDS = {
    "XK_XDR_MC": "M",
    "XK_XDR_LB": "M",
    "XK_XDR_SHXYM": "org",
    "XK_XDR_GSZC": "",
    "XK_XDR_ZZJG": "",
    "XK_XDR_SWDJ": "",
    "XK_XDR_SYDW": "",
    "XK_XDR_SHZZ": "",
    "XK_FRDB": "org",
    "XK_XDR_ZJLX": "person",
    "XK_XDR_ZJHM": "person",
    "XK_XKWS": "M",
    "XK_WSH": "M",
    "XK_XKLB": "M",
    "XK_XKZS": "",
    "XK_XKBH": "",
    "XK_NR": "M",
    "XK_JDRQ": "M",
    "XK_YXQZ": "M",
    "XK_YXQZI": "M",
    "XK_XKJG": "M",
    "XK_XKJGDM": "M",
    "XK_ZT": "M",
    "XK_LYDW": "M",
    "XK_LYDWDM": "M",
    "BZ": "",
}

# docs/dual-disclosure.md, 行政处罚.
PENALTY_FIELDS = {
    "CF_XDR_MC": "M",
    "CF_XDR_LB": "M",
    "CF_XDR_SHXYM": "org",
    "CF_XDR_GSZC": "",
    "CF_XDR_ZZJG": "",
    "CF_XDR_SWDJ": "",
    "CF_XDR_SYDW": "",
    "CF_XDR_SHZZ": "",
    "CF_FRDB": "org",
    "CF_XDR_ZJLX": "person",
    "CF_XDR_ZJHM": "person",
    "CF_WSH": "M",
    "CF_WFXW": "M",
    "CF_SY": "M",
    "CF_YJ": "M",
    "CF_CFLB": "M",
    "CF_NR": "M",
    "CF_NR_FK": "fine",
    "CF_NR_WFFF": "confiscation",
    "CF_NR_ZKDX": "licence",
    "CF_JDRQ": "M",
    "CF_YXQ": "M",
    "CF_GSJZQ": "",
    "CF_CFJG": "M",
    "CF_CFJGDM": "M",
    "CF_SJLY": "M",
    "CF_SJLYDM": "M",
    "BZ": "",
}

# A row for each condition marker where the field must be required, and one where it must not.
PREFIX_ROWS = {
    "org": ({"LB": "法人及非法人组织"}, {"LB": "自然人"}),
    "person": ({"LB": "自然人"}, {"LB": "法人及非法人组织"}),
}
PENALTY_ROWS = {
    "fine": ({"CF_CFLB": "警告、罚款"}, {"CF_CFLB": "警告"}),
    "confiscation": ({"CF_CFLB": "没收违法所得"}, {"CF_CFLB": "罚款"}),
    "licence": ({"CF_CFLB": "吊销许可证件"}, {"CF_CFLB": "罚款"}),
}


def _check_required(version, expected: dict[str, str], prefix: str) -> None:
    schema = version.schema()
    assert set(expected) <= set(schema.field_codes), set(expected) - set(schema.field_codes)
    for code, marker in expected.items():
        spec = schema.field(code)
        if marker == "M":
            assert spec.required, code
            continue
        assert not spec.required, code
        if marker == "":
            assert spec.required_when is None or code.endswith("GSZC"), code
            continue
        if marker in PREFIX_ROWS:
            yes, no = ({f"{prefix}_XDR_{k}": v for k, v in row.items()} for row in PREFIX_ROWS[marker])
        else:
            yes, no = PENALTY_ROWS[marker]
        assert schema.is_required(code, yes), code
        assert not schema.is_required(code, no), code


def test_load_creates_every_item_code_list_and_rule_set(loaded):
    assert sorted(loaded.items_created) == [
        "abnormal_operations",
        "commitment",
        "commitment_breach",
        "honour",
        "license",
        "penalty",
        "registration",
        "serious_dishonesty",
    ]
    assert CatalogItemVersion.objects.count() == 8
    # Each version is in force from the day its legal basis took effect, not from the day it was loaded.
    assert {v.item.code: (v.number, v.valid_from) for v in CatalogItemVersion.objects.all()} == {
        "abnormal_operations": (1, dt.date(2014, 10, 1)),
        "commitment": (1, dt.date(2020, 11, 5)),
        "commitment_breach": (1, dt.date(2020, 11, 5)),
        "honour": (1, dt.date(2019, 7, 9)),
        "license": (1, dt.date(2019, 7, 9)),
        "penalty": (1, dt.date(2021, 7, 15)),
        "registration": (1, dt.date(2022, 3, 1)),
        "serious_dishonesty": (1, dt.date(2022, 2, 1)),
    }
    assert CodeList.objects.count() == len(loaded.code_lists_created) >= 6
    assert sorted(RuleSet.objects.values_list("code", flat=True)) == ["ndrc-36", "ndrc-527", "ndrc-58"]
    assert loaded.changed


def test_license_has_every_rules_field_with_its_required_flag(loaded):
    _check_required(catalog_item_current_version(code="license"), LICENSE_FIELDS, "XK")


def test_penalty_has_every_rules_field_with_its_required_flag(loaded):
    _check_required(catalog_item_current_version(code="penalty"), PENALTY_FIELDS, "CF")


def test_penalty_kinds_are_the_fourteen_statutory_values(loaded):
    entries = CodeList.objects.get(code="penalty_kind").entries
    assert [e["value"] for e in entries] == [
        "警告",
        "通报批评",
        "罚款",
        "没收违法所得",
        "没收非法财物",
        "暂扣许可证件",
        "降低资质等级",
        "吊销许可证件",
        "限制开展生产经营活动",
        "责令停产停业",
        "责令关闭",
        "限制从业",
        "行政拘留",
        "其他",
    ]
    assert not any("罚金" in s for e in entries for s in e["synonyms"])  # a criminal penalty, not a synonym


def test_code_lists_match_platform_choices(loaded):
    kinds = CodeList.objects.get(code="subject_kind").entries
    assert {e["code"]: e["value"] for e in kinds} == {k.value: k.label for k in SubjectKind}
    assert [e["value"] for e in CodeList.objects.get(code="license_kind").entries] == [
        "普通",
        "特许",
        "认可",
        "核准",
        "登记",
        "其他",
    ]
    assert [e["value"] for e in CodeList.objects.get(code="id_type").entries] == [
        "身份证",
        "护照",
        "港澳居民来往内地通行证",
        "台湾居民来往大陆通行证",
        "外国人永久居留身份证",
    ]
    assert [e["value"] for e in CodeList.objects.get(code="current_status").entries] == ["有效", "无效"]
    assert [e["value"] for e in CodeList.objects.get(code="severity_tier").entries] == [
        "轻微",
        "一般",
        "严重",
    ]


@pytest.mark.parametrize(
    "code",
    [
        "license",
        "penalty",
        "registration",
        "abnormal_operations",
        "serious_dishonesty",
        "commitment",
        "commitment_breach",
        "honour",
    ],
)
def test_every_item_is_complete(loaded, code):
    version = catalog_item_current_version(code=code)
    schema = version.schema()
    assert version.legal_basis and version.subject_kinds and version.polarity
    assert version.disclosure_scope in DisclosureScope.values
    # The embedded code lists cover every code field, so the version is self-contained.
    assert {f.code_list for f in schema.fields if f.code_list} == set(version.code_lists)
    assert all(role_field in schema.field_codes for role_field in version.core_fields.values())
    # Personal ID numbers are encrypted-and-masked fields; only a published list shows them (masked).
    for f in schema.fields:
        if f.type == "id_number":
            assert f.personal, f.code
            assert not f.public or code == "serious_dishonesty", f.code


def test_natural_persons_penalties_are_shared_not_public(loaded):
    version = catalog_item_current_version(code="penalty")
    assert version.scope_for(SubjectKind.ORGANISATION) == DisclosureScope.PUBLIC
    assert version.scope_for(SubjectKind.INDIVIDUAL_BUSINESS) == DisclosureScope.PUBLIC
    assert version.scope_for(SubjectKind.NATURAL_PERSON) == DisclosureScope.SHARED


def test_reload_is_idempotent(loaded):
    audit_before = AuditEntry.objects.count()
    again = catalog_load_fixtures(as_of=LOAD_DAY + dt.timedelta(days=30))
    assert not again.changed
    assert len(again.items_unchanged) == 8
    assert CatalogItemVersion.objects.count() == 8
    assert RuleSet.objects.count() == 3
    assert AuditEntry.objects.count() == audit_before


def test_changed_yaml_creates_a_new_version_of_that_item_only(loaded, fixture_copy):
    old = catalog_item_current_version(code="penalty")
    old_fields, old_hash = list(old.fields), old.content_hash
    edit(
        fixture_copy / "items" / "penalty.yaml",
        "synonyms: [罚款金额, 罚款数额]",
        "synonyms: [罚款金额, 罚款数额, 罚没金额]",
    )

    report = catalog_load_fixtures(path=fixture_copy, as_of=dt.date(2026, 7, 1))

    assert [f"{v.item.code} v{v.number}" for v in report.versions_created] == ["penalty v2"]
    new = catalog_item_current_version(code="penalty")
    assert new.number == 2 and new.valid_from == dt.date(2026, 7, 1)
    assert "罚没金额" in new.schema().field("CF_NR_FK").synonyms
    old.refresh_from_db()
    assert old.fields == old_fields and old.content_hash == old_hash  # the old version is intact
    assert "罚没金额" not in old.schema().field("CF_NR_FK").synonyms
    assert catalog_item_current_version(code="license").number == 1
    assert catalog_item_current_version(code="penalty", on=dt.date(2026, 6, 20)).number == 1


def test_changed_item_metadata_updates_in_place(loaded, fixture_copy):
    edit(fixture_copy / "items" / "honour.yaml", "name: 守信激励（荣誉）", "name: 诚实守信相关荣誉")
    report = catalog_load_fixtures(path=fixture_copy, as_of=LOAD_DAY)
    assert report.items_updated == ["honour"] and not report.versions_created
    assert CatalogItem.objects.get(code="honour").name == "诚实守信相关荣誉"


def test_changed_code_list_creates_versions_of_the_items_using_it(loaded, fixture_copy):
    edit(
        fixture_copy / "code_lists.yaml",
        "synonyms: [吊销许可证, 吊销执照, 吊销营业执照]",
        "synonyms: [吊销许可证, 吊销执照, 吊销营业执照, 吊销证照]",
    )
    report = catalog_load_fixtures(path=fixture_copy, as_of=LOAD_DAY)
    assert report.code_lists_updated == ["penalty_kind"]
    assert [v.item.code for v in report.versions_created] == ["penalty"]
    penalty = catalog_item_current_version(code="penalty")
    assert penalty.schema().canonical_value("CF_CFLB", "吊销证照") == "吊销许可证件"


def test_code_list_change_reaches_items_outside_the_loaded_file(loaded, tmp_path):
    (tmp_path / "lists.yaml").write_text(
        "code_lists:\n"
        "  - code: honour_level\n"
        "    name: 荣誉级别\n"
        "    entries:\n"
        "      - {value: 国家级, code: national}\n"
        "      - {value: 省级, code: provincial}\n",
        encoding="utf-8",
    )
    report = catalog_load_fixtures(path=tmp_path / "lists.yaml", as_of=LOAD_DAY)
    assert [f"{v.item.code} v{v.number}" for v in report.versions_created] == ["honour v2"]
    assert "码表 honour_level" in report.versions_created[0].change_note


def test_a_single_item_file_uses_the_stored_code_lists(loaded, fixture_copy):
    path = fixture_copy / "items" / "penalty.yaml"
    edit(path, "max_length: 512", "max_length: 1024")
    report = catalog_load_fixtures(path=path, as_of=LOAD_DAY)
    assert [v.item.code for v in report.versions_created] == ["penalty"]


def test_versions_are_immutable(loaded):
    version = catalog_item_current_version(code="penalty")
    version.legal_basis = "改写"
    with pytest.raises(ImmutableRowError):
        version.save()
    with pytest.raises(ImmutableRowError):
        version.delete()
    rule_set = RuleSet.objects.get(code="ndrc-36")
    with pytest.raises(ImmutableRowError):
        rule_set.save()
    with pytest.raises(ImmutableRowError):
        rule_set.delete()
    assert CatalogItemVersion.objects.filter(pk=version.pk, legal_basis__startswith="《").exists()


# ---------------------------------------------------------------------------------------------------
# Bad files


def _errors(path) -> CatalogFixtureError:
    with pytest.raises(CatalogFixtureError) as exc:
        catalog_check_fixtures(path=path)
    return exc.value


def test_unknown_field_type_names_file_item_and_field(db, fixture_copy):
    path = fixture_copy / "items" / "penalty.yaml"
    edit(path, "type: amount", "type: money")
    err = _errors(fixture_copy)
    issue = next(i for i in err.issues if i.code == "unknown_field_type")
    assert (issue.file, issue.item, issue.field) == ("items/penalty.yaml", "penalty", "CF_NR_FK")
    assert "money" in issue.message and "amount" in issue.message
    assert "文件 items/penalty.yaml，目录项 penalty，字段 CF_NR_FK" in str(err)


def test_duplicate_column_code(db, fixture_copy):
    edit(fixture_copy / "items" / "license.yaml", "code: XK_XKBH", "code: XK_XKZS")
    err = _errors(fixture_copy)
    assert "duplicate_field_code" in err.codes
    assert any(i.field == "XK_XKZS" and i.item == "license" for i in err.issues)


def test_duplicate_header_between_fields(db, fixture_copy):
    edit(
        fixture_copy / "items" / "penalty.yaml",
        "synonyms: [公示截止日期]",
        "synonyms: [公示截止日期, 处罚日期]",
    )
    err = _errors(fixture_copy)
    issue = next(i for i in err.issues if i.code == "duplicate_header")
    assert issue.field == "CF_GSJZQ" and "CF_JDRQ" in issue.message


def test_required_when_referring_to_unknown_field(db, fixture_copy):
    edit(
        fixture_copy / "items" / "penalty.yaml",
        "{field: CF_CFLB, contains: 罚款}",
        "{field: CF_CFLX, contains: 罚款}",
    )
    err = _errors(fixture_copy)
    issue = next(i for i in err.issues if i.code == "unknown_condition_field")
    assert issue.field == "CF_NR_FK" and "CF_CFLX" in issue.message


def test_required_when_must_be_declarative(db, fixture_copy):
    edit(
        fixture_copy / "items" / "penalty.yaml",
        "required_when: {field: CF_CFLB, contains: 罚款}",
        "required_when: \"'罚款' in row['CF_CFLB']\"",
    )
    err = _errors(fixture_copy)
    assert any(i.code == "invalid_condition" and i.field == "CF_NR_FK" for i in err.issues)


def test_unknown_code_list_and_rule_set(db, fixture_copy):
    edit(fixture_copy / "items" / "penalty.yaml", "code_list: penalty_kind", "code_list: penalty_kinds")
    edit(fixture_copy / "items" / "penalty.yaml", "rule_set: ndrc-36", "rule_set: ndrc-99")
    err = _errors(fixture_copy)
    assert {"unknown_code_list", "unknown_rule_set"} <= set(err.codes)


def test_yaml_syntax_error_gives_the_line(db, fixture_copy):
    (fixture_copy / "items" / "broken.yaml").write_text(
        "items:\n  - code: x\n    name: [未闭合\n", encoding="utf-8"
    )
    err = _errors(fixture_copy)
    issue = next(i for i in err.issues if i.code == "yaml_syntax")
    assert issue.file == "items/broken.yaml" and "行" in issue.message


def test_several_errors_are_reported_together_and_nothing_is_written(db, fixture_copy):
    edit(fixture_copy / "items" / "penalty.yaml", "type: amount", "type: money")
    edit(
        fixture_copy / "items" / "license.yaml",
        "subject_kinds: [organisation, individual_business, natural_person]",
        "subject_kinds: [company]",
    )
    with pytest.raises(CatalogFixtureError) as exc:
        catalog_load_fixtures(path=fixture_copy, as_of=LOAD_DAY)
    assert {"unknown_field_type", "invalid_subject_kinds"} <= set(exc.value.codes)
    assert not CatalogItem.objects.exists() and not CodeList.objects.exists() and not RuleSet.objects.exists()


def test_unknown_keys_are_rejected(db, fixture_copy):
    edit(
        fixture_copy / "items" / "honour.yaml",
        "    polarity: positive",
        "    polarity: positive\n    polarty: positive",
    )
    edit(
        fixture_copy / "items" / "honour.yaml",
        "        type: text\n        required: true\n        max_length: 200\n        synonyms: [荣誉称号",
        "        type: text\n        requird: true\n        max_length: 200\n        synonyms: [荣誉称号",
    )
    err = _errors(fixture_copy)
    assert [i.field for i in err.issues if i.code == "unknown_key"] == ["", "RY_RYMC"]


def test_overlapping_rule_sets(db, fixture_copy):
    edit(fixture_copy / "rule_sets.yaml", "in_force_to: 2023-04-30", "in_force_to: 2023-05-31")
    err = _errors(fixture_copy)
    assert "rule_set_overlap" in err.codes


def test_invalid_tier_periods(db, fixture_copy):
    edit(
        fixture_copy / "rule_sets.yaml",
        "serious: {published: true, min_months: 12, max_months: 36}",
        "serious: {published: true, min_months: 48, max_months: 36}",
    )
    err = _errors(fixture_copy)
    assert any(i.code == "invalid_rules" and "48" in i.message for i in err.issues)


def test_code_list_synonym_pointing_at_two_values(db, fixture_copy):
    edit(fixture_copy / "code_lists.yaml", "synonyms: [个体户]", "synonyms: [个体户, 个人]")
    err = _errors(fixture_copy)
    assert any(i.code == "invalid_code_list_entry" and "个人" in i.message for i in err.issues)


def test_missing_path(db, tmp_path):
    err = _errors(tmp_path / "nope")
    assert err.codes == ["fixture_not_found"]


# ---------------------------------------------------------------------------------------------------
# Command


def test_command_load_and_reload(db, capsys):
    call_command("catalog", "load", "--as-of", "2026-06-15")
    first = capsys.readouterr().out
    assert "新建目录项 8 个" in first
    call_command("catalog", "load", "--as-of", "2026-06-16")
    assert "没有变化" in capsys.readouterr().out
    assert CatalogItemVersion.objects.count() == 8


def test_command_check_reports_errors_without_writing(db, fixture_copy):
    edit(fixture_copy / "items" / "penalty.yaml", "type: amount", "type: money")
    with pytest.raises(CommandError) as exc:
        call_command("catalog", "check", "--path", str(fixture_copy))
    assert "unknown_field_type" in str(exc.value) and "CF_NR_FK" in str(exc.value)
    with pytest.raises(CommandError):
        call_command("catalog", "load", "--path", str(fixture_copy))
    assert not CatalogItem.objects.exists()


def test_command_rejects_bad_date(db):
    with pytest.raises(CommandError):
        call_command("catalog", "load", "--as-of", "2026/06/15")
