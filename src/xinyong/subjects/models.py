"""主体: the registry of subjects (organisations, 个体工商户, natural persons), their aliases and linked persons.

Lookups are designed to work set-based for whole batches: every key a record can carry has its own index
(``uscc`` unique, ``ric_hmac`` unique, ``SubjectAlias (kind, value_normalized)``, ``name_normalized``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from xinyong.core.codes import SubjectKind


class OrganisationType(models.TextChoices):
    """Subtype of 法人及非法人组织, derived from the USCC category (positions 1–2) where known."""

    ENTERPRISE = "enterprise", "企业"
    PUBLIC_INSTITUTION = "public_institution", "事业单位"
    SOCIAL_ORGANISATION = "social_organisation", "社会组织"
    GOVERNMENT_BODY = "government_body", "机关"
    OTHER = "other", "其他组织"


class AliasKind(models.TextChoices):
    FORMER_NAME = "former_name", "曾用名"
    REG_NO = "reg_no", "工商注册号"
    ORG_CODE = "org_code", "组织机构代码"
    TAX_NO = "tax_no", "税务登记号"
    PUBLIC_INSTITUTION_CERT = "pi_cert", "事业单位证书号"
    SOCIAL_ORG_CERT = "so_cert", "社会组织登记证号"


class LinkedRole(models.TextChoices):
    LEGAL_REPRESENTATIVE = "legal_representative", "法定代表人"
    PRINCIPAL = "principal", "主要负责人"
    PERSON_IN_CHARGE = "person_in_charge", "负责人"


class ReviewStatus(models.TextChoices):
    OPEN = "open", "待处理"
    RESOLVED = "resolved", "已处理"


class Subject(models.Model):
    """One subject (主体). Keyed by USCC, or for a natural person by the keyed hash of the 身份证 number."""

    kind = models.CharField("主体类别", max_length=30, choices=SubjectKind.choices)
    org_type = models.CharField(
        "组织类型",
        max_length=30,
        choices=OrganisationType.choices,
        blank=True,
        help_text="由统一社会信用代码第1-2位判断",
    )
    uscc_category = models.CharField("登记管理部门和机构类别代码", max_length=2, blank=True)
    uscc_category_name = models.CharField("机构类别", max_length=50, blank=True)
    uscc = models.CharField(
        "统一社会信用代码",
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        help_text="自然人和使用占位代码的个体工商户为空",
    )
    ric_encrypted = models.TextField("身份证号码（密文）", blank=True, editable=False)
    ric_hmac = models.CharField(
        "身份证号码（检索摘要）", max_length=64, unique=True, null=True, blank=True, editable=False
    )
    ric_masked = models.CharField("身份证号码", max_length=18, blank=True, editable=False)
    name = models.CharField("名称", max_length=300)
    name_normalized = models.CharField("名称（检索用）", max_length=300, db_index=True, editable=False)
    created_at = models.DateTimeField("登记时间", default=timezone.now, editable=False)
    created_source = models.CharField(
        "首次来源", max_length=200, blank=True, help_text="首次出现该主体的记录或批次"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "主体"
        verbose_name_plural = "主体"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                name="subject_person_has_no_uscc",
                condition=~Q(kind=SubjectKind.NATURAL_PERSON) | Q(uscc__isnull=True),
            ),
            models.CheckConstraint(
                name="subject_person_has_ric",
                condition=~Q(kind=SubjectKind.NATURAL_PERSON) | Q(ric_hmac__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        code = self.uscc or self.ric_masked
        return f"{self.name}（{code}）" if code else self.name

    @property
    def display_code(self) -> str:
        """The code shown to users: USCC, or the masked 身份证 number; never the full ID."""
        return self.uscc or self.ric_masked or ""


class SubjectAlias(models.Model):
    """A former name or a legacy identifier of a subject."""

    subject = models.ForeignKey(
        Subject, verbose_name="主体", on_delete=models.PROTECT, related_name="aliases"
    )
    kind = models.CharField("类别", max_length=20, choices=AliasKind.choices)
    value = models.CharField("值", max_length=300)
    value_normalized = models.CharField("值（检索用）", max_length=300, editable=False)
    source = models.CharField("来源", max_length=200, blank=True)
    first_seen = models.DateTimeField("首次出现", default=timezone.now)

    class Meta:
        verbose_name = "主体别名与原代码"
        verbose_name_plural = "主体别名与原代码"
        ordering = ["subject_id", "kind", "first_seen"]
        indexes = [models.Index(fields=["kind", "value_normalized"], name="subject_alias_lookup")]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "kind", "value_normalized"], name="subject_alias_unique_per_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.value}"


class LinkedPerson(models.Model):
    """A person linked to a subject (法定代表人 / 主要负责人 / 负责人); the ID number is encrypted like a subject's."""

    subject = models.ForeignKey(
        Subject, verbose_name="主体", on_delete=models.PROTECT, related_name="linked_persons"
    )
    role = models.CharField("身份", max_length=30, choices=LinkedRole.choices)
    name = models.CharField("姓名", max_length=100)
    ric_encrypted = models.TextField("身份证号码（密文）", blank=True, editable=False)
    ric_hmac = models.CharField(
        "身份证号码（检索摘要）", max_length=64, blank=True, db_index=True, editable=False
    )
    ric_masked = models.CharField("身份证号码", max_length=18, blank=True, editable=False)
    valid_from = models.DateField("任职起始日期", null=True, blank=True)
    valid_to = models.DateField("任职截止日期", null=True, blank=True)
    source = models.CharField("来源", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "关联人员"
        verbose_name_plural = "关联人员"
        ordering = ["subject_id", "role", "-valid_from"]

    def __str__(self) -> str:
        return f"{self.get_role_display()}：{self.name}"


class SubjectReview(models.Model):
    """A flag for an operator: a subject's name matches another known subject whose code differs."""

    subject = models.ForeignKey(
        Subject, verbose_name="主体", on_delete=models.PROTECT, related_name="reviews"
    )
    conflicting_subject = models.ForeignKey(
        Subject, verbose_name="同名主体", on_delete=models.PROTECT, related_name="conflict_reviews"
    )
    code = models.CharField("问题代码", max_length=40, default="subject_code_conflict")
    message = models.TextField("说明")
    source = models.CharField("来源", max_length=200, blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.OPEN, db_index=True
    )
    created_at = models.DateTimeField("发现时间", default=timezone.now, editable=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    note = models.TextField("处理意见", blank=True)

    class Meta:
        verbose_name = "主体待核查"
        verbose_name_plural = "主体待核查"
        ordering = ["-created_at"]
        constraints = [
            # One flag per pair: once an operator has decided that two same-named subjects are distinct,
            # later records do not raise it again.
            models.UniqueConstraint(
                fields=["subject", "conflicting_subject", "code"], name="subject_review_unique_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject.name}：{self.get_status_display()}"


class SubjectNameGram(models.Model):
    """One character bigram of a search key of a subject's name or former name (``subjects.search``).

    The posting lists of the name search: the primary key ``(gram, subject)`` reads the subjects holding a
    bigram, the index ``(subject, gram)`` the bigrams of a subject. A bigram is two code points packed into
    one integer. Natural persons are not indexed (they are found by their full ID number only).
    """

    pk = models.CompositePrimaryKey("gram", "subject")
    gram = models.BigIntegerField("字符二元组")
    # No database constraint: a foreign-key check per row would dominate the cost of indexing a batch,
    # and subjects are never deleted (their records protect them).
    subject = models.ForeignKey(
        Subject,
        verbose_name="主体",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        verbose_name = "主体名称检索索引"
        verbose_name_plural = "主体名称检索索引"
        indexes = [models.Index(fields=["subject", "gram"], name="subject_name_gram_subject")]

    def __str__(self) -> str:
        return f"{self.subject_id}:{self.gram}"


class SubjectNameGramStat(models.Model):
    """How many subjects hold a bigram (document frequency): the name search reads rare bigrams first."""

    gram = models.BigIntegerField("字符二元组", primary_key=True)
    df = models.IntegerField("主体数", default=0)

    class Meta:
        verbose_name = "主体名称检索频次"
        verbose_name_plural = "主体名称检索频次"

    def __str__(self) -> str:
        return f"{self.gram}:{self.df}"


class ConfirmationSource(models.TextChoices):
    OPERATOR = "operator", "平台运营单位确认"
    REGISTRATION = "registration", "登记机关报送"


class ConfirmedCode(models.Model):
    """A USCC whose check character is wrong but which is real: accepted with a warning while active.

    Some early codes, issued before GB 32100 settled, fail the check. An operator confirms one against its
    registration certificate, or the registration authority reports it in a 登记注册 record; revoking keeps
    the row (who, when, why) and a later confirmation is a new row. Every change is in the audit log.
    """

    uscc = models.CharField("统一社会信用代码", max_length=18, db_index=True)
    source = models.CharField("确认方式", max_length=20, choices=ConfirmationSource.choices)
    reason = models.TextField("确认理由", help_text="如：已核对登记证书原件，证书编号……")
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name="报送的登记机关",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    origin = models.CharField("来源", max_length=200, blank=True, help_text="登记注册信息所在的批次等")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("确认时间", default=timezone.now)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoke_reason = models.TextField("撤销理由", blank=True)

    class Meta:
        verbose_name = "已确认代码"
        verbose_name_plural = "已确认代码"
        ordering = ["-confirmed_at", "-id"]
        constraints = [
            # At most one active confirmation per code; revoked ones stay as history.
            models.UniqueConstraint(
                fields=["uscc"], condition=Q(revoked_at__isnull=True), name="subjects_confirmed_code_active"
            ),
            models.CheckConstraint(
                name="subjects_confirmed_code_revoke_reason",
                condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return self.uscc

    @property
    def active(self) -> bool:
        return self.revoked_at is None
