"""Link the audit records written since the last run into the hash chain and sign the
new head (what the periodic `core.tasks.audit_seal_task` does). Safe to run any time."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from govhub.core.audit_chain import audit_checkpoint, audit_seal


class Command(BaseCommand):
    help = "Seal new audit records into the hash chain, then sign a checkpoint."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-checkpoint", action="store_true", help="Seal only; sign no checkpoint."
        )
        parser.add_argument("--batch-size", type=int, default=None, help="Links per transaction.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_seal(batch_size=options["batch_size"])
        self.stdout.write(
            f"Sealed {report.linked} record(s); chain head at seq {report.head_seq}; "
            f"watermark {report.watermark}."
        )
        if report.refused:
            self.stderr.write(
                f"Refused {len(report.refused)} record(s) stamped before the previous seal "
                f"run (inserted afterwards?): event ids {report.refused[:20]}"
            )
        if not options["no_checkpoint"]:
            checkpoint = audit_checkpoint()
            if checkpoint is None:
                self.stdout.write("No new checkpoint: the newest one already covers the head.")
            else:
                self.stdout.write(
                    f"Checkpoint {checkpoint.pk} signed at seq {checkpoint.seq} "
                    f"({checkpoint.algorithm}, key {checkpoint.key_id})."
                )
