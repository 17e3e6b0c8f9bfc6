"""Field encryption (字段加密) and keyed look-up hashes for personal data at rest.

- `encrypt_text` / `decrypt_text`: Fernet (AES-128-CBC + HMAC-SHA256, from the
  `cryptography` package) over a `MultiFernet` built from `settings.GOVHUB_FIELD_KEYS`.
  The first key encrypts; every key decrypts. To rotate, put a new key first and keep the
  old ones until `manage.py rotate_field_keys` has re-encrypted every stored value.
- `EncryptedTextField`: a `TextField` that stores the ciphertext and gives back plaintext
  in Python. The ciphertext differs on every save, so the database cannot compare it:
  filtering on the field is refused; filter on a `lookup_hash` column instead.
- `lookup_hash`: HMAC-SHA256 keyed by `settings.GOVHUB_LOOKUP_KEY`, namespaced by a
  purpose ("id_number", "mobile", ...), so equal values can be found and kept unique
  without storing them in clear. Normalise the value before hashing (the caller's job).

Keys come from the environment in production (`govhub.core.config.production_problems`
refuses missing or malformed ones); development generates them once under `VAR_DIR`.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

__all__ = [
    "DecryptionError",
    "EncryptedTextField",
    "decrypt_text",
    "encrypt_text",
    "generate_field_key",
    "lookup_hash",
    "needs_rotation",
    "rotate_text",
]


class DecryptionError(ValueError):
    """A stored value could not be decrypted with any configured key (wrong or lost key,
    or a value that was never encrypted)."""


def generate_field_key() -> str:
    """A new random Fernet key (URL-safe base64 of 32 bytes) for GOVHUB_FIELD_KEYS."""
    return Fernet.generate_key().decode("ascii")


def _field_keys() -> tuple[str, ...]:
    keys = getattr(settings, "GOVHUB_FIELD_KEYS", None) or ()
    if isinstance(keys, str):
        keys = [item.strip() for item in keys.split(",")]
    keys = tuple(key for key in keys if key)
    if not keys:
        raise ImproperlyConfigured("GOVHUB_FIELD_KEYS is empty: field encryption needs a key.")
    return keys


@lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "GOVHUB_FIELD_KEYS holds a malformed key: each must be a Fernet key "
            "(URL-safe base64 of 32 bytes)."
        ) from exc


def _fernet() -> MultiFernet:
    # Keyed by the current setting, so override_settings and rotation take effect at once.
    return _multi_fernet(_field_keys())


def encrypt_text(value: str) -> str:
    """The Fernet token (ASCII) of `value`, encrypted with the first configured key."""
    return _fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    """The plaintext of a token made by `encrypt_text` with any configured key."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise DecryptionError("cannot decrypt: no configured field key matches") from exc


def rotate_text(token: str) -> str:
    """`token` re-encrypted with the first (current) key; raises `DecryptionError`."""
    try:
        return _fernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError) as exc:
        raise DecryptionError("cannot rotate: no configured field key matches") from exc


def needs_rotation(token: str) -> bool:
    """Whether `token` was encrypted with a key other than the current (first) one."""
    current = Fernet(_field_keys()[0])
    try:
        current.decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError):
        return True
    return False


def _lookup_key() -> bytes:
    key = getattr(settings, "GOVHUB_LOOKUP_KEY", "") or ""
    if not key:
        raise ImproperlyConfigured("GOVHUB_LOOKUP_KEY is empty: look-up hashes need a key.")
    return key.encode("utf-8")


def lookup_hash(value: str, *, purpose: str) -> str:
    """64 hex characters: HMAC-SHA256 of `value` under the look-up key, namespaced by
    `purpose` so the same value hashes differently as an ID number and as a mobile."""
    if not purpose:
        raise ValueError("lookup_hash needs a purpose, e.g. 'id_number'")
    message = purpose.encode("utf-8") + b"\x00" + value.encode("utf-8")
    return hmac.new(_lookup_key(), message, hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Text stored encrypted; plaintext in Python. `""` and `None` are stored as they are.

    Never filter on it (only `isnull` is allowed): keep a `lookup_hash` column beside it.
    """

    description = "Text encrypted at rest (Fernet)"
    _ALLOWED_LOOKUPS = frozenset({"isnull"})

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return decrypt_text(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in self._ALLOWED_LOOKUPS:
            return None
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name: str) -> Any:
        return None
