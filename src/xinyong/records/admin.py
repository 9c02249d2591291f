"""Console view of credit records: read-only, limited to what ``records_visible_to`` allows.

A record outside the user's visibility answers 404 on its detail and history pages, exactly as if it did
not exist. Records change only through services (ingest, status changes), never in the console. Pages
that show non-public records are written to the audit log.
"""

from __future__ import annotations

import json

from django.contrib import admin
from django.db.models import F, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from xinyong.accounts.admin_audit import CONSOLE_PURPOSE, AuditedModelAdmin, ReadOnlyAdminMixin
from xinyong.core.identifiers import normalize_code_input
from xinyong.records.models import CreditRecord, CreditRecordVersion, EffectiveStatus
from xinyong.records.normalize import normalize_document_number
from xinyong.records.permissions import can_read_old_versions
from xinyong.records.selectors import (
    record_effective_status,
    records_visible_to,
    records_with_effective_status,
)
from xinyong.records.services import records_audit_view
from xinyong.subjects.names import normalize_name


def _fields_table(fields: dict, names: dict[str, str]):
    """Field values with the catalog's Chinese field names (the column code in small print)."""
    if not fields:
        return "—"
    rows = format_html_join(
        "",
        '<tr><th>{}<br><span class="quiet">{}</span></th><td>{}</td></tr>',
        (
            (
                names.get(code, code),
                code,
                value if isinstance(value, str) else json.dumps(value, ensure_ascii=False),
            )
            for code, value in fields.items()
        ),
    )
    return format_html("<table>{}</table>", rows)


class VersionInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = CreditRecordVersion
    fk_name = "record"
    extra = 0
    can_delete = False
    ordering = ("-number",)
    verbose_name_plural = "全部版本"
    fields = (
        "number",
        "status",
        "status_date",
        "change_reason",
        "decision_date",
        "severity",
        "polarity",
        "item_version",
        "channel",
        "batch_ref",
        "uploader",
        "api_client",
        "received_at",
        "content_hash",
        "fields_display",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item_version", "uploader", "api_client")

    @admin.display(description="字段内容（证件号码已脱敏）")
    def fields_display(self, obj: CreditRecordVersion):
        names = {f.get("code"): f.get("name", "") for f in obj.item_version.fields if isinstance(f, dict)}
        return _fields_table(obj.fields, names)


class CurrentVersionInline(VersionInline):
    verbose_name_plural = "当前版本（历史版本仅本部门、平台管理员和审计员可查看）"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(record__current_version=F("pk"))


class EffectiveStatusFilter(admin.SimpleListFilter):
    """Status as of today, with 公示期满 computed from the publication window (nothing stores it)."""

    title = "当前状态"
    parameter_name = "effective_status"

    def lookups(self, request, model_admin):
        return EffectiveStatus.choices

    def queryset(self, request, queryset):
        if self.value() not in EffectiveStatus.values:
            return queryset
        return queryset.filter(records_with_effective_status(status=self.value(), as_of=timezone.localdate()))


@admin.register(CreditRecord)
class CreditRecordAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = (
        "document_number",
        "item",
        "department",
        "subject_display",
        "decision_date",
        "effective_status",
        "severity",
        "disclosure_scope",
        "version_number",
    )
    list_filter = (
        "item",
        "department",
        EffectiveStatusFilter,
        "severity",
        "polarity",
        "disclosure_scope",
        ("decision_date", admin.DateFieldListFilter),
    )
    list_select_related = ("item", "department", "subject", "current_version")
    search_fields = ("document_number",)
    search_help_text = "可按文书号、主体名称或统一社会信用代码检索"
    date_hierarchy = "decision_date"
    list_per_page = 50
    fields = (
        "item",
        "item_version",
        "department",
        "document_number",
        "subject_link",
        "subject_kind",
        "disclosure_scope",
        "status",
        "effective_status",
        "severity",
        "polarity",
        "decision_date",
        "publish_from",
        "publish_until",
        "publishable",
        "window_rule",
        "repair_from",
        "no_early_stop",
        "status_date",
        "withdrawal_due",
        "withdrawn_at",
        "duplicate_count",
        "last_duplicate_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("subject_link", "effective_status")

    @admin.display(description="主体", ordering="subject__name")
    def subject_display(self, obj: CreditRecord) -> str:
        code = obj.subject.display_code
        return f"{obj.subject.name}（{code}）" if code else obj.subject.name

    @admin.display(description="主体")
    def subject_link(self, obj: CreditRecord):
        url = reverse("admin:subjects_subject_change", args=[obj.subject_id])
        return format_html('<a href="{}">{}</a>', url, self.subject_display(obj))

    @admin.display(description="版本")
    def version_number(self, obj: CreditRecord) -> int | None:
        return obj.current_version.number if obj.current_version else None

    @admin.display(description="当前状态", ordering="status")
    def effective_status(self, obj: CreditRecord) -> str:
        return EffectiveStatus(record_effective_status(version=obj, as_of=timezone.localdate())).label

    def get_queryset(self, request):
        return records_visible_to(principal=request.user).select_related(
            "item", "item_version", "department", "subject", "current_version"
        )

    def get_search_fields(self, request):
        # No form offers records in an autocomplete widget; refusing that endpoint keeps every read of
        # non-public records on the audited list and detail pages.
        if getattr(request.resolver_match, "url_name", "") == "autocomplete":
            return ()
        return super().get_search_fields(request)

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        if not term:
            return queryset, False
        condition = Q(document_number_key__contains=normalize_document_number(term))
        code = normalize_code_input(term)
        if code:
            condition |= Q(subject__uscc=code)
        name = normalize_name(term)
        if name:
            condition |= Q(subject__name_normalized__contains=name)
        return queryset.filter(condition), False

    def get_inline_instances(self, request, obj=None):
        if obj is None:
            return []
        inline = VersionInline if can_read_old_versions(request.user, obj) else CurrentVersionInline
        return [inline(self.model, self.admin_site)]

    def _visible_or_404(self, request, object_id) -> CreditRecord:
        record = self.get_queryset(request).filter(pk=object_id).first() if str(object_id).isdigit() else None
        if record is None:
            raise Http404("未找到该信用记录，或您无权查看")
        return record

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None and request.method == "GET":
            records_audit_view(
                actor=request.user,
                records=list(changelist.result_list),
                purpose=CONSOLE_PURPOSE,
                via="admin",
                request=request,
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        record = self._visible_or_404(request, object_id)
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            records_audit_view(
                actor=request.user, records=[record], purpose=CONSOLE_PURPOSE, via="admin", request=request
            )
        return response

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)
