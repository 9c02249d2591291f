"""信用承诺: commitment templates per matter, signed commitments and their follow-up.

A signed commitment is also a credit record of the catalog item ``commitment`` (written through the
normal loader, published where the catalog says so); its follow-up on the fulfilment date ends in 已履行
or 未履行, and a broken commitment creates a negative record through the loader (docs/commitments.md).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class CommitmentKind(models.TextChoices):
    """The catalog's code list ``commitment_kind`` (the same codes)."""

    NOTIFY_AND_COMMIT = "notify_and_commit", "审批替代型（告知承诺）"
    ACCEPT_WITH_MISSING = "accept_with_missing_documents", "容缺受理型"
    REPAIR = "repair", "信用修复型"
    SELF_REGULATION = "self_regulation", "行业自律型"
    VOLUNTARY = "voluntary", "主动型"
    OTHER = "other", "其他"


class CommitmentState(models.TextChoices):
    IN_PROGRESS = "in_progress", "履行中"
    FULFILLED = "fulfilled", "已履行"
    BROKEN = "broken", "未履行"


class CommitmentTemplate(models.Model):
    """The text a subject signs for a matter (承诺书模板), versioned by its effective date."""

    code = models.SlugField("模板编码", max_length=60)
    name = models.CharField("模板名称", max_length=200)
    kind = models.CharField("承诺类型", max_length=40, choices=CommitmentKind.choices)
    matter_code = models.CharField("事项编码", max_length=80, blank=True, default="", db_index=True)
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name="受理部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField("承诺内容")
    fulfilment_days = models.PositiveIntegerField(
        "履行期限（日）", null=True, blank=True, help_text="自签署之日起；容缺受理为补齐材料的期限"
    )
    valid_from = models.DateField("启用日期")
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "承诺书模板"
        verbose_name_plural = "承诺书模板"
        ordering = ["code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="commitment_template_version")
        ]

    def __str__(self) -> str:
        return self.name


class Commitment(models.Model):
    """One signed commitment (信用承诺书) and its follow-up."""

    number = models.CharField("承诺书编号", max_length=40, unique=True)
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="承诺主体", on_delete=models.PROTECT, related_name="commitments"
    )
    kind = models.CharField("承诺类型", max_length=40, choices=CommitmentKind.choices)
    template = models.ForeignKey(
        CommitmentTemplate,
        verbose_name="模板",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    matter_code = models.CharField("承诺事项编码", max_length=80, blank=True, default="")
    matter_name = models.CharField("承诺事项", max_length=200)
    text = models.TextField("承诺内容")
    signatory = models.CharField("签署人", max_length=100)
    signed_on = models.DateField("承诺日期")
    signed_at = models.DateTimeField("签署时间", default=timezone.now)
    account = models.ForeignKey(
        "dueprocess.SubjectAccount",
        verbose_name="签署的主体用户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "accounts.Department", verbose_name="承诺受理单位", on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    fulfilment_due = models.DateField("履行期限", null=True, blank=True, db_index=True)
    state = models.CharField(
        "履行状态", max_length=20, choices=CommitmentState.choices, default=CommitmentState.IN_PROGRESS
    )
    checked_on = models.DateField("核查日期", null=True, blank=True)
    check_note = models.TextField("核查情况", blank=True, default="")
    # The commitment's own credit record (item ``commitment``) and, when broken, the negative record.
    record = models.ForeignKey(
        "records.CreditRecord",
        verbose_name="承诺信用记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    broken_record = models.ForeignKey(
        "records.CreditRecord",
        verbose_name="违诺失信记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "信用承诺"
        verbose_name_plural = "信用承诺"
        ordering = ["-signed_at", "-id"]
        indexes = [models.Index(fields=["state", "fulfilment_due"], name="commitment_state_due")]

    def __str__(self) -> str:
        return self.number
