"""`manage.py catalog_export [--format json|xlsx] [--output FILE]`: export the whole
catalogue (format in `govhub.catalog.importexport`). JSON goes to stdout without --output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from govhub.catalog.importexport import export_json
from govhub.catalog.importexport_xlsx import export_xlsx


class Command(BaseCommand):
    help = "Export the whole catalogue as JSON (govhub-catalog/1) or XLSX."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=("json", "xlsx"), default=None)
        parser.add_argument(
            "--output",
            "-o",
            default="",
            help="output file (default: JSON to stdout)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = options["output"]
        fmt = options["format"] or ("xlsx" if output.lower().endswith(".xlsx") else "json")
        if fmt == "xlsx":
            if not output:
                raise CommandError(_("导出 XLSX 时请用 --output 指定文件。"))
            Path(output).write_bytes(export_xlsx())
        elif output:
            Path(output).write_text(export_json(), encoding="utf-8")
        else:
            self.stdout.write(export_json(), ending="")
            return
        self.stderr.write(_("已导出到 %(path)s。") % {"path": output})
