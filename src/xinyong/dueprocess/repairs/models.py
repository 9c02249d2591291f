"""信用修复: an application to repair a credit record or a list entry, decided by the deciding department.

Approval puts the record in the 已信用修复 state (records.services.record_mark_repaired) and the entry in
``repaired``: publication stops, sharing stops, the check's measures lift; the archive and the audit log keep
everything. A repair obtained with false materials is revoked (docs/credit-repair.md).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class RepairState(models.TextChoices):
    SUBMITTED = "submitted", "已提交"
    ACCEPTED = "accepted", "已受理"
    REFUSED = "refused", "不予受理"
    APPROVED = "approved", "准予修复"
    REJECTED = "rejected", "不予修复"
    REVOKED = "revoked", "已撤销修复"


OPEN_REPAIR_STATES = (RepairState.SUBMITTED, RepairState.ACCEPTED)


class RepairApplication(models.Model):
    """One application for credit repair (信用修复申请)."""

    number = models.CharField("申请编号", max_length=32, unique=True)
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="主体", on_delete=models.PROTECT, related_name="repair_applications"
    )
    record = models.ForeignKey(
        "records.CreditRecord",
        verbose_name="申请修复的信用记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repair_applications",
    )
    list_entry = models.ForeignKey(
        "lists.ListEntry",
        verbose_name="申请修复的名单条目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repair_applications",
    )
    account = models.ForeignKey(
        "dueprocess.SubjectAccount",
        verbose_name="申请的主体用户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repair_applications",
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deciding_department = models.ForeignKey(
        "accounts.Department", verbose_name="认定部门（负责修复）", on_delete=models.PROTECT, related_name="+"
    )
    statement = models.TextField("履行义务和纠正失信行为的情况")
    commitment = models.OneToOneField(
        "dueprocess.Commitment",
        verbose_name="信用修复承诺书",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repair_application",
    )
    state = models.CharField(
        "状态", max_length=20, choices=RepairState.choices, default=RepairState.SUBMITTED
    )
    profile = models.ForeignKey(
        "dueprocess.JurisdictionProfile",
        verbose_name="办理时限规则",
        on_delete=models.PROTECT,
        related_name="+",
    )
    filed_on = models.DateField("申请日期")
    filed_at = models.DateTimeField("提交时间", default=timezone.now)
    due_on = models.DateField("当前步骤期限", null=True, blank=True, db_index=True)
    due_provisional = models.BooleanField("期限为暂定", default=False)
    extended = models.BooleanField("已延长核实期限", default=False)
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    reasons = models.TextField("决定理由", blank=True, default="")
    publication_stop_due = models.DateField("停止公示期限", null=True, blank=True)
    revoked_on = models.DateField("撤销修复日期", null=True, blank=True)
    revoke_reason = models.TextField("撤销修复理由", blank=True, default="")
    escalated_on = models.DateField("超期督办日期", null=True, blank=True)

    class Meta:
        verbose_name = "信用修复申请"
        verbose_name_plural = "信用修复申请"
        ordering = ["-filed_at", "-id"]
        indexes = [
            models.Index(fields=["state", "due_on"], name="repair_state_due"),
            models.Index(fields=["subject", "state"], name="repair_subject"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(record__isnull=False) | models.Q(list_entry__isnull=False),
                name="repair_has_target",
            )
        ]

    def __str__(self) -> str:
        return self.number
