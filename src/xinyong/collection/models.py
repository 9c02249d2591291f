"""归集批次: every file, API request or form entry a department submits, with its outcome.

A ``Batch`` keeps the provenance of one submission (who, which channel, which file and its SHA-256, which
catalog item version and column mapping) and its outcome counts. The counts always add up:
``rows_read == created + new_version + duplicate + rejected``, at every commit, because each chunk of rows
is loaded in one transaction together with its rejected rows and the updated counters
(``xinyong.collection.loading``). ``rows_committed`` is the resume point: the number of data
rows of the source consumed by committed chunks.

A ``RowWarning`` keeps one warning about a row that loaded (row, column, value, message).

A ``RejectedRow`` keeps an invalid row with its original values (keyed by the header in the file) and its
errors, so that a rejection file can be written for the officer to fix and re-upload. Values of personal
identifier columns (身份证号码 …) are stored encrypted, as in the records.

``ColumnMapping`` remembers, per department and catalog item, which column of their files holds which
field, so that the next upload is mapped the same way.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class BatchStatus(models.TextChoices):
    UPLOADED = "uploaded", "已上传"
    MAPPING = "mapping", "待确认映射"
    QUEUED = "queued", "排队中"
    LOADING = "loading", "入库中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


# A failed batch with one of these codes stopped half-way for a reason unrelated to its content (an
# interruption, an unexpected error); processing it again continues after the last committed chunk.
RESUMABLE_ERRORS = frozenset({"processing_error", "interrupted"})


class BatchChannel(models.TextChoices):
    FILE = "file", "文件上传"
    API = "api", "接口报送"
    FORM = "form", "在线填报"
    CLI = "cli", "命令行导入"


class IssueKind(models.TextChoices):
    ERROR = "error", "错误"
    WARNING = "warning", "提示"


class Batch(models.Model):
    """One submission of records by a department, through any channel."""

    id = models.UUIDField("批次号", primary_key=True, default=uuid.uuid4, editable=False)
    department = models.ForeignKey(
        "accounts.Department", verbose_name="报送部门", on_delete=models.PROTECT, related_name="batches"
    )
    item = models.ForeignKey(
        "catalog.CatalogItem", verbose_name="目录项", on_delete=models.PROTECT, related_name="batches"
    )
    item_version = models.ForeignKey(
        "catalog.CatalogItemVersion",
        verbose_name="目录项版本",
        on_delete=models.PROTECT,
        related_name="batches",
        help_text="校验本批次所用的目录项版本（上传时施行的版本）",
    )
    channel = models.CharField("报送渠道", max_length=10, choices=BatchChannel.choices)
    status = models.CharField(
        "状态", max_length=10, choices=BatchStatus.choices, default=BatchStatus.UPLOADED, db_index=True
    )

    # The file as received.
    original_filename = models.CharField("原文件名", max_length=255, blank=True)
    file_path = models.CharField(
        "存储路径", max_length=500, blank=True, help_text="相对于 MEDIA_ROOT 的路径：batches/<批次号>/…"
    )
    file_size = models.PositiveBigIntegerField("文件大小（字节）", default=0)
    file_sha256 = models.CharField("文件摘要（SHA-256）", max_length=64, blank=True, db_index=True)
    format = models.CharField("文件格式", max_length=10, blank=True)
    encoding = models.CharField("文字编码", max_length=20, blank=True)
    sheet = models.CharField("工作表", max_length=100, blank=True)
    headers = models.JSONField("表头", default=list, blank=True)
    files_purged_at = models.DateTimeField(
        "文件清除时间",
        null=True,
        blank=True,
        help_text="上传文件和退回文件按保存期限清除的时间（批次和已入库的记录保留）",
    )

    mapping = models.JSONField("列映射", default=dict, blank=True, help_text="{表头: 字段代码}")
    mapping_confirmed_at = models.DateTimeField("映射确认时间", null=True, blank=True)
    mapping_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="映射确认人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    # Outcome. rows_read == created + new_version + duplicate + rejected at every commit.
    rows_read = models.PositiveIntegerField("读取行数", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    new_version = models.PositiveIntegerField("更新版本", default=0)
    duplicate = models.PositiveIntegerField("重复", default=0)
    rejected = models.PositiveIntegerField("退回", default=0)
    warnings = models.JSONField("提示（按代码计数）", default=dict, blank=True)
    errors = models.JSONField("错误（按代码计数）", default=dict, blank=True)
    rows_committed = models.PositiveIntegerField(
        "已提交行数", default=0, help_text="已入库的数据行数（含空行），中断后从下一行继续"
    )
    rows_total = models.PositiveIntegerField(
        "总行数", null=True, blank=True, help_text="已知或按文件大小估算的数据行数"
    )
    rows_total_exact = models.BooleanField("总行数为准确值", default=False)

    # Timing. The run_* fields describe the current (or last) processing run, for rows/s and ETA.
    as_of = models.DateField("校验基准日", help_text="校验“决定日期不晚于当天”等规则所用的日期")
    received_at = models.DateTimeField("接收时间", default=timezone.now)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False, db_index=True)
    started_at = models.DateTimeField("开始处理时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    run_started_at = models.DateTimeField("本轮处理开始时间", null=True, blank=True)
    run_start_rows = models.PositiveIntegerField("本轮处理起始行数", default=0)
    progress_at = models.DateTimeField("最近进度时间", null=True, blank=True)
    task_id = models.CharField("后台任务号", max_length=64, blank=True)

    error_code = models.CharField("错误代码", max_length=60, blank=True)
    error_message = models.TextField("错误说明", blank=True)

    # Who.
    uploaded_by = models.ForeignKey(
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
    idempotency_key = models.CharField("幂等键", max_length=200, blank=True)
    request_sha256 = models.CharField("请求摘要", max_length=64, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="更正的批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        help_text="重新上传退回文件时，指向其退回行所属的批次",
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name="相同文件的批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="同一部门、同一目录项此前上传过完全相同的文件，经确认后重新处理",
    )

    class Meta:
        verbose_name = "归集批次"
        verbose_name_plural = "归集批次"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["api_client", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="collection_batch_idempotency_key",
            ),
            # Nothing is lost: every row read has exactly one outcome.
            models.CheckConstraint(
                condition=Q(
                    rows_read=models.F("created")
                    + models.F("new_version")
                    + models.F("duplicate")
                    + models.F("rejected")
                ),
                name="collection_batch_counts_add_up",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "item", "file_sha256"], name="collection_batch_file"),
            models.Index(fields=["department", "received_at"], name="collection_batch_dept_recv"),
        ]

    def __str__(self) -> str:
        name = self.original_filename or self.get_channel_display()
        return f"{self.item.name if self.item_id else ''}｜{name}｜{str(self.pk)[:8]}"

    @property
    def accepted(self) -> int:
        """Rows that became records or new versions."""
        return self.created + self.new_version

    @property
    def is_finished(self) -> bool:
        return self.status in (BatchStatus.DONE, BatchStatus.FAILED)


class RejectedRow(models.Model):
    """One row of a batch that was not loaded, with its original values and what is wrong with it."""

    batch = models.ForeignKey(
        Batch, verbose_name="批次", on_delete=models.CASCADE, related_name="rejected_rows"
    )
    number = models.PositiveIntegerField("行号", help_text="文件中的行号（表头为第 1 行）或接口数据的序号")
    values = models.JSONField("原始内容", default=dict, help_text="{表头: 原值}，证件号码列另行加密保存")
    values_protected = models.TextField("证件号码列（密文）", blank=True, editable=False)
    errors = models.JSONField("错误", default=list, help_text="[{code, field, column, value, message}]")

    class Meta:
        verbose_name = "退回行"
        verbose_name_plural = "退回行"
        ordering = ["batch", "number"]
        indexes = [models.Index(fields=["batch", "number"], name="collection_rejected_row")]

    def __str__(self) -> str:
        return f"第 {self.number} 行"


class RowWarning(models.Model):
    """One warning about a row that passed validation (the row loads; the department should check it).

    Stored like the errors of a rejected row, one row per warning, so that the batch page, the warning list
    and the command line can name the row, the column and the value. A personal identifier is stored
    masked: the message never needs the full number.
    """

    batch = models.ForeignKey(
        Batch, verbose_name="批次", on_delete=models.CASCADE, related_name="row_warnings"
    )
    number = models.PositiveIntegerField("行号", help_text="文件中的行号（表头为第 1 行）或接口数据的序号")
    code = models.CharField("提示代码", max_length=60)
    field = models.CharField("字段代码", max_length=60, blank=True)
    column = models.CharField("列", max_length=255, blank=True)
    value = models.TextField("值", blank=True)
    message = models.TextField("说明")

    class Meta:
        verbose_name = "提示行"
        verbose_name_plural = "提示行"
        ordering = ["batch", "number", "id"]
        indexes = [models.Index(fields=["batch", "number"], name="collection_row_warning")]

    def __str__(self) -> str:
        return f"第 {self.number} 行：{self.code}"


class BatchIssueCount(models.Model):
    """How many rows of a batch had an error or warning of one code (for quality statistics)."""

    batch = models.ForeignKey(
        Batch, verbose_name="批次", on_delete=models.CASCADE, related_name="issue_counts"
    )
    kind = models.CharField("类型", max_length=10, choices=IssueKind.choices)
    code = models.CharField("代码", max_length=60)
    count = models.PositiveIntegerField("行数", default=0)

    class Meta:
        verbose_name = "问题计数"
        verbose_name_plural = "问题计数"
        constraints = [
            models.UniqueConstraint(fields=["batch", "kind", "code"], name="collection_issue_count_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.count}"


class ColumnMapping(models.Model):
    """The column mapping a department last confirmed for a catalog item, proposed for its next upload."""

    department = models.ForeignKey(
        "accounts.Department", verbose_name="部门", on_delete=models.CASCADE, related_name="column_mappings"
    )
    item = models.ForeignKey(
        "catalog.CatalogItem", verbose_name="目录项", on_delete=models.CASCADE, related_name="column_mappings"
    )
    mapping = models.JSONField("列映射", default=dict, help_text="{表头: 字段代码}")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "列映射"
        verbose_name_plural = "列映射"
        constraints = [
            models.UniqueConstraint(fields=["department", "item"], name="collection_column_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"{self.department}｜{self.item}"
