"""Identity's domain events. The OpenID Connect provider subscribes to `SignedOut` to
revoke the tokens of the session that ended."""

from __future__ import annotations

from dataclasses import dataclass

from govhub.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class SignedOut(DomainEvent):
    """A platform session ended: signed out, timed out or ended by a password change.
    `reason` is "sign_out", "idle_timeout", "absolute_timeout", "password_change" or
    "password_reset"."""

    user_id: int
    session_key: str
    reason: str = "sign_out"
    # A stable id of the session kept across key changes (the OpenID provider's
    # `oidc_sid`, set when the session first signs into a client system); "" if none.
    sid: str = ""


@dataclass(frozen=True, kw_only=True)
class SignedIn(DomainEvent):
    user_id: int
    session_key: str
    acr: str
