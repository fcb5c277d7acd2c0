from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditRiskConfig(AppConfig):
    name = "credit_risk"
    verbose_name = _("信用风险分类")
