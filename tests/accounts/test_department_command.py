"""``xinyong department add / list``: departments without the admin, validated and audited."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from xinyong.accounts.models import AuditEntry, Department

from .conftest import valid_uscc

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("department", *args, stdout=out)
    return out.getvalue()


def fails(*args: str) -> str:
    with pytest.raises(CommandError) as exc:
        run(*args)
    return str(exc.value)


def test_add_creates_an_audited_department_and_list_shows_it():
    city, county = valid_uscc(11), valid_uscc(12)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in county.lower())
    assert "已创建部门 city" in run("add", "city", "甲市发展和改革委员会", "--uscc", city)
    out = run(
        "add", "county", "示范县发展和改革局", "--uscc", full_width, "--parent", "city", "--region", "350121"
    )
    assert "上级部门：甲市发展和改革委员会（city）" in out
    county_dept = Department.objects.get(code="county")
    assert (county_dept.uscc, county_dept.parent.code, county_dept.region_code) == (county, "city", "350121")
    entry = AuditEntry.objects.get(action="create", object_id=str(county_dept.pk))
    assert entry.object_type == "accounts.department"

    listing = run("list")
    assert f"county\t{county}\tcity\t启用\t示范县发展和改革局" in listing and "共 2 个部门" in listing


def test_list_of_an_empty_platform_says_how_to_add_one():
    assert "xinyong department add" in run("list")


def test_add_refuses_duplicates_unknown_parent_and_bad_codes():
    uscc = valid_uscc(21)
    run("add", "samr", "甲市市场监督管理局", "--uscc", uscc)
    assert "[department_code_taken]" in fails("add", "samr", "另一个局", "--uscc", valid_uscc(22))
    message = fails("add", "samr2", "另一个局", "--uscc", uscc)
    assert "[department_uscc_taken]" in message and "“甲市市场监督管理局”（samr）" in message
    assert "[department_parent_unknown]" in fails(
        "add", "x", "某局", "--uscc", valid_uscc(23), "--parent", "nope"
    )
    assert "[uscc_length]" in fails("add", "y", "某局", "--uscc", uscc[:17])
    assert "[region_code_format]" in fails("add", "z", "某局", "--uscc", valid_uscc(24), "--region", "35")
    assert Department.objects.count() == 1


def test_uscc_is_required():
    with pytest.raises(CommandError) as exc:
        run("add", "samr", "甲市市场监督管理局")
    assert "--uscc" in str(exc.value)


def test_a_wrong_check_character_tells_the_operator_how_to_confirm_the_code():
    uscc = valid_uscc(31)
    wrong = uscc[:-1] + ("1" if uscc[-1] != "1" else "2")
    message = fails("add", "samr", "甲市市场监督管理局", "--uscc", wrong)
    assert message.startswith("[uscc_check_digit] 统一社会信用代码第 18 位校验码错误")
    assert "xinyong identifiers confirm" in message  # the operator confirms; nobody to ask
    assert "重新报送" not in message and "退回文件" not in message  # that is what departments are told
    call_command("identifiers", "confirm", wrong, "--reason", "已核对登记证书原件", stdout=io.StringIO())
    assert "已创建部门 samr" in run("add", "samr", "甲市市场监督管理局", "--uscc", wrong)
