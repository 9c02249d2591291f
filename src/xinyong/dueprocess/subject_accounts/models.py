"""Subject accounts (主体用户): the portal's own logins for enterprises and persons, never console users.

An account holds its own password hash (Django's hashers) and signs in on the portal only; it is linked to
one or more subjects after verification (``SubjectLink``). The demo verifier accepts a one-time code an
operator issued for the subject (``LinkCode``, stored as a hash); the verifier is pluggable
(setting ``DUEPROCESS_LINK_VERIFIER``) so that a real identity service can take its place.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class SubjectAccount(models.Model):
    """A portal login of an enterprise or a person (信用主体用户)."""

    login_name = models.CharField(
        "登录名", max_length=150, unique=True, help_text="手机号码或电子邮箱，小写保存"
    )
    display_name = models.CharField("联系人姓名", max_length=100)
    phone = models.CharField("联系电话", max_length=30, blank=True, default="")
    email = models.EmailField("电子邮箱", blank=True, default="")
    password = models.CharField("密码摘要", max_length=256, editable=False)
    is_active = models.BooleanField("启用", default=True)
    failed_logins = models.PositiveIntegerField("连续登录失败次数", default=0, editable=False)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("注册时间", default=timezone.now, editable=False)
    last_login_at = models.DateTimeField("最近登录时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "主体用户"
        verbose_name_plural = "主体用户"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.display_name}（{self.login_name}）"

    @property
    def audit_subject_account_name(self) -> str:
        """How the audit log names this account (accounts.services.audit_log)."""
        return f"主体用户 {self.login_name}（{self.pk}）"


class LinkMethod(models.TextChoices):
    ONE_TIME_CODE = "one_time_code", "平台核发的绑定码"
    IDENTITY_SERVICE = "identity_service", "身份认证服务"
    OPERATOR = "operator", "平台管理员核实"


class SubjectLink(models.Model):
    """An account's verified link to a subject: the account may act for it (view, object, apply, authorise)."""

    account = models.ForeignKey(
        SubjectAccount, verbose_name="主体用户", on_delete=models.CASCADE, related_name="links"
    )
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="主体", on_delete=models.PROTECT, related_name="account_links"
    )
    method = models.CharField("核验方式", max_length=20, choices=LinkMethod.choices)
    verified_at = models.DateTimeField("绑定时间", default=timezone.now)
    revoked_at = models.DateTimeField("解除绑定时间", null=True, blank=True)

    class Meta:
        verbose_name = "主体绑定"
        verbose_name_plural = "主体绑定"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "subject"],
                condition=models.Q(revoked_at__isnull=True),
                name="subject_link_active_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account} → {self.subject}"


class LinkCode(models.Model):
    """A one-time code an operator issues so that a subject's representative can link an account to it."""

    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="主体", on_delete=models.PROTECT, related_name="+"
    )
    code_hash = models.CharField("绑定码摘要", max_length=64, unique=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="核发人", on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField("核发时间", default=timezone.now)
    expires_at = models.DateTimeField("有效期至")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    used_by = models.ForeignKey(
        SubjectAccount,
        verbose_name="使用者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "主体绑定码"
        verbose_name_plural = "主体绑定码"
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.subject}（{self.issued_at:%Y-%m-%d}）"
