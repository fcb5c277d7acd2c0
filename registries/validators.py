"""Password rules (GB/T 22239-2019 身份鉴别): character classes, not the username, no reuse.

Named in settings.AUTH_PASSWORD_VALIDATORS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from registries.models import PasswordHistory

CHARACTER_CLASSES: tuple[Callable[[str], bool], ...] = (
    str.islower,
    str.isupper,
    str.isdigit,
    lambda c: not c.isalnum(),
)


class CharacterClassValidator:
    """At least `min_classes` of: lower case, upper case, digits, other characters."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        used = sum(any(test(c) for c in password) for test in CHARACTER_CLASSES)
        if used < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、其他字符中的至少 %(n)d 类。"),
                code="password_too_simple",
                params={"n": self.min_classes},
            )

    def get_help_text(self) -> str:
        return _("密码须包含大写字母、小写字母、数字、其他字符中的至少 %(n)d 类。") % {"n": self.min_classes}


class NotUsernameValidator:
    """The password may not be the username, forwards or backwards, in any case."""

    def validate(self, password: str, user: Any = None) -> None:
        username = (getattr(user, "username", "") or "").casefold()
        if username and password.casefold() in (username, username[::-1]):
            raise ValidationError(_("密码不能与用户名相同。"), code="password_is_username")

    def get_help_text(self) -> str:
        return _("密码不能与用户名相同。")


class PasswordHistoryValidator:
    """None of the last `count` passwords again; records each new password's hash."""

    def __init__(self, count: int = 5) -> None:
        self.count = count

    def _recent_hashes(self, user: Any) -> list[str]:
        if user is None or user.pk is None:
            return []
        hashes = list(
            PasswordHistory.objects.filter(user=user)
            .order_by("-created_at", "-pk")
            .values_list("password", flat=True)[: self.count]
        )
        if user.password and user.password not in hashes:
            hashes.insert(0, user.password)
        return hashes[: self.count]

    def validate(self, password: str, user: Any = None) -> None:
        for encoded in self._recent_hashes(user):
            if check_password(password, encoded):
                raise ValidationError(
                    _("新密码不能与最近 %(n)d 次使用过的密码相同。"),
                    code="password_reused",
                    params={"n": self.count},
                )

    def password_changed(self, password: str, user: Any = None) -> None:
        """Called by Django whenever a user is saved with a new password."""
        if user is None or user.pk is None:
            return
        PasswordHistory.objects.create(user=user, password=user.password)
        stale = PasswordHistory.objects.filter(user=user).order_by("-created_at", "-pk")[self.count :]
        PasswordHistory.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).delete()

    def get_help_text(self) -> str:
        return _("新密码不能与最近 %(n)d 次使用过的密码相同。") % {"n": self.count}
