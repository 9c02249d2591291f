"""Forms of the subject's portal pages (我的信用) and of the console's link-code page."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from xinyong.accounts.models import AuthorisationScope, Department, GranteeKind

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RegisterForm(forms.Form):
    login_name = forms.CharField(
        label="登录名（手机号码或电子邮箱）",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
        error_messages={"required": "请填写手机号码或电子邮箱"},
    )
    display_name = forms.CharField(
        label="联系人姓名", max_length=100, error_messages={"required": "请填写联系人姓名"}
    )
    password = forms.CharField(
        label="密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少 8 位，不能全是数字，不能与登录名相似，也不能是常见密码",
        error_messages={"required": "请设置密码"},
    )
    password_again = forms.CharField(
        label="再次输入密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "请再次输入密码"},
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error(
                "password_again", forms.ValidationError("两次输入的密码不一致", code="password_mismatch")
            )
        return data


class LoginForm(forms.Form):
    login_name = forms.CharField(
        label="登录名（手机号码或电子邮箱）",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
        error_messages={"required": "请填写登录名"},
    )
    password = forms.CharField(
        label="密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "请填写密码"},
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label="当前密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "请填写当前密码"},
    )
    new_password = forms.CharField(
        label="新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少 8 位，不能全是数字，不能与登录名相似，也不能是常见密码",
        error_messages={"required": "请设置新密码"},
    )
    new_password_again = forms.CharField(
        label="再次输入新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "请再次输入新密码"},
    )

    def clean(self):
        data = super().clean()
        first, second = data.get("new_password"), data.get("new_password_again")
        if first and second and first != second:
            self.add_error(
                "new_password_again",
                forms.ValidationError("两次输入的新密码不一致", code="password_mismatch"),
            )
        return data


class UnlinkForm(forms.Form):
    confirm = forms.BooleanField(
        label="我确认解除本账号与该主体的绑定，并知悉再次绑定须重新申请绑定码",
        error_messages={"required": "请勾选确认"},
    )


class AuthorisationWithdrawForm(forms.Form):
    reason = forms.CharField(
        label="撤销原因",
        max_length=200,
        help_text="例如：业务已办结，不再需要查询",
        error_messages={"required": "请填写撤销授权的原因"},
    )
    confirm = forms.BooleanField(
        label="我确认撤销该项授权；撤销立即生效，被授权方不能再凭此授权查询，撤销后不能恢复",
        error_messages={"required": "请勾选确认"},
    )


class LinkForm(forms.Form):
    code = forms.CharField(
        label="统一社会信用代码或身份证号码",
        max_length=40,
        help_text="企业和其他组织填写统一社会信用代码；个人填写本人身份证号码",
        error_messages={"required": "请填写主体的统一社会信用代码或身份证号码"},
    )
    evidence = forms.CharField(
        label="绑定码",
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
        help_text="平台核发给本主体的一次性绑定码，形如 ABCD-EFGH-JKLM-NPQR，有效期内只能使用一次",
        error_messages={"required": "请填写绑定码"},
    )


class LinkCodeIssueForm(forms.Form):
    code = forms.CharField(
        label="主体的统一社会信用代码或身份证号码",
        max_length=40,
        help_text="核对申请人的主体资格证明和经办人身份后核发；绑定码只显示一次",
        error_messages={"required": "请填写主体的统一社会信用代码或身份证号码"},
    )


GRANTEE_KIND_CHOICES = [
    (GranteeKind.DEPARTMENT, GranteeKind.DEPARTMENT.label),
    (GranteeKind.THIRD_PARTY, GranteeKind.THIRD_PARTY.label),
    (GranteeKind.SELF, GranteeKind.SELF.label),
]


class AuthoriseForm(forms.Form):
    grantee_kind = forms.ChoiceField(label="被授权方类别", choices=GRANTEE_KIND_CHOICES)
    grantee_name = forms.CharField(
        label="被授权方名称", max_length=200, required=False, help_text="被授权方为政府部门时可不填写"
    )
    grantee_code = forms.CharField(
        label="被授权方统一社会信用代码", max_length=18, required=False, help_text="被授权方为单位的填写"
    )
    grantee_department = forms.ModelChoiceField(
        label="被授权部门",
        queryset=Department.objects.none(),
        required=False,
        empty_label="（被授权方为政府部门时选择）",
    )
    purpose = forms.CharField(
        label="授权用途",
        max_length=200,
        help_text="例如：政府采购投标资格审查",
        error_messages={"required": "请填写授权用途"},
    )
    scope = forms.MultipleChoiceField(
        label="授权范围",
        choices=AuthorisationScope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一项授权范围"},
    )
    valid_from = forms.DateField(label="授权起始日期", widget=DATE_WIDGET)
    valid_until = forms.DateField(label="授权截止日期（含当日）", widget=DATE_WIDGET)
    confirm = forms.BooleanField(
        label="我确认以本主体名义作出上述授权，并知悉被授权方可据此查询本主体的非公开信用信息",
        error_messages={"required": "请勾选确认"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grantee_department"].queryset = Department.objects.order_by("name")
        today = timezone.localdate()
        self.fields["valid_from"].initial = today

    def clean(self):
        data = super().clean()
        if data.get("grantee_kind") == GranteeKind.DEPARTMENT and data.get("grantee_department"):
            data["grantee_name"] = data.get("grantee_name") or data["grantee_department"].name
        return data
