"""Role → permission matrix, department scope, and the role backend."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission

from tests.support import make_user
from xinyong.accounts.models import Role
from xinyong.accounts.permissions import (
    can_read_department,
    can_write_department,
    has_role,
    is_platform_wide,
    readable_department_ids,
)
from xinyong.accounts.services import apiclient_create, apiclient_revoke

# perm → roles that hold it (superuser holds all). Records/subjects/catalog models are owned by other apps,
# so the matrix checks perm strings by app label and action.
MATRIX = {
    "accounts.view_user": {"operator", "auditor"},
    "accounts.add_user": {"operator"},
    "accounts.change_department": {"operator"},
    "accounts.delete_apiclient": {"operator"},
    # The audit log: auditors only (operators manage accounts, not the record of what they did).
    "accounts.view_auditentry": {"auditor"},
    "accounts.change_auditentry": set(),
    "accounts.delete_auditentry": set(),
    "accounts.add_auditentry": set(),
    "catalog.change_catalogitem": {"operator"},
    "catalog.view_catalogitem": {"operator", "data_officer", "reviewer", "auditor"},
    "workdays.change_calendarday": {"operator"},
    "subjects.view_subject": {"operator", "data_officer", "reviewer", "window_clerk", "auditor"},
    "subjects.change_subject": {"operator"},
    # The duplicate-review queue is back-office work: not for window clerks.
    "subjects.view_subjectreview": {"operator", "data_officer", "reviewer", "auditor"},
    "records.view_creditrecord": {"operator", "data_officer", "reviewer", "auditor"},
    "records.change_creditrecord": set(),
    "records.delete_creditrecord": set(),
    "sessions.view_session": set(),
}
ROLES = ["operator", "data_officer", "reviewer", "window_clerk", "auditor", "no_role"]


@pytest.mark.django_db
@pytest.mark.parametrize("perm", sorted(MATRIX))
def test_permission_matrix(users, perm):
    for role in ROLES:
        assert users[role].has_perm(perm) == (role in MATRIX[perm]), (role, perm)
    assert users["superuser"].has_perm(perm)


@pytest.mark.django_db
def test_module_perms_follow_the_table(users):
    assert users["window_clerk"].has_module_perms("subjects")
    assert not users["window_clerk"].has_module_perms("records")
    assert not users["data_officer"].has_module_perms("accounts")
    assert users["auditor"].has_module_perms("accounts")
    assert users["auditor"].has_module_perms("records")
    assert not users["auditor"].has_module_perms("sessions")
    assert not users["no_role"].has_module_perms("subjects")


@pytest.mark.django_db
def test_get_all_permissions_lists_existing_permissions_by_role(users):
    perms = users["operator"].get_all_permissions()
    assert {"accounts.add_user", "accounts.change_apiclient"} <= perms
    assert "accounts.change_auditentry" not in perms and "accounts.view_auditentry" not in perms
    assert not any(p.startswith("auth.") for p in perms)
    auditor = users["auditor"].get_all_permissions()
    assert auditor and all(p.split(".")[1].startswith("view_") for p in auditor)
    assert "accounts.view_auditentry" in auditor
    assert users["no_role"].get_all_permissions() == set()


@pytest.mark.django_db
def test_inactive_user_loses_every_permission(users):
    operator = users["operator"]
    operator.is_active = False
    operator.save()
    assert not operator.has_perm("accounts.view_user")
    assert not has_role(operator, Role.OPERATOR)
    assert not is_platform_wide(operator)
    assert not can_read_department(operator, users["data_officer"].department)


@pytest.mark.django_db
def test_object_level_questions_are_not_answered_by_role(users, dept_a):
    assert not users["operator"].has_perm("accounts.change_department", dept_a)


@pytest.mark.django_db
def test_explicit_permissions_still_work_through_model_backend(users):
    plain = users["no_role"]
    plain.user_permissions.add(Permission.objects.get(codename="view_department"))
    plain = type(plain).objects.get(pk=plain.pk)
    assert plain.has_perm("accounts.view_department")


@pytest.mark.django_db
def test_roles_are_staff_and_losing_the_role_ends_console_access(users):
    for name in ("operator", "data_officer", "reviewer", "window_clerk", "auditor", "superuser"):
        assert users[name].is_staff, name
    assert not users["no_role"].is_staff
    clerk = users["window_clerk"]
    clerk.role = ""
    clerk.save(update_fields=["role"])
    clerk.refresh_from_db()
    assert not clerk.is_staff


@pytest.mark.django_db
def test_has_role_and_platform_wide(users):
    assert has_role(users["data_officer"], Role.DATA_OFFICER, Role.REVIEWER)
    assert not has_role(users["data_officer"], Role.OPERATOR)
    assert not has_role(users["superuser"], Role.OPERATOR)
    assert not has_role(AnonymousUser(), Role.OPERATOR)
    assert not has_role(None, Role.OPERATOR)
    wide = {name for name, user in users.items() if is_platform_wide(user)}
    assert wide == {"operator", "auditor", "superuser"}


@pytest.mark.django_db
def test_department_scope(users, dept_a, dept_b, dept_a_child):
    officer_a = users["data_officer"]
    # A department sees and edits only its own data.
    assert can_read_department(officer_a, dept_a)
    assert can_write_department(officer_a, dept_a)
    assert not can_read_department(officer_a, dept_b)
    assert not can_write_department(officer_a, dept_b)
    # ...not even that of its child departments.
    assert not can_read_department(officer_a, dept_a_child)
    assert not can_write_department(officer_a, dept_a_child)
    assert can_read_department(users["data_officer_b"], dept_b)
    assert not can_read_department(users["data_officer_b"], dept_a)
    # Ids work as well as instances.
    assert can_read_department(officer_a, dept_a.pk)
    assert not can_read_department(officer_a, None)


@pytest.mark.django_db
def test_scope_by_role(users, dept_a, dept_b):
    expect = {
        # role: (read A, write A, read B, write B)
        "operator": (True, True, True, True),
        "auditor": (True, False, True, False),
        "data_officer": (True, True, False, False),
        "reviewer": (True, True, False, False),
        "window_clerk": (True, True, False, False),
        "no_role": (False, False, False, False),
        "superuser": (True, True, True, True),
    }
    for name, (ra, wa, rb, wb) in expect.items():
        user = users[name]
        got = (
            can_read_department(user, dept_a),
            can_write_department(user, dept_a),
            can_read_department(user, dept_b),
            can_write_department(user, dept_b),
        )
        assert got == (ra, wa, rb, wb), name
    assert not can_read_department(AnonymousUser(), dept_a)


@pytest.mark.django_db
def test_department_role_without_department_reads_nothing(dept_a):
    # Created behind validation (e.g. an old row): it must not fall back to "everything".
    orphan = make_user("orphan", Role.DATA_OFFICER)
    assert not can_read_department(orphan, dept_a)
    assert readable_department_ids(orphan) == set()


@pytest.mark.django_db
def test_readable_department_ids(users, dept_a):
    assert readable_department_ids(users["operator"]) is None
    assert readable_department_ids(users["auditor"]) is None
    assert readable_department_ids(users["data_officer"]) == {dept_a.pk}
    assert readable_department_ids(users["no_role"]) == set()
    assert readable_department_ids(AnonymousUser()) == set()


@pytest.mark.django_db
def test_api_client_scope_is_its_department(dept_a, dept_b):
    client, _ = apiclient_create(name="报送系统", department=dept_a, scopes=["records:write"])
    assert can_read_department(client, dept_a)
    assert can_write_department(client, dept_a)
    assert not can_read_department(client, dept_b)
    assert readable_department_ids(client) == {dept_a.pk}
    apiclient_revoke(client=client)
    assert not can_read_department(client, dept_a)
    assert readable_department_ids(client) == set()
