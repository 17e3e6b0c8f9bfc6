from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "govhub.cases"
    label = "cases"
    verbose_name = _("办件")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from govhub.cases.counts_cache import on_case_transitioned
        from govhub.cases.events import CaseTransitioned
        from govhub.core.events import subscribe

        subscribe(CaseTransitioned, on_case_transitioned)
