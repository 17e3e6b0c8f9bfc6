"""`manage.py catalog_import FILE [--format json|xlsx] [--dry-run] [--skip-quality]`:
import a catalogue exported by `catalog_export` (or filled in by officials in the XLSX
layout). Every rejected row is listed; nothing is written when any row fails (exit 1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from govhub.catalog.importexport import ImportRejected, ImportResult, import_json
from govhub.catalog.importexport_xlsx import import_xlsx


class _DryRun(Exception):
    def __init__(self, result: ImportResult) -> None:
        self.result = result


class Command(BaseCommand):
    help = "Import a catalogue (JSON or XLSX); all or nothing, every rejected row listed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--format", choices=("json", "xlsx"), default=None)
        parser.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
        parser.add_argument(
            "--skip-quality",
            action="store_true",
            help="do not refuse versions with quality errors",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(_("找不到文件 %(path)s。") % {"path": path})
        fmt = options["format"] or ("xlsx" if path.suffix.lower() == ".xlsx" else "json")
        enforce = not options["skip_quality"]
        try:
            with transaction.atomic():
                if fmt == "xlsx":
                    result = import_xlsx(path.read_bytes(), enforce_quality=enforce)
                else:
                    result = import_json(path.read_bytes(), enforce_quality=enforce)
                if options["dry_run"]:
                    raise _DryRun(result)
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(str(exc), returncode=1) from exc
        except _DryRun as dry:
            result = dry.result
            self.stdout.write(_("校验通过（未写入）。"))
        self.stdout.write(
            _("新增：%(created)s；更新：%(updated)s；发布新版本：%(published)d项。")
            % {
                "created": _counts(result.created),
                "updated": _counts(result.updated),
                "published": len(result.published),
            }
        )


def _counts(counts: dict[str, int]) -> str:
    labels = {
        "themes": _("主题"),
        "life_events": _("人生事件"),
        "base_items": _("基本目录事项"),
        "implementation_items": _("实施清单事项"),
        "variants": _("业务办理项"),
    }
    return "，".join(f"{labels.get(k, k)}{v}项" for k, v in counts.items()) or _("无")
