"""Admin console: issued credit reports, read-only (reports are issued through reports.services)."""

from __future__ import annotations

from django.contrib import admin

from xinyong.accounts.admin_audit import AuditedModelAdmin, ReadOnlyAdminMixin
from xinyong.reports.models import CreditReport


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
