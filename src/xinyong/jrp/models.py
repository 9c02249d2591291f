"""联合奖惩: matters, memoranda, the versioned measure list with department conditions, the credit check log,
feedback and typical cases. See docs/jrp.md.

Measures live in a ``Rulebook`` (措施清单版本): operators edit a draft, preview its impact on the logged
checks, and publish it; only the published rulebook applies (未经公布的惩戒措施不得实施). A measure keeps its
``code`` from one rulebook to the next, so logs, feedback and statistics follow it across versions.

The check log is append-only and partition-ready: nothing references it with a foreign key (feedback
carries the check id and day), so on PostgreSQL it can be range-partitioned by ``checked_on``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

__all__ = [
    "Application",
    "BatchCheck",
    "CheckChannel",
    "CheckDigest",
    "CheckLog",
    "CheckLogChangeRefused",
    "CheckOutcome",
    "FeedbackOverdueCount",
    "FeedbackState",
    "Matter",
    "MatterStage",
    "Measure",
    "MeasureCondition",
    "MeasureFamily",
    "MeasureFeedback",
    "MeasureKind",
    "Memorandum",
    "QueryKind",
    "Rulebook",
    "RulebookStatus",
    "TypicalCase",
    "WidgetToken",
]


class MatterStage(models.TextChoices):
    BEFORE = "before", "事前"
    DURING = "during", "事中"
    AFTER = "after", "事后"


class Matter(models.Model):
    """事项: an administrative power or public service item from a department's 权责清单/事项清单."""

    code = models.CharField("事项编码", max_length=80, unique=True)
    name = models.CharField("事项名称", max_length=300)
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name="实施部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="matters",
    )
    kind = models.CharField(
        "事项类型", max_length=50, blank=True, help_text="如：行政许可、行政处罚、公共服务"
    )
    stage = models.CharField("管理阶段", max_length=10, choices=MatterStage.choices)
    source = models.CharField("来源", max_length=200, blank=True)
    active = models.BooleanField("在用", default=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "事项"
        verbose_name_plural = "事项"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Memorandum(models.Model):
    """联合奖惩备忘录: the cross-department memorandum a measure rests on."""

    code = models.CharField("代码", max_length=60, unique=True)
    title = models.CharField("标题", max_length=300)
    document_number = models.CharField("文号", max_length=100, blank=True)
    issued_on = models.DateField("印发日期", null=True, blank=True)
    kind = models.CharField("类别", max_length=10, choices=[("black", "联合惩戒"), ("red", "联合激励")])
    initiators = models.TextField("发起单位", blank=True)
    list_type_codes = models.JSONField("奖惩对象（名单类型）", default=list, blank=True)

    class Meta:
        verbose_name = "联合奖惩备忘录"
        verbose_name_plural = "联合奖惩备忘录"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title


class RulebookStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已公布"
    SUPERSEDED = "superseded", "已被替代"


class Rulebook(models.Model):
    """One version of the measure list (措施清单) with every department's conditions."""

    number = models.PositiveIntegerField("版本号", unique=True)
    status = models.CharField(
        "状态", max_length=12, choices=RulebookStatus.choices, default=RulebookStatus.DRAFT
    )
    note = models.TextField("修订说明", blank=True)
    based_on = models.ForeignKey(
        "self", verbose_name="基于版本", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="公布人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField("公布时间", null=True, blank=True)
    # Stored with the publication: what the impact preview showed when the version was published.
    preview_summary = models.JSONField("影响预览摘要", default=dict, blank=True)

    class Meta:
        verbose_name = "措施清单版本"
        verbose_name_plural = "措施清单版本"
        ordering = ["-number"]
        constraints = [
            # At most one published rulebook at a time.
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="published"), name="rulebook_one_published"
            ),
        ]

    def __str__(self) -> str:
        return f"措施清单第 {self.number} 版（{self.get_status_display()}）"


class MeasureKind(models.TextChoices):
    PUNISHMENT = "punishment", "失信惩戒"
    INCENTIVE = "incentive", "守信激励"


class MeasureFamily(models.TextChoices):
    """The three families of the national basic measure list."""

    RIGHTS = "rights", "减损权益或增加义务"
    MANAGEMENT = "management", "管理措施"
    MARKET = "market", "市场和行业措施"


class Application(models.TextChoices):
    MANDATORY = "mandatory", "强制应用"
    RECOMMENDED = "recommended", "推荐应用"


class Measure(models.Model):
    """One measure in one rulebook, in the format of a department's 奖惩措施清单 (事项名称 … 应用手段)."""

    rulebook = models.ForeignKey(
        Rulebook, verbose_name="措施清单版本", on_delete=models.PROTECT, related_name="measures"
    )
    code = models.CharField("措施代码", max_length=80)
    kind = models.CharField("类别", max_length=12, choices=MeasureKind.choices)
    family = models.CharField("措施类型", max_length=12, choices=MeasureFamily.choices)
    content = models.TextField("措施内容")
    legal_basis = models.TextField("奖惩依据")
    memorandum = models.ForeignKey(
        Memorandum,
        verbose_name="备忘录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measures",
    )
    target = models.TextField("奖惩对象", help_text="名单或对象的文字描述")
    list_type_codes = models.JSONField("适用名单类型", default=list)
    matter_name = models.CharField(
        "事项名称", max_length=300, blank=True, help_text="清单原文；未列入事项清单的填“无”"
    )
    matter_codes = models.JSONField(
        "适用事项", default=list, blank=True, help_text="为空表示适用于实施部门的全部事项"
    )
    responsible_office = models.CharField("责任处室（单位）", max_length=200, blank=True)
    implementing_department = models.ForeignKey(
        "accounts.Department",
        verbose_name="实施部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measures",
    )
    implementation = models.TextField("组织实施", blank=True)
    stage = models.CharField("管理阶段", max_length=10, choices=MatterStage.choices)
    application = models.CharField("应用手段", max_length=12, choices=Application.choices)
    # The measure's own condition (declarative, docs/jrp.md); departments add theirs in MeasureCondition.
    condition = models.JSONField("适用条件", default=dict, blank=True)
    extends_to_responsible_persons = models.BooleanField("落实到责任人", default=False)
    source = models.CharField("来源", max_length=200, blank=True, help_text="如：全国失信惩戒措施基础清单")

    class Meta:
        verbose_name = "奖惩措施"
        verbose_name_plural = "奖惩措施"
        ordering = ["rulebook", "code"]
        constraints = [models.UniqueConstraint(fields=["rulebook", "code"], name="measure_code_per_rulebook")]

    def __str__(self) -> str:
        return f"{self.code}：{self.content[:40]}"


class MeasureCondition(models.Model):
    """A department's own condition on a measure, in a rulebook (declarative; evaluated without eval)."""

    rulebook = models.ForeignKey(
        Rulebook, verbose_name="措施清单版本", on_delete=models.PROTECT, related_name="conditions"
    )
    measure_code = models.CharField("措施代码", max_length=80)
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name="部门",
        on_delete=models.PROTECT,
        related_name="measure_conditions",
    )
    expression = models.JSONField("条件")
    description = models.TextField("条件说明", blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField("修改时间", default=timezone.now)

    class Meta:
        verbose_name = "部门适用条件"
        verbose_name_plural = "部门适用条件"
        ordering = ["rulebook", "measure_code", "department"]
        constraints = [
            models.UniqueConstraint(
                fields=["rulebook", "measure_code", "department"], name="measure_condition_per_department"
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure_code}｜{self.department_id}"


class CheckChannel(models.TextChoices):
    API = "api", "接口"
    BATCH = "batch", "批量核查"
    WIDGET = "widget", "嵌入组件"
    CONSOLE = "console", "窗口核查页面"


class QueryKind(models.TextChoices):
    USCC = "uscc", "统一社会信用代码"
    RIC = "ric", "身份证号码"
    NAME = "name", "名称"


class CheckOutcome(models.TextChoices):
    HIT = "hit", "命中名单"
    CLEAN = "clean", "未命中"
    CANDIDATES = "candidates", "名称候选（需确认）"
    NOT_FOUND = "not_found", "未找到主体"
    INVALID = "invalid", "查询条件有误"


class CheckLogChangeRefused(Exception):
    """The check log is append-only: a logged check is never changed or deleted."""

    code = "check_log_append_only"
    message = "核查记录只能追加，不能修改或删除"

    def __init__(self) -> None:
        super().__init__(self.message)


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk updates and deletes (rows are only ever added)."""

    def delete(self):
        raise CheckLogChangeRefused()

    delete.queryset_only = True

    def update(self, **kwargs):
        raise CheckLogChangeRefused()


class CheckLog(models.Model):
    """One credit check: its inputs and its answer, append-only (never updated or deleted).

    Personal data: a 身份证 number is never stored; ``query_text`` holds it masked and ``subject`` links the
    person found. ``answer`` is the JSON answer as returned, so the impact preview can replay the check.
    """

    id = models.BigAutoField(primary_key=True)
    checked_at = models.DateTimeField("核查时间", default=timezone.now)
    checked_on = models.DateField("核查日期", db_index=True)
    as_of = models.DateField("依据日期")
    channel = models.CharField("渠道", max_length=10, choices=CheckChannel.choices)
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name="核查部门",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核查人",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        db_index=False,
    )
    api_client = models.ForeignKey(
        "accounts.ApiClient",
        verbose_name="接口客户端",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        db_index=False,
    )
    purpose = models.CharField("用途", max_length=200)
    matter_code = models.CharField("事项编码", max_length=80, blank=True)
    query_kind = models.CharField("查询方式", max_length=10, choices=QueryKind.choices)
    query_text = models.CharField("查询内容（脱敏）", max_length=300)
    subject = models.ForeignKey(
        "subjects.Subject",
        verbose_name="主体",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    outcome = models.CharField("结果", max_length=12, choices=CheckOutcome.choices)
    hit_count = models.PositiveIntegerField("命中条目数", default=0)
    measure_count = models.PositiveIntegerField("适用措施数", default=0)
    rulebook_number = models.PositiveIntegerField("措施清单版本", null=True)
    batch_ref = models.CharField("批量核查编号", max_length=64, blank=True)
    answer = models.JSONField("核查结果")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "核查记录"
        verbose_name_plural = "核查记录"
        ordering = ["-id"]
        indexes = [models.Index(fields=["department", "checked_on"], name="check_log_dept_day")]

    def __str__(self) -> str:
        return f"核查 {self.id}（{self.checked_on}）"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise CheckLogChangeRefused()
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise CheckLogChangeRefused()


class CheckDigest(models.Model):
    """A digest over a contiguous run of check log rows, anchored in the audit chain by one audit entry."""

    first_check_id = models.BigIntegerField("起始核查记录")
    last_check_id = models.BigIntegerField("截止核查记录", unique=True)
    count = models.PositiveIntegerField("记录数")
    digest = models.CharField("摘要", max_length=64)
    previous_digest = models.CharField("上一摘要", max_length=64, blank=True)
    audit_entry_seq = models.BigIntegerField("审计日志序号", null=True)
    created_at = models.DateTimeField("生成时间", default=timezone.now)

    class Meta:
        verbose_name = "核查记录摘要"
        verbose_name_plural = "核查记录摘要"
        ordering = ["-last_check_id"]
        constraints = [
            # Runs never overlap: two processes digesting the same rows at the same moment (the first digest,
            # with no earlier row to lock) cannot both write theirs.
            models.UniqueConstraint(fields=["first_check_id"], name="check_digest_first_row"),
        ]

    def __str__(self) -> str:
        return f"核查记录 {self.first_check_id}–{self.last_check_id}"


class FeedbackState(models.TextChoices):
    PENDING = "pending", "待反馈"
    APPLIED = "applied", "已实施"
    NOT_APPLIED = "not_applied", "未实施"
    NOT_APPLICABLE = "not_applicable", "不适用"


class MeasureFeedback(models.Model):
    """What the implementing department did with one measure a check returned (反馈)."""

    check_id = models.BigIntegerField("核查记录", db_index=True)
    checked_on = models.DateField("核查日期")
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="主体", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    measure_code = models.CharField("措施代码", max_length=80)
    rulebook_number = models.PositiveIntegerField("措施清单版本")
    list_entry_id = models.BigIntegerField("名单条目", null=True, blank=True)
    matter_code = models.CharField("事项编码", max_length=80, blank=True)
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name="反馈部门",
        on_delete=models.PROTECT,
        related_name="measure_feedback",
    )
    state = models.CharField(
        "反馈状态", max_length=16, choices=FeedbackState.choices, default=FeedbackState.PENDING
    )
    reason = models.TextField("说明", blank=True)
    due_on = models.DateField("反馈期限")
    recorded_at = models.DateTimeField("反馈时间", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="反馈人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField("反馈渠道", max_length=10, blank=True)
    subject_notified_at = models.DateTimeField("已告知主体", null=True, blank=True)
    # Earlier answers, oldest first, when a recorded answer is changed: state, reason, recorded_at,
    # recorded_by (user id), channel, replaced_at.
    history = models.JSONField("此前反馈", default=list, blank=True)
    updated_at = models.DateTimeField("更新时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "措施实施反馈"
        verbose_name_plural = "措施实施反馈"
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["check_id", "measure_code"], name="feedback_per_check_measure")
        ]
        indexes = [models.Index(fields=["department", "state", "due_on"], name="feedback_queue")]

    def __str__(self) -> str:
        return f"{self.measure_code}｜核查 {self.check_id}"


class TypicalCase(models.Model):
    """典型案例: a case of joint reward or punishment a department recorded, published when approved."""

    title = models.CharField("标题", max_length=300)
    department = models.ForeignKey(
        "accounts.Department", verbose_name="报送部门", on_delete=models.PROTECT, related_name="typical_cases"
    )
    subject = models.ForeignKey(
        "subjects.Subject",
        verbose_name="主体",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField("类别", max_length=12, choices=MeasureKind.choices)
    summary = models.TextField("案例内容")
    measure_codes = models.JSONField("涉及措施", default=list, blank=True)
    occurred_on = models.DateField("发生日期")
    published = models.BooleanField("已公开", default=False)
    published_at = models.DateTimeField("公开时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填报人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("填报时间", default=timezone.now)

    class Meta:
        verbose_name = "典型案例"
        verbose_name_plural = "典型案例"
        ordering = ["-occurred_on", "-id"]

    def __str__(self) -> str:
        return self.title


class BatchCheck(models.Model):
    """A batch credit check (up to 1,000,000 codes): its progress and its streamed result file."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "核查中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    ref = models.CharField("编号", max_length=64, unique=True)
    department = models.ForeignKey(
        "accounts.Department", verbose_name="核查部门", on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
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
    purpose = models.CharField("用途", max_length=200)
    matter_code = models.CharField("事项编码", max_length=80, blank=True)
    as_of = models.DateField("依据日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField("总数", default=0)
    done = models.PositiveIntegerField("已核查", default=0)
    hits = models.PositiveIntegerField("命中", default=0)
    invalid = models.PositiveIntegerField("无效", default=0)
    not_found = models.PositiveIntegerField("未找到", default=0)
    # Rows repeating a code of an earlier row: answered with that row's result, not checked again.
    duplicates = models.PositiveIntegerField("重复", default=0)
    # The last input row whose result is stored (a stopped worker resumes after it).
    last_row = models.PositiveIntegerField("已处理至行", default=0)
    parts = models.PositiveIntegerField("已写入分段", default=0)
    original_filename = models.CharField("原文件名", max_length=255, blank=True)
    input_path = models.CharField("输入文件", max_length=300, blank=True)
    result_path = models.CharField("结果文件", max_length=300, blank=True)
    error_code = models.CharField("错误代码", max_length=60, blank=True)
    error_message = models.TextField("错误说明", blank=True)
    created_at = models.DateTimeField("提交时间", default=timezone.now)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "批量核查"
        verbose_name_plural = "批量核查"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.ref


class FeedbackOverdueCount(models.Model):
    """The number of overdue feedback items of a department on a day, written by the daily job."""

    day = models.DateField("日期")
    department = models.ForeignKey(
        "accounts.Department", verbose_name="反馈部门", on_delete=models.CASCADE, related_name="+"
    )
    overdue = models.PositiveIntegerField("逾期未反馈")
    pending = models.PositiveIntegerField("待反馈")

    class Meta:
        verbose_name = "逾期反馈统计"
        verbose_name_plural = "逾期反馈统计"
        ordering = ["-day", "department"]
        constraints = [
            models.UniqueConstraint(fields=["day", "department"], name="feedback_overdue_per_day_department")
        ]

    def __str__(self) -> str:
        return f"{self.day}｜{self.department_id}：{self.overdue}"


class WidgetToken(models.Model):
    """A short-lived token of the embeddable check widget, issued to an acceptance system's server.

    The token itself is signed (``django.core.signing``) and carries what it is bound to; this row counts
    its uses, so a token cannot be replayed beyond ``max_checks``.
    """

    token_id = models.CharField("令牌编号", max_length=32, unique=True)
    department = models.ForeignKey(
        "accounts.Department", verbose_name="核查部门", on_delete=models.PROTECT, related_name="+"
    )
    api_client = models.ForeignKey(
        "accounts.ApiClient", verbose_name="接口客户端", on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField("用途", max_length=200)
    matter_code = models.CharField("事项编码", max_length=80)
    subject_bound = models.BooleanField("限定主体", default=False)
    max_checks = models.PositiveSmallIntegerField("可核查次数")
    uses = models.PositiveSmallIntegerField("已核查次数", default=0)
    issued_at = models.DateTimeField("签发时间", default=timezone.now)
    expires_at = models.DateTimeField("有效期至", db_index=True)

    class Meta:
        verbose_name = "嵌入组件令牌"
        verbose_name_plural = "嵌入组件令牌"
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.token_id
