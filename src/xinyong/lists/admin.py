"""Admin pages of list types, entries and escalation rules.

List types: operators edit a type's content here; saving goes through ``list_type_save``, which validates
like the shipped file and adds a version (the history below is read-only). New types come with the types
file (``xinyong lists load``). The changelist shows the list names in records that match no type, so an
operator can add them as synonyms. Entries and their events are read-only: they change through the services
(the sync after each batch, the listing procedure); operators revoke entries with the admin action, which
asks for the reason and calls ``list_entry_revoke``. Escalation rules are read-only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone

from xinyong.accounts.admin_audit import AuditedModelAdmin, ReadOnlyAdminMixin
from xinyong.accounts.models import Role
from xinyong.accounts.permissions import effective_role
from xinyong.lists.errors import ListsError
from xinyong.lists.models import EntryEvent, EscalationRule, ListEntry, ListType, ListTypeVersion
from xinyong.lists.selectors import unmapped_list_names
from xinyong.lists.services import list_entry_revoke, list_type_save
from xinyong.lists.typesfile import CONTENT_FIELDS, ListTypesFileError, types_validate

UNMAPPED_SHOWN = 50


class ListTypeVersionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ListTypeVersion
    extra = 0
    can_delete = False
    ordering = ("-number",)
    fields = ("number", "valid_from", "note", "created_by", "created_at")
    verbose_name_plural = "版本历史"


class ListTypeForm(forms.ModelForm):
    note = forms.CharField(label="修订说明", required=False, max_length=500)

    class Meta:
        model = ListType
        fields = [f for f in CONTENT_FIELDS if f != "code"] + ["active"]

    def clean(self):
        data = super().clean()
        content = {f: data.get(f, getattr(self.instance, f)) for f in CONTENT_FIELDS if f != "code"}
        content["code"] = self.instance.code
        try:
            types_validate(data={"valid_from": timezone.localdate(), "list_types": [content]})
        except ListTypesFileError as exc:
            for issue in exc.issues:
                self.add_error(issue.field if issue.field in self.fields else None, issue.message)
        return data


@admin.register(ListType)
class ListTypeAdmin(AuditedModelAdmin):
    form = ListTypeForm
    inlines = [ListTypeVersionInline]
    list_display = [
        "code",
        "name",
        "colour",
        "listing_mode",
        "domain",
        "initiating_department",
        "version",
        "active",
    ]
    list_filter = ["colour", "listing_mode", "domain", "active"]
    search_fields = ["code", "name", "memorandum", "initiating_department"]
    readonly_fields = ["code", "version", "valid_from", "updated_at"]

    def get_fields(self, request, obj=None):
        # The revision note belongs to a change; a reader has nothing to show for it.
        fields = super().get_fields(request, obj)
        if self.has_change_permission(request, obj):
            return fields
        return [f for f in fields if f != "note"]

    def has_add_permission(self, request):
        return False  # new types come with the types file (xinyong lists load)

    def has_delete_permission(self, request, obj=None):
        return False  # entries point at their type; a type is switched off (启用) instead

    def save_model(self, request, obj, form, change):
        stored = ListType.objects.get(pk=obj.pk)
        data = {f: form.cleaned_data[f] for f in CONTENT_FIELDS if f in form.cleaned_data}
        saved = list_type_save(
            list_type=stored,
            data=data,
            as_of=timezone.localdate(),
            actor=request.user,
            note=form.cleaned_data.get("note", ""),
        )
        if saved.active != form.cleaned_data.get("active", saved.active):
            ListType.objects.filter(pk=saved.pk).update(active=form.cleaned_data["active"])
        obj.refresh_from_db()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "unmapped": unmapped_list_names()[:UNMAPPED_SHOWN]}
        return super().changelist_view(request, extra_context)


class EntryEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = EntryEvent
    extra = 0
    can_delete = False
    fields = ("on_date", "from_state", "to_state", "actor_name", "reason", "at")
    verbose_name_plural = "变更记录"


class RevokeForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(ListEntry)
class ListEntryAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    audit_views = True
    inlines = [EntryEventInline]
    list_display = [
        "id",
        "subject",
        "list_type",
        "state",
        "origin",
        "department",
        "effective_from",
        "effective_until",
        "ended_on",
        "disputed",
    ]
    list_filter = ["state", "origin", "list_type__colour", "list_type", "disputed"]
    search_fields = ["subject__name", "subject__uscc", "reason"]
    list_select_related = ["subject", "list_type", "department"]
    raw_id_fields = ["subject", "record", "department"]
    date_hierarchy = "effective_from"
    actions = ["revoke_entries"]

    def has_revoke_permission(self, request) -> bool:
        return effective_role(request.user) == Role.OPERATOR

    @admin.action(description="撤销所选名单条目（如撤销荣誉）", permissions=["revoke"])
    def revoke_entries(self, request, queryset):
        """Ask for the reason, then revoke each open entry through ``list_entry_revoke`` (dated today)."""
        form = RevokeForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = refused = 0
            for entry in queryset.select_related("list_type"):
                try:
                    list_entry_revoke(
                        entry=entry,
                        on_date=timezone.localdate(),
                        actor=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                    done += 1
                except ListsError:
                    refused += 1
            message = f"已撤销 {done:,} 个名单条目"
            if refused:
                message += f"；{refused:,} 个条目已不在名单中，未处理"
            self.message_user(request, message, messages.SUCCESS if done else messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "撤销名单条目",
            "entries": queryset.select_related("list_type", "subject")[:200],
            "count": queryset.count(),
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "admin/lists/listentry/revoke.html", context)


@admin.register(EscalationRule)
class EscalationRuleAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ["code", "version", "name", "valid_from", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]
