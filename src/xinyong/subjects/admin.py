"""Console for the subject registry: search (name, USCC, legacy code, exact 身份证 number), review queue.

The search box posts (``admin_search.PostedSearchMixin``), so an ID number typed into it never appears in a URL.

The list and detail pages show 身份证 numbers masked. Operators and auditors can open the full number of a
natural person from the detail page after stating a purpose; that view goes to the audit log.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from xinyong.accounts.admin_audit import CONSOLE_PURPOSE, AuditedModelAdmin, ReadOnlyAdminMixin
from xinyong.accounts.permissions import is_platform_wide
from xinyong.accounts.services import audit_log
from xinyong.core.codes import SubjectKind
from xinyong.core.masking import mask_ric
from xinyong.subjects.admin_search import PostedSearchMixin
from xinyong.subjects.models import (
    ConfirmedCode,
    LinkedPerson,
    ReviewStatus,
    Subject,
    SubjectAlias,
    SubjectReview,
)
from xinyong.subjects.names import normalize_name
from xinyong.subjects.permissions import subjects_visible_to
from xinyong.subjects.search import subject_search_index
from xinyong.subjects.selectors import (
    confirmed_code_active,
    ric_lookup_hash,
    subject_search_filter,
)
from xinyong.subjects.services import (
    ConfirmedCodeError,
    confirmed_code_add,
    confirmed_code_check,
    confirmed_code_revoke,
    subject_reveal_ric,
    subject_review_resolve,
)


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False


class SubjectAliasInline(ReadOnlyInline):
    model = SubjectAlias
    fields = ("kind", "value", "source", "first_seen")
    readonly_fields = fields


class LinkedPersonInline(ReadOnlyInline):
    model = LinkedPerson
    fields = ("role", "name", "ric_masked", "valid_from", "valid_to", "source")
    readonly_fields = fields


class RevealForm(forms.Form):
    purpose = forms.CharField(label="查看目的", max_length=200, help_text="将与查看记录一并写入审计日志")


@admin.register(Subject)
class SubjectAdmin(PostedSearchMixin, AuditedModelAdmin):
    list_display = ("name", "kind", "code_display", "org_type", "uscc_category_name", "created_at")
    list_filter = ("kind", "org_type")
    search_fields = ("name",)
    search_help_text = (
        "可按名称、曾用名、统一社会信用代码、工商注册号等原代码检索；输入完整身份证号码可精确查找自然人"
        "（含 6 位以上数字的查询不会出现在网址中）"
    )
    list_per_page = 50
    inlines = (SubjectAliasInline, LinkedPersonInline)
    fields = (
        "kind",
        "name",
        "uscc",
        "ric_display",
        "org_type",
        "uscc_category",
        "uscc_category_name",
        "created_at",
        "created_source",
        "updated_at",
    )
    readonly_fields = (
        "kind",
        "uscc",
        "ric_display",
        "ric_reveal_link",
        "org_type",
        "uscc_category",
        "uscc_category_name",
        "created_at",
        "created_source",
        "updated_at",
    )

    @admin.display(description="代码")
    def code_display(self, obj: Subject) -> str:
        return obj.display_code

    @admin.display(description="身份证号码")
    def ric_display(self, obj: Subject) -> str:
        return obj.ric_masked if obj.kind == SubjectKind.NATURAL_PERSON else "—"

    @admin.display(description="身份证号码")
    def ric_reveal_link(self, obj: Subject) -> str:
        if obj.kind != SubjectKind.NATURAL_PERSON:
            return "—"
        url = reverse("admin:subjects_subject_reveal_ric", args=[obj.pk])
        return format_html('{}　<a href="{}">查看完整号码（将记入审计日志）</a>', obj.ric_masked, url)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if is_platform_wide(request.user):
            # Only operators and auditors get the link to the full number.
            fields = ["ric_reveal_link" if f == "ric_display" else f for f in fields]
        return fields

    def get_queryset(self, request):
        return subjects_visible_to(request.user)

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        if not term:
            return queryset, False
        results = queryset.filter(subject_search_filter(term=term)).distinct()
        if ric_lookup_hash(value=term) is not None:
            # Looking a person up by ID number is a query of personal data; the number itself is not logged.
            audit_log(
                actor=request.user,
                action="query",
                obj=Subject,
                purpose=CONSOLE_PURPOSE,
                detail={"via": "admin", "by": "ric", "ric_masked": mask_ric(term)},
                request=request,
            )
        return results, False

    def has_add_permission(self, request):
        # Subjects are created by their first record.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # The lookup key follows the registered name an operator corrects.
        obj.name_normalized = normalize_name(obj.name)
        super().save_model(request, obj, form, change)
        subject_search_index(subject_ids=[obj.pk])

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404("未找到该主体，或您无权查看")
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        custom = [
            path(
                "<int:object_id>/reveal-ric/",
                self.admin_site.admin_view(self.reveal_ric_view),
                name="subjects_subject_reveal_ric",
            )
        ]
        return custom + super().get_urls()

    def reveal_ric_view(self, request, object_id: int):
        """Show a natural person's full 身份证 number to an operator or auditor who states a purpose."""
        subject = self.get_queryset(request).filter(pk=object_id, kind=SubjectKind.NATURAL_PERSON).first()
        if subject is None:
            raise Http404("未找到该自然人")
        if not is_platform_wide(request.user):
            raise PermissionDenied("只有平台管理员和审计员可以查看完整身份证号码")
        revealed = None
        form = RevealForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            revealed = subject_reveal_ric(
                subject=subject, actor=request.user, purpose=form.cleaned_data["purpose"]
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"查看完整身份证号码：{subject.name}",
            "subject": subject,
            "form": form,
            "revealed": revealed,
        }
        return TemplateResponse(request, "admin/subjects/subject/reveal_ric.html", context)


# Readable names of the review codes (the code itself stays the stable key).
REVIEW_PROBLEMS = {"subject_code_conflict": "名称相同但代码不同"}


@admin.register(SubjectReview)
class SubjectReviewAdmin(AuditedModelAdmin):
    list_display = (
        "subject",
        "conflicting_subject",
        "problem",
        "status",
        "created_at",
        "resolved_by",
        "resolved_at",
    )
    list_filter = ("status",)
    search_fields = (
        "subject__name",
        "subject__uscc",
        "conflicting_subject__name",
        "conflicting_subject__uscc",
    )
    list_select_related = ("subject", "conflicting_subject", "resolved_by")
    fields = (
        "subject",
        "conflicting_subject",
        "problem",
        "message",
        "source",
        "status",
        "created_at",
        "resolved_by",
        "resolved_at",
        "note",
    )
    # The note is the only thing an operator writes here (saving it closes the flag).
    readonly_fields = tuple(name for name in fields if name != "note")
    actions = ("resolve_selected",)

    @admin.display(description="问题", ordering="code")
    def problem(self, obj: SubjectReview) -> str:
        return REVIEW_PROBLEMS.get(obj.code, obj.code)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Saving the form with a note is how an operator closes one flag.
        if obj.status == ReviewStatus.OPEN and obj.note.strip():
            subject_review_resolve(review=obj, actor=request.user, note=obj.note.strip())
        else:
            super().save_model(request, obj, form, change)

    @admin.action(description="标记为已处理（核实为不同主体）")
    def resolve_selected(self, request, queryset):
        done = 0
        for review in queryset.filter(status=ReviewStatus.OPEN):
            try:
                subject_review_resolve(review=review, actor=request.user, note="已核实为不同主体")
            except PermissionDenied as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
            done += 1
        self.message_user(request, f"已处理 {done} 条主体核查", messages.SUCCESS)


class ConfirmedCodeAddForm(forms.ModelForm):
    class Meta:
        model = ConfirmedCode
        fields = ("uscc", "reason")

    def clean_uscc(self) -> str:
        try:
            code = confirmed_code_check(uscc=self.cleaned_data["uscc"])
        except ConfirmedCodeError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        if confirmed_code_active(uscc=code):
            raise forms.ValidationError(
                f"统一社会信用代码 {code} 已确认，无需重复确认。", code="confirmed_code_exists"
            )
        return code


@admin.register(ConfirmedCode)
class ConfirmedCodeAdmin(AuditedModelAdmin):
    """Confirmed codes: added with a reason, revoked with a reason (the services write the audit log)."""

    # The services write the audit entry of each confirmation and revocation: not a second one here.
    def log_addition(self, request, obj, message):
        return admin.ModelAdmin.log_addition(self, request, obj, message)

    def log_change(self, request, obj, message):
        return admin.ModelAdmin.log_change(self, request, obj, message)

    list_display = ("uscc", "source", "reason", "confirmed_by", "department", "confirmed_at", "revoked_at")
    list_filter = ("source", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("uscc",)
    list_select_related = ("confirmed_by", "department", "revoked_by")
    readonly_fields = (
        "uscc",
        "source",
        "reason",
        "department",
        "origin",
        "confirmed_by",
        "confirmed_at",
        "revoked_by",
        "revoked_at",
    )

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ConfirmedCodeAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("uscc", "reason")
        return (*self.readonly_fields, "revoke_reason")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # A revoked confirmation is history: nothing changes any more.
        return (*self.readonly_fields, "revoke_reason") if obj.revoked_at else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            # The form checked the code; the service confirms it and writes the audit log.
            saved = confirmed_code_add(uscc=obj.uscc, reason=obj.reason, actor=request.user)
            obj.pk, obj.confirmed_at, obj.confirmed_by = saved.pk, saved.confirmed_at, saved.confirmed_by
        elif obj.revoke_reason.strip() and obj.revoked_at is None:
            try:
                confirmed_code_revoke(uscc=obj.uscc, reason=obj.revoke_reason, actor=request.user)
            except ConfirmedCodeError as exc:
                self.message_user(request, exc.message, messages.ERROR)
