"""Enqueue the periodic jobs when they are due (see `govhub.core.scheduler`).

Run exactly one per deployment: `manage.py serve` starts it beside the web server, or a
scale-out deployment runs it on one machine. A second one on the same machine refuses to
start (lock file under `VAR_DIR`). SIGINT or SIGTERM stops it within a second.
"""

from __future__ import annotations

import signal
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils.timezone import localtime

from govhub.core.scheduler import (
    Scheduler,
    SchedulerAlreadyRunning,
    effective_jobs,
    registered_jobs,
    scheduler_lock,
)


class Command(BaseCommand):
    help = "Enqueue periodic jobs when they are due (run one per deployment)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--list",
            action="store_true",
            help="show every job, its schedule and when it would next run, then exit",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            jobs = effective_jobs()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        scheduler = Scheduler(jobs, before_enqueue=close_old_connections)
        if options["list"]:
            self._list(scheduler)
            return
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            with scheduler_lock() as lock:
                scheduler.start()
                self.stdout.write(
                    f"govhub scheduler: {len(jobs)} periodic job(s), lock {lock}"
                    + "".join(
                        f"\n  {job.name}: {job.schedule}, next {localtime(due).isoformat()}"
                        for job, due in scheduler.describe()
                    )
                )
                self.stdout.flush()
                scheduler.run(should_stop=lambda: stopping)
        except SchedulerAlreadyRunning as exc:
            raise CommandError(
                f"{exc}: run exactly one scheduler per deployment "
                "(`manage.py serve --no-scheduler` beside it)."
            ) from exc
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("govhub scheduler: stopped.")

    def _list(self, scheduler: Scheduler) -> None:
        scheduler.start()
        enabled = {job.name for job in scheduler.jobs}
        for job, due in scheduler.describe():
            when = localtime(due).isoformat()
            self.stdout.write(f"{job.name}\t{job.schedule}\t{job.task.module_path}\tnext {when}")
        for name in sorted(set(registered_jobs()) - enabled):
            self.stdout.write(f"{name}\tdisabled by GOVHUB_SCHEDULE")
