"""Admin (zh-hans) for the reference data of due process: jurisdiction profiles and commitment templates.

Cases themselves are handled on the working screens, where every transition is a service call and audited.
"""

from django.contrib import admin

from xinyong.accounts.admin_audit import AuditedModelAdmin
from xinyong.dueprocess.models import CommitmentTemplate, JurisdictionProfile


@admin.register(JurisdictionProfile)
class JurisdictionProfileAdmin(AuditedModelAdmin):
    list_display = ("name", "code", "valid_from", "valid_to", "shipped")
    list_filter = ("code", "shipped")
    search_fields = ("name", "code")


@admin.register(CommitmentTemplate)
class CommitmentTemplateAdmin(AuditedModelAdmin):
    list_display = ("name", "code", "kind", "matter_code", "valid_from", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code", "matter_code")
