"""Re-encrypt every encrypted field with the current (first) key of GOVHUB_FIELD_KEYS.

Key rotation: 1. put a new key first in GOVHUB_FIELD_KEYS, keeping the old ones after it;
2. deploy; 3. run this command; 4. remove the old keys. Safe to run again; rows already
under the current key are rewritten too (the cost is one update per row).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from govhub.core.crypto import DecryptionError, EncryptedTextField

BATCH_SIZE = 500


def encrypted_fields() -> list[tuple[Any, list[str]]]:
    """Every concrete model with its encrypted fields' names."""
    found: list[tuple[Any, list[str]]] = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, EncryptedTextField)
        ]
        if names:
            found.append((model, names))
    return found


def rotate_model(model: Any, names: list[str]) -> int:
    """Rewrite `names` of every row of `model`; returns how many rows were rewritten."""
    rewritten = 0
    batch: list[Any] = []
    rows = model._base_manager.only("pk", *names).order_by("pk")
    with transaction.atomic():
        for row in rows.iterator(chunk_size=BATCH_SIZE):
            batch.append(row)
            if len(batch) >= BATCH_SIZE:
                model._base_manager.bulk_update(batch, names)
                rewritten += len(batch)
                batch = []
        if batch:
            model._base_manager.bulk_update(batch, names)
            rewritten += len(batch)
    return rewritten


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the first key of GOVHUB_FIELD_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        for model, names in encrypted_fields():
            try:
                count = rotate_model(model, names)
            except DecryptionError as exc:
                raise CommandError(
                    f"{model._meta.label}: a value cannot be decrypted with any key in "
                    "GOVHUB_FIELD_KEYS (was an old key removed too early?)."
                ) from exc
            self.stdout.write(f"{model._meta.label} ({', '.join(names)}): {count} rows")
        self.stdout.write(self.style.SUCCESS("Field keys rotated."))
