"""Who writes credit-risk data: the rule, in one place, checked by every service that writes.

Tiers set the draw probability of a target, so writing one is steering draws:

- A target's tier (an imported classification result, a tier set by hand, an observation
  period) is written only by an active *staff* account (部门业务人员) of the department that
  maintains the target (`Target.department`, 维护部门): the same targets `registries.access.scoped`
  gives that user (rules `credit_risk.set_tier`, `credit_risk.set_observation`,
  `credit_risk.import_tiers`). Leaders, inspectors, the office and the administrators write no tier.
- A tier policy (分级抽查比例策略) is shared by every department's tasks, so it is written only by
  the leading-group office (`Role.OFFICE`, 领导小组办公室; rule `credit_risk.edit_policy`);
  department staff read it.

The rules themselves live with every other rule in `registries.access`; these functions name
them for the services.

The services in `credit_risk.services` refuse anything else with PermissionDenied and audit
every write with the tier or the policy before and after. A tier import never says whether a
credit code outside the caller's targets exists: such a row gets the message of an unknown code.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from registries.models import Target


def may_write_tier(user: Any, target: Target) -> bool:
    """Whether `user` may write the tier (and observation periods) of `target`."""
    return bool(user.has_perm("credit_risk.set_tier", target))


def may_import_tiers(user: Any) -> bool:
    """Whether `user` may import classification results at all (rows only for its own targets)."""
    return bool(user.has_perm("credit_risk.import_tiers"))


def tier_writable_targets(user: Any) -> QuerySet[Target]:
    """The targets whose tiers `user` may write: those its department maintains, for its staff."""
    if not may_import_tiers(user):
        return Target.objects.none()
    return Target.objects.filter(department_id=user.department_id)


def may_write_policy(user: Any) -> bool:
    """Whether `user` may change a shared tier policy: the leading-group office only."""
    return bool(user.has_perm("credit_risk.edit_policy"))
