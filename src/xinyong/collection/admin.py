"""Console view of collection batches and saved column mappings: read-only, department-scoped.

Batches change only through the collection services (upload, mapping, loading); the console shows their
outcome. Rejected rows hold submitted (non-public) data, so batch detail pages are written to the audit log.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from xinyong.accounts.admin_audit import AuditedModelAdmin, DepartmentScopedAdminMixin, ReadOnlyAdminMixin
from xinyong.collection.models import Batch, ColumnMapping, RejectedRow
from xinyong.collection.permissions import can_read_batch_rows
from xinyong.collection.selectors import batch_progress, batches_visible_to


def _counter_table(counts: dict):
    if not counts:
        return "—"
    rows = format_html_join(
        "", "<tr><th>{}</th><td>{}</td></tr>", sorted(counts.items(), key=lambda kv: -kv[1])
    )
    return format_html("<table>{}</table>", rows)


class RejectedRowInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RejectedRow
    extra = 0
    max_num = 0
    fields = ("number", "errors_display", "values")
    readonly_fields = fields
    ordering = ("number",)
    verbose_name_plural = "退回行（前 100 行；证件号码已脱敏）"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        ids = list(queryset.order_by("batch_id", "number").values_list("pk", flat=True)[:100])
        return queryset.filter(pk__in=ids)

    @admin.display(description="错误")
    def errors_display(self, obj: RejectedRow):
        return format_html_join(
            "",
            "<div><code>{}</code> {}</div>",
            ((e.get("code", ""), e.get("message", "")) for e in obj.errors),
        )


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdminMixin, DepartmentScopedAdminMixin, AuditedModelAdmin):
    audit_views = True
    list_display = (
        "short_id",
        "department",
        "item",
        "channel",
        "status",
        "original_filename",
        "rows_read",
        "created",
        "new_version",
        "duplicate",
        "rejected",
        "received_at",
    )
    list_filter = ("status", "channel", "department", "item")
    search_fields = ("id", "original_filename", "file_sha256", "idempotency_key")
    date_hierarchy = "received_at"
    ordering = ("-received_at",)
    inlines = [RejectedRowInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "id",
                    "department",
                    "item",
                    "item_version",
                    "channel",
                    "status",
                    "parent",
                    "duplicate_of",
                )
            },
        ),
        (
            "结果",
            {
                "fields": (
                    "rows_read",
                    "created",
                    "new_version",
                    "duplicate",
                    "rejected",
                    "errors_display",
                    "warnings_display",
                    "progress_display",
                    "error_code",
                    "error_message",
                )
            },
        ),
        (
            "文件",
            {
                "fields": (
                    "original_filename",
                    "file_size",
                    "file_sha256",
                    "format",
                    "encoding",
                    "sheet",
                    "files_purged_at",
                    "headers",
                    "mapping",
                    "mapping_confirmed_at",
                    "mapping_confirmed_by",
                )
            },
        ),
        (
            "来源与时间",
            {
                "fields": (
                    "uploaded_by",
                    "api_client",
                    "idempotency_key",
                    "as_of",
                    "received_at",
                    "started_at",
                    "finished_at",
                    "rows_committed",
                    "task_id",
                )
            },
        ),
    )
    readonly_fields = tuple(name for _title, options in fieldsets for name in options["fields"])

    def get_queryset(self, request):
        return batches_visible_to(user=request.user)

    def get_inlines(self, request, obj):
        # The rejected rows only for those who may read them; everyone else sees the counts.
        return self.inlines if obj is not None and can_read_batch_rows(request.user, obj) else []

    @admin.display(description="批次号", ordering="id")
    def short_id(self, obj: Batch) -> str:
        return str(obj.pk)[:8]

    @admin.display(description="错误（按代码计行数）")
    def errors_display(self, obj: Batch):
        return _counter_table(obj.errors)

    @admin.display(description="提示（按代码计行数）")
    def warnings_display(self, obj: Batch):
        return _counter_table(obj.warnings)

    @admin.display(description="进度")
    def progress_display(self, obj: Batch) -> str:
        p = batch_progress(batch=obj)
        total = p["total"] if p["total"] is not None else "未知"
        rate = f"，{p['rows_per_second']:.0f} 行/秒" if p["rows_per_second"] else ""
        return f"{p['processed']} / {total}{rate}"


@admin.register(ColumnMapping)
class ColumnMappingAdmin(ReadOnlyAdminMixin, DepartmentScopedAdminMixin, AuditedModelAdmin):
    list_display = ("department", "item", "columns", "updated_by", "updated_at")
    list_filter = ("department", "item")
    fields = ("department", "item", "mapping_display", "updated_by", "updated_at")
    readonly_fields = fields

    @admin.display(description="已映射列数")
    def columns(self, obj: ColumnMapping) -> int:
        return len(obj.mapping or {})

    @admin.display(description="列映射（表头 → 字段代码）")
    def mapping_display(self, obj: ColumnMapping):
        return (
            _counter_table({})
            if not obj.mapping
            else format_html(
                "<table>{}</table>",
                format_html_join(
                    "", "<tr><th>{}</th><td><code>{}</code></td></tr>", sorted(obj.mapping.items())
                ),
            )
        )
