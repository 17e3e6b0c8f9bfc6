from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "govhub.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from django.core import checks

        from govhub.core.checks import calendar_schedule_check

        checks.register(calendar_schedule_check, "govhub")
