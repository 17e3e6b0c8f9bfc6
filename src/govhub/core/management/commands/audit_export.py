"""Export a date range of the audit trail as signed JSON lines, or check such a file.

manage.py audit_export --from 2026-01-01 --to 2026-06-30 --output audit-2026h1.jsonl
manage.py audit_export --verify audit-2026h1.jsonl [--public-key key.pub.pem]
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from govhub.core.audit_export import audit_export, audit_export_verify


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Export audit records of a date range as signed JSON lines, or verify an export."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="First day.")
        parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="Last day (included).")
        parser.add_argument("--output", metavar="FILE", help="Write here instead of stdout.")
        parser.add_argument("--verify", metavar="FILE", help="Check an exported file.")
        parser.add_argument(
            "--public-key",
            metavar="PEM",
            help="With --verify: check the signature with this key instead of the trusted ones.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verify"]:
            self._verify(Path(options["verify"]), options["public_key"])
            return
        if not options["start"] or not options["end"]:
            raise CommandError("give --from and --to (or --verify FILE)")
        start, end = _date(options["start"]), _date(options["end"])
        if end < start:
            raise CommandError("--to is before --from")
        if options["output"]:
            path = Path(options["output"])
            with path.open("w", encoding="utf-8", newline="\n") as handle:
                report = audit_export(start=start, end=end, out=handle)
            self.stdout.write(
                f"Exported {report.events} record(s) to {path} "
                f"(sha256 {report.sha256}, key {report.key_id})."
            )
        else:
            report = audit_export(start=start, end=end, out=self.stdout)
            self.stderr.write(f"Exported {report.events} record(s).")

    def _verify(self, path: Path, public_key: str | None) -> None:
        key = None
        if public_key:
            try:
                key = Path(public_key).read_bytes()
            except OSError as exc:
                raise CommandError(f"cannot read {public_key}: {exc}") from exc
        try:
            with path.open("rb") as handle:
                check = audit_export_verify(handle, public_key=key)
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        if not check.ok:
            raise CommandError(f"{path}: {check.problem}", returncode=1)
        self.stdout.write(
            f"{path}: intact, {check.events} record(s), signed by key {check.key_id}."
        )
