"""信用报告: numbered, verifiable credit reports (公开版 / 授权版).

A ``CreditReport`` keeps the snapshot of what it showed (``content``, JSON) and the SHA-256 of that snapshot
in canonical form (``content_hash``), so a report can be rendered again exactly as issued and anyone holding
its number and verification code can check that the platform's copy was not changed since. Reports are
documents: once written they are never updated through the ORM (a corrected report is a new report).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from xinyong.accounts.models import ActorKind


class ReportKind(models.TextChoices):
    PUBLIC = "public", "公开版"
    AUTHORISED = "authorised", "授权版"
    # 失信惩戒告知书: prior notice to a subject proposed for a list decided on the platform (reports.notices).
    NOTICE = "notice", "失信惩戒告知书"
    # Due-process notices (reports.case_notices): decisions with their reasons, and the repair notice
    # issued together with a penalty decision (两书同达).
    OBJECTION_DECISION = "objection_decision", "异议处理决定告知书"
    REPAIR_DECISION = "repair_decision", "信用修复决定书"
    REPAIR_NOTICE = "repair_notice", "信用修复告知书"


class ReportImmutable(Exception):
    """A report is a document: it is issued once and never changed."""

    code = "report_immutable"
    message = "信用报告出具后不能修改；如需更新，请重新出具报告"

    def __init__(self) -> None:
        super().__init__(self.message)


class ReportSequence(models.Model):
    """The last report number used on each day (numbers restart at 1 every day)."""

    day = models.DateField("日期", primary_key=True)
    last = models.PositiveIntegerField("当日最后序号", default=0)

    class Meta:
        verbose_name = "报告编号序列"
        verbose_name_plural = "报告编号序列"

    def __str__(self) -> str:
        return f"{self.day}：{self.last}"


class CreditReport(models.Model):
    """One issued credit report with the snapshot of its content."""

    number = models.CharField("报告编号", max_length=32, unique=True)
    kind = models.CharField("报告类型", max_length=20, choices=ReportKind.choices)
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="报告主体", on_delete=models.PROTECT, related_name="credit_reports"
    )
    as_of = models.DateField("信息截止日期")
    issued_at = models.DateTimeField("出具时间")
    issued_by_kind = models.CharField("出具对象类型", max_length=20, choices=ActorKind.choices)
    issued_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="出具人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_by_api_client = models.ForeignKey(
        "accounts.ApiClient",
        verbose_name="出具接口客户端",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_by_department = models.ForeignKey(
        "accounts.Department",
        verbose_name="出具人部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_by_name = models.CharField("出具对象", max_length=200)
    authorisation = models.ForeignKey(
        "accounts.Authorisation",
        verbose_name="当事人授权",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_reports",
    )
    purpose = models.CharField("查询用途", max_length=200, blank=True)
    content = models.JSONField("报告内容快照")
    content_hash = models.CharField("内容摘要（SHA-256）", max_length=64)
    verification_code = models.CharField("验证码", max_length=16)
    record_count = models.PositiveIntegerField("信用记录条数", default=0)

    class Meta:
        verbose_name = "信用报告"
        verbose_name_plural = "信用报告"
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["subject", "issued_at"], name="reports_report_subject"),
            models.Index(fields=["issued_at"], name="reports_report_issued_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=ReportKind.AUTHORISED) | Q(authorisation__isnull=False),
                name="reports_authorised_needs_authorisation",
            ),
            models.CheckConstraint(
                condition=~Q(kind=ReportKind.PUBLIC) | Q(authorisation__isnull=True),
                name="reports_public_has_no_authorisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}（{self.get_kind_display()}）"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ReportImmutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ReportImmutable()


class MeasureNoticeSequence(models.Model):
    """The last 措施实施告知书 number used on each day (numbers restart at 1 every day)."""

    day = models.DateField("日期", primary_key=True)
    last = models.PositiveIntegerField("当日最后序号", default=0)

    class Meta:
        verbose_name = "措施实施告知书编号序列"
        verbose_name_plural = "措施实施告知书编号序列"

    def __str__(self) -> str:
        return f"{self.day}：{self.last}"


class MeasureNotice(models.Model):
    """措施实施告知书: the notice to a subject that a joint-punishment measure was applied (docs/feedback.md).

    A document like a credit report: numbered, with a verification code and the SHA-256 of its snapshot;
    issued once, never changed.
    """

    number = models.CharField("告知书编号", max_length=32, unique=True)
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="告知对象", on_delete=models.PROTECT, related_name="measure_notices"
    )
    issued_at = models.DateTimeField("出具时间")
    issued_by_department = models.ForeignKey(
        "accounts.Department",
        verbose_name="实施部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_by_name = models.CharField("出具对象", max_length=200)
    source_ref = models.CharField("来源", max_length=64, db_index=True, help_text="如：措施实施反馈编号")
    content = models.JSONField("告知书内容快照")
    content_hash = models.CharField("内容摘要（SHA-256）", max_length=64)
    verification_code = models.CharField("验证码", max_length=16)

    class Meta:
        verbose_name = "措施实施告知书"
        verbose_name_plural = "措施实施告知书"
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ReportImmutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ReportImmutable()
