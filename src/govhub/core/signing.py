"""Signatures over the audit chain (checkpoints and exports), behind a small interface.

A `Signer` signs bytes with one private key; a `Verifier` checks signatures with the
matching public key. Both name their `algorithm` and `key_id` (a short fingerprint of
the public key), which are stored beside every signature, so that a second algorithm
(SM2, GB/T 32918) can be added to `ALGORITHMS` later without touching stored rows.

Where the signing key comes from (see docs/audit.md):

1. `GOVHUB_AUDIT_SIGNING_KEY`: the path of a PEM private key (PKCS#8). The file must exist.
2. Otherwise `VAR_DIR/audit-keys/<algorithm>.pem`, generated on first use (mode 0600).

`GOVHUB_AUDIT_SIGNING_ALGORITHM` names the algorithm (default `ed25519`).
`GOVHUB_AUDIT_TRUSTED_KEYS` lists (comma-separated) PEM files of earlier keys, public or
private, whose signatures still verify after a rotation. Each is read from Django's
settings first and from the environment when settings do not define it.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from govhub.core.config import load_or_create_key_file

__all__ = [
    "ALGORITHMS",
    "Algorithm",
    "Signer",
    "Verifier",
    "audit_signer",
    "b64decode",
    "b64encode",
    "setting",
    "trusted_verifiers",
    "verifier_from_pem",
]

DEFAULT_ALGORITHM = "ed25519"


def setting(name: str, default: Any) -> Any:
    """A setting from Django's settings, else from the environment, else `default`."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return default if value is None or value == "" else value


class Verifier(Protocol):
    algorithm: str
    key_id: str

    def verify(self, data: bytes, signature: bytes) -> bool: ...

    def public_key_pem(self) -> str: ...


class Signer(Protocol):
    algorithm: str
    key_id: str

    def sign(self, data: bytes) -> bytes: ...

    def verifier(self) -> Verifier: ...


@dataclass(frozen=True)
class Algorithm:
    """How to make, load and use keys of one signature algorithm."""

    name: str
    generate_private_pem: Callable[[], str]
    load_signer: Callable[[bytes], Signer]
    load_verifier: Callable[[bytes], Verifier]


def _fingerprint(public_bytes: bytes) -> str:
    return hashlib.sha256(public_bytes).hexdigest()[:16]


class Ed25519Verifier:
    algorithm = "ed25519"

    def __init__(self, key: ed25519.Ed25519PublicKey) -> None:
        self._key = key
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.key_id = _fingerprint(raw)

    def verify(self, data: bytes, signature: bytes) -> bool:
        try:
            self._key.verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def public_key_pem(self) -> str:
        return self._key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")


class Ed25519Signer:
    algorithm = "ed25519"

    def __init__(self, key: ed25519.Ed25519PrivateKey) -> None:
        self._key = key
        self._verifier = Ed25519Verifier(key.public_key())
        self.key_id = self._verifier.key_id

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)

    def verifier(self) -> Verifier:
        return self._verifier


def _ed25519_generate() -> str:
    return (
        ed25519.Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode("ascii")
    )


def _ed25519_signer(pem: bytes) -> Signer:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return Ed25519Signer(key)


def _ed25519_verifier(pem: bytes) -> Verifier:
    if b"PRIVATE KEY" in pem:
        return _ed25519_signer(pem).verifier()
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return Ed25519Verifier(key)


ALGORITHMS: dict[str, Algorithm] = {
    "ed25519": Algorithm(
        name="ed25519",
        generate_private_pem=_ed25519_generate,
        load_signer=_ed25519_signer,
        load_verifier=_ed25519_verifier,
    ),
}


def _algorithm(name: str) -> Algorithm:
    try:
        return ALGORITHMS[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"GOVHUB_AUDIT_SIGNING_ALGORITHM={name!r} is not supported "
            f"(known: {', '.join(sorted(ALGORITHMS))})."
        ) from None


def signing_key_path() -> tuple[Path, bool]:
    """The signing key's file, and whether it was configured (not the generated default)."""
    configured = str(setting("GOVHUB_AUDIT_SIGNING_KEY", ""))
    if configured:
        return Path(configured), True
    algorithm = str(setting("GOVHUB_AUDIT_SIGNING_ALGORITHM", DEFAULT_ALGORITHM))
    return Path(settings.VAR_DIR) / "audit-keys" / f"{algorithm}.pem", False


@lru_cache(maxsize=8)
def _load_signer(path: str, algorithm: str, configured: bool) -> Signer:
    spec = _algorithm(algorithm)
    file = Path(path)
    if configured:
        if not file.is_file():
            raise ImproperlyConfigured(f"GOVHUB_AUDIT_SIGNING_KEY: no key file at {path}.")
        pem = file.read_text()
    else:
        pem = load_or_create_key_file(file, generate=spec.generate_private_pem)
    try:
        return spec.load_signer(pem.encode("ascii"))
    except (ValueError, TypeError, UnicodeError) as exc:
        raise ImproperlyConfigured(
            f"{path}: not a readable {algorithm} private key in PEM ({exc})."
        ) from exc


def audit_signer() -> Signer:
    """The signer of new checkpoints and exports (see the module's docstring)."""
    path, configured = signing_key_path()
    algorithm = str(setting("GOVHUB_AUDIT_SIGNING_ALGORITHM", DEFAULT_ALGORITHM))
    return _load_signer(str(path), algorithm, configured)


def verifier_from_pem(pem: bytes) -> Verifier:
    """A verifier of a PEM key (public or private) of any known algorithm."""
    errors = []
    for spec in ALGORITHMS.values():
        try:
            return spec.load_verifier(pem)
        except (ValueError, TypeError, UnicodeError) as exc:
            errors.append(f"{spec.name}: {exc}")
    raise ValueError("not a key of a known algorithm (" + "; ".join(errors) + ")")


def _trusted_paths() -> tuple[str, ...]:
    raw = setting("GOVHUB_AUDIT_TRUSTED_KEYS", "")
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    return tuple(str(item).strip() for item in items if str(item).strip())


@lru_cache(maxsize=8)
def _load_trusted(paths: tuple[str, ...]) -> tuple[Verifier, ...]:
    verifiers = []
    for path in paths:
        try:
            verifiers.append(verifier_from_pem(Path(path).read_bytes()))
        except (OSError, ValueError) as exc:
            raise ImproperlyConfigured(f"GOVHUB_AUDIT_TRUSTED_KEYS: {path}: {exc}") from exc
    return tuple(verifiers)


def trusted_verifiers() -> dict[tuple[str, str], Verifier]:
    """Every key whose signatures are accepted, by (algorithm, key_id): the current
    signing key and the earlier keys of `GOVHUB_AUDIT_TRUSTED_KEYS`."""
    current = audit_signer().verifier()
    verifiers = {(current.algorithm, current.key_id): current}
    for verifier in _load_trusted(_trusted_paths()):
        verifiers[(verifier.algorithm, verifier.key_id)] = verifier
    return verifiers


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    """Raises ValueError on malformed input."""
    return base64.b64decode(text.encode("ascii"), validate=True)
