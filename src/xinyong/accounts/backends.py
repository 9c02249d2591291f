"""Authentication backend that grants Django model permissions by role.

It authenticates nobody (``ModelBackend`` checks passwords and refuses inactive users); it only answers
permission questions from ``xinyong.accounts.permissions.ROLE_MODEL_PERMISSIONS``, so the admin console
shows each role exactly what the table allows. Explicit user/group permissions still come from
``ModelBackend``. Object-level questions (``has_perm(perm, obj)``) are answered ``False`` here, as Django's
own backend does: department scope is checked with ``can_read_department`` / ``can_write_department``.
"""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.models import Permission

from xinyong.accounts.permissions import role_app_labels, role_grants


class RoleBackend(BaseBackend):
    def authenticate(self, request, **credentials):
        return None

    def _role(self, user_obj, obj) -> str:
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return ""
        return getattr(user_obj, "role", "") or ""

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        role = self._role(user_obj, obj)
        if not role:
            return set()
        cache_name = "_role_perm_cache"
        cached = getattr(user_obj, cache_name, None)
        if cached is not None and cached[0] == role:
            return cached[1]
        labels = role_app_labels(role)
        qs = Permission.objects.select_related("content_type")
        if labels is not None:
            qs = qs.filter(content_type__app_label__in=labels)
        perms = set()
        for app_label, model, codename in qs.values_list(
            "content_type__app_label", "content_type__model", "codename"
        ):
            if role_grants(role, app_label, codename.split("_", 1)[0], model):
                perms.add(f"{app_label}.{codename}")
        setattr(user_obj, cache_name, (role, perms))
        return perms

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        role = self._role(user_obj, obj)
        if not role or "." not in perm:
            return False
        app_label, codename = perm.split(".", 1)
        action, _, model = codename.partition("_")
        return role_grants(role, app_label, action, model)

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        role = self._role(user_obj, None)
        if not role:
            return False
        labels = role_app_labels(role)
        if labels is None:
            return role_grants(role, app_label, "view")
        return app_label in labels
