"""红黑名单: list types (versioned data), list entries resting on credit records, escalation rules.

A ``ListType`` is one kind of red or black list (失信被执行人, 重大税收违法失信主体, A级纳税人 …) as shipped in
the fixtures and edited by operators; every change of its content adds a ``ListTypeVersion``. A ``ListEntry``
puts one subject on one list; it rests on the ``CreditRecord`` that documents it (a mirrored list's record
from the deciding body, or the platform's own listing decision) and moves through ``EntryState``; every
step is an ``EntryEvent`` (dated, attributed) and an audit entry. See docs/lists.md.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from xinyong.core.codes import SubjectKind

__all__ = [
    "EntryEvent",
    "EntryOrigin",
    "EntryState",
    "EscalationRule",
    "ListColour",
    "ListEntry",
    "ListType",
    "ListTypeVersion",
    "ListingMode",
    "OPEN_STATES",
    "RED_LEFT_REASON",
    "RENAMED_REASON",
    "REVOKED_REASON_PREFIX",
]


class ListColour(models.TextChoices):
    RED = "red", "红名单（守信激励）"
    BLACK = "black", "黑名单（失信惩戒）"


class ListingMode(models.TextChoices):
    """How entries of a list type come into force."""

    # The deciding body (court, tax, market regulator …) decided and gave notice itself: the entry is
    # effective as soon as its record is imported.
    MIRRORED = "mirrored", "认定部门公布（导入即生效）"
    # Decided on the platform: proposed → notified (失信惩戒告知书, objection window) → effective.
    DECIDED = "decided", "平台认定（先告知后列入）"


class ListType(models.Model):
    """One kind of red or black list; the current content of its newest version."""

    code = models.CharField("代码", max_length=60, unique=True)
    name = models.CharField("名单名称", max_length=200)
    colour = models.CharField("红/黑", max_length=10, choices=ListColour.choices)
    listing_mode = models.CharField("列入方式", max_length=10, choices=ListingMode.choices)
    domain = models.CharField("领域", max_length=100, help_text="同一领域的黑名单主体退出红名单")
    nature = models.CharField(
        "性质", max_length=200, blank=True, help_text="如：失信联合惩戒对象、守信联合激励对象"
    )
    initiating_department = models.CharField("发起单位", max_length=300)
    department_codes = models.JSONField(
        "发起部门代码", default=list, blank=True, help_text="对应本平台部门代码，空表示任一部门"
    )
    legal_basis = models.TextField("认定依据")
    memorandum = models.TextField("联合奖惩备忘录", blank=True)
    criteria = models.TextField("列入标准")
    validity_months = models.PositiveIntegerField(
        "默认有效期（月）", null=True, blank=True, help_text="留空表示至移出之日"
    )
    objection_working_days = models.PositiveIntegerField(
        "告知后异议期（工作日）",
        null=True,
        blank=True,
        help_text="平台认定的名单：告知书送达后可提出异议的工作日数",
    )
    subject_kinds = models.JSONField("适用主体类别", default=list)
    synonyms = models.JSONField(
        "名单名称同义词", default=list, blank=True, help_text="部门文件中的名单名称写法"
    )
    item_code = models.CharField(
        "对应目录项", max_length=60, help_text="记载列入信息的信用信息目录项代码，如 serious_dishonesty"
    )
    version = models.PositiveIntegerField("当前版本", default=1)
    valid_from = models.DateField("当前版本生效日期")
    active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "名单类型"
        verbose_name_plural = "名单类型"
        ordering = ["colour", "domain", "code"]

    def __str__(self) -> str:
        return self.name

    def applies_to(self, kind: str) -> bool:
        return kind in self.subject_kinds


class ListTypeVersion(models.Model):
    """One immutable version of a list type's content (the payload as loaded or saved)."""

    list_type = models.ForeignKey(
        ListType, verbose_name="名单类型", on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField("版本号")
    valid_from = models.DateField("生效日期")
    payload = models.JSONField("内容")
    note = models.TextField("修订说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修订人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("修订时间", default=timezone.now)

    class Meta:
        verbose_name = "名单类型版本"
        verbose_name_plural = "名单类型版本"
        ordering = ["list_type", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["list_type", "number"], name="list_type_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.list_type}（第 {self.number} 版）"


class EntryState(models.TextChoices):
    PROPOSED = "proposed", "拟列入"
    NOTIFIED = "notified", "已告知"
    EFFECTIVE = "effective", "已列入"
    EXPIRED = "expired", "有效期届满"
    REMOVED = "removed", "已移出"
    REPAIRED = "repaired", "已信用修复"
    DECLINED = "declined", "不予列入"


# States in which an entry may still come into force or is in force.
OPEN_STATES = (EntryState.PROPOSED, EntryState.NOTIFIED, EntryState.EFFECTIVE)

# End reasons (``ListEntry.end_reason``) of removals that undo a listing rather than end it: revoked by an
# operator (撤销), moved to another list type when the deciding body corrected the list's name, a red entry
# left on a black listing (篇十四). Measures continuing after removal do not continue after these.
REVOKED_REASON_PREFIX = "撤销："
RENAMED_REASON = "认定部门更正了名单名称"
RED_LEFT_REASON = "列入同领域黑名单"


class EntryOrigin(models.TextChoices):
    IMPORT = "import", "归集导入"
    PLATFORM = "platform", "平台认定"
    ESCALATION = "escalation", "升级规则提出"
    FTM = "ftm", "FollowTheMoney 导入"


# The batch reference of records imported from FollowTheMoney entities starts with this; their entries get
# the origin ``ftm`` (lists.services.list_entries_sync).
FTM_BATCH_PREFIX = "ftm-"


class ListEntry(models.Model):
    """One subject on one list, resting on the credit record that documents it."""

    list_type = models.ForeignKey(
        ListType, verbose_name="名单类型", on_delete=models.PROTECT, related_name="entries"
    )
    subject = models.ForeignKey(
        "subjects.Subject",
        verbose_name="主体",
        on_delete=models.PROTECT,
        related_name="list_entries",
        db_index=False,
    )
    # The record documenting the listing. Empty only while an escalation proposal awaits its decision.
    record = models.ForeignKey(
        "records.CreditRecord",
        verbose_name="依据信用记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="list_entries",
    )
    # Records an escalation proposal rests on (the acts counted), as record ids.
    basis_record_ids = models.JSONField("依据记录", default=list, blank=True)
    origin = models.CharField("来源", max_length=12, choices=EntryOrigin.choices)
    state = models.CharField("状态", max_length=10, choices=EntryState.choices)
    subject_kind = models.CharField("主体类别", max_length=30, choices=SubjectKind.choices)
    level = models.CharField(
        "失信等级", max_length=20, blank=True, help_text="升级规则的等级代码（一般/较重/严重）"
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name="认定部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="list_entries",
    )
    reason = models.TextField("列入事由", blank=True)
    decided_on = models.DateField("认定日期", null=True, blank=True)
    notified_on = models.DateField("告知日期", null=True, blank=True)
    objection_due = models.DateField("异议期截止", null=True, blank=True)
    effective_from = models.DateField("列入日期", null=True, blank=True)
    effective_until = models.DateField("有效期至", null=True, blank=True)
    ended_on = models.DateField("退出日期", null=True, blank=True)
    end_reason = models.TextField("退出原因", blank=True)
    # 异议标注: an objection is open against the entry or its record; measures resting on it are suspended.
    disputed = models.BooleanField("异议标注", default=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "名单条目"
        verbose_name_plural = "名单条目"
        ordering = ["-effective_from", "-id"]
        constraints = [
            # One record documents one listing: re-importing it updates the entry, never adds a second.
            models.UniqueConstraint(
                fields=["record", "list_type"],
                condition=models.Q(record__isnull=False),
                name="list_entry_record",
            ),
        ]
        indexes = [
            models.Index(fields=["subject", "state"], name="list_entry_subject_state"),
            models.Index(fields=["list_type", "state"], name="list_entry_type_state"),
        ]

    def __str__(self) -> str:
        return f"{self.list_type}｜{self.subject_id}"


class EntryEvent(models.Model):
    """One step of an entry's life: from one state to another, on a day, by someone, for a reason."""

    entry = models.ForeignKey(
        ListEntry, verbose_name="名单条目", on_delete=models.PROTECT, related_name="events"
    )
    from_state = models.CharField("原状态", max_length=10, choices=EntryState.choices, blank=True)
    to_state = models.CharField("新状态", max_length=10, choices=EntryState.choices)
    on_date = models.DateField("日期")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField("操作方", max_length=200, blank=True)
    reason = models.TextField("说明", blank=True)
    at = models.DateTimeField("记录时间", default=timezone.now)

    class Meta:
        verbose_name = "名单条目变更"
        verbose_name_plural = "名单条目变更"
        ordering = ["entry", "at", "id"]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.from_state} → {self.to_state}"


class EscalationRule(models.Model):
    """A configurable escalation rule (e.g. 忻州: two acts of one type or three of any type within a year).

    ``definition`` holds the rule as data (window, counts, item codes, levels, the list type it proposes);
    docs/lists.md describes the format. Versioned like list types: a change adds a new row with a higher
    ``version`` and deactivates the old one.
    """

    code = models.CharField("代码", max_length=60)
    version = models.PositiveIntegerField("版本号", default=1)
    name = models.CharField("名称", max_length=200)
    legal_basis = models.TextField("依据")
    definition = models.JSONField("规则内容")
    valid_from = models.DateField("生效日期")
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "失信等级升级规则"
        verbose_name_plural = "失信等级升级规则"
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="escalation_rule_version")]

    def __str__(self) -> str:
        return f"{self.name}（第 {self.version} 版）"
