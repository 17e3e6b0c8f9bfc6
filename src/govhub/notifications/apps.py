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
        from govhub.core.scheduler import periodic
        from govhub.notifications.handlers import on_cases_transitioned
        from govhub.notifications.tasks import retry_due_deliveries

        subscribe(CaseTransitioned, on_cases_transitioned, in_background=True, batched=True)
        # The safety net under the deferred retries: see tasks.retry_due_deliveries.
        periodic("notifications.retry_due_deliveries", retry_due_deliveries, every=300)
