"""`manage.py supervision_scan [--full]`: run the deadline scan now (what the periodic job
`supervision.scan` does), and print what changed."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from govhub.supervision.scan import supervision_scan


class Command(BaseCommand):
    help = "Run the supervision deadline scan (full with --full, else as due)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--full", action="store_true", help="scan every open case, not only changed ones"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = supervision_scan(full=options["full"])
        self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        if report.mode == "skipped":
            self.stderr.write("another scan is running; nothing done")
