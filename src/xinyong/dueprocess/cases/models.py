"""What every due-process case shares: the dated, attributed history of its states and its evidence files.

Objections, repair applications and commitments each have their own model; their transitions are written
here as ``CaseEvent`` rows (who, when, from which state to which, with the reasons) and their evidence as
``EvidenceFile`` rows pointing at files encrypted at rest outside the web root (core.filecrypt).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class CaseKind(models.TextChoices):
    OBJECTION = "objection", "异议申请"
    REPAIR = "repair", "信用修复申请"
    COMMITMENT = "commitment", "信用承诺"


class ActorRole(models.TextChoices):
    SUBJECT = "subject", "信用主体"
    DEPARTMENT = "department", "部门"
    OPERATOR = "operator", "平台管理员"
    SYSTEM = "system", "系统"


class CaseEvent(models.Model):
    """One transition of a case, dated and attributed (append-only)."""

    case_kind = models.CharField("案件类型", max_length=20, choices=CaseKind.choices)
    case_id = models.PositiveBigIntegerField("案件ID")
    from_state = models.CharField("原状态", max_length=20, blank=True, default="")
    to_state = models.CharField("新状态", max_length=20)
    on_date = models.DateField("办理日期")
    at = models.DateTimeField("记录时间", default=timezone.now)
    actor_role = models.CharField("办理方", max_length=20, choices=ActorRole.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_account = models.ForeignKey(
        "dueprocess.SubjectAccount",
        verbose_name="主体用户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField("办理人名称", max_length=200, blank=True, default="")
    note = models.TextField("说明或理由", blank=True, default="")
    # Deadline of the step this event closed, and whether it was met (for the on-time statistics).
    due_on = models.DateField("该步骤期限", null=True, blank=True)
    on_time = models.BooleanField("按期办理", null=True, blank=True)

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["case_kind", "case_id", "at", "id"]
        indexes = [models.Index(fields=["case_kind", "case_id"], name="case_event_case")]

    def __str__(self) -> str:
        return f"{self.get_case_kind_display()} {self.case_id}：{self.from_state} → {self.to_state}"


class EvidenceFile(models.Model):
    """An evidence file of a case, stored encrypted outside the web root; never served without a check."""

    case_kind = models.CharField("案件类型", max_length=20, choices=CaseKind.choices)
    case_id = models.PositiveBigIntegerField("案件ID")
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    storage_name = models.CharField("存储名", max_length=100, unique=True, editable=False)
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)
    uploaded_by_role = models.CharField("上传方", max_length=20, choices=ActorRole.choices)
    uploaded_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_by_account = models.ForeignKey(
        "dueprocess.SubjectAccount",
        verbose_name="上传的主体用户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "证明材料"
        verbose_name_plural = "证明材料"
        ordering = ["case_kind", "case_id", "uploaded_at", "id"]
        indexes = [models.Index(fields=["case_kind", "case_id"], name="evidence_file_case")]

    def __str__(self) -> str:
        return self.name
