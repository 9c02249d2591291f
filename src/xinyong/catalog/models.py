"""信用信息目录: versioned catalog items."""

from django.db import models


class DisclosureScope(models.TextChoices):
    PUBLIC = "public", "公开"
    SHARED = "shared", "政务共享"
    AUTHORISED = "authorised", "授权查询"
    NONE = "none", "不公开"


class CatalogItem(models.Model):
    """One kind of credit information (e.g. 行政处罚). Its content lives in versions."""

    code = models.SlugField("目录项代码", max_length=40, unique=True)
    name = models.CharField("目录项名称", max_length=100)

    class Meta:
        verbose_name = "目录项"
        verbose_name_plural = "目录项"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CatalogItemVersion(models.Model):
    item = models.ForeignKey(CatalogItem, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    disclosure_scope = models.CharField("公开属性", max_length=20, choices=DisclosureScope.choices)
    fields = models.JSONField("字段", default=list)

    class Meta:
        verbose_name = "目录项版本"
        verbose_name_plural = "目录项版本"
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="catalog_item_version_unique")]

    def __str__(self) -> str:
        return f"{self.item} v{self.number}"
