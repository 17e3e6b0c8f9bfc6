"""Rotate the OpenID provider's signing key (file-based keys).

Writes a new RSA key into the key directory (`GOVHUB_OIDC_KEY_DIR`, or VAR_DIR/oidc-keys in
development); it signs from the next start of the server, while the previous keys stay
published in the JWKS so tokens signed before the rotation still verify. Keys beyond the
newest `--keep` previous ones are deleted. With keys from the environment
(`GOVHUB_OIDC_PRIVATE_KEY`), rotate in the secret store instead: move the current key to
`GOVHUB_OIDC_PREVIOUS_KEYS` and put a new one in its place (`--print` generates one).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from govhub.identity.oidc import keys


class Command(BaseCommand):
    help = "Rotate the OpenID Connect signing key (new key signs; old keys stay in the JWKS)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--keep",
            type=int,
            default=keys.KEEP_PREVIOUS,
            help="previous keys to keep publishing (default %(default)s)",
        )
        parser.add_argument(
            "--print",
            action="store_true",
            help="only print a new PEM key (for keys kept in the environment)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["print"]:
            self.stdout.write(keys.generate_private_key_pem())
            return
        directory = keys.key_directory(settings.GOVHUB_OIDC_DEFAULT_KEY_DIR)
        if directory is None:
            raise CommandError(
                "The signing key comes from GOVHUB_OIDC_PRIVATE_KEY: rotate it in the secret "
                "store (see --print and GOVHUB_OIDC_PREVIOUS_KEYS)."
            )
        if options["keep"] < 1:
            raise CommandError("--keep must be at least 1: tokens already issued must verify.")
        path = keys.write_new_key(directory)
        removed = keys.prune_old_keys(directory, keep_previous=options["keep"])
        self.stdout.write(f"New signing key: {path}")
        for old in removed:
            self.stdout.write(f"Removed old key: {old}")
        self.stdout.write("Restart the server processes for the new key to sign.")
