"""信用信息目录: versioned catalog items, code lists and publication rule sets.

The catalog is data: YAML fixtures (``catalog/fixtures``) loaded by ``xinyong catalog load`` and edited by
operators in the admin. Content that a credit record is validated against never changes in place:

- :class:`CatalogItemVersion` rows are immutable. Editing an item creates version ``number + 1``; a record
  keeps a foreign key to the version it was validated against, and old versions stay readable.
- A version embeds a snapshot of the code lists its fields use (``code_lists``), so it stays
  self-contained when a :class:`CodeList` is edited later (an edit creates new versions of the items
  that use the list).
- :class:`RuleSet` rows (publication windows, docs/publication-rules.md) are versioned the same way.

Source departments are stored as a list of ``accounts.Department.code`` values, not as a many-to-many
relation: the catalog is loaded before departments exist, and codes resolve lazily
(``selectors.catalog_version_source_departments``). An empty list means every department may submit.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from xinyong.catalog.spec import FieldSpec, ItemSchema, TierRule
from xinyong.core.codes import DisclosureScope, Polarity, SeverityTier, SubjectKind

# The shared code lists are defined in core.codes; they stay importable from here.

__all__ = [
    "CatalogCategory",
    "CatalogItem",
    "CatalogItemVersion",
    "CodeList",
    "DisclosureScope",
    "ImmutableRowError",
    "Polarity",
    "RuleSet",
    "SeverityTier",
]


class CatalogCategory(models.TextChoices):
    """Categories of the national basic catalog of public credit information (全国公共信用信息基础目录)."""

    REGISTRATION = "registration", "登记注册基本信息"
    JUDICIAL = "judicial", "司法裁判及执行信息"
    ADMINISTRATIVE = "administrative", "行政管理信息"
    QUALIFICATION = "qualification", "职称和职业资格信息"
    ABNORMAL = "abnormal", "经营（活动）异常名录（状态）信息"
    SERIOUS_DISHONESTY = "serious_dishonesty", "严重失信主体名单信息"
    CONTRACT = "contract", "合同履行信息"
    COMMITMENT = "commitment", "信用承诺及其履行情况信息"
    EVALUATION = "evaluation", "信用评价结果信息"
    COMPLIANCE = "compliance", "遵守法律法规情况信息"
    HONOUR = "honour", "诚实守信相关荣誉信息"
    VOLUNTARY = "voluntary", "市场主体自愿提供的信用信息"


class ImmutableRowError(Exception):
    """Raised when code tries to change a stored version in place."""

    code = "catalog_version_immutable"


class CatalogItem(models.Model):
    """One kind of credit information (e.g. 行政处罚). Its content lives in versions."""

    code = models.SlugField(
        "目录项代码", max_length=40, unique=True, help_text="英文短代码，如 penalty、license"
    )
    name = models.CharField("目录项名称", max_length=100)
    category = models.CharField("信息类别", max_length=30, choices=CatalogCategory.choices)
    description = models.TextField("说明", blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "目录项"
        verbose_name_plural = "目录项"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CatalogItemVersion(models.Model):
    """Immutable content of a catalog item at one point in time."""

    item = models.ForeignKey(
        CatalogItem, verbose_name="目录项", on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField("版本号")
    valid_from = models.DateField("生效日期", default=timezone.localdate)
    fields = models.JSONField("字段", default=list)
    code_lists = models.JSONField("码表快照", default=dict, help_text="本版本字段引用的码表内容，随版本冻结")
    subject_kinds = models.JSONField("适用主体类别", default=list)
    source_departments = models.JSONField(
        "数据来源部门代码", default=list, blank=True, help_text="对应“部门代码”；为空表示所有部门均可报送"
    )
    legal_basis = models.TextField("法律依据")
    disclosure_scope = models.CharField("公开属性", max_length=20, choices=DisclosureScope.choices)
    natural_person_scope = models.CharField(
        "自然人信息公开属性",
        max_length=20,
        choices=DisclosureScope.choices,
        blank=True,
        help_text="行政相对人为自然人的记录所适用的公开属性；为空表示与目录项相同",
    )
    polarity = models.CharField("信息性质", max_length=20, choices=Polarity.choices)
    rule_set_code = models.SlugField(
        "公示期限规则集",
        max_length=40,
        blank=True,
        help_text="为空表示有效期内持续公示，不适用失信信息公示期限",
    )
    severity_rules = models.JSONField("失信严重程度规则", default=dict, blank=True)
    core_fields = models.JSONField("核心字段映射", default=dict, blank=True)
    legacy_defaults = models.JSONField("旧版字段默认值", default=list, blank=True)
    ignored_legacy_columns = models.JSONField("忽略的旧版字段", default=list, blank=True)
    content_hash = models.CharField("内容摘要", max_length=64, editable=False)
    change_note = models.TextField("变更说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "目录项版本"
        verbose_name_plural = "目录项版本"
        ordering = ["item__code", "-number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="catalog_item_version_unique")]

    def __str__(self) -> str:
        return f"{self.item} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        # A record is validated against a version; changing it afterwards would silently change what
        # that validation meant. New content is a new version (services.catalog_item_create_version).
        if not self._state.adding:
            raise ImmutableRowError("目录项版本一经保存不可修改，请创建新版本")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRowError("目录项版本不可删除：已归集的记录可能按此版本校验")

    @property
    def field_specs(self) -> list[FieldSpec]:
        return [FieldSpec.from_dict(f) for f in self.fields]

    def schema(self) -> ItemSchema:
        """Typed view of this version (fields, code lists, header lookups)."""
        return ItemSchema.build(
            item_code=self.item.code,
            version_number=self.number,
            fields=self.fields,
            code_lists=self.code_lists,
            core_fields=self.core_fields,
            ignored_legacy_columns=self.ignored_legacy_columns,
            legacy_defaults=self.legacy_defaults,
        )

    def accepts_from(self, department) -> bool:
        """May ``department`` (an ``accounts.Department``) submit records of this version? An empty list of
        source departments means every department may."""
        return not self.source_departments or department.code in self.source_departments

    def scope_for(self, subject_kind: str) -> str:
        """Disclosure scope of a record about a subject of ``subject_kind`` (a SubjectKind value)."""
        if subject_kind == SubjectKind.NATURAL_PERSON and self.natural_person_scope:
            return self.natural_person_scope
        return self.disclosure_scope


class CodeList(models.Model):
    """A code list (码表), e.g. 处罚类别. Item versions embed a snapshot of the lists they use."""

    code = models.SlugField("码表代码", max_length=40, unique=True)
    name = models.CharField("码表名称", max_length=100)
    description = models.TextField("说明", blank=True)
    entries = models.JSONField("代码项", default=list)
    content_hash = models.CharField("内容摘要", max_length=64, editable=False)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "码表"
        verbose_name_plural = "码表"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def snapshot(self) -> dict:
        """The form embedded in catalog item versions."""
        return {"name": self.name, "entries": self.entries}


class RuleSet(models.Model):
    """One version of a dated publication rule set (docs/publication-rules.md), e.g. 国家发展改革委令第36号.

    Rule sets of one ``family`` follow each other in time; a record is governed by the rule set in force on
    its decision date (``selectors.rule_set_in_force``). Rows are immutable; editing creates a new version.
    """

    code = models.SlugField("规则集代码", max_length=40)
    version = models.PositiveIntegerField("版本号")
    family = models.SlugField("规则集系列", max_length=40, default="disclosure")
    name = models.CharField("名称", max_length=200)
    in_force_from = models.DateField("施行日期")
    in_force_to = models.DateField("失效日期", null=True, blank=True, help_text="含当日；为空表示现行有效")
    legal_basis = models.TextField("依据", blank=True)
    rules = models.JSONField("规则")
    content_hash = models.CharField("内容摘要", max_length=64, editable=False)
    change_note = models.TextField("变更说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "公示期限规则集"
        verbose_name_plural = "公示期限规则集"
        ordering = ["family", "in_force_from", "code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="catalog_rule_set_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def save(self, *args, **kwargs) -> None:
        # Same reason as CatalogItemVersion: a window computed under a rule set must stay explainable.
        if not self._state.adding:
            raise ImmutableRowError("规则集版本一经保存不可修改，请创建新版本")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRowError("规则集版本不可删除：已计算的公示期限可能以此为依据")

    def covers(self, day) -> bool:
        return self.in_force_from <= day and (self.in_force_to is None or day <= self.in_force_to)

    def tier_rule(self, tier: str) -> TierRule:
        """Publication window of a severity tier (a SeverityTier value)."""
        return TierRule.from_dict(self.rules["tiers"][tier])

    @property
    def longest_period(self) -> bool:
        return bool(self.rules.get("longest_period", True))

    @property
    def no_early_stop_kinds(self) -> list[str]:
        return list(self.rules.get("no_early_stop_kinds") or [])

    @property
    def special_cases(self) -> list[dict]:
        return list(self.rules.get("special_cases") or [])

    @property
    def sector_overrides(self) -> list[dict]:
        return list(self.rules.get("sector_overrides") or [])
