"""Departments, users and roles, API clients and the hash-chained audit log (审计日志).

The audit log is append-only: ``AuditEntry`` rows are written only by
``xinyong.accounts.services.audit_log`` (which chains each entry to the previous one), and the ORM refuses
to update or delete them (instance ``save``/``delete`` and queryset ``update``/``delete``/``bulk_*``).
``xinyong audit verify`` recomputes the chain and names the first entry that was altered, removed or
inserted behind the platform's back.
"""

from __future__ import annotations

import re

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from xinyong.core.identifiers import check_uscc, normalize_code_input


class Role(models.TextChoices):
    OPERATOR = "operator", "平台管理员"
    DATA_OFFICER = "data_officer", "部门数据报送员"
    REVIEWER = "reviewer", "部门审核员"
    WINDOW_CLERK = "window_clerk", "窗口核查人员"
    AUDITOR = "auditor", "审计员"


# Roles that act for one department and therefore need one.
DEPARTMENT_ROLES = frozenset({Role.DATA_OFFICER, Role.REVIEWER, Role.WINDOW_CLERK})

REGION_CODE_RE = re.compile(r"^[0-9]{6}$")
# A corrupted tree must not hang a request: no real administrative hierarchy is this deep.
MAX_DEPARTMENT_DEPTH = 32


def _uscc_confirmation(code: str) -> str | None:
    """How a department's USCC with a wrong check character is confirmed, if it is (docs/identifiers.md).

    The confirmed codes are kept by the subjects app, a layer above this one: looked up through the app
    registry, not imported. Without that app (a reduced set-up) no code is confirmed.
    """
    try:
        confirmed = apps.get_model("subjects", "ConfirmedCode")
    except LookupError:
        return None
    return (
        confirmed.objects.filter(uscc=code, revoked_at__isnull=True).values_list("source", flat=True).first()
    )


# The identifier messages speak to a department that submits data; a department's own code is entered by an
# operator, who is the one to confirm a real code with a wrong check character.
_CONFIRM_FIRST = (
    "请对照该部门的登记证书核对全部 18 位；如核对无误（少数早期赋予的代码不符合校验规则），请先确认该代码"
    "（命令 xinyong identifiers confirm 代码 --reason 理由，或控制台“已确认代码”页），再保存部门。"
)


def _uscc_message(issue) -> str:
    """The message of a problem with a department's USCC, addressed to the operator entering it."""
    if issue.code == "uscc_check_digit":
        return issue.message.split("。", 1)[0] + "。" + _CONFIRM_FIRST
    return issue.message


class Department(models.Model):
    """A government department (数据来源单位 / 实施部门), arranged as a tree."""

    code = models.SlugField(
        "部门代码", max_length=40, unique=True, help_text="简短英文代码，用于命令行和接口"
    )
    name = models.CharField("部门名称", max_length=200)
    uscc = models.CharField(
        "统一社会信用代码",
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        help_text="18位统一社会信用代码（机关、事业单位的代码以1开头），可留空",
    )
    region_code = models.CharField(
        "行政区划代码", max_length=6, blank=True, help_text="6位数字，例如 350100（福州市）"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(region_code="") | Q(region_code__regex=r"^[0-9]{6}$"),
                name="accounts_department_region_code_6_digits",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude=None) -> None:
        # Normalise first (spaces, full-width, lower case) so length checks see the real code.
        if self.uscc is not None:
            self.uscc = normalize_code_input(self.uscc) or None
        if self.region_code:
            self.region_code = normalize_code_input(self.region_code)
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        """Check USCC and region code; refuse a parent chain that loops back."""
        errors: dict[str, list[ValidationError]] = {}
        if self.uscc:
            result = check_uscc(self.uscc, subject_kind="organisation", confirmed=_uscc_confirmation)
            if result.ok:
                self.uscc = result.normalized
            else:
                errors["uscc"] = [ValidationError(_uscc_message(i), code=i.code) for i in result.errors]
        if self.region_code and not REGION_CODE_RE.match(self.region_code):
            errors["region_code"] = [
                ValidationError("行政区划代码应为6位数字，例如 350100", code="region_code_format")
            ]
        if self.parent_id is not None:
            problem = self._parent_chain_problem()
            if problem:
                errors["parent"] = [problem]
        if errors:
            raise ValidationError(errors)

    def _parent_chain_problem(self) -> ValidationError | None:
        if self.pk is not None and self.parent_id == self.pk:
            return ValidationError("部门不能以自己为上级部门", code="department_cycle")
        seen: set[int] = set()
        current_id = self.parent_id
        depth = 0
        while current_id is not None:
            if self.pk is not None and current_id == self.pk:
                return ValidationError(
                    "上级部门不能是本部门的下级部门（会形成循环）", code="department_cycle"
                )
            if current_id in seen or depth > MAX_DEPARTMENT_DEPTH:
                return ValidationError(
                    "上级部门的层级关系已损坏（存在循环或层级过深），请先检查上级部门",
                    code="department_tree_corrupt",
                )
            seen.add(current_id)
            depth += 1
            current_id = Department.objects.filter(pk=current_id).values_list("parent_id", flat=True).first()
        return None


class User(AbstractUser):
    department = models.ForeignKey(
        Department,
        verbose_name="所属部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def clean(self) -> None:
        """A department role needs a department."""
        super().clean()
        if self.role in DEPARTMENT_ROLES and self.department_id is None:
            raise ValidationError(
                {
                    "department": ValidationError(
                        f"角色“{Role(self.role).label}”必须指定所属部门", code="department_required"
                    )
                }
            )

    def save(self, *args, **kwargs) -> None:
        # Console access follows the role: every role works in the admin console, a user without a
        # role (and not a superuser) has no console access at all.
        self.is_staff = bool(self.role) or self.is_superuser
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "role" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_staff"}
        super().save(*args, **kwargs)


class ApiScope(models.TextChoices):
    """What an API client may do. Endpoints declare the scope they need with ``ApiKeyAuth(scope)``."""

    RECORDS_READ = "records:read", "读取信用记录"
    RECORDS_WRITE = "records:write", "报送信用记录"
    SUBJECTS_READ = "subjects:read", "查询主体信息"
    CHECK_QUERY = "check:query", "信用核查"
    REPORTS_ISSUE = "reports:issue", "出具信用报告"


class ApiClient(models.Model):
    """A system calling the API on behalf of one department, identified by a key shown once."""

    name = models.CharField("名称", max_length=200)
    department = models.ForeignKey(
        Department, verbose_name="所属部门", on_delete=models.PROTECT, related_name="api_clients"
    )
    scopes = models.JSONField("权限范围", default=list, blank=True)
    key_prefix = models.CharField(
        "密钥前缀", max_length=32, unique=True, editable=False, help_text="密钥的公开部分，用于识别密钥"
    )
    # SHA-256 of the whole key. The key carries 256 bits of randomness, so a plain (unkeyed) hash is
    # enough: it cannot be brute-forced, and keys survive a rotation of HMAC_KEY.
    key_hash = models.CharField("密钥摘要", max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    expires_at = models.DateTimeField("有效期至", null=True, blank=True, help_text="留空表示长期有效")
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField("最近使用时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "接口客户端"
        verbose_name_plural = "接口客户端"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name}（{self.key_prefix}）"

    def clean(self) -> None:
        """Scopes must be a list of declared scopes."""
        if not isinstance(self.scopes, list) or not all(isinstance(s, str) for s in self.scopes):
            raise ValidationError({"scopes": ValidationError("权限范围应为列表", code="scope_format")})
        unknown = sorted(set(self.scopes) - set(ApiScope.values))
        if unknown:
            raise ValidationError(
                {
                    "scopes": ValidationError(
                        f"未知的权限范围：{'、'.join(unknown)}；可用：{'、'.join(ApiScope.values)}",
                        code="scope_unknown",
                    )
                }
            )

    def is_active_at(self, when) -> bool:
        """True when the key is neither revoked nor expired at ``when``."""
        if self.revoked_at is not None and self.revoked_at <= when:
            return False
        return not (self.expires_at is not None and self.expires_at <= when)


class ActorKind(models.TextChoices):
    USER = "user", "用户"
    API_CLIENT = "api_client", "接口客户端"
    SYSTEM = "system", "系统"
    ANONYMOUS = "anonymous", "匿名访问者"
    # A subject's own portal account (xinyong.dueprocess), never a console user.
    SUBJECT_ACCOUNT = "subject_account", "主体用户"


class AuditAction(models.TextChoices):
    """Common actions. Apps may log other snake_case actions; these get a Chinese label in the admin."""

    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    VIEW = "view", "查看"
    QUERY = "query", "查询"
    EXPORT = "export", "导出"
    IMPORT = "import", "导入"
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出登录"
    REVOKE = "revoke", "吊销"


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", "成功"
    DENIED = "denied", "拒绝"
    ERROR = "error", "出错"


class AuditLogImmutable(Exception):
    """The audit log is append-only; entries are written by ``audit_log()`` and never changed."""

    code = "audit_log_immutable"
    message = "审计日志只能追加，不能修改或删除；新增日志请调用 audit_log()"

    def __init__(self) -> None:
        super().__init__(self.message)


class AuditEntryQuerySet(models.QuerySet):
    """Refuses every bulk write: they would bypass or break the hash chain."""

    def update(self, **kwargs):
        raise AuditLogImmutable()

    def delete(self):
        raise AuditLogImmutable()

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditLogImmutable()

    def bulk_create(self, objs, *args, **kwargs):
        raise AuditLogImmutable()

    def update_or_create(self, *args, **kwargs):
        raise AuditLogImmutable()

    def _raw_delete(self, using):  # used by cascading deletes
        raise AuditLogImmutable()


class AuditEntry(models.Model):
    """One audit log entry, chained to its predecessor by ``prev_hash``."""

    seq = models.PositiveBigIntegerField("序号", primary_key=True)
    created_at = models.DateTimeField("时间", db_index=True)
    actor_kind = models.CharField("操作者类型", max_length=20, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_api_client = models.ForeignKey(
        ApiClient,
        verbose_name="接口客户端",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(
        "操作者", max_length=200, db_index=True, help_text="记录时的用户名或客户端名称"
    )
    actor_department = models.ForeignKey(
        Department,
        verbose_name="操作者部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField("操作", max_length=40, db_index=True, choices=AuditAction.choices)
    object_type = models.CharField(
        "对象类型", max_length=100, blank=True, help_text="app_label.model，例如 records.creditrecord"
    )
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    purpose = models.CharField("查询目的", max_length=200, blank=True)
    outcome = models.CharField("结果", max_length=20, choices=AuditOutcome.choices)
    detail = models.JSONField("详情", default=dict, blank=True)
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    prev_hash = models.CharField("前一条摘要", max_length=64)
    hash = models.CharField("摘要", max_length=64)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="accounts_audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor_name} {self.action} {self.object_repr}".strip()

    def save(self, *args, **kwargs) -> None:
        # Only audit_log() marks an entry as chained; anything else (an update, a direct create) is refused.
        if not self._state.adding or not getattr(self, "_chained", False):
            raise AuditLogImmutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogImmutable()


class AuditChainHead(models.Model):
    """The single row holding the newest entry's seq and hash: the lock writers queue on, and the anchor
    that lets ``audit verify`` notice entries removed from the end of the chain."""

    seq = models.PositiveBigIntegerField("最新序号", default=0)
    hash = models.CharField("最新摘要", max_length=64)

    class Meta:
        verbose_name = "审计日志链头"
        verbose_name_plural = "审计日志链头"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="accounts_auditchainhead_single_row")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash}"


class AuthorisationScope(models.TextChoices):
    """What a subject's authorisation (当事人授权) allows the grantee to obtain."""

    CREDIT_REPORT = "credit_report", "出具信用报告（授权版）"
    CREDIT_QUERY = "credit_query", "查询非公开信用信息"


class GranteeKind(models.TextChoices):
    SELF = "self", "当事人本人"
    DEPARTMENT = "department", "政府部门"
    THIRD_PARTY = "third_party", "其他单位或个人"


class Authorisation(models.Model):
    """A subject's recorded authorisation (当事人授权) for a grantee to obtain its non-public credit information.

    个人信息保护法 (docs/access.md): a query by a third party about a subject needs the subject's authorisation,
    recorded with its scope and expiry. An authorisation is usable from ``valid_from`` to ``valid_until``
    (both inclusive) until it is revoked; revocation is final. Rows are recorded and revoked through
    ``reports.services`` (``authorisation_create`` / ``authorisation_revoke``), which write the audit log;
    issuing authorised reports is what they are for.
    """

    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="授权主体", on_delete=models.PROTECT, related_name="authorisations"
    )
    grantee_kind = models.CharField("被授权方类别", max_length=20, choices=GranteeKind.choices)
    grantee_name = models.CharField(
        "被授权方名称", max_length=200, blank=True, help_text="当事人本人申请的可不填写，默认为当事人名称"
    )
    grantee_code = models.CharField(
        "被授权方统一社会信用代码",
        max_length=18,
        blank=True,
        help_text="被授权方为单位的填写；个人不填写证件号码",
    )
    grantee_department = models.ForeignKey(
        Department,
        verbose_name="被授权部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="authorisations",
        help_text="被授权方为政府部门时必填：该部门的用户和接口客户端可凭本授权出具授权版信用报告",
    )
    purpose = models.CharField("授权用途", max_length=200, help_text="例如：政府采购投标资格审查")
    scope = models.JSONField("授权范围", default=list, blank=True)
    valid_from = models.DateField("授权起始日期")
    valid_until = models.DateField("授权截止日期", help_text="含当日")
    evidence = models.TextField(
        "授权凭证", help_text="授权书编号、签署日期、核验当事人身份的方式和授权书原件的留存位置"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    recorded_at = models.DateTimeField("登记时间", default=timezone.now, editable=False)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    revoke_reason = models.TextField("撤销原因", blank=True, editable=False)

    class Meta:
        verbose_name = "当事人授权"
        verbose_name_plural = "当事人授权"
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["subject", "valid_until"], name="accounts_authorisation_subject")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="accounts_authorisation_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject.name} 授权 {self.grantee_name}（{self.purpose}）"

    def clean(self) -> None:
        """Scope must be a non-empty list of declared scopes; a department grantee needs its department."""
        errors: dict[str, list[ValidationError]] = {}
        if (
            not isinstance(self.scope, list)
            or not self.scope
            or not all(isinstance(s, str) for s in self.scope)
        ):
            errors["scope"] = [ValidationError("请至少选择一项授权范围", code="authorisation_scope_empty")]
        else:
            unknown = sorted(set(self.scope) - set(AuthorisationScope.values))
            if unknown:
                errors["scope"] = [
                    ValidationError(
                        f"未知的授权范围：{'、'.join(unknown)}；可用：{'、'.join(AuthorisationScope.values)}",
                        code="authorisation_scope_unknown",
                    )
                ]
        if self.grantee_kind != GranteeKind.SELF and not (self.grantee_name or "").strip():
            errors["grantee_name"] = [ValidationError("请填写被授权方名称", code="grantee_name_required")]
        if self.grantee_kind == GranteeKind.DEPARTMENT and self.grantee_department_id is None:
            errors["grantee_department"] = [
                ValidationError("被授权方为政府部门时，请选择被授权部门", code="grantee_department_required")
            ]
        if self.grantee_kind != GranteeKind.DEPARTMENT and self.grantee_department_id is not None:
            errors["grantee_department"] = [
                ValidationError(
                    "只有被授权方为政府部门时才选择被授权部门", code="grantee_department_unexpected"
                )
            ]
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = [
                ValidationError("授权截止日期不能早于起始日期", code="authorisation_period_order")
            ]
        if errors:
            raise ValidationError(errors)

    @property
    def scope_labels(self) -> str:
        """The scopes in Chinese, joined with 、."""
        return "、".join(
            AuthorisationScope(s).label if s in AuthorisationScope.values else s for s in self.scope or []
        )

    def is_usable(self, *, on, scope: str) -> bool:
        """True when the authorisation is not revoked, covers ``scope`` and is in force on the date ``on``."""
        return (
            self.revoked_at is None
            and scope in (self.scope or [])
            and self.valid_from <= on <= self.valid_until
        )
