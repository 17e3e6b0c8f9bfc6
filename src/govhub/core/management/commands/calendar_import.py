"""Load a year's holiday schedule from a CSV or JSON file (all or nothing).

    manage.py calendar_import 2027.csv --year 2027 \
        --source "国务院办公厅关于2027年部分节假日安排的通知" --publish

See `govhub.core.calendar_import` for the file format.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any, Literal

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from govhub.core import services
from govhub.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Replace a year's working-day calendar with the days of a CSV or JSON file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="CSV or JSON file (UTF-8)")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--format", choices=["csv", "json"], help="default: from the suffix")
        parser.add_argument("--source", help="the notice the schedule comes from")
        parser.add_argument("--notes")
        parser.add_argument("--publish", action="store_true", help="publish the year as well")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        suffix = options["format"] or path.suffix.lower().lstrip(".")
        file_format: Literal["csv", "json"]
        if suffix == "csv":
            file_format = "csv"
        elif suffix == "json":
            file_format = "json"
        else:
            raise CommandError(_("无法判断文件格式，请用 --format csv 或 --format json 指定。"))
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("无法读取文件 %(path)s：%(error)s") % {"path": path, "error": exc.strerror}
            ) from exc
        try:
            result = services.calendar_import(
                actor=None,
                actor_label=f"manage.py calendar_import ({getpass.getuser()})",
                year=options["year"],
                content=content,
                file_format=file_format,
                source=options["source"],
                notes=options["notes"],
                publish=options["publish"],
            )
        except services.CalendarImportError as exc:
            lines = [str(exc.message), *(error.message for error in exc.row_errors)]
            raise CommandError("\n".join(lines)) from exc
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        status = result.calendar_year.get_status_display()
        self.stdout.write(
            _("已导入%(year)d年：%(holidays)s，%(workdays)s（%(replaced)s），状态：%(status)s。")
            % {
                "year": result.calendar_year.year,
                "holidays": result.holidays_text,
                "workdays": result.workdays_text,
                "replaced": result.replaced_text,
                "status": status,
            }
        )
