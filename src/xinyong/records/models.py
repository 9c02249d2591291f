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
    "PublicationChange",
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
    # 信用修复: the record stays on file but leaves publication and is no longer in force (docs/credit-check.md).
    REPAIRED = "repaired", "已信用修复"


class EffectiveStatus(models.TextChoices):
    """Status as of a date: the stored one, or expired when the publication window has ended."""

    EFFECTIVE = "effective", "有效"
    REVOKED = "revoked", "撤销"
    WITHDRAWN = "withdrawn", "撤回"
    REPAIRED = "repaired", "已信用修复"
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
    # Unindexed (records/0004_bulk_indexes): every index costs time on each record the bulk loader writes,
    # and no query looks records up by their current version or item version (versions belong to one
    # record by construction; item versions are never deleted).
    current_version = models.ForeignKey(
        "CreditRecordVersion",
        verbose_name="当前版本",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # Denormalised from the current version so that lists, filters and checks use one table.
    item_version = models.ForeignKey(
        "catalog.CatalogItemVersion",
        verbose_name="目录项版本",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
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
    # 异议标注: an objection is open against the record; the credit check suspends the measures resting on
    # it. Set by ``records.services.record_mark_disputed``, carried by every new version (docs/credit-check.md).
    disputed = models.BooleanField("异议标注", default=False, db_default=False)
    publish_from = models.DateField("公示起始日期", null=True, blank=True)
    publish_until = models.DateField("公示截止日期", null=True, blank=True)
    # Publication window (records.windows): computed from the item, decision date, tier and penalty kinds
    # under the rule set in force on the decision date. Whether a record is public on a day is decided at
    # query time (records.selectors.records_public), never by a job.
    publishable = models.BooleanField(
        "可公示", default=True, db_default=True, help_text="依公示期限规则不予公示的（如仅受警告处罚）为否"
    )
    repair_from = models.DateField(
        "可申请信用修复日期", null=True, blank=True, help_text="最短公示期满的次日；为空表示不适用信用修复"
    )
    no_early_stop = models.BooleanField(
        "不得提前停止公示",
        default=False,
        db_default=False,
        help_text="含责令停产停业、限制从业、吊销许可证件等处罚：处罚期间不得提前停止公示",
    )
    window_rule = models.CharField("公示期限依据", max_length=200, blank=True, default="", db_default="")
    rule_set_code = models.CharField("公示期限规则集", max_length=40, blank=True, default="", db_default="")
    # Revocation / withdrawal: the record leaves publication at once (query time); the platform's deadline
    # to take it down everywhere is 3 working days after the status date (行政处罚法第四十八条).
    status_date = models.DateField("状态变更日期", null=True, blank=True)
    withdrawal_due = models.DateField(
        "撤下公示期限", null=True, blank=True, help_text="状态变更日期后第 3 个工作日"
    )
    withdrawn_at = models.DateTimeField("撤下公示时间", null=True, blank=True)
    # State seen by the last publication sweep (records.services.record_publication_sweep).
    in_publication = models.BooleanField(
        "公示中（最近一次巡检）", default=False, db_default=False, editable=False
    )
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

    # Indexed through the (record, number) index. The other foreign keys have no index of their own
    # (records/0004_bulk_indexes): no query looks versions up by item version or subject, item versions and
    # subjects are never deleted, and the uploader / API client indexes leave out the rows without one.
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
        db_index=False,
    )
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="主体", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    document_number = models.CharField("文书号", max_length=200)
    decision_date = models.DateField("决定日期")
    severity = models.CharField("严重程度", max_length=10, choices=SeverityTier.choices, blank=True)
    polarity = models.CharField("信息性质", max_length=10, choices=Polarity.choices)
    status = models.CharField("状态", max_length=10, choices=RecordStatus.choices)
    status_date = models.DateField("状态变更日期", null=True, blank=True)
    change_reason = models.TextField("变更原因", blank=True)
    disputed = models.BooleanField("异议标注", default=False, db_default=False)
    publish_from = models.DateField("公示起始日期", null=True, blank=True)
    publish_until = models.DateField("公示截止日期", null=True, blank=True)
    publishable = models.BooleanField("可公示", default=True, db_default=True)
    repair_from = models.DateField("可申请信用修复日期", null=True, blank=True)
    no_early_stop = models.BooleanField("不得提前停止公示", default=False, db_default=False)
    window_rule = models.CharField("公示期限依据", max_length=200, blank=True, default="", db_default="")
    rule_set_code = models.CharField("公示期限规则集", max_length=40, blank=True, default="", db_default="")
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
        db_index=False,
    )
    api_client = models.ForeignKey(
        "accounts.ApiClient",
        verbose_name="接口客户端",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    received_at = models.DateTimeField("接收时间")
    # Unique where set (constraint below): first versions, most of them, add no index entry.
    supersedes = models.ForeignKey(
        "self",
        verbose_name="取代的版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        db_index=False,
    )
    created_at = models.DateTimeField("写入时间", default=timezone.now, editable=False)

    objects = NoDeleteQuerySet.as_manager()

    class Meta:
        verbose_name = "信用记录版本"
        verbose_name_plural = "信用记录版本"
        ordering = ["record_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="credit_record_version_unique"),
            models.UniqueConstraint(
                fields=["supersedes"],
                condition=models.Q(supersedes__isnull=False),
                name="credit_record_version_supersedes",
            ),
        ]
        indexes = [
            # For the protection of users and API clients against deletion; API uploads have no uploader
            # and file uploads no API client, so each row enters one of the two at most.
            models.Index(
                fields=["uploader"],
                condition=models.Q(uploader__isnull=False),
                name="credit_record_version_uploader",
            ),
            models.Index(
                fields=["api_client"],
                condition=models.Q(api_client__isnull=False),
                name="credit_record_version_client",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record}｜第{self.number}版"

    def delete(self, *args, **kwargs):
        raise RecordDeletionRefused()


class PublicationChange(models.Model):
    """A record entering or leaving publication on a day, as seen by the nightly sweep (append-only).

    Visibility itself is computed at query time; these rows only tell other systems (change feed) and
    people (history) what changed and why.
    """

    class Change(models.TextChoices):
        ENTERED = "entered", "纳入公示"
        LEFT = "left", "停止公示"

    class Reason(models.TextChoices):
        WINDOW_STARTED = "window_started", "进入公示期"
        RESTORED = "restored", "恢复公示"
        WINDOW_ENDED = "window_ended", "公示期满"
        REVOKED = "revoked", "决定已撤销"
        WITHDRAWN = "withdrawn", "已撤回公示"
        REPAIRED = "repaired", "已信用修复"
        NOT_PUBLISHABLE = "not_publishable", "依规则不予公示"
        NOT_PUBLIC = "not_public", "非公开信息"
        WINDOW_CHANGED = "window_changed", "公示期限调整"

    record = models.ForeignKey(
        CreditRecord,
        verbose_name="信用记录",
        on_delete=models.PROTECT,
        related_name="publication_changes",
        db_index=False,
    )
    change = models.CharField("变化", max_length=10, choices=Change.choices)
    on_date = models.DateField("日期")
    reason = models.CharField("原因", max_length=20, choices=Reason.choices)
    recorded_at = models.DateTimeField("记录时间", default=timezone.now)

    objects = NoDeleteQuerySet.as_manager()

    class Meta:
        verbose_name = "公示状态变化"
        verbose_name_plural = "公示状态变化"
        ordering = ["id"]
        indexes = [models.Index(fields=["record", "on_date"], name="publication_change_record")]

    def __str__(self) -> str:
        return f"{self.record_id}｜{self.get_change_display()}｜{self.on_date}"

    def delete(self, *args, **kwargs):
        raise RecordDeletionRefused()
