"""Check the whole audit chain: every hash, every signed checkpoint, nothing left out.
Exits with status 1 and names the first broken record when the chain was tampered with."""

from __future__ import annotations

from typing import Any, Literal

from django.core.management.base import BaseCommand, CommandError, CommandParser

from govhub.core.audit_verify import DEFAULT_CHUNK_SIZE, audit_verify


def _checkpoint_choice(value: str) -> int | Literal["latest"]:
    if value == "latest":
        return "latest"
    try:
        return int(value)
    except ValueError:
        raise CommandError(
            f"--from-checkpoint takes a checkpoint id or 'latest', not {value!r}"
        ) from None


class Command(BaseCommand):
    help = "Verify the audit hash chain and its signed checkpoints."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--from-checkpoint",
            nargs="?",
            const="latest",
            default=None,
            metavar="ID",
            help="Trust a checkpoint (default: the latest) once its signature checks, and "
            "verify only the records after it.",
        )
        parser.add_argument(
            "--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE, help="Links read per query."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        start = options["from_checkpoint"]
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1")
        try:
            report = audit_verify(
                from_checkpoint=_checkpoint_choice(start) if start is not None else None,
                chunk_size=options["chunk_size"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if report.problem is not None:
            problem = report.problem
            named = ", ".join(
                f"{label} {value}"
                for label, value in (
                    ("seq", problem.seq),
                    ("event", problem.event_id),
                    ("checkpoint", problem.checkpoint_id),
                )
                if value is not None
            )
            raise CommandError(
                f"Audit chain broken ({problem.kind}; {named}): {problem.message}", returncode=1
            )
        self.stdout.write(
            f"Audit chain intact: {report.links} link(s) after seq {report.start_seq} up to "
            f"seq {report.head_seq}; {report.checkpoints} checkpoint(s) valid."
        )
        if report.head_seq > report.last_checkpoint_seq:
            self.stdout.write(
                f"Links after seq {report.last_checkpoint_seq} are not yet covered by a signed "
                "checkpoint (run manage.py audit_seal)."
            )
        if report.awaiting_seal:
            self.stdout.write(f"{report.awaiting_seal} record(s) are waiting to be sealed.")
