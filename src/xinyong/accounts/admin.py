"""Admin console for departments, users, API clients and the audit log (read-only)."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Q
from django.utils import timezone

from xinyong.accounts.admin_audit import AuditedModelAdmin, ReadOnlyAdminMixin
from xinyong.accounts.models import (
    ApiClient,
    ApiScope,
    AuditEntry,
    Department,
    User,
)
from xinyong.accounts.permissions import can_read_audit_log
from xinyong.accounts.selectors import department_ancestors
from xinyong.accounts.services import (
    apiclient_create,
    apiclient_revoke,
)

__all__ = ["AuditedModelAdmin"]


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    list_display = ("name", "code", "parent", "tree_path", "region_code", "uscc", "is_active")
    list_filter = ("is_active", "region_code")
    search_fields = ("name", "code", "uscc")
    list_select_related = ("parent__parent__parent",)
    autocomplete_fields = ("parent",)
    fields = ("code", "name", "parent", "uscc", "region_code", "is_active")

    @admin.display(description="上级路径")
    def tree_path(self, obj: Department) -> str:
        return " / ".join(d.name for d in reversed(department_ancestors(department=obj))) or "—"

    def get_readonly_fields(self, request, obj=None):
        # The code is used by commands and API clients; keep it stable once created.
        return ("code",) if obj is not None else ()


class XinyongUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "role", "department")


class XinyongUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    form = XinyongUserChangeForm
    add_form = XinyongUserCreationForm
    list_display = ("username", "full_name", "role", "department", "is_active", "last_login")
    list_filter = ("role", "is_active", "department")
    search_fields = ("username", "first_name", "last_name", "email", "department__name")
    list_select_related = ("department",)
    autocomplete_fields = ("department",)
    ordering = ("username",)
    readonly_fields = ("last_login", "date_joined")
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        ("角色与部门", {"classes": ("wide",), "fields": ("role", "department")}),
    )

    @admin.display(description="姓名")
    def full_name(self, obj: User) -> str:
        return obj.get_full_name()

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return super().get_fieldsets(request, obj)
        fieldsets = [
            (None, {"fields": ("username", "password")}),
            ("个人信息", {"fields": ("last_name", "first_name", "email")}),
            ("角色与部门", {"fields": ("role", "department", "is_active")}),
            ("重要日期", {"fields": ("last_login", "date_joined")}),
        ]
        if request.user.is_superuser:
            # Only superusers hand out superuser status or permissions outside the role table.
            fieldsets.append(("超级用户权限", {"fields": ("is_superuser", "groups", "user_permissions")}))
        return fieldsets

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser or not self.has_change_permission(request):
            return qs
        # Operators manage users but cannot take over a superuser account; read-only roles see everyone.
        return qs.filter(is_superuser=False)


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label="权限范围", choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiClient
        fields = ("name", "department", "scopes", "expires_at")

    def clean(self):
        data = super().clean()
        if self.instance.pk is None:
            department = data.get("department")
            if department is not None and not department.is_active:
                self.add_error("department", "该部门已停用，不能创建接口客户端")
        expires_at = data.get("expires_at")
        if expires_at is not None and "expires_at" in self.changed_data and expires_at <= timezone.now():
            self.add_error("expires_at", "有效期必须晚于当前时间")
        return data


class ApiClientStatusFilter(admin.SimpleListFilter):
    title = "状态"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return (("active", "有效"), ("revoked", "已吊销"), ("expired", "已过期"))

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True).filter(
                Q(expires_at__isnull=True) | Q(expires_at__gt=now)
            )
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        return queryset


@admin.register(ApiClient)
class ApiClientAdmin(AuditedModelAdmin):
    form = ApiClientForm
    list_display = (
        "name",
        "department",
        "scope_labels",
        "key_prefix",
        "status",
        "created_at",
        "expires_at",
        "last_used_at",
    )
    list_filter = (ApiClientStatusFilter, "department")
    search_fields = ("name", "key_prefix", "department__name", "department__code")
    list_select_related = ("department",)
    autocomplete_fields = ("department",)
    actions = ("revoke_selected",)

    @admin.display(description="权限范围")
    def scope_labels(self, obj: ApiClient) -> str:
        return "、".join(ApiScope(s).label if s in ApiScope.values else s for s in obj.scopes)

    @admin.display(description="状态")
    def status(self, obj: ApiClient) -> str:
        if obj.revoked_at is not None:
            return "已吊销"
        if not obj.is_active_at(timezone.now()):
            return "已过期"
        return "有效"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "department", "scopes", "expires_at")
        return (
            "name",
            "department",
            "scopes",
            "expires_at",
            "key_prefix",
            "created_by",
            "created_at",
            "revoked_at",
            "last_used_at",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # A key stays bound to the department it was issued for; issue a new key to move it.
        readonly = ["department", "key_prefix", "created_by", "created_at", "revoked_at", "last_used_at"]
        if obj.revoked_at is not None:
            readonly += ["name", "scopes", "expires_at"]
        return readonly

    def has_delete_permission(self, request, obj=None):
        # Clients are revoked, never deleted: the audit log refers to them.
        return False

    def save_form(self, request, form, change):
        if change:
            return super().save_form(request, form, change)
        data = form.cleaned_data
        client, key = apiclient_create(
            name=data["name"],
            department=data["department"],
            scopes=list(data["scopes"]),
            expires_at=data.get("expires_at"),
            created_by=request.user,
        )
        messages.warning(
            request,
            f"接口密钥（只显示这一次，请立即复制并安全地交给对方系统，平台不保存密钥原文）：{key}",
        )
        return client

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        # A new client was saved (and audited) by apiclient_create in save_form.

    def save_related(self, request, form, formsets, change):
        if change:  # a new client has no related rows; the form did not save it
            super().save_related(request, form, formsets, change)

    def log_addition(self, request, obj, message):
        # apiclient_create already wrote the audit entry; keep only the admin history.
        return admin.ModelAdmin.log_addition(self, request, obj, message)

    @admin.action(description="吊销所选接口客户端的密钥", permissions=["change"])
    def revoke_selected(self, request, queryset):
        count = 0
        for client in queryset.filter(revoked_at__isnull=True):
            apiclient_revoke(client=client, actor=request.user)
            count += 1
        self.message_user(request, f"已吊销 {count} 个接口客户端的密钥。", messages.SUCCESS)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    # Reading the audit log is itself worth recording.
    audit_views = True
    list_display = (
        "seq",
        "created_at",
        "actor_name",
        "actor_kind",
        "actor_department",
        "action",
        "object_type_display",
        "object_repr",
        "purpose",
        "outcome",
        "ip",
    )
    list_filter = ("action", "outcome", "actor_kind", ("created_at", admin.DateFieldListFilter))
    search_fields = ("actor_name", "action", "object_repr", "object_id", "purpose")
    list_select_related = ("actor_department",)
    # Counting millions of rows on every page load is slow; the chain head knows the total anyway.
    show_full_result_count = False
    list_per_page = 50

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_view_permission(self, request, obj=None):
        return can_read_audit_log(request.user)

    def has_module_permission(self, request):
        return can_read_audit_log(request.user)

    @admin.display(description="对象类型", ordering="object_type")
    def object_type_display(self, obj: AuditEntry) -> str:
        # "records.creditrecord" means nothing to a reader; the model's own name does.
        if not obj.object_type:
            return "—"
        try:
            return str(apps.get_model(obj.object_type)._meta.verbose_name)
        except (LookupError, ValueError):
            return obj.object_type
