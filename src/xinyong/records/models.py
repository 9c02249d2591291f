"""信用记录: canonical credit records and their versions.

``CreditRecord`` is the stable identity of one fact (dedupe key: item, source department, normalised
document number) and carries the current values denormalised for filtering, so lists and checks never
scan versions. ``CreditRecordVersion`` rows are never overwritten: every correction or status change adds a
version, and ``CreditRecord.current_version`` points at the newest one.

Records are never physically deleted by ordinary operations: ``delete()`` on a model instance or a
queryset raises ``RecordDeletionRefused``; foreign keys into records use PROTECT.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from xinyong.core.codes import DisclosureScope, Polarity, SeverityTier, SubjectKind

# Severity tier (轻微 / 一般 / 严重), polarity and disclosure scope are the shared code lists of core.codes
# (the catalog uses the same ones); a record's severity is blank when its item has none (e.g. a licence).
__all__ = [
    "Channel",
    "CreditRecord",
    "CreditRecordVersion",
    "EffectiveStatus",
    "Polarity",
    "RecordDeletionRefused",
    "RecordStatus",
    "SeverityTier",
]


class RecordDeletionRefused(Exception):
    """Credit records and their versions are corrected, revoked or withdrawn, never deleted."""

    code = "record_delete_refused"
    message = "信用记录不能删除：请通过更正、撤销或撤回处理，所有操作均留痕"

    def __init__(self) -> None:
        super().__init__(self.message)


class RecordStatus(models.TextChoices):
    """Stored status. "Expired by window" is computed from the dates (see ``EffectiveStatus``)."""

    EFFECTIVE = "effective", "有效"
    REVOKED = "revoked", "撤销"
    WITHDRAWN = "withdrawn", "撤回"


class EffectiveStatus(models.TextChoices):
    """Status as of a date: the stored one, or expired when the publication window has ended."""

    EFFECTIVE = "effective", "有效"
    REVOKED = "revoked", "撤销"
    WITHDRAWN = "withdrawn", "撤回"
    EXPIRED = "expired", "公示期满"


class Channel(models.TextChoices):
    FILE = "file", "文件上传"
    API = "api", "接口报送"
    FORM = "form", "在线填报"
    SYSTEM = "system", "系统生成"


class NoDeleteQuerySet(models.QuerySet):
    def delete(self):
        raise RecordDeletionRefused()

    delete.queryset_only = True


class CreditRecord(models.Model):
    """The stable identity of one credit fact, with its current values denormalised."""

    # No single-column indexes on item, department and subject: the dedupe key and the composite indexes
    # below start with them, and every index costs time on each record the bulk loader writes.
    item = models.ForeignKey(
        "catalog.CatalogItem",
        verbose_name="目录项",
        on_delete=models.PROTECT,
        related_name="records",
        db_index=False,
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name="数据来源单位",
        on_delete=models.PROTECT,
        related_name="credit_records",
        db_index=False,
    )
    document_number = models.CharField("文书号", max_length=200)
    document_number_key = models.CharField(
        "文书号（去重用）", max_length=200, editable=False, help_text="统一全半角、括号和空格后的文书号"
    )
    subject = models.ForeignKey(
        "subjects.Subject",
        verbose_name="主体",
        on_delete=models.PROTECT,
        related_name="credit_records",
        db_index=False,
    )
    current_version = models.OneToOneField(
        "CreditRecordVersion",
        verbose_name="当前版本",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Denormalised from the current version so that lists, filters and checks use one table.
    item_version = models.ForeignKey(
        "catalog.CatalogItemVersion",
        verbose_name="目录项版本",
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_kind = models.CharField("主体类别", max_length=30, choices=SubjectKind.choices)
    disclosure_scope = models.CharField(
        "公开属性",
        max_length=20,
        choices=DisclosureScope.choices,
        help_text="由目录项版本按主体类别确定（自然人可适用不同的公开属性）",
    )
    decision_date = models.DateField("决定日期")
    severity = models.CharField("严重程度", max_length=10, choices=SeverityTier.choices, blank=True)
    polarity = models.CharField("信息性质", max_length=10, choices=Polarity.choices)
    status = models.CharField("状态", max_length=10, choices=RecordStatus.choices)
    publish_from = models.DateField("公示起始日期", null=True, blank=True)
    publish_until = models.DateField("公示截止日期", null=True, blank=True)
    duplicate_count = models.PositiveIntegerField("重复报送次数", default=0)
    last_duplicate_at = models.DateTimeField("最近重复报送时间", null=True, blank=True)
    # Timeliness (报送及时性): working days from the decision date to the first receipt, see records.timeliness.
    lag_working_days = models.IntegerField(
        "报送用时（工作日）", null=True, blank=True, help_text="决定日期至平台首次接收日期之间的工作日数"
    )
    lag_provisional = models.BooleanField(
        "用时为暂定值", default=False, help_text="所涉年度的节假日安排尚未录入，按周末规则估算"
    )
    is_late = models.BooleanField(
        "超期报送",
        null=True,
        blank=True,
        help_text="报送用时超过目录项的公示时限（双公示为 7 个工作日）；无公示时限的目录项为空",
    )
    created_at = models.DateTimeField("首次接收时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("最近变更时间", default=timezone.now, db_index=True)

    objects = NoDeleteQuerySet.as_manager()

    class Meta:
        verbose_name = "信用记录"
        verbose_name_plural = "信用记录"
        ordering = ["-decision_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "department", "document_number_key"], name="credit_record_dedupe_key"
            )
        ]
        indexes = [
            models.Index(fields=["subject", "status"], name="credit_record_subject"),
            models.Index(fields=["department", "decision_date"], name="credit_record_dept_date"),
            models.Index(fields=["item", "decision_date"], name="credit_record_item_date"),
            models.Index(fields=["decision_date"], name="credit_record_decision_date"),
            models.Index(fields=["disclosure_scope", "department"], name="credit_record_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.item}｜{self.document_number}"

    def delete(self, *args, **kwargs):
        raise RecordDeletionRefused()


class CreditRecordVersion(models.Model):
    """One immutable snapshot of a credit record with its provenance."""

    # Indexed through the (record, number) and (record, content_hash) indexes.
    record = models.ForeignKey(
        CreditRecord,
        verbose_name="信用记录",
        on_delete=models.PROTECT,
        related_name="versions",
        db_index=False,
    )
    number = models.PositiveIntegerField("版本号")
    item_version = models.ForeignKey(
        "catalog.CatalogItemVersion",
        verbose_name="校验所用目录项版本",
        on_delete=models.PROTECT,
        related_name="record_versions",
    )
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="主体", on_delete=models.PROTECT, related_name="+"
    )
    document_number = models.CharField("文书号", max_length=200)
    decision_date = models.DateField("决定日期")
    severity = models.CharField("严重程度", max_length=10, choices=SeverityTier.choices, blank=True)
    polarity = models.CharField("信息性质", max_length=10, choices=Polarity.choices)
    status = models.CharField("状态", max_length=10, choices=RecordStatus.choices)
    status_date = models.DateField("状态变更日期", null=True, blank=True)
    change_reason = models.TextField("变更原因", blank=True)
    publish_from = models.DateField("公示起始日期", null=True, blank=True)
    publish_until = models.DateField("公示截止日期", null=True, blank=True)
    fields = models.JSONField("字段", default=dict)
    fields_protected = models.TextField(
        "个人证件号码（密文）", blank=True, editable=False, help_text="证件号码类字段的原值，加密保存"
    )
    content_hash = models.CharField("内容摘要", max_length=64)
    channel = models.CharField("报送渠道", max_length=10, choices=Channel.choices)
    batch_ref = models.CharField("批次", max_length=64, blank=True)
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报送人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    api_client = models.ForeignKey(
        "accounts.ApiClient",
        verbose_name="接口客户端",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField("接收时间")
    supersedes = models.OneToOneField(
        "self",
        verbose_name="取代的版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    created_at = models.DateTimeField("写入时间", default=timezone.now, editable=False)

    objects = NoDeleteQuerySet.as_manager()

    class Meta:
        verbose_name = "信用记录版本"
        verbose_name_plural = "信用记录版本"
        ordering = ["record_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="credit_record_version_unique")
        ]
        indexes = [
            models.Index(fields=["record", "content_hash"], name="credit_record_version_hash"),
            # Equality lookups only: a Meta index, so PostgreSQL gets no second LIKE-pattern index.
            models.Index(fields=["batch_ref"], name="credit_record_version_batch"),
        ]

    def __str__(self) -> str:
        return f"{self.record}｜第{self.number}版"

    def delete(self, *args, **kwargs):
        raise RecordDeletionRefused()
