from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistriesConfig(AppConfig):
    name = "registries"
    verbose_name = _("一单两库")

    def ready(self) -> None:
        from registries import access, checks, receivers  # noqa: F401  (rules, system checks, audit receivers)

        receivers.connect_signals(self)
