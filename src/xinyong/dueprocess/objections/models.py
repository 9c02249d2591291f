"""异议: an objection against a credit record or a list entry, with its deadlines and decision.

Filing marks the record (or the entry's record) as disputed at once (records.services.record_mark_disputed),
which suspends the measures resting on it in every check until the objection is closed. The deadlines of
each step come from the jurisdiction profile in force on the filing date (docs/objections.md).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class FilerKind(models.TextChoices):
    SUBJECT = "subject", "信用主体本人"
    DEPARTMENT = "department", "部门"
    OPERATOR = "operator", "平台代为登记"


class ObjectionState(models.TextChoices):
    MARKED = "marked", "已异议标注"  # filed, the record shows the mark; awaiting acceptance
    ACCEPTED = "accepted", "已受理"
    REFUSED = "refused", "不予受理"
    FORWARDED = "forwarded", "已转数据来源单位核查"
    DECIDED = "decided", "已作出处理决定"
    CLOSED = "closed", "已告知办结"


# States in which the objection is open (the mark stays, measures stay suspended).
OPEN_OBJECTION_STATES = (ObjectionState.MARKED, ObjectionState.ACCEPTED, ObjectionState.FORWARDED)


class ObjectionOutcome(models.TextChoices):
    CORRECTED = "corrected", "更正"
    WITHDRAWN = "withdrawn", "撤销（撤回）"
    MAINTAINED = "maintained", "维持"
    UNDETERMINED = "undetermined", "无法核实（异议与核查情况一并记录）"


class Objection(models.Model):
    """One objection (异议申请) against a record or a list entry."""

    number = models.CharField("异议编号", max_length=32, unique=True)
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="主体", on_delete=models.PROTECT, related_name="objections"
    )
    record = models.ForeignKey(
        "records.CreditRecord",
        verbose_name="异议的信用记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections",
    )
    list_entry = models.ForeignKey(
        "lists.ListEntry",
        verbose_name="异议的名单条目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections",
    )
    filer_kind = models.CharField("提出方", max_length=20, choices=FilerKind.choices)
    account = models.ForeignKey(
        "dueprocess.SubjectAccount",
        verbose_name="提出的主体用户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections",
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    filed_by_department = models.ForeignKey(
        "accounts.Department",
        verbose_name="提出部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    contact_name = models.CharField("联系人", max_length=100, blank=True, default="")
    contact_phone = models.CharField("联系电话", max_length=30, blank=True, default="")
    statement = models.TextField("异议事实和理由")
    requested = models.CharField(
        "申请事项", max_length=200, blank=True, default="", help_text="如：更正、删除"
    )
    state = models.CharField(
        "状态", max_length=20, choices=ObjectionState.choices, default=ObjectionState.MARKED
    )
    profile = models.ForeignKey(
        "dueprocess.JurisdictionProfile",
        verbose_name="办理时限规则",
        on_delete=models.PROTECT,
        related_name="+",
    )
    source_department = models.ForeignKey(
        "accounts.Department",
        verbose_name="数据来源单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    filed_on = models.DateField("提出日期")
    filed_at = models.DateTimeField("提交时间", default=timezone.now)
    # The due date of the step the case is waiting for (recomputed at every transition; null when closed).
    due_on = models.DateField("当前步骤期限", null=True, blank=True, db_index=True)
    due_provisional = models.BooleanField("期限为暂定", default=False)
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    forwarded_on = models.DateField("转办日期", null=True, blank=True)
    decided_on = models.DateField("处理决定日期", null=True, blank=True)
    closed_on = models.DateField("告知办结日期", null=True, blank=True)
    outcome = models.CharField(
        "处理结果", max_length=20, choices=ObjectionOutcome.choices, blank=True, default=""
    )
    reasons = models.TextField("处理理由", blank=True, default="")
    escalated_on = models.DateField("超期督办日期", null=True, blank=True)
    # The record's version number right after the mark was set: a correction is a later version received
    # through the loader with other content (docs/objections.md).
    record_version_filed = models.PositiveIntegerField("提出时的记录版本", null=True, blank=True)

    class Meta:
        verbose_name = "异议申请"
        verbose_name_plural = "异议申请"
        ordering = ["-filed_at", "-id"]
        indexes = [
            models.Index(fields=["state", "due_on"], name="objection_state_due"),
            models.Index(fields=["subject", "state"], name="objection_subject"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(record__isnull=False) | models.Q(list_entry__isnull=False),
                name="objection_has_target",
            ),
            # One open objection per record (and per entry without a documenting record): the database refuses
            # the second one even when two are filed at the same moment.
            models.UniqueConstraint(
                fields=["record"],
                condition=models.Q(state__in=OPEN_OBJECTION_STATES, record__isnull=False),
                name="objection_one_open_per_record",
            ),
            models.UniqueConstraint(
                fields=["list_entry"],
                condition=models.Q(state__in=OPEN_OBJECTION_STATES, record__isnull=True),
                name="objection_one_open_per_entry",
            ),
        ]

    def __str__(self) -> str:
        return self.number
