"""Signing keys of the OpenID provider, with rotation.

The provider signs ID tokens with one RSA key (the newest) and publishes it in the JWKS
together with the previous keys, so that relying parties can still check tokens signed
before a rotation until those expire.

Where the keys come from (first match wins):

1. `GOVHUB_OIDC_PRIVATE_KEY` (PEM text, the current key) and optionally
   `GOVHUB_OIDC_PREVIOUS_KEYS` (PEM texts, concatenated): for secret stores that inject
   environment variables. Production must use this or (2).
2. `GOVHUB_OIDC_KEY_DIR`: a directory of `*.pem` files; the file whose name sorts last is
   the current key, the others are previous keys. `manage.py oidc_rotate_key` writes a
   new file there.
3. Development only: `VAR_DIR/oidc-keys/`, with a key generated on first start.
   Production mode without (1) or (2) is refused by the production check
   (`production_problem`, called from `govhub.core.config.production_problems`).

This module is imported by settings: it must not import anything from Django's apps.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured

KEY_SIZE = 2048
# Previous keys kept by `oidc_rotate_key` (older files are deleted): enough for every
# token signed with them to have expired when the keys are rotated, say, monthly.
KEEP_PREVIOUS = 2
_PEM = re.compile(
    r"-----BEGIN (?:RSA )?PRIVATE KEY-----.+?-----END (?:RSA )?PRIVATE KEY-----", re.DOTALL
)


def generate_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode("ascii")


def split_pems(text: str) -> list[str]:
    """Every PEM private key in `text`, in order (literal "\\n" sequences allowed)."""
    return [match.group(0) for match in _PEM.finditer(text.replace("\\n", "\n"))]


def _check(pem: str, origin: str) -> str:
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"{origin}: not a readable PEM private key ({exc}).") from exc
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < KEY_SIZE:
        raise ImproperlyConfigured(f"{origin}: the OpenID signing key must be RSA, 2048+ bits.")
    return pem


def key_files(directory: Path) -> list[Path]:
    """Key files, newest (current) first."""
    return sorted(directory.glob("*.pem"), reverse=True)


def write_new_key(directory: Path, name: str | None = None) -> Path:
    """Write a new current key, named so that it sorts after every older one.

    The key is written to a temporary file and then linked into place, so no reader ever
    sees half a key; the link fails with FileExistsError if the name is taken.
    """
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S%f")
    path = directory / (name or f"{stamp}.pem")
    temporary = directory / f".{stamp}.{os.getpid()}.tmp"
    # Owner-only permissions from the first byte.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(generate_private_key_pem())
        os.link(temporary, path)
    finally:
        temporary.unlink()
    return path


def prune_old_keys(directory: Path, keep_previous: int = KEEP_PREVIOUS) -> list[Path]:
    """Delete key files beyond the current one and `keep_previous` previous ones."""
    removed = key_files(directory)[1 + keep_previous :]
    for path in removed:
        path.unlink()
    return removed


def _from_directory(directory: Path) -> list[str]:
    return [_check(path.read_text(), str(path)) for path in key_files(directory)]


def load_signing_keys(default_dir: Path, *, production: bool) -> list[str]:
    """The signing keys as PEM texts, current first; empty only in production mode with
    no key configured (which the production check refuses)."""
    current = os.environ.get("GOVHUB_OIDC_PRIVATE_KEY", "")
    if current.strip():
        pems = split_pems(current)
        if len(pems) != 1:
            raise ImproperlyConfigured("GOVHUB_OIDC_PRIVATE_KEY must hold exactly one PEM key.")
        previous = split_pems(os.environ.get("GOVHUB_OIDC_PREVIOUS_KEYS", ""))
        return [_check(pem, "GOVHUB_OIDC_PRIVATE_KEY") for pem in pems] + [
            _check(pem, "GOVHUB_OIDC_PREVIOUS_KEYS") for pem in previous
        ]
    configured_dir = os.environ.get("GOVHUB_OIDC_KEY_DIR", "")
    if configured_dir:
        keys = _from_directory(Path(configured_dir))
        if not keys:
            raise ImproperlyConfigured(f"GOVHUB_OIDC_KEY_DIR={configured_dir!r} has no *.pem key.")
        return keys
    if production:
        # No key: reported with the other unsafe values by the production check
        # (`production_problem`), which refuses to start.
        return []
    if not key_files(default_dir):
        # A fixed name that sorts before every rotated key: of several processes starting
        # at once, exactly one creates it.
        with contextlib.suppress(FileExistsError):
            write_new_key(default_dir, name="0-initial.pem")
    return _from_directory(default_dir)


def production_problem(provider_settings: dict[str, object]) -> str:
    """The production check's message when there is no signing key; "" when there is."""
    if provider_settings.get("OIDC_RSA_PRIVATE_KEY"):
        return ""
    return (
        "The OpenID provider needs a signing key: set GOVHUB_OIDC_PRIVATE_KEY (PEM) or "
        "GOVHUB_OIDC_KEY_DIR (a directory of *.pem keys)."
    )


def key_directory(default_dir: Path) -> Path | None:
    """The directory `oidc_rotate_key` writes to, or None when keys come from the env."""
    if os.environ.get("GOVHUB_OIDC_PRIVATE_KEY", "").strip():
        return None
    configured_dir = os.environ.get("GOVHUB_OIDC_KEY_DIR", "")
    return Path(configured_dir) if configured_dir else default_dir
