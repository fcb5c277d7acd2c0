"""Declared conflicts of interest (回避) between an inspector and a target."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _

from registries import credit_code
from registries.access import require_perm
from registries.audit import audit_record
from registries.errors import RegistryError
from registries.models import Conflict, Inspector, Target, User


def target_by_key(raw: str) -> Target:
    """The target with this 统一社会信用代码 or object identifier, from the whole registry.

    A conflict may concern an object kept by another department (a school of the education
    bureau), so the lookup is not scoped; only the key the user typed is matched exactly.
    """
    key = credit_code.normalise(raw)
    if not key:
        raise RegistryError({"target_key": _("请填写检查对象的统一社会信用代码或对象编号")})
    target = Target.objects.filter(Q(credit_code=key) | Q(identifier=key)).first()
    if target is None:
        raise RegistryError({"target_key": _("未找到统一社会信用代码或对象编号为 %(key)s 的检查对象") % {"key": key}})
    return target


@transaction.atomic
def conflict_declare(
    *, user: User, inspector: Inspector, target: Target, reason: str, request: HttpRequest | None = None
) -> Conflict:
    """Staff declare a conflict for an inspector of their own department."""
    require_perm(user, "registries.declare_conflict", inspector)
    reason = reason.strip()
    if not reason:
        raise RegistryError({"reason": _("请填写回避事由")})
    try:
        # The unique constraint (inspector, target) decides between two concurrent declarations.
        with transaction.atomic():
            conflict = Conflict.objects.create(inspector=inspector, target=target, reason=reason)
    except IntegrityError as exc:
        raise RegistryError(
            {
                "target_key": _("%(inspector)s 已申报过对 %(target)s 的回避")
                % {"inspector": inspector.name, "target": target.name}
            }
        ) from exc
    audit_record(
        actor=user,
        request=request,
        action="registry.conflict_declare",
        obj=conflict,
        detail={"inspector": inspector.certificate_no, "target": target.natural_key_value},
    )
    return conflict


@transaction.atomic
def conflict_withdraw(*, user: User, conflict: Conflict, request: HttpRequest | None = None) -> None:
    """Withdraw a declaration made in error; the audit trail records who withdrew it."""
    require_perm(user, "registries.withdraw_conflict", conflict)
    audit_record(
        actor=user,
        request=request,
        action="registry.conflict_withdraw",
        obj=conflict,
        detail={"inspector": conflict.inspector.certificate_no, "target": conflict.target.natural_key_value},
    )
    conflict.delete()
