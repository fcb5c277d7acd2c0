from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_presets(sender: AppConfig, **kwargs: Any) -> None:
    from credit_risk.services import policy_presets_ensure

    policy_presets_ensure()


class CreditRiskConfig(AppConfig):
    name = "credit_risk"
    verbose_name = _("信用风险分类")

    def ready(self) -> None:
        post_migrate.connect(_ensure_presets, sender=self, dispatch_uid="credit_risk_presets")
