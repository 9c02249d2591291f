"""The admin console per role: login, what each role may open, API client creation, audit log read-only."""

import re

import pytest
from django.contrib import admin
from django.db import connection
from django.urls import reverse

from tests.support import PASSWORD, make_user
from xinyong.accounts.admin_audit import AuditedModelAdmin
from xinyong.accounts.models import ApiClient, AuditEntry, Role, User
from xinyong.accounts.services import apiclient_authenticate, audit_log

ACCOUNTS_CHANGELISTS = {
    # model: roles that may open the change list
    "user": {"operator"},
    "department": {"operator"},
    "apiclient": {"operator"},
    "auditentry": set(),  # auditors only (added below), never operators
}
ROLES = ["operator", "data_officer", "reviewer", "window_clerk", "auditor"]


def changelist(model: str, app: str = "accounts") -> str:
    return reverse(f"admin:{app}_{model}_changelist")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_role_logs_in_to_the_console(client, users, role):
    response = client.post(
        reverse("admin:login"), {"username": users[role].username, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302, role
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_inactive_and_roleless_users_cannot_log_in(client, users):
    users["data_officer"].is_active = False
    users["data_officer"].save()
    for name in ("data_officer", "no_role"):
        response = client.post(
            reverse("admin:login"), {"username": users[name].username, "password": PASSWORD}
        )
        assert response.status_code == 200, name  # the form again, with an error
        assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_accounts_changelists_by_role(client, users, role):
    client.force_login(users[role])
    for model in ACCOUNTS_CHANGELISTS:
        expected = 200 if role in ACCOUNTS_CHANGELISTS[model] or (role == "auditor") else 403
        assert client.get(changelist(model)).status_code == expected, (role, model)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_other_apps_admin_follows_role_table(client, users, role):
    client.force_login(users[role])
    user = users[role]
    tables = set(connection.introspection.table_names())
    checked = 0
    for model in admin.site._registry:
        opts = model._meta
        if (
            opts.app_label not in {"workdays", "catalog", "subjects", "records"}
            or opts.db_table not in tables
        ):
            continue
        expected = 200 if user.has_perm(f"{opts.app_label}.view_{opts.model_name}") else 403
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(url).status_code == expected, (role, url)
        checked += 1
    assert checked > 0


@pytest.mark.django_db
def test_auditor_reads_but_cannot_change(client, users, dept_a):
    client.force_login(users["auditor"])
    assert client.get(reverse("admin:accounts_department_change", args=[dept_a.pk])).status_code == 200
    response = client.post(
        reverse("admin:accounts_department_change", args=[dept_a.pk]),
        {"code": dept_a.code, "name": "改名", "region_code": "350100", "is_active": "on"},
    )
    assert response.status_code == 403
    assert client.get(reverse("admin:accounts_department_add")).status_code == 403
    dept_a.refresh_from_db()
    assert dept_a.name == "市市场监督管理局"


@pytest.mark.django_db
def test_index_shows_only_permitted_apps(client, users):
    client.force_login(users["window_clerk"])
    body = client.get("/admin/").content.decode()
    assert "/admin/accounts/" not in body
    client.force_login(users["operator"])
    body = client.get("/admin/").content.decode()
    assert "/admin/accounts/user/" in body
    assert "/admin/auth/group/" not in body


@pytest.mark.django_db
def test_operator_creates_user_with_role_and_it_is_audited(client, users, dept_a):
    client.force_login(users["operator"])
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new_officer",
            "usable_password": "true",
            "password1": "Quite-Long-Pass-2026",
            "password2": "Quite-Long-Pass-2026",
            "role": Role.DATA_OFFICER,
            "department": dept_a.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="new_officer")
    assert user.is_staff and user.department == dept_a
    entry = AuditEntry.objects.filter(action="create", object_type="accounts.user").get()
    assert entry.actor_user == users["operator"]
    assert entry.detail["via"] == "admin"


@pytest.mark.django_db
def test_admin_refuses_department_role_without_department(client, users):
    client.force_login(users["operator"])
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "nodept",
            "usable_password": "true",
            "password1": "Quite-Long-Pass-2026",
            "password2": "Quite-Long-Pass-2026",
            "role": Role.REVIEWER,
        },
    )
    assert response.status_code == 200
    assert "必须指定所属部门" in response.content.decode()
    assert not User.objects.filter(username="nodept").exists()


@pytest.mark.django_db
def test_operator_cannot_see_or_grant_superuser(client, users):
    client.force_login(users["operator"])
    url = reverse("admin:accounts_user_change", args=[users["superuser"].pk])
    assert client.get(url).status_code == 302  # "does not exist" redirect
    body = client.get(reverse("admin:accounts_user_change", args=[users["reviewer"].pk])).content.decode()
    assert 'name="is_superuser"' not in body
    assert 'name="user_permissions"' not in body
    assert users["superuser"].username not in client.get(changelist("user")).content.decode()


@pytest.mark.django_db
def test_admin_change_and_delete_are_audited(client, users, dept_b):
    client.force_login(users["operator"])
    response = client.post(
        reverse("admin:accounts_department_change", args=[dept_b.pk]),
        {"name": "国家税务总局某市税务局", "region_code": "350100", "uscc": dept_b.uscc, "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    update = AuditEntry.objects.get(action="update")
    assert update.object_repr == "国家税务总局某市税务局"
    assert update.detail["change"][0]["changed"]["fields"] == ["部门名称"]
    spare = make_user("spare")  # no audit references yet, so it can be deleted
    response = client.post(reverse("admin:accounts_user_delete", args=[spare.pk]), {"post": "yes"})
    assert response.status_code == 302
    deletion = AuditEntry.objects.get(action="delete")
    assert (deletion.object_type, deletion.object_id, deletion.object_repr) == (
        "accounts.user",
        str(spare.pk),
        "spare",
    )


@pytest.mark.django_db
def test_admin_department_cycle_is_a_form_error(client, users, dept_a, dept_a_child):
    client.force_login(users["operator"])
    response = client.post(
        reverse("admin:accounts_department_change", args=[dept_a.pk]),
        {
            "name": dept_a.name,
            "parent": dept_a_child.pk,
            "region_code": "350100",
            "uscc": dept_a.uscc,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "循环" in response.content.decode()


@pytest.mark.django_db
def test_admin_creates_api_client_and_shows_the_key_once(client, users, dept_a):
    client.force_login(users["operator"])
    response = client.post(
        reverse("admin:accounts_apiclient_add"),
        {"name": "市场监管报送系统", "department": dept_a.pk, "scopes": ["records:write", "records:read"]},
        follow=True,
    )
    assert response.status_code == 200
    body = response.content.decode()
    key = re.search(r"xy_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", body).group(0)
    api_client = ApiClient.objects.get()
    assert apiclient_authenticate(key=key) == api_client
    assert api_client.created_by == users["operator"]
    assert api_client.scopes == ["records:read", "records:write"]
    # One audit entry for the creation (written by the service), not two.
    assert AuditEntry.objects.filter(action="create", object_type="accounts.apiclient").count() == 1
    # The key and its hash never appear again.
    detail = client.get(reverse("admin:accounts_apiclient_change", args=[api_client.pk])).content.decode()
    assert key not in detail and api_client.key_hash not in detail
    assert key not in client.get(changelist("apiclient")).content.decode()


@pytest.mark.django_db
def test_admin_revoke_action(client, users, dept_a):
    from xinyong.accounts.services import apiclient_create

    api_client, _ = apiclient_create(name="旧系统", department=dept_a, scopes=["records:read"])
    client.force_login(users["operator"])
    response = client.post(
        changelist("apiclient"), {"action": "revoke_selected", "_selected_action": [api_client.pk]}
    )
    assert response.status_code == 302
    api_client.refresh_from_db()
    assert api_client.revoked_at is not None
    assert AuditEntry.objects.filter(action="revoke", object_id=str(api_client.pk)).count() == 1
    # No delete action, no delete page.
    assert client.get(reverse("admin:accounts_apiclient_delete", args=[api_client.pk])).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["auditor", "superuser"])
def test_audit_log_admin_is_read_only(client, users, name):
    entry = audit_log(actor=None, action="create", detail={"note": "x"})
    client.force_login(users[name])
    assert client.get(changelist("auditentry")).status_code == 200
    assert client.get(reverse("admin:accounts_auditentry_change", args=[entry.seq])).status_code == 200
    assert client.get(reverse("admin:accounts_auditentry_add")).status_code == 403
    assert client.get(reverse("admin:accounts_auditentry_delete", args=[entry.seq])).status_code == 403
    response = client.post(reverse("admin:accounts_auditentry_change", args=[entry.seq]), {"purpose": "改"})
    assert response.status_code == 403
    # Reading the log is itself logged (list view and detail view).
    views = AuditEntry.objects.filter(action="view", actor_user=users[name])
    assert {v.object_type for v in views} == {"accounts.auditentry"}
    assert views.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["operator", "data_officer", "reviewer", "window_clerk"])
def test_only_auditors_read_the_audit_log_in_the_admin_as_in_the_console(client, users, name):
    entry = audit_log(actor=None, action="create", detail={"note": "x"})
    client.force_login(users[name])
    assert client.get(changelist("auditentry")).status_code == 403
    assert client.get(reverse("admin:accounts_auditentry_change", args=[entry.seq])).status_code == 403
    assert "auditentry" not in client.get("/admin/").content.decode()


@pytest.mark.django_db
def test_audit_log_admin_search_and_filters(client, users):
    audit_log(actor=users["data_officer"], action="query", purpose="行政许可审查", outcome="denied")
    audit_log(actor=users["reviewer"], action="export", purpose="统计")
    client.force_login(users["auditor"])
    body = client.get(changelist("auditentry"), {"q": "do_a"}).content.decode()
    assert "行政许可审查" in body and "统计" not in body
    body = client.get(changelist("auditentry"), {"outcome__exact": "denied"}).content.decode()
    assert "行政许可审查" in body and "统计" not in body
    body = client.get(changelist("auditentry"), {"action__exact": "export"}).content.decode()
    assert "统计" in body and "行政许可审查" not in body


@pytest.mark.django_db
def test_audit_log_names_object_types_in_chinese(client, users, dept_a):
    audit_log(actor=users["operator"], action="update", obj=dept_a)
    audit_log(actor=users["operator"], action="query", obj=User)
    client.force_login(users["auditor"])
    body = client.get(changelist("auditentry"), {"action__exact": "update"}).content.decode()
    assert '<td class="field-object_type_display">部门</td>' in body
    body = client.get(changelist("auditentry"), {"action__exact": "query"}).content.decode()
    assert '<td class="field-object_type_display">用户</td>' in body and "accounts.user" not in body


@pytest.mark.django_db
def test_operator_pages_render(client, users, dept_a):
    from xinyong.accounts.services import apiclient_create

    api_client, _ = apiclient_create(name="系统", department=dept_a, scopes=["records:read"])
    client.force_login(users["operator"])
    urls = [
        reverse("admin:accounts_department_add"),
        reverse("admin:accounts_department_change", args=[dept_a.pk]),
        reverse("admin:accounts_user_add"),
        reverse("admin:accounts_user_change", args=[users["data_officer"].pk]),
        reverse("admin:accounts_apiclient_add"),
        reverse("admin:accounts_apiclient_change", args=[api_client.pk]),
        changelist("department") + "?q=市场",
        changelist("user") + "?role__exact=data_officer",
        changelist("apiclient") + "?status=active",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    body = client.get(changelist("department")).content.decode()
    assert "上级路径" in body


@pytest.mark.django_db
def test_auditor_sees_superusers_read_only(client, users):
    client.force_login(users["auditor"])
    assert users["superuser"].username in client.get(changelist("user")).content.decode()


@pytest.mark.django_db
def test_department_scoped_admin_mixin(users, dept_a, dept_b):
    """Another app's admin with DepartmentScopedAdminMixin shows a department only its own rows."""
    from django.contrib.auth.models import Permission
    from django.test import RequestFactory

    from xinyong.accounts.admin_audit import DepartmentScopedAdminMixin
    from xinyong.accounts.services import apiclient_create

    class ScopedAdmin(DepartmentScopedAdminMixin, AuditedModelAdmin):
        department_field = "department"

    own, _ = apiclient_create(name="甲", department=dept_a, scopes=["records:read"])
    other, _ = apiclient_create(name="乙", department=dept_b, scopes=["records:read"])
    officer = users["data_officer"]
    officer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_apiclient", "change_apiclient"])
    )
    officer = User.objects.get(pk=officer.pk)
    request = RequestFactory().get("/")
    request.user = officer
    model_admin = ScopedAdmin(ApiClient, admin.site)
    assert list(model_admin.get_queryset(request)) == [own]
    assert model_admin.has_view_permission(request, own)
    assert model_admin.has_change_permission(request, own)
    assert not model_admin.has_view_permission(request, other)
    assert not model_admin.has_change_permission(request, other)
    assert not model_admin.has_delete_permission(request, other)
    request.user = users["auditor"]
    assert set(model_admin.get_queryset(request)) == {own, other}
    assert model_admin.has_view_permission(request, other)
    assert not model_admin.has_change_permission(request, other)
