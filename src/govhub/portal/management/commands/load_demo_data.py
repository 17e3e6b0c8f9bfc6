"""Load the Hegang demo data, app by app, bottom to top.

Idempotent: every loader updates or creates by natural keys, so a second run neither
duplicates nor fails, and it puts edited demo rows back as they were. Refused in
production mode. Reference data that every deployment needs (the working-day calendar)
comes with the migrations, not from here.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# Each entry: the app's demo module; its `load()` returns {"what": count}.
LOADERS = (
    "govhub.organizations.demo",
    "govhub.registries.demo",
    "govhub.identity.demo",
    "govhub.notifications.demo",
    "govhub.sample_department.demo",
    "govhub.catalog.demo",
    "govhub.cases.demo",
    "govhub.supervision.demo",
)


class Command(BaseCommand):
    help = "Load (or refresh) the synthetic Hegang demo data. Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "Demo data is never loaded in production mode (GOVHUB_ENV=production)."
            )
        for module_path in LOADERS:
            load: Callable[[], dict[str, int]] = import_module(module_path).load
            with transaction.atomic():
                counts = load()
            summary = ", ".join(f"{name} {count}" for name, count in counts.items())
            self.stdout.write(f"{module_path}: {summary}")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
