from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "govhub.supervision"
    label = "supervision"
    verbose_name = _("电子监察")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from govhub.cases.events import CaseTransitioned
        from govhub.core.events import subscribe
        from govhub.core.scheduler import periodic
        from govhub.supervision import rules_deadline, rules_process  # noqa: F401  (registers)
        from govhub.supervision.handlers import on_cases_transitioned, sync_rules_after_migrate
        from govhub.supervision.tasks import supervision_scan_task

        subscribe(CaseTransitioned, on_cases_transitioned, in_background=True, batched=True)
        post_migrate.connect(sync_rules_after_migrate, sender=self)
        # Deadline scan: a full scan once per date (or after a calendar or rule change),
        # otherwise only the cases changed since the last run (docs/supervision.md).
        periodic("supervision.scan", supervision_scan_task, every=300)
