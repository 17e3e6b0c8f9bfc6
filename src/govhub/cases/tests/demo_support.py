"""The demo reference data the case tests that need a whole city load once per module:
organisations, registries, accounts and the catalogue."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from django.db import transaction
from django.test import override_settings

FAST_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "govhub.identity.oidc.hashers.ClientSecretHasher",
]


@contextlib.contextmanager
def demo_city(media_root: Path) -> Iterator[None]:
    """The demo organisations, registries, accounts and catalogue inside a transaction
    rolled back when the block ends; fast password hashing, files under `media_root`."""
    from govhub.catalog import demo as catalog_demo
    from govhub.identity import demo as identity_demo
    from govhub.organizations import demo as organizations_demo
    from govhub.registries import demo as registries_demo

    settings = override_settings(PASSWORD_HASHERS=FAST_HASHERS, MEDIA_ROOT=str(media_root))
    with settings, transaction.atomic():
        organizations_demo.load()
        registries_demo.load()
        identity_demo.load()
        catalog_demo.load()
        yield
        transaction.set_rollback(True)
