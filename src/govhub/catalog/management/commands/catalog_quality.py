"""`manage.py catalog_quality [--errors-only]`: check every implementation item against the
quality rules (信息质量) and print a table; exits with status 1 when any error is found."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from govhub.catalog.quality import ERROR, check_all


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(rows: list[list[str]]) -> str:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [_pad(cell, widths[i]) for i, cell in enumerate(row[:-1])] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Check every implementation item against the quality rules; exit 1 on errors."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--errors-only", action="store_true", help="list errors only")

    def handle(self, *args: Any, **options: Any) -> None:
        found = check_all(errors_only=options["errors_only"])
        if not found:
            self.stdout.write(_("未发现信息质量问题。"))
            return
        rows = [[_("实施编码"), _("事项名称"), _("规则"), _("字段"), _("级别"), _("问题")]]
        for entry in found:
            rows.append(
                [
                    entry.item.implementation_code,
                    entry.version.name,
                    entry.finding.rule,
                    entry.finding.field,
                    entry.finding.level_label,
                    entry.finding.message,
                ]
            )
        self.stdout.write(format_table(rows))
        errors = sum(1 for entry in found if entry.finding.level == ERROR)
        warnings = len(found) - errors
        summary = _("共%(errors)d项错误，%(warnings)d项警告。") % {
            "errors": errors,
            "warnings": warnings,
        }
        self.stdout.write(summary)
        if errors:
            raise CommandError(summary, returncode=1)
