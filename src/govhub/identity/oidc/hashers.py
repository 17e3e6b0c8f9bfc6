"""Hashing client systems' secrets.

Django's password hasher (PBKDF2, over a million rounds) exists to slow down guessing of
passwords people chose. A client secret is generated, long and random: nobody can guess it,
so slowing its check buys nothing, while the token endpoint, which checks it on every call,
would spend about half a second of CPU per request, and anyone who knows a (public) client
id could make it do so at will. Client secrets are therefore stored as a salted HMAC-SHA256,
and the admin accepts only secrets long and varied enough to be random
(`client_secret_problem`)."""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.crypto import constant_time_compare, get_random_string
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

ALGORITHM = "govhub_client_hmac_sha256"
MIN_SECRET_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 12


class ClientSecretHasher(BasePasswordHasher):
    """A salted HMAC-SHA256: for generated client secrets only, never for passwords."""

    algorithm = ALGORITHM

    def salt(self) -> str:
        return get_random_string(22)

    def _digest(self, password: str, salt: str) -> str:
        return hmac.new(salt.encode(), password.encode(), hashlib.sha256).hexdigest()

    def encode(self, password: str, salt: str) -> str:
        if password is None or not salt or "$" in salt:
            raise ValueError("a client secret and a salt without '$' are required")
        return f"{self.algorithm}${salt}${self._digest(password, salt)}"

    def decode(self, encoded: str) -> dict[str, Any]:
        algorithm, salt, digest = encoded.split("$", 2)
        if algorithm != self.algorithm:
            raise ValueError("not a client secret hash")
        return {"algorithm": algorithm, "hash": digest, "salt": salt}

    def verify(self, password: str, encoded: str) -> bool:
        decoded = self.decode(encoded)
        return constant_time_compare(self._digest(password, decoded["salt"]), decoded["hash"])

    def safe_summary(self, encoded: str) -> dict[str | _StrPromise, Any]:
        decoded = self.decode(encoded)
        return {
            _("算法"): decoded["algorithm"],
            _("盐值"): mask_hash(decoded["salt"], show=2),
            _("摘要"): mask_hash(decoded["hash"]),
        }

    def must_update(self, encoded: str) -> bool:
        return False

    def harden_runtime(self, password: str, encoded: str) -> None:
        return None


def client_secret_problem(secret: str) -> str | None:
    """Why `secret` is too weak to be a client secret hashed this fast; None if it is not."""
    if len(secret) < MIN_SECRET_LENGTH or len(set(secret)) < MIN_DISTINCT_CHARACTERS:
        return _("客户端密钥至少%(length)d个字符，并应随机生成（留空保存将自动生成）。") % {
            "length": MIN_SECRET_LENGTH
        }
    return None
