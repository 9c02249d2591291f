"""List types: the shipped file validates, loads once, a change of content adds a version; clear errors."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from xinyong.accounts.models import AuditEntry
from xinyong.lists.models import ListingMode, ListType, ListTypeVersion
from xinyong.lists.services import list_type_save, list_types_load
from xinyong.lists.signals import list_types_load_after_migrate
from xinyong.lists.typesfile import DEFAULT_TYPES_FILE, ListTypesFileError, types_read, types_validate

DAY = dt.date(2026, 6, 15)


def test_shipped_file_validates_and_covers_the_national_types():
    file = types_read()
    codes = {t["code"] for t in file.types}
    names = {t["name"] for t in file.types}
    # 篇十三's national table (43 rows) and RULES' examples
    assert {
        "court_dishonest_debtor",
        "tax_major_violation",
        "work_safety_serious",
        "environment_violation",
    } <= codes
    assert {"government_procurement", "wage_arrears", "abnormal_operations"} <= codes
    assert {"A级纳税人", "守合同重信用企业", "诚信示范企业", "海关高级认证企业", "优秀志愿者"} <= names
    assert len(file.types) >= 46
    for t in file.types:
        if t["listing_mode"] == ListingMode.DECIDED:
            assert t["objection_working_days"]
    court = next(t for t in file.types if t["code"] == "court_dishonest_debtor")
    assert court["listing_mode"] == "mirrored" and court["department_codes"] == ["court"]
    assert court["memorandum"] == "《关于对失信被执行人实施联合惩戒的合作备忘录》"


def _one(**overrides):
    data = yaml.safe_load(DEFAULT_TYPES_FILE.read_text(encoding="utf-8"))
    data["list_types"] = [dict(data["list_types"][0], **overrides)]
    return data


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"colour": "grey"}, "colour_invalid"),
        ({"listing_mode": "decided", "objection_working_days": None}, "objection_days_required"),
        ({"subject_kinds": ["company"]}, "subject_kinds_invalid"),
        ({"name": ""}, "field_required"),
        ({"validity_months": -3}, "number_invalid"),
        ({"colur": "red"}, "field_unknown"),
    ],
)
def test_validation_names_the_problem(overrides, code):
    with pytest.raises(ListTypesFileError) as caught:
        types_validate(data=_one(**overrides))
    assert code in caught.value.codes
    assert "名单类型 tax_major_violation" in str(caught.value)


def test_a_list_name_may_map_to_one_type_only():
    data = yaml.safe_load(DEFAULT_TYPES_FILE.read_text(encoding="utf-8"))
    data["list_types"][1]["synonyms"].append("重大税收违法 失信主体名单")  # same name after normalising
    with pytest.raises(ListTypesFileError) as caught:
        types_validate(data=data)
    assert caught.value.codes == ["synonym_duplicate"]


def test_load_is_idempotent_and_changes_add_versions(db, tmp_path):
    report = list_types_load(as_of=DAY)
    assert len(report.created) == ListType.objects.count() >= 46
    assert ListTypeVersion.objects.count() == ListType.objects.count()
    assert not list_types_load(as_of=DAY).changed
    # A shipped change: a new version, audited
    data = yaml.safe_load(DEFAULT_TYPES_FILE.read_text(encoding="utf-8"))
    data["list_types"][0]["validity_months"] = 60
    changed = tmp_path / "types.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    report = list_types_load(as_of=DAY, path=changed)
    assert report.versioned == ["tax_major_violation"]
    tax = ListType.objects.get(code="tax_major_violation")
    assert (tax.version, tax.validity_months, tax.valid_from) == (2, 60, DAY)
    assert [v.payload["validity_months"] for v in tax.versions.order_by("number")] == [36, 60]
    assert AuditEntry.objects.filter(action="list_types_load").count() == 2


def test_operator_edit_adds_a_version(db):
    list_types_load(as_of=DAY)
    court = ListType.objects.get(code="court_dishonest_debtor")
    list_type_save(
        list_type=court, data={"synonyms": [*court.synonyms, "老赖名单"]}, as_of=DAY, note="补充写法"
    )
    court.refresh_from_db()
    assert court.version == 2 and "老赖名单" in court.synonyms
    assert AuditEntry.objects.filter(action="list_type_update").count() == 1
    with pytest.raises(ListTypesFileError):
        list_type_save(list_type=court, data={"colour": "grey"}, as_of=DAY)


def test_migrate_loads_missing_types_unless_turned_off(db, settings):
    settings.LISTS_LOAD_ON_MIGRATE = False
    list_types_load_after_migrate(None, using="default", verbosity=0)
    assert not ListType.objects.exists()
    settings.LISTS_LOAD_ON_MIGRATE = True
    list_types_load_after_migrate(None, using="default", verbosity=0)
    assert ListType.objects.count() >= 46


def test_cli_check_and_load(db, tmp_path, capsys):
    call_command("lists", "load")
    assert "已载入" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("list_types: [{code: x}]\nvalid_from: 2020-01-01\n", encoding="utf-8")
    with pytest.raises(CommandError, match="field_required"):
        call_command("lists", "check", "--path", str(bad))
