"""Small helpers shared by the identity tests."""

from __future__ import annotations


def wrong_totp_code(secret: str) -> str:
    """A six-digit code that matches none of the steps around now (± 2)."""
    import time

    from govhub.identity import totp

    now = time.time()
    near = {totp.code_at(secret, now + offset * totp.STEP_SECONDS) for offset in range(-2, 3)}
    for digit in "0123456789":
        candidate = digit * 6
        if candidate not in near:
            return candidate
    raise AssertionError("unreachable")


def current_totp_code(secret: str) -> str:
    import time

    from govhub.identity import totp

    return totp.code_at(secret, time.time())


def last_code(outbox: list[dict[str, str]]) -> str:
    import re

    match = re.search(r"(\d{6})", outbox[-1]["message"])
    assert match is not None
    return match.group(1)
