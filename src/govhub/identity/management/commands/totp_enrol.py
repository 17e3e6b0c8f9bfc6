"""Bind an authenticator to an account from the command line: the way in for the first
administrator of a new deployment (`createsuperuser` makes an account that cannot yet
open the admin, which needs password + TOTP). Later staff are activated by their
department's administrator (`staff_activation_issue`).

    manage.py totp_enrol <username>          # prints the secret and a QR code
    manage.py totp_enrol <username> --secret BASE32SECRET

Replaces the account's authenticator; audited as `identity.totp.enrol_command`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from govhub.core.audit import audit_log
from govhub.identity import totp
from govhub.identity.models import TotpDevice, User
from govhub.identity.services_accounts import totp_uri


class Command(BaseCommand):
    help = "Bind a TOTP authenticator to an account (first administrator, lost devices)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--secret", default="", help="use this base32 secret")
        parser.add_argument("--no-qr", action="store_true", help="do not print a QR code")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no account {options['username']!r}")
        secret = options["secret"] or totp.new_secret()
        if not totp.is_valid_secret(secret):
            raise CommandError("the secret must be base32 (A-Z, 2-7), at least 16 characters")
        with transaction.atomic():
            TotpDevice.objects.update_or_create(
                user=user,
                defaults={"secret": secret, "confirmed_at": timezone.now(), "last_used_step": None},
            )
            audit_log(
                actor=None,
                actor_label="manage.py totp_enrol",
                action="identity.totp.enrol_command",
                target=user,
            )
        uri = totp_uri(user=user, secret=secret)
        self.stdout.write(f"secret: {secret}\nuri: {uri}\n")
        if not options["no_qr"]:
            import segno

            segno.make(uri, error="m").terminal(out=self.stdout, compact=True)  # type: ignore[arg-type]
