from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicityConfig(AppConfig):
    name = "publicity"
    verbose_name = _("信息公示")

    def ready(self) -> None:
        from inspections.signals import result_submitted
        from publicity.services import on_result_submitted

        result_submitted.connect(on_result_submitted, dispatch_uid="publicity.publish_result")
