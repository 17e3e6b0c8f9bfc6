"""Helpers for tests of any app: a signed-in test client whose session carries the
identity keys (methods, clocks) that a real sign-in records, so `session_acr`,
`require_level` and the TOTP-only Django admin work as after a real sign-in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from govhub.identity import session


def sign_in(
    client: Any, user: Any, *, methods: Sequence[str] = ("pwd",), upstream_acr: str = ""
) -> None:
    """`client.force_login(user)` plus the session keys of a sign-in with `methods`
    ("pwd", "sms", "otp", "federated"). For the Django admin use methods=("pwd", "otp")."""
    client.force_login(user, backend=session.BACKEND)
    store = client.session
    now = session.now_epoch()
    store[session.METHODS] = list(methods)
    store[session.AUTH_TIME] = now
    store[session.STARTED] = now
    store[session.LAST_SEEN] = now
    store[session.UPSTREAM_ACR] = upstream_acr
    store.save()


def sign_in_admin(client: Any, user: Any) -> None:
    """Signed in with password + TOTP: what the Django admin requires."""
    sign_in(client, user, methods=("pwd", "otp"))
