"""Admin forms: operators edit catalog content as YAML text, validated by the same rules as the fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import yaml
from django import forms

from xinyong.catalog.errors import CatalogFixtureError
from xinyong.catalog.models import CatalogItem, CodeList, RuleSet
from xinyong.catalog.services import catalog_item_validate_payload, code_list_check, rule_set_check
from xinyong.catalog.spec import FieldSpec

YAML_WIDGET = forms.Textarea(
    attrs={"rows": 30, "cols": 110, "style": "font-family: monospace", "spellcheck": "false"}
)

# Keys of a field dict left out of the editable YAML when they hold their default value.
_FIELD_DEFAULTS: dict[str, Any] = {
    "type": "text",
    "required": False,
    "required_when": None,
    "synonyms": [],
    "legacy_codes": [],
    "code_list": None,
    "max_length": None,
    "personal": False,
    "public": True,
    "id_type_field": None,
    "description": "",
}


def dump_yaml(data: Any) -> str:
    """YAML for an operator: Chinese kept readable, keys in their natural order."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120, default_flow_style=False)


def compact_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """A version payload with default-valued field keys dropped, for shorter YAML."""
    out = dict(payload)
    out["fields"] = [
        {
            k: v
            for k, v in FieldSpec.from_dict(f).to_dict().items()
            if k == "code" or _FIELD_DEFAULTS.get(k, object()) != v
        }
        for f in payload.get("fields", [])
    ]
    return out


def parse_yaml(text: str, *, expect: type) -> Any:
    """Parse YAML text; raise a form error with the line number when it is malformed."""
    try:
        data = yaml.safe_load(text or "")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark else ""
        raise forms.ValidationError(
            f"YAML 格式错误{where}：{getattr(exc, 'problem', exc)}", code="yaml_syntax"
        ) from exc
    if not isinstance(data, expect):
        kind = "映射（键: 值）" if expect is dict else "列表"
        raise forms.ValidationError(f"内容必须是 YAML {kind}", code="invalid_yaml")
    return data


def issues_as_errors(exc: CatalogFixtureError) -> list[forms.ValidationError]:
    return [forms.ValidationError(str(i), code=i.code) for i in exc.issues]


@contextmanager
def errors_on(form: forms.Form, field: str) -> Iterator[None]:
    """Attach a YAML or catalog validation error raised in the block to ``field`` of ``form``."""
    try:
        yield
    except forms.ValidationError as exc:
        form.add_error(field, exc)
    except CatalogFixtureError as exc:
        form.add_error(field, issues_as_errors(exc))


class CatalogItemForm(forms.ModelForm):
    content = forms.CharField(
        label="目录项内容（YAML）",
        widget=YAML_WIDGET,
        help_text=(
            "保存时如内容有变化，将创建新版本（版本号加 1），旧版本保持不变，已按旧版本校验的记录仍指向旧版本。"
            "可编辑：subject_kinds、source_departments、legal_basis、disclosure_scope、natural_person_scope、"
            "polarity、rule_set、severity_rules、core_fields、legacy_defaults、ignored_legacy_columns、fields。"
        ),
    )
    change_note = forms.CharField(
        label="变更说明", required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 110})
    )
    valid_from = forms.DateField(label="新版本生效日期", required=False, help_text="留空为今天")

    class Meta:
        model = CatalogItem
        fields = ["code", "name", "category", "description", "is_active"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        text = cleaned.get("content")
        if text is None:
            return cleaned
        with errors_on(self, "content"):
            data = parse_yaml(text, expect=dict)
            code = cleaned.get("code") or (self.instance.code if self.instance.pk else "")
            cleaned["payload"] = catalog_item_validate_payload(payload=data, item_code=code)
        return cleaned


class CodeListForm(forms.ModelForm):
    entries_yaml = forms.CharField(
        label="代码项（YAML 列表）",
        widget=YAML_WIDGET,
        help_text=(
            "每项包含 value（规范值）、code（机器代码）、synonyms（同义写法）、legacy_values（仅旧版字段接受的取值）、note。"
            "保存后，使用此码表的目录项将各自生成新版本。"
        ),
    )

    class Meta:
        model = CodeList
        fields = ["code", "name", "description"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "entries_yaml" not in cleaned:
            return cleaned
        with errors_on(self, "entries_yaml"):
            entries = parse_yaml(cleaned["entries_yaml"], expect=list)
            code = cleaned.get("code") or self.instance.code
            spec = code_list_check(
                code=code,
                name=cleaned.get("name", ""),
                description=cleaned.get("description", ""),
                entries=entries,
            )
            cleaned["entries"] = spec.entries
        return cleaned


class RuleSetForm(forms.ModelForm):
    rules_yaml = forms.CharField(
        label="规则（YAML）",
        widget=YAML_WIDGET,
        help_text="包含 tiers（minor/general/serious 各一条：published、min_months、max_months）、special_cases、"
        "sector_overrides、longest_period、no_early_stop_kinds。保存时创建新版本，旧版本保持不变。",
    )

    class Meta:
        model = RuleSet
        fields = ["code", "family", "name", "in_force_from", "in_force_to", "legal_basis", "change_note"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "rules_yaml" not in cleaned:
            return cleaned
        with errors_on(self, "rules_yaml"):
            rules = parse_yaml(cleaned["rules_yaml"], expect=dict)
            data = {
                "code": cleaned.get("code") or self.instance.code,
                "family": cleaned.get("family") or "disclosure",
                "name": cleaned.get("name", ""),
                "in_force_from": cleaned.get("in_force_from"),
                "in_force_to": cleaned.get("in_force_to"),
                "legal_basis": cleaned.get("legal_basis", ""),
                "change_note": cleaned.get("change_note", ""),
                "rules": rules,
            }
            rule_set_check(data=data)
            cleaned["rule_set_data"] = data
        return cleaned

    def validate_unique(self) -> None:
        # Saving creates a new version row; the (code, version) pair of the form's instance is not reused.
        return
