"""Forms of the collection screens. They only shape input; checks of the data itself are the services' job."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from xinyong.catalog.spec import FieldSpec, FieldType, ItemSchema

UPLOAD_EXTENSIONS = ".csv,.txt,.xlsx,.json,.ndjson,.jsonl"
# Checkboxes are easier to use than a multi-select (keyboard, phone) while a code list stays short.
CHECKBOX_LIMIT = 30


# Browsers' date inputs read and write ISO dates whatever the page's language.
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def upload_max_bytes() -> int:
    return int(settings.XINYONG_UPLOAD_MAX_BYTES)


def too_large_message() -> str:
    limit = filesizeformat(upload_max_bytes())
    return (
        f"文件超过 {limit} 的上传上限。请把文件拆分成几个较小的文件分别上传，"
        "或请平台管理员使用命令 xinyong import 导入。"
    )


def _file_field() -> forms.FileField:
    return forms.FileField(
        label="数据文件",
        help_text="支持 CSV（UTF-8 或 GBK 编码，自动识别）、XLSX、JSON 和 NDJSON；第一行为表头",
        widget=forms.ClearableFileInput(attrs={"accept": UPLOAD_EXTENSIONS}),
    )


def _sheet_field() -> forms.CharField:
    return forms.CharField(
        label="工作表",
        required=False,
        max_length=100,
        help_text="仅 XLSX：要导入的工作表名称，不填则使用第一个工作表",
    )


def _allow_duplicate_field() -> forms.BooleanField:
    return forms.BooleanField(
        label="确认重新处理同一文件",
        required=False,
        help_text="已入库的记录不会重复入库（将计为“重复”）；只有确需重新处理时才勾选",
    )


class _FileChecks(forms.Form):
    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > upload_max_bytes():
            raise forms.ValidationError(too_large_message(), code="file_too_large")
        if upload.size == 0:
            raise forms.ValidationError("文件是空的，请检查后重新选择", code="file_empty")
        return upload


class UploadForm(_FileChecks):
    """File upload: the catalog item, the file, an optional sheet; operators also pick the department."""

    department = forms.ModelChoiceField(
        label="数据来源单位",
        queryset=None,
        empty_label="请选择部门",
        help_text="以哪个部门的名义报送（平台管理员代部门上传时选择）",
    )
    item = forms.ChoiceField(label="目录项", help_text="只列出本部门可以报送的目录项")
    file = _file_field()
    sheet = _sheet_field()
    allow_duplicate = _allow_duplicate_field()

    def __init__(self, *args, items: list[tuple[str, str]], departments=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", "请选择目录项"), *items]
        if departments is None:
            del self.fields["department"]
        else:
            self.fields["department"].queryset = departments


class ReuploadForm(_FileChecks):
    """The fixed rejection file of a batch: same department and item as the batch it corrects."""

    file = _file_field()
    sheet = _sheet_field()
    allow_duplicate = _allow_duplicate_field()


def field_label(spec: FieldSpec) -> str:
    return f"{spec.name}（{spec.code}）"


class MappingForm(forms.Form):
    """One select per column of the file: the catalog field it holds, or nothing (not loaded)."""

    def __init__(
        self, *args, headers: list[str], schema: ItemSchema, initial_mapping: dict[str, str], **kwargs
    ):
        super().__init__(*args, **kwargs)
        choices = [("", "（不导入此列）")] + [(f.code, field_label(f)) for f in schema.fields]
        self.headers = headers
        for index, header in enumerate(headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header or f"第 {index + 1} 列",
                choices=choices,
                required=False,
                initial=initial_mapping.get(header, ""),
            )

    def mapping(self) -> dict[str, str]:
        """The confirmed mapping as ``{header: field_code}``; ``""`` marks a column deliberately left out."""
        out: dict[str, str] = {}
        for index, header in enumerate(self.headers):
            out.setdefault(header, self.cleaned_data.get(f"col_{index}") or "")
        return out


class RecordEntryForm(forms.Form):
    """A form generated from a catalog item version's fields for entering one record by hand.

    Django's own ``required`` is off for every field: required and required-when fields are checked by
    the same row validation as uploaded files, so the messages and codes are the same on every channel.
    The browser still marks required fields (``required`` attribute and a star).
    """

    def __init__(self, *args, schema: ItemSchema, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.schema = schema
        for spec in schema.fields:
            form_field = self._form_field(spec)
            # Read by the template: the star for required fields, full width for long inputs.
            form_field.catalog_required = spec.required
            form_field.catalog_wide = isinstance(
                form_field.widget, forms.Textarea | forms.CheckboxSelectMultiple
            )
            self.fields[spec.code] = form_field

    def _form_field(self, spec: FieldSpec) -> forms.Field:
        attrs: dict[str, Any] = {}
        if spec.required:
            attrs["required"] = True
            attrs["aria-required"] = "true"
        options = dict(label=spec.name, required=False, help_text=spec.description)
        code_list = self.schema.code_lists.get(spec.code_list) if spec.code_list else None
        if spec.type == FieldType.CODE and code_list is not None:
            choices = [("", "请选择")] + [(v, v) for v in code_list.values]
            return forms.ChoiceField(choices=choices, widget=forms.Select(attrs=attrs), **options)
        if spec.type == FieldType.CODES and code_list is not None:
            choices = [(v, v) for v in code_list.values]
            # The catalog's hint about separators is for files; here the values are ticked.
            options["help_text"] = "可选择多项"
            widget = (
                forms.CheckboxSelectMultiple
                if len(choices) <= CHECKBOX_LIMIT
                else forms.SelectMultiple(attrs={"size": min(len(choices), 8)})
            )
            return forms.MultipleChoiceField(choices=choices, widget=widget, **options)
        if spec.type == FieldType.DATE:
            attrs["type"] = "date"
            return forms.DateField(widget=forms.DateInput(attrs=attrs, format="%Y-%m-%d"), **options)
        if spec.type == FieldType.AMOUNT:
            attrs.update({"inputmode": "decimal", "autocomplete": "off"})
            return forms.CharField(widget=forms.TextInput(attrs=attrs), **options)
        if spec.max_length:
            attrs["maxlength"] = spec.max_length
        if spec.type in (
            FieldType.USCC,
            FieldType.RIC,
            FieldType.ORG_CODE,
            FieldType.REG_NO,
            FieldType.ID_NUMBER,
        ):
            attrs.update({"class": "mono", "autocomplete": "off", "spellcheck": "false"})
            return forms.CharField(widget=forms.TextInput(attrs=attrs), **options)
        if spec.max_length and spec.max_length <= 200:
            return forms.CharField(widget=forms.TextInput(attrs=attrs), **options)
        return forms.CharField(widget=forms.Textarea(attrs={**attrs, "rows": 3}), **options)

    def values(self) -> dict[str, Any]:
        """The entered values keyed by field code, empty ones left out; dates as dates, lists joined by “;”."""
        out: dict[str, Any] = {}
        for code, value in self.cleaned_data.items():
            if value in (None, "", []):
                continue
            if isinstance(value, list):
                value = ";".join(value)
            elif isinstance(value, dt.date):
                value = value.isoformat()
            out[code] = value
        return out


class BatchFilterForm(forms.Form):
    """Filters of the batch list: item, status, channel, date range, free text (file name or batch id)."""

    q = forms.CharField(label="搜索", required=False, max_length=200, help_text="文件名或批次号")
    item = forms.ChoiceField(label="目录项", required=False)
    status = forms.ChoiceField(label="状态", required=False)
    channel = forms.ChoiceField(label="报送渠道", required=False)
    date_from = forms.DateField(label="起始日期", required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label="截止日期", required=False, widget=DATE_WIDGET)

    def __init__(self, *args, items, statuses, channels, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", "全部")] + list(items)
        self.fields["status"].choices = [("", "全部")] + list(statuses)
        self.fields["channel"].choices = [("", "全部")] + list(channels)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("起始日期不能晚于截止日期", code="date_range")
        return data


class QualityFilterForm(forms.Form):
    """Filters of the quality page: date range (received), and the department for platform-wide users."""

    date_from = forms.DateField(label="起始日期", widget=DATE_WIDGET)
    date_to = forms.DateField(label="截止日期", widget=DATE_WIDGET)
    department = forms.ModelChoiceField(
        label="数据来源单位", queryset=None, required=False, empty_label="全部部门"
    )

    def __init__(self, *args, departments=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if departments is None:
            del self.fields["department"]
        else:
            self.fields["department"].queryset = departments

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("起始日期不能晚于截止日期", code="date_range")
        return data
