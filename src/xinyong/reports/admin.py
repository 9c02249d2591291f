"""Admin console: issued credit reports, read-only (reports are issued through reports.services), and the
subjects' authorisations (当事人授权) that authorised reports are issued under."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from xinyong.accounts.admin_audit import AuditedModelAdmin, ReadOnlyAdminMixin
from xinyong.accounts.models import Authorisation, AuthorisationScope
from xinyong.accounts.services import ServiceError
from xinyong.reports.models import CreditReport
from xinyong.reports.services import authorisation_create, authorisation_revoke


@admin.register(CreditReport)
class CreditReportAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    # Authorised reports hold non-public data: reading the list or a report here is logged.
    audit_views = True
    list_display = (
        "number",
        "kind",
        "subject",
        "as_of",
        "issued_at",
        "issued_by_name",
        "purpose",
        "record_count",
    )
    list_filter = ("kind", ("issued_at", admin.DateFieldListFilter))
    search_fields = ("number", "subject__name", "subject__uscc", "issued_by_name")
    list_select_related = ("subject",)
    # The snapshot and the verification code are shown on the console's report page, not here.
    fields = (
        "number",
        "kind",
        "subject",
        "as_of",
        "issued_at",
        "issued_by_kind",
        "issued_by_name",
        "issued_by_department",
        "authorisation",
        "purpose",
        "record_count",
        "content_hash",
    )
    show_full_result_count = False


class AuthorisationForm(forms.ModelForm):
    scope = forms.MultipleChoiceField(
        label="授权范围", choices=AuthorisationScope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Authorisation
        fields = (
            "subject",
            "grantee_kind",
            "grantee_name",
            "grantee_code",
            "grantee_department",
            "purpose",
            "scope",
            "valid_from",
            "valid_until",
            "evidence",
        )


class AuthorisationStatusFilter(admin.SimpleListFilter):
    title = "状态"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return (("valid", "有效"), ("revoked", "已撤销"), ("expired", "已过期"), ("pending", "未到起始日期"))

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "valid":
            return queryset.filter(revoked_at__isnull=True, valid_from__lte=today, valid_until__gte=today)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, valid_until__lt=today)
        if self.value() == "pending":
            return queryset.filter(revoked_at__isnull=True, valid_from__gt=today)
        return queryset


@admin.register(Authorisation)
class AuthorisationAdmin(AuditedModelAdmin):
    """当事人授权: recorded by operators from the subject's signed authorisation; revoked, never deleted."""

    # The authorisations name subjects and what they allowed: reading them is logged too.
    audit_views = True
    form = AuthorisationForm
    list_display = (
        "subject",
        "grantee_name",
        "grantee_kind",
        "purpose",
        "scope_display",
        "valid_from",
        "valid_until",
        "status",
        "recorded_at",
    )
    list_filter = (AuthorisationStatusFilter, "grantee_kind", "grantee_department")
    search_fields = ("subject__name", "subject__uscc", "grantee_name", "grantee_code", "purpose")
    list_select_related = ("subject", "grantee_department")
    autocomplete_fields = ("subject", "grantee_department")
    actions = ("revoke_selected",)
    readonly_fields = ("recorded_by", "recorded_at", "revoked_at", "revoked_by", "revoke_reason")

    @admin.display(description="授权范围")
    def scope_display(self, obj: Authorisation) -> str:
        return obj.scope_labels

    @admin.display(description="状态")
    def status(self, obj: Authorisation) -> str:
        if obj.revoked_at is not None:
            return "已撤销"
        today = timezone.localdate()
        if obj.valid_until < today:
            return "已过期"
        if obj.valid_from > today:
            return "未到起始日期"
        return "有效"

    def get_fields(self, request, obj=None):
        fields = list(AuthorisationForm.Meta.fields)
        if obj is not None:
            fields += list(self.readonly_fields)
        return fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # What the subject signed does not change afterwards: a new authorisation is recorded instead.
        return (*AuthorisationForm.Meta.fields, *self.readonly_fields)

    def has_delete_permission(self, request, obj=None):
        # Reports issued under an authorisation refer to it; it is revoked, never deleted.
        return False

    def save_form(self, request, form, change):
        if change:
            return super().save_form(request, form, change)
        data = form.cleaned_data
        try:
            return authorisation_create(
                subject=data["subject"],
                grantee_kind=data["grantee_kind"],
                grantee_name=data.get("grantee_name") or "",
                grantee_code=data.get("grantee_code") or "",
                grantee_department=data.get("grantee_department"),
                purpose=data["purpose"],
                scope=list(data["scope"]),
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                evidence=data["evidence"],
                actor=request.user,
                request=request,
            )
        except ServiceError as exc:
            # The form validated the same rules already; this only happens when data changed meanwhile.
            raise forms.ValidationError(exc.message, code=exc.code) from exc

    def save_model(self, request, obj, form, change):
        # New authorisations are saved (and audited) by authorisation_create in save_form; existing ones
        # are read-only.
        return None

    def save_related(self, request, form, formsets, change):
        return None

    def log_addition(self, request, obj, message):
        # authorisation_create already wrote the audit entry; keep only the admin history.
        return admin.ModelAdmin.log_addition(self, request, obj, message)

    @admin.action(description="撤销所选授权（当事人撤回授权）", permissions=["change"])
    def revoke_selected(self, request, queryset):
        reason = "当事人撤回授权（在管理控制台撤销）"
        count = 0
        for authorisation in queryset.filter(revoked_at__isnull=True):
            authorisation_revoke(
                authorisation=authorisation, reason=reason, actor=request.user, request=request
            )
            count += 1
        self.message_user(request, f"已撤销 {count} 项授权。", messages.SUCCESS)
