"""Time-based one-time passwords (RFC 6238: 30-second steps, 6 digits, SHA-1, the
settings every authenticator app understands), via pyotp. Pure functions: the caller
passes the time, so tests can move the clock."""

from __future__ import annotations

import hmac

import pyotp

STEP_SECONDS = 30
DIGITS = 6
# Codes of the previous and the next step are accepted too (clock drift).
DRIFT_STEPS = 1


def new_secret() -> str:
    """A random base32 secret of 32 characters (160 bits)."""
    return pyotp.random_base32(length=32)


def is_valid_secret(secret: str) -> bool:
    try:
        pyotp.TOTP(secret).at(0)
    except (ValueError, TypeError):
        return False
    return len(secret) >= 16


def step_at(timestamp: float) -> int:
    return int(timestamp // STEP_SECONDS)


def code_at(secret: str, timestamp: float) -> str:
    return pyotp.TOTP(secret).at(int(timestamp))


def matching_step(
    secret: str, code: str, *, timestamp: float, last_used_step: int | None = None
) -> tuple[int | None, bool]:
    """Which step `code` belongs to, within the drift window around `timestamp`.

    Returns `(step, False)` for a fresh match, `(None, True)` when the code matches a step
    already used (`<= last_used_step`: a replay), `(None, False)` when it matches nothing.
    """
    code = code.strip()
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None, False
    totp = pyotp.TOTP(secret)
    current = step_at(timestamp)
    replayed = False
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if last_used_step is not None and step <= last_used_step:
                replayed = True
                continue
            return step, False
    return None, replayed


def provisioning_uri(secret: str, *, account_name: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=issuer)
