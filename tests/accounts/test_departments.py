import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from xinyong.accounts.models import AuditEntry, Department
from xinyong.accounts.selectors import (
    department_ancestors,
    department_descendant_ids,
    department_descendants,
    department_path,
)
from xinyong.accounts.services import department_create, department_update

from .conftest import valid_uscc


def error_codes(exc: ValidationError, field: str) -> set[str]:
    return {e.code for e in exc.error_dict[field]}


@pytest.mark.django_db
def test_create_department_normalises_uscc_and_logs():
    uscc = valid_uscc(7)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in uscc.lower())
    dept = department_create(
        code="fgw", name="市发展和改革委员会", uscc=f" {full_width} ", region_code="３５０１００"
    )
    assert dept.uscc == uscc
    assert dept.region_code == "350100"
    entry = AuditEntry.objects.exclude(action="audit_genesis").get()
    assert (entry.action, entry.object_type, entry.object_id) == (
        "create",
        "accounts.department",
        str(dept.pk),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("uscc", "code"),
    [
        ("91350100M000100Y53", "uscc_check_digit"),
        ("9135010", "uscc_length"),
        ("00000000000000000X", "uscc_no_code_not_allowed"),
        ("91350100M00010OY43", "uscc_invalid_char"),
    ],
)
def test_bad_uscc_is_refused_with_its_code(uscc, code):
    with pytest.raises(ValidationError) as exc:
        department_create(code="x", name="某部门", uscc=uscc)
    assert code in error_codes(exc.value, "uscc")
    assert not Department.objects.exists()


@pytest.mark.django_db
def test_empty_uscc_becomes_null_so_many_departments_can_lack_one():
    department_create(code="a", name="甲", uscc="  ")
    department_create(code="b", name="乙", uscc="")
    assert list(Department.objects.values_list("uscc", flat=True)) == [None, None]


@pytest.mark.django_db
@pytest.mark.parametrize("region", ["35010", "3501000", "35O100", "abcdef", "350 10"])
def test_region_code_must_be_six_digits(region):
    with pytest.raises(ValidationError) as exc:
        department_create(code="x", name="某部门", region_code=region)
    assert "region_code_format" in error_codes(exc.value, "region_code")


@pytest.mark.django_db
def test_database_refuses_bad_region_code_even_without_validation():
    with pytest.raises(IntegrityError), transaction.atomic():
        Department.objects.create(code="x", name="某部门", region_code="35010X")


@pytest.mark.django_db
def test_parent_chain_may_not_loop(dept_a, dept_a_child):
    grandchild = department_create(code="gc", name="科室", parent=dept_a_child)
    with pytest.raises(ValidationError) as exc:
        department_update(department=dept_a, parent=grandchild)
    assert error_codes(exc.value, "parent") == {"department_cycle"}
    with pytest.raises(ValidationError) as exc:
        department_update(department=dept_a, parent=dept_a)
    assert error_codes(exc.value, "parent") == {"department_cycle"}
    dept_a.refresh_from_db()
    assert dept_a.parent_id is None


@pytest.mark.django_db
def test_corrupted_tree_is_reported_not_looped_forever(dept_a, dept_b):
    # A loop written behind the platform's back (b -> a -> b): validating a new child must terminate.
    Department.objects.filter(pk=dept_a.pk).update(parent=dept_b)
    Department.objects.filter(pk=dept_b.pk).update(parent=dept_a)
    with pytest.raises(ValidationError) as exc:
        department_create(code="new", name="新部门", parent=dept_a)
    assert error_codes(exc.value, "parent") == {"department_tree_corrupt"}


@pytest.mark.django_db
def test_descendants_and_ancestors(dept_a, dept_a_child, dept_b):
    grandchild = department_create(code="gc", name="科室", parent=dept_a_child)
    assert department_descendant_ids(department=dept_a) == {dept_a_child.pk, grandchild.pk}
    assert set(department_descendants(department=dept_a, include_self=True)) == {
        dept_a,
        dept_a_child,
        grandchild,
    }
    assert not department_descendants(department=dept_b).exists()
    assert department_ancestors(department=grandchild) == [dept_a_child, dept_a]
    assert department_path(department=grandchild) == "市市场监督管理局 / 鼓楼区市场监督管理局 / 科室"


@pytest.mark.django_db
def test_update_refuses_unknown_fields(dept_a):
    with pytest.raises(ValueError):
        department_update(department=dept_a, code="renamed")
