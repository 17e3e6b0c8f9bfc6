"""Fill a test database with synthetic cases: `manage.py generate_cases 100000`.

The cases, their histories, steps, deadline records and materials are made by the
benchmark's generator (`bench/cases_generator.py`, see its docstring), for the published
items of the catalogue and the demo residents: load the demo data first. It writes in
batches (COPY on PostgreSQL) without holding the cases in memory, assigns ids itself, and
analyses the tables at the end. Meant for a database nobody else writes to meanwhile;
refused in production mode.
"""

from __future__ import annotations

import datetime
import importlib
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


def _generator() -> Any:
    bench = settings.PROJECT_DIR / "bench"
    if not (bench / "cases_generator.py").is_file():
        raise CommandError(f"The case generator is not here: {bench / 'cases_generator.py'}")
    if str(bench) not in sys.path:
        sys.path.insert(0, str(bench))
    # It lives beside the benchmarks, outside the package.
    return importlib.import_module("cases_generator")


class Command(BaseCommand):
    help = "Write COUNT synthetic cases with their histories (a test database only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int, help="how many cases to add")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=2026, help="random seed (repeatable)")
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help="the day the open cases are around (YYYY-MM-DD; default: today)",
        )
        parser.add_argument(
            "--no-fast-load",
            action="store_true",
            help="PostgreSQL: keep the indexes and foreign-key triggers during the load",
        )
        parser.add_argument(
            "--no-analyze", action="store_true", help="skip VACUUM ANALYZE / ANALYZE at the end"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "Synthetic cases are never generated in production mode (GOVHUB_ENV=production)."
            )
        count = options["count"]
        if count <= 0:
            raise CommandError("COUNT must be a positive number.")
        generator = _generator()

        def progress(done: int, seconds: float) -> None:
            if done % 50_000 == 0 or done == count:
                rate = done / seconds if seconds else 0.0
                self.stdout.write(f"{done:,} cases in {seconds:.0f} s ({rate:,.0f}/s)")

        try:
            result = generator.generate_cases(
                count,
                batch_size=options["batch_size"],
                seed=options["seed"],
                today=options["today"],
                fast_load=False if options["no_fast_load"] else None,
                analyze=not options["no_analyze"],
                progress=progress,
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        rows = ", ".join(f"{name} {n:,}" for name, n in result.rows.items() if n)
        self.stdout.write(rows)
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.cases:,} cases ({result.total_rows:,} rows) in {result.seconds:.1f} s: "
                f"{result.cases_per_second:,.0f} cases/s, {result.rows_per_second:,.0f} rows/s"
                + (
                    f"; statistics {result.finish_seconds:.1f} s"
                    if not options["no_analyze"]
                    else ""
                )
            )
        )
