"""Middleware: a forced password change, a mandatory second factor, no caching of signed-in pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django_otp import user_has_device

from registries.access import needs_second_factor

# Pages a user who still owes a password change or a second factor may open.
SECURITY_URL_NAMES = ("login", "logout", "password_change", "otp_setup", "otp_verify", "set_language")
SECURITY_PATH_PREFIXES = ("/static/", "/i18n/", "/public/")


def _exempt(request: HttpRequest) -> bool:
    path = request.path_info
    if path.startswith(SECURITY_PATH_PREFIXES):
        return True
    match = getattr(request, "resolver_match", None)
    return bool(match and match.url_name in SECURITY_URL_NAMES)


def _redirect(request: HttpRequest, url_name: str) -> HttpResponse:
    url = f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}"
    if getattr(request, "htmx", False):
        from django_htmx.http import HttpResponseClientRedirect

        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


class _ViewMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)


class SecondFactorRequiredMiddleware(_ViewMiddleware):
    """Roles in OTP_REQUIRED_ROLES pass TOTP before any page (enrolling on first login)."""

    def process_view(self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any) -> Any:
        user = request.user
        if not user.is_authenticated or _exempt(request):
            return None
        if not needs_second_factor(user) and not user_has_device(user):
            return None
        if user.is_verified():  # type: ignore[attr-defined]  # set by django_otp's OTPMiddleware
            return None
        return _redirect(request, "otp_verify" if user_has_device(user) else "otp_setup")


class PasswordChangeRequiredMiddleware(_ViewMiddleware):
    """An initial or expired password is changed before any other page."""

    def process_view(self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any) -> Any:
        user = request.user
        if not user.is_authenticated or _exempt(request) or not user.password_change_due():
            return None
        return _redirect(request, "password_change")


class NoStoreMiddleware(_ViewMiddleware):
    """Pages shown to a signed-in user are never stored by the browser or a proxy."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
