"""Admin building blocks other apps use: auditing and department scope.

**Auditing every admin change.** Subclass ``AuditedModelAdmin`` instead of ``admin.ModelAdmin`` (it also
works as the first base next to another ModelAdmin, e.g. ``class A(AuditedModelAdmin, UserAdmin)``)::

    from xinyong.accounts.admin_audit import AuditedModelAdmin

    @admin.register(CreditRecord)
    class CreditRecordAdmin(AuditedModelAdmin):
        audit_views = True  # the model holds non-public data: log list and detail views too

Django's admin calls ``log_addition`` / ``log_change`` / ``log_deletions`` after every add, change,
password change and deletion (including the "delete selected" action); this class keeps the admin
history (LogEntry) and appends an audit entry (create / update / delete, ``detail.via = "admin"``) for
each. Custom admin actions must call services, which write their own audit entries. With
``audit_views = True`` a successful GET of the change list (``action="view"``, object = the model, with
the filters used) or of a detail page (object = the row) is logged as well. The ``accounts.W001`` system
check warns about admin classes of xinyong apps that are not audited.

**Read-only pages.** ``ReadOnlyAdminMixin`` (first base) refuses add, change and delete for rows that
change only through services, such as credit records and the audit log.

**Department scope.** ``DepartmentScopedAdminMixin`` (with ``department_field``) limits the change list
to the departments the user may read and refuses to show or change rows of other departments.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote

from xinyong.accounts.models import AuditAction
from xinyong.accounts.permissions import can_read_department, can_write_department, readable_department_ids
from xinyong.accounts.services import audit_log

# The purpose recorded when a console page shows non-public data (the console user states none).
CONSOLE_PURPOSE = "管理控制台查阅"


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose changes (and, with ``audit_views``, views) go to the audit log."""

    audit_views = False

    def _audit(self, request, *, action: str, obj: Any, detail: dict | None = None) -> None:
        audit_log(
            actor=request.user,
            action=action,
            obj=obj,
            detail={"via": "admin", **(detail or {})},
            request=request,
        )

    def log_addition(self, request, obj, message):
        result = super().log_addition(request, obj, message)
        self._audit(request, action=AuditAction.CREATE, obj=obj, detail={"change": message})
        return result

    def log_change(self, request, obj, message):
        result = super().log_change(request, obj, message)
        self._audit(request, action=AuditAction.UPDATE, obj=obj, detail={"change": message})
        return result

    def log_deletions(self, request, queryset):
        # Called before the rows are deleted, so the snapshots still have their ids and names.
        result = super().log_deletions(request, queryset)
        for obj in queryset:
            self._audit(request, action=AuditAction.DELETE, obj=obj)
        return result

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        request._audit_admin_object = obj
        return obj

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if self.audit_views and request.method == "GET" and response.status_code == 200:
            query = {k: v for k, v in request.GET.lists()}
            self._audit(request, action=AuditAction.VIEW, obj=self.model, detail={"query": query})
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if self.audit_views and request.method == "GET" and response.status_code == 200:
            obj = getattr(request, "_audit_admin_object", None)
            if obj is None:
                obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                self._audit(request, action=AuditAction.VIEW, obj=obj)
        return response


class ReadOnlyAdminMixin:
    """For a ModelAdmin or an inline whose rows change only through services (or never): nobody adds,
    changes or deletes them in the console; users with the view permission read them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DepartmentScopedAdminMixin:
    """Limit an admin to rows of departments the user may read; change only rows they may write.

    Set ``department_field`` to the path of the owning department (e.g. ``"source_department"``).
    """

    department_field = "department"

    def _row_department(self, obj):
        target = obj
        for part in self.department_field.split("__"):
            target = getattr(target, part, None)
            if target is None:
                return None
        return target

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        ids = readable_department_ids(request.user)
        if request.user.is_superuser or ids is None:
            return qs
        return qs.filter(**{f"{self.department_field}__in": ids})

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return can_read_department(request.user, self._row_department(obj))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return can_write_department(request.user, self._row_department(obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return can_write_department(request.user, self._row_department(obj))
