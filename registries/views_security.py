"""Password change, TOTP enrolment and verification, the audit administrator's trail, and the
security administrator's accounts and roles."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from registries.access import rule_required
from registries.audit import audit_events, audit_record
from registries.forms_security import (
    AccountCreateForm,
    AccountFilterForm,
    AccountForm,
    AccountOtpResetForm,
    AccountPasswordResetForm,
    PasswordChangeWithTokenForm,
)
from registries.models import User
from registries.otp import totp_check, totp_confirm, totp_device_for, totp_qr_svg, totp_secret
from registries.services.accounts import (
    account_create,
    account_update,
    user_otp_reset,
    user_password_change,
    user_password_reset,
)
from registries.text import CleanTextForm

AUDIT_PAGE_SIZE = 50
ACCOUNT_PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    """The signed-in user (every view here is behind login_required)."""
    return cast(User, request.user)


def _next_or_home(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return HttpResponseRedirect(target)
    return redirect("home")


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PasswordChangeWithTokenForm(user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            user = user_password_change(user=user, new_password=form.cleaned_data["new_password1"], request=request)
            update_session_auth_hash(request, user)
            messages.success(request, _("密码已修改。"))
            return _next_or_home(request)
        audit_record(actor=user, action="auth.password_change", request=request, success=False)
    return render(
        request,
        "registration/password_change_form.html",
        {"form": form, "due": user.password_change_due(), "next": request.GET.get("next", "")},
    )


class TokenForm(CleanTextForm):
    token = forms.RegexField(
        label=_("动态验证码"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("请输入 6 位数字验证码。")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists() and not user.is_verified():  # type: ignore[attr-defined]
        # Re-enrolling would bypass the second factor: verify with the current device first.
        return redirect("otp_verify")
    device = totp_device_for(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refusal = totp_confirm(device=device, token=form.cleaned_data["token"], request=request)
        if refusal is None:
            otp_login(request, device)
            messages.success(request, _("已启用动态验证码。"))
            return _next_or_home(request)
        form.add_error("token", refusal)
    return render(
        request,
        "registration/otp_setup.html",
        {
            "form": form,
            "secret": totp_secret(device),
            "qr_svg": totp_qr_svg(device),
            "next": request.GET.get("next", ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect("otp_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refusal = totp_check(device, form.cleaned_data["token"])
        audit_record(actor=request.user, action="auth.otp_verify", request=request, success=refusal is None)
        if refusal is None:
            otp_login(request, device)
            return _next_or_home(request)
        form.add_error("token", refusal)
    return render(request, "registration/otp_verify.html", {"form": form, "next": request.GET.get("next", "")})


class AuditFilterForm(CleanTextForm):
    action = forms.CharField(label=_("操作"), required=False, max_length=64)
    username = forms.CharField(label=_("操作人账号"), required=False, max_length=150)
    date_from = forms.DateField(label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    success = forms.NullBooleanField(
        label=_("结果"),
        required=False,
        widget=forms.Select(choices=[("", _("全部")), ("true", _("成功")), ("false", _("失败"))]),
    )


@rule_required("registries.read_audit_trail")
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_events(**{k: v for k, v in filters.items() if v not in ("", None)})
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = (
        "registries/security/_audit_rows.html"
        if getattr(request, "htmx", False)
        else "registries/security/audit_list.html"
    )
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})


# ---------------------------------------------------------------- accounts (security administrator)


@rule_required("registries.manage_accounts")
@require_http_methods(["GET"])
def account_list(request: HttpRequest) -> HttpResponse:
    form = AccountFilterForm(request.GET or None)
    users = User.objects.select_related("department").order_by("username")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            users = users.filter(Q(username__icontains=data["q"]) | Q(full_name__icontains=data["q"]))
        if data["role"]:
            users = users.filter(role=data["role"])
        if data["department"]:
            users = users.filter(department=data["department"])
        if data["active"] is not None:
            users = users.filter(is_active=data["active"])
    page = Paginator(users, ACCOUNT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "registries/security/account_list.html", {"form": form, "page": page, "query": query.urlencode()}
    )


@rule_required("registries.manage_accounts")
@require_http_methods(["GET", "POST"])
def account_create_view(request: HttpRequest) -> HttpResponse:
    form = AccountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = account_create(
                actor=_user(request),
                username=data["username"],
                full_name=data["full_name"],
                email=data["email"],
                role=data["role"],
                department=data["department"],
                password=data["password1"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已创建账号 %(username)s：初次登录须修改密码。") % {"username": user.username})
            return redirect("account_edit", pk=user.pk)
    return render(request, "registries/security/account_form.html", {"form": form, "account": None})


@rule_required("registries.manage_accounts")
@require_http_methods(["GET", "POST"])
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(User.objects.select_related("department"), pk=pk)
    form = AccountForm(request.POST or None, initial=AccountForm.initial_for(account))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account_update(
                actor=_user(request),
                user=account,
                full_name=data["full_name"],
                email=data["email"],
                role=data["role"],
                department=data["department"],
                is_active=data["is_active"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("账号已保存。"))
            return redirect("account_edit", pk=account.pk)
    return render(request, "registries/security/account_form.html", _account_context(account, form=form))


def _account_context(account: User, **forms_: Any) -> dict[str, Any]:
    return {
        "account": account,
        "form": forms_.get("form") or AccountForm(initial=AccountForm.initial_for(account)),
        "password_form": forms_.get("password_form") or AccountPasswordResetForm(account),
        "otp_form": forms_.get("otp_form") or AccountOtpResetForm(),
        "has_device": TOTPDevice.objects.filter(user=account, confirmed=True).exists(),
    }


@rule_required("registries.manage_accounts")
@require_http_methods(["POST"])
def account_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(User, pk=pk)
    form = AccountPasswordResetForm(account, request.POST)
    if form.is_valid():
        user_password_reset(
            actor=_user(request), user=account, new_password=form.cleaned_data["new_password1"], request=request
        )
        messages.success(request, _("已重置密码：该用户下次登录时须修改密码。"))
        return redirect("account_edit", pk=account.pk)
    return render(request, "registries/security/account_form.html", _account_context(account, password_form=form))


@rule_required("registries.manage_accounts")
@require_http_methods(["POST"])
def account_otp_reset(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(User, pk=pk)
    form = AccountOtpResetForm(request.POST)
    if form.is_valid():
        user_otp_reset(actor=_user(request), user=account, request=request)
        messages.success(request, _("已清除动态验证码设备：该用户下次登录时须重新绑定。"))
        return redirect("account_edit", pk=account.pk)
    return render(request, "registries/security/account_form.html", _account_context(account, otp_form=form))
