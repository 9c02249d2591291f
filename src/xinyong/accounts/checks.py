"""System check: every admin of a xinyong app should write the audit log."""

from __future__ import annotations

from django.contrib import admin
from django.core.checks import Tags, Warning, register

from xinyong.accounts.admin_audit import AuditedModelAdmin


@register(Tags.admin)
def check_admins_are_audited(app_configs, **kwargs):
    warnings = []
    for model, model_admin in admin.site._registry.items():
        if not model.__module__.startswith("xinyong."):
            continue
        if app_configs is not None and model._meta.app_config not in app_configs:
            continue
        if not isinstance(model_admin, AuditedModelAdmin):
            warnings.append(
                Warning(
                    f"{type(model_admin).__name__} does not write the audit log.",
                    hint="Subclass xinyong.accounts.admin_audit.AuditedModelAdmin instead of admin.ModelAdmin.",
                    obj=type(model_admin),
                    id="accounts.W001",
                )
            )
    return warnings
