from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "govhub.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from django.core import checks

        from govhub.core import scheduler  # noqa: F401  (registers its system check)
        from govhub.core.checks import calendar_schedule_check

        checks.register(calendar_schedule_check, "govhub")

        from govhub.core.events import requeue_stalled_background_runs
        from govhub.core.scheduler import periodic
        from govhub.core.tasks import audit_seal_task, task_results_prune

        # Link new audit records into the chain and sign its head (docs/audit.md).
        periodic("core.audit_seal", audit_seal_task, every=60)
        # The database task backend keeps every finished row: drop the old ones nightly.
        periodic("core.prune_task_results", task_results_prune, at="03:30")
        # Background runs a worker took and died with wait in the queue again.
        periodic("core.requeue_stalled_background", requeue_stalled_background_runs, every=600)
