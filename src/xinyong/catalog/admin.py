"""Admin console for the catalog (zh-hans).

Stored versions are never edited: saving a catalog item (or a rule set) with changed content creates a new
version through the services; item versions are read-only pages. Code lists are edited in place, and every
item whose current version uses the list gets a new version with the new snapshot.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from xinyong.accounts.admin_audit import AuditedModelAdmin, ReadOnlyAdminMixin
from xinyong.catalog.forms import CatalogItemForm, CodeListForm, RuleSetForm, compact_payload, dump_yaml
from xinyong.catalog.models import CatalogItem, CatalogItemVersion, CodeList, RuleSet
from xinyong.catalog.selectors import catalog_versions_using_code_list, rule_set_current, rule_sets_current
from xinyong.catalog.services import catalog_item_save, catalog_version_payload, code_list_save, rule_set_save
from xinyong.catalog.spec import FieldType, describe_condition

_TYPE_LABELS = dict(FieldType.choices)


def _yes(value: bool) -> str:
    return "是" if value else ""


def _fields_table(version: CatalogItemVersion):
    rows = []
    for f in version.field_specs:
        if f.required:
            required = "必填"
        elif f.required_when:
            required = f"条件必填：{describe_condition(f.required_when)}"
        else:
            required = ""
        rows.append(
            (
                f.code,
                f.name,
                _TYPE_LABELS.get(f.type, f.type),
                required,
                f.code_list or "",
                "、".join(f.synonyms),
                "、".join(f.legacy_codes),
                _yes(f.personal),
                "" if f.public else "不公开",
            )
        )
    head = format_html_join(
        "",
        "<th>{}</th>",
        [
            (h,)
            for h in (
                "字段代码",
                "中文名称",
                "类型",
                "必填",
                "码表",
                "同义表头",
                "旧版代码",
                "个人信息",
                "公开",
            )
        ],
    )
    body = format_html_join("", "<tr>" + "<td>{}</td>" * 9 + "</tr>", rows)
    return format_html(
        '<table class="catalog-fields"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>',
        head,
        body,
    )


@admin.register(CatalogItem)
class CatalogItemAdmin(AuditedModelAdmin):
    form = CatalogItemForm
    list_display = ["code", "name", "category", "current_version_number", "current_valid_from", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["code", "name", "description"]
    readonly_fields = ["version_history", "current_content"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return ["code", *fields] if obj is not None else fields

    def get_fieldsets(self, request, obj=None):
        meta = ["name", "category", "description", "is_active"]
        if obj is not None and not self.has_change_permission(request, obj):
            # Readers see the current content as text; the YAML editor is for operators.
            content = ("当前版本内容", {"fields": ["current_content"]})
        else:
            content = (
                "当前版本内容（编辑后保存即创建新版本）",
                {"fields": ["content", "change_note", "valid_from"]},
            )
        return [(None, {"fields": ["code", *meta]}), content, ("版本历史", {"fields": ["version_history"]})]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        latest = obj.versions.order_by("-number").first() if obj is not None else None
        if latest is not None:
            form.base_fields["content"].initial = dump_yaml(
                compact_payload(catalog_version_payload(version=latest))
            )
        else:
            form.base_fields["content"].initial = dump_yaml(
                {
                    "subject_kinds": ["organisation", "individual_business", "natural_person"],
                    "source_departments": [],
                    "legal_basis": "",
                    "disclosure_scope": "public",
                    "polarity": "neutral",
                    "rule_set": "",
                    "fields": [{"code": "XX_MC", "name": "名称", "type": "text", "required": True}],
                }
            )
        return form

    def has_delete_permission(self, request, obj=None):
        # Records point at item versions; an item is switched off (启用) rather than deleted.
        return False

    def save_model(self, request, obj, form, change):
        cd = form.cleaned_data
        item, version = catalog_item_save(
            code=obj.code,
            name=cd["name"],
            category=cd["category"],
            description=cd.get("description", ""),
            is_active=cd.get("is_active", True),
            payload=cd["payload"],
            actor=request.user,
            as_of=timezone.localdate(),
            change_note=cd.get("change_note", ""),
            valid_from=cd.get("valid_from"),
        )
        obj.pk = item.pk
        obj._state.adding = False
        if version is None:
            self.message_user(request, "目录项内容没有变化，未创建新版本。", messages.INFO)
        else:
            self.message_user(request, f"已创建“{item.name}”第 {version.number} 版。", messages.SUCCESS)

    @admin.display(description="当前版本")
    def current_version_number(self, obj):
        latest = obj.versions.order_by("-number").first()
        return f"v{latest.number}" if latest else "—"

    @admin.display(description="生效日期")
    def current_valid_from(self, obj):
        latest = obj.versions.order_by("-number").first()
        return latest.valid_from if latest else "—"

    @admin.display(description="内容（YAML）")
    def current_content(self, obj):
        latest = obj.versions.order_by("-number").first() if obj is not None and obj.pk else None
        if latest is None:
            return "—"
        return format_html(
            "<pre>{}</pre>", dump_yaml(compact_payload(catalog_version_payload(version=latest)))
        )

    @admin.display(description="版本历史")
    def version_history(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        rows = [
            (
                reverse("admin:catalog_catalogitemversion_change", args=[v.pk]),
                f"v{v.number}",
                v.valid_from,
                len(v.fields),
                v.get_disclosure_scope_display(),
                v.created_by or "系统",
                timezone.localtime(v.created_at).strftime("%Y-%m-%d %H:%M"),
                v.change_note,
            )
            for v in obj.versions.order_by("-number").select_related("created_by")
        ]
        if not rows:
            return "—"
        body = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            rows,
        )
        return format_html(
            "<table><thead><tr><th>版本</th><th>生效日期</th><th>字段数</th><th>公开属性</th><th>创建人</th>"
            "<th>创建时间</th><th>变更说明</th></tr></thead><tbody>{}</tbody></table>",
            body,
        )


@admin.register(CatalogItemVersion)
class CatalogItemVersionAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = [
        "item",
        "number",
        "valid_from",
        "disclosure_scope",
        "polarity",
        "rule_set_code",
        "field_count",
        "created_by",
        "created_at",
    ]
    list_filter = ["item", "disclosure_scope", "polarity", "rule_set_code"]
    search_fields = ["item__code", "item__name", "change_note", "legal_basis"]
    list_select_related = ["item", "created_by"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "item",
                    "number",
                    "valid_from",
                    "change_note",
                    "created_by",
                    "created_at",
                    "content_hash",
                ]
            },
        ),
        (
            "内容",
            {
                "fields": [
                    "subject_kinds",
                    "source_departments",
                    "legal_basis",
                    "disclosure_scope",
                    "natural_person_scope",
                    "polarity",
                    "rule_set_code",
                    "severity_rules",
                    "core_fields",
                    "fields_table",
                    "legacy_defaults",
                    "ignored_legacy_columns",
                    "code_lists_yaml",
                ]
            },
        ),
    ]
    # Versions are immutable: every field shown is read-only.
    readonly_fields = [name for _, options in fieldsets for name in options["fields"]]

    @admin.display(description="字段数")
    def field_count(self, obj):
        return len(obj.fields)

    @admin.display(description="字段")
    def fields_table(self, obj):
        return _fields_table(obj)

    @admin.display(description="码表快照")
    def code_lists_yaml(self, obj):
        return format_html("<pre>{}</pre>", dump_yaml(obj.code_lists))


@admin.register(CodeList)
class CodeListAdmin(AuditedModelAdmin):
    form = CodeListForm
    list_display = ["code", "name", "entry_count", "updated_at"]
    search_fields = ["code", "name", "description"]
    readonly_fields = ["used_by", "updated_at", "entries_display"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return ["code", *fields] if obj is not None else fields

    def get_fields(self, request, obj=None):
        editable = obj is None or self.has_change_permission(request, obj)
        entries = "entries_yaml" if editable else "entries_display"
        return ["code", "name", "description", entries, "used_by", "updated_at"]

    @admin.display(description="代码项（YAML 列表）")
    def entries_display(self, obj):
        return format_html("<pre>{}</pre>", dump_yaml(obj.entries)) if obj is not None else "—"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.base_fields["entries_yaml"].initial = (
            dump_yaml(obj.entries)
            if obj is not None
            else dump_yaml([{"value": "", "code": "", "synonyms": []}])
        )
        return form

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        cd = form.cleaned_data
        code_list, versions = code_list_save(
            code=obj.code,
            name=cd["name"],
            description=cd.get("description", ""),
            entries=cd["entries"],
            actor=request.user,
            as_of=timezone.localdate(),
        )
        obj.pk = code_list.pk
        obj._state.adding = False
        if versions:
            names = "、".join(f"{v.item.name} v{v.number}" for v in versions)
            self.message_user(request, f"码表已更新，以下目录项生成了新版本：{names}", messages.SUCCESS)

    @admin.display(description="代码项数")
    def entry_count(self, obj):
        return len(obj.entries)

    @admin.display(description="使用此码表的目录项（当前版本）")
    def used_by(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        versions = catalog_versions_using_code_list(code=obj.code)
        return "、".join(f"{v.item.name} v{v.number}" for v in versions) or "—"


@admin.register(RuleSet)
class RuleSetAdmin(AuditedModelAdmin):
    form = RuleSetForm
    list_display = [
        "code",
        "version",
        "is_current",
        "name",
        "family",
        "in_force_from",
        "in_force_to",
        "created_at",
    ]
    list_filter = ["family", "code"]
    search_fields = ["code", "name", "legal_basis"]
    readonly_fields = ["version", "created_by", "created_at", "rules_display"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return ["code", "family", *fields] if obj is not None else fields

    def get_fields(self, request, obj=None):
        editable = obj is None or self.has_change_permission(request, obj)
        return [
            "code",
            "family",
            "version",
            "name",
            "in_force_from",
            "in_force_to",
            "legal_basis",
            "rules_yaml" if editable else "rules_display",
            "change_note",
            "created_by",
            "created_at",
        ]

    @admin.display(description="规则（YAML）")
    def rules_display(self, obj):
        return format_html("<pre>{}</pre>", dump_yaml(obj.rules)) if obj is not None else "—"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            form.base_fields["rules_yaml"].initial = dump_yaml(obj.rules)
            # A view-only page has no form fields for model columns; an editor writes a new note.
            if "change_note" in form.base_fields:
                form.base_fields["change_note"].initial = ""
        return form

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        rule_set = rule_set_save(data=form.cleaned_data["rule_set_data"], actor=request.user)
        if rule_set is None:
            current = rule_set_current(code=form.cleaned_data["rule_set_data"]["code"])
            obj.pk, obj.version, obj._state.adding = current.pk, current.version, False
            self.message_user(request, "规则集内容没有变化，未创建新版本。", messages.INFO)
            return
        # The form's row stays as it was; the admin continues with the new version.
        obj.pk, obj.version, obj._state.adding = rule_set.pk, rule_set.version, False
        self.message_user(
            request,
            f"已创建规则集 {rule_set.code} 第 {rule_set.version} 版，旧版本保持不变。",
            messages.SUCCESS,
        )

    @admin.display(description="现行版本", boolean=True)
    def is_current(self, obj):
        current = {rs.code: rs.version for rs in rule_sets_current()}
        return current.get(obj.code) == obj.version
