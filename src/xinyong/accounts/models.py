"""Departments, users and roles. (API clients and the audit log live here too.)"""

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    OPERATOR = "operator", "平台管理员"
    DATA_OFFICER = "data_officer", "部门数据报送员"
    REVIEWER = "reviewer", "部门审核员"
    WINDOW_CLERK = "window_clerk", "窗口核查人员"
    AUDITOR = "auditor", "审计员"


class Department(models.Model):
    """A government department (数据来源单位 / 实施部门), arranged as a tree."""

    code = models.SlugField(
        "部门代码", max_length=40, unique=True, help_text="简短英文代码，用于命令行和接口"
    )
    name = models.CharField("部门名称", max_length=200)
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True, null=True, blank=True)
    region_code = models.CharField("行政区划代码", max_length=6, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    department = models.ForeignKey(
        Department,
        verbose_name="所属部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
