"""Levels of assurance (认证等级), as pure functions.

- L1: one factor (a password, or an SMS code alone).
- L2: a real-name verified account, and this session used two factors: the password plus
  an SMS code or a TOTP code.
- L3: the same, on an account whose holder was confirmed in person at a window.

A session's level is the lower of what its factors prove and what the account allows
(`account_ceiling`). Staff accounts count as real-name verified (their department
created them and vouches for them), so a staff session with password + TOTP is L2.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

L1, L2, L3 = "L1", "L2", "L3"
LEVELS = (L1, L2, L3)

# Authentication method references (RFC 8176).
PASSWORD = "pwd"  # noqa: S105 - a method name, not a password
SMS = "sms"
TOTP = "otp"
UPSTREAM = "federated"
MULTI_FACTOR = "mfa"
KNOWN_METHODS = frozenset({PASSWORD, SMS, TOTP, UPSTREAM})
POSSESSION = frozenset({SMS, TOTP})


def level_rank(level: str) -> int:
    """0 for no level (not signed in or unknown), 1–3 for L1–L3."""
    return LEVELS.index(level) + 1 if level in LEVELS else 0


def lower_level(a: str, b: str) -> str:
    return a if level_rank(a) <= level_rank(b) else b


def account_ceiling(user: Any) -> str:
    """The highest level any session of `user` can reach."""
    if getattr(user, "kind", "") == "staff":
        return L2
    if getattr(user, "real_name_verified_at", None) is None or not getattr(
        user, "id_number_hash", None
    ):
        return L1
    if getattr(user, "in_person_verified_at", None) is not None:
        return L3
    return L2


def is_multi_factor(methods: Iterable[str]) -> bool:
    """Password plus a possession factor (SMS or TOTP)."""
    used = set(methods)
    return PASSWORD in used and bool(used & POSSESSION)


def session_level(*, ceiling: str, methods: Iterable[str], upstream_acr: str = "") -> str:
    """The level a session has reached. `upstream_acr` is the level an upstream identity
    provider asserted for a federated sign-in; it counts only up to the ceiling."""
    used = [m for m in methods if m in KNOWN_METHODS]
    if not used:
        return ""
    if is_multi_factor(used):
        reached = L3
    elif UPSTREAM in used and upstream_acr in LEVELS:
        reached = upstream_acr
    else:
        reached = L1
    return lower_level(reached, ceiling)


def amr_values(methods: Iterable[str]) -> list[str]:
    """The session's methods in order of first use, plus "mfa" when multi-factor."""
    seen: list[str] = []
    for method in methods:
        if method not in seen:
            seen.append(method)
    if is_multi_factor(seen) and MULTI_FACTOR not in seen:
        seen.append(MULTI_FACTOR)
    return seen
