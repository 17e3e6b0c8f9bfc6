from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "govhub.notifications"
    label = "notifications"
    verbose_name = _("消息通知")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from govhub.cases.events import CaseTransitioned
        from govhub.core.events import subscribe
        from govhub.notifications.handlers import on_case_transitioned

        subscribe(CaseTransitioned, on_case_transitioned)
