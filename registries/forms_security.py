"""Forms of the security pages: a password change with the second factor, and account management."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from registries.models import DEPARTMENT_ROLES, Department, Role, User
from registries.otp import totp_throttled
from registries.text import CleanTextForm, CleanTextMixin

TOKEN_WIDGET = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"})


class PasswordChangeWithTokenForm(CleanTextMixin, PasswordChangeForm):
    """The old password, and for a user with a second factor a current TOTP code too.

    A stolen session or a password seen over a shoulder is not enough to take the account.
    """

    otp_token = forms.RegexField(
        label=_("动态验证码"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("请输入 6 位数字验证码。"), "required": _("请输入动态验证码。")},
        widget=TOKEN_WIDGET,
    )

    field_order = ["old_password", "otp_token", "new_password1", "new_password2"]

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if self.device is None:
            del self.fields["otp_token"]

    def clean_otp_token(self) -> str:
        token = self.cleaned_data["otp_token"]
        assert self.device is not None
        throttled = totp_throttled(self.device)
        if throttled is not None:
            raise forms.ValidationError(throttled, code="otp_throttled")
        if not self.device.verify_token(token):
            raise forms.ValidationError(_("验证码不正确。"), code="otp_invalid")
        return token


class AccountFilterForm(CleanTextForm):
    q = forms.CharField(label=_("账号或姓名"), required=False, max_length=150)
    role = forms.ChoiceField(label=_("角色"), required=False, choices=[("", _("全部")), *Role.choices])
    department = forms.ModelChoiceField(
        label=_("所属部门"), required=False, queryset=Department.objects.order_by("name"), empty_label=_("全部")
    )
    active = forms.NullBooleanField(
        label=_("状态"),
        required=False,
        widget=forms.Select(choices=[("", _("全部")), ("true", _("启用")), ("false", _("停用"))]),
    )


class AccountForm(CleanTextForm):
    """What the security administrator may change of an account."""

    full_name = forms.CharField(label=_("姓名"), max_length=50)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    department = forms.ModelChoiceField(
        label=_("所属部门"), required=False, queryset=Department.objects.order_by("name"), empty_label=_("（无）")
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("role") in {r.value for r in DEPARTMENT_ROLES} and not data.get("department"):
            self.add_error("department", _("部门业务人员、执法检查人员和单位主要负责人须属于一个部门。"))
        return data

    @classmethod
    def initial_for(cls, user: User) -> dict[str, Any]:
        return {
            "full_name": user.full_name,
            "email": user.email,
            "role": user.role,
            "department": user.department_id,
            "is_active": user.is_active,
        }


class AccountCreateForm(AccountForm):
    username = forms.RegexField(
        label=_("账号"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        error_messages={"invalid": _("账号只能包含字母、数字和 @ . + - _ 字符。")},
    )
    password1 = forms.CharField(
        label=_("初始密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("确认初始密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    field_order = ["username", "full_name", "email", "role", "department", "password1", "password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["is_active"]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("该账号已存在。"), code="username_taken")
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("两次输入的密码不一致。"))
        elif password1 and data.get("username"):
            candidate = User(
                username=data["username"], full_name=data.get("full_name", ""), email=data.get("email", "")
            )
            try:
                validate_password(password1, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class AccountPasswordResetForm(CleanTextMixin, SetPasswordForm):
    """A new initial password (the password rules apply); the user must change it at the next login."""


class AccountOtpResetForm(CleanTextForm):
    confirm = forms.BooleanField(
        label=_("确认清除该用户的动态验证码设备（用户下次登录时须重新绑定）"),
        error_messages={"required": _("请勾选确认。")},
    )
