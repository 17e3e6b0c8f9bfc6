"""Signing out of client systems: token revocation and front-channel logout.

- Portal sign-out (`identity.events.SignedOut`) revokes the tokens of every sign-in made
  from that portal session, so a client that checks its token (userinfo, introspection)
  sees the user signed out.
- RP-initiated logout (`/oauth/logout/`) ends the portal session and revokes all the
  user's tokens.
- Front-channel logout: the signed-out page opens, in hidden iframes, the logout URI of
  each client the session signed into (`?iss=…&sid=…`), so their own cookies go too.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from oauth2_provider.models import AccessToken, IDToken, RefreshToken

from govhub.core.audit import audit_log
from govhub.identity.oidc.context import SID_SESSION_KEY
from govhub.identity.oidc.issuer import issuer_for
from govhub.identity.oidc_models import OidcAuthorization


def _revoke_families(authorizations: QuerySet[OidcAuthorization]) -> int:
    families = [
        family
        for family in authorizations.values_list("token_family", flat=True)
        if family is not None
    ]
    for family in families:
        RefreshToken.revoke_family(family)
    authorizations.update(ended_at=timezone.now(), code_hash=None)
    return len(families)


@transaction.atomic
def oidc_session_tokens_revoke(
    *, user_id: Any, session_key: str = "", sid: str = "", request: HttpRequest | None = None
) -> int:
    """Revoke the tokens of every sign-in made from one portal session; returns how many."""
    if not session_key and not sid:
        return 0
    condition = Q()
    if session_key:
        condition |= Q(session_key=session_key)
    if sid:
        condition |= Q(sid=sid)
    authorizations = OidcAuthorization.objects.filter(
        condition, user_id=user_id, ended_at__isnull=True
    )
    ended = list(authorizations.select_related("user"))
    count = _revoke_families(OidcAuthorization.objects.filter(pk__in=[a.pk for a in ended]))
    if ended:
        audit_log(
            actor=ended[0].user,
            action="identity.oidc_tokens.revoke",
            changes={"reason": "session_end", "authorizations": len(ended), "families": count},
            request=request,
        )
    return count


@transaction.atomic
def oidc_user_tokens_revoke(*, user: Any, request: HttpRequest | None = None) -> int:
    """Revoke every token of the user, in every client system; returns how many."""
    _revoke_families(OidcAuthorization.objects.filter(user=user, ended_at__isnull=True))
    refresh_tokens = list(RefreshToken.objects.filter(user=user, revoked__isnull=True))
    for refresh_token in refresh_tokens:
        refresh_token.revoke()
    deleted, _ = AccessToken.objects.filter(user=user).delete()
    IDToken.objects.filter(user=user).delete()
    audit_log(
        actor=user,
        action="identity.oidc_tokens.revoke",
        changes={"reason": "rp_logout", "refresh_tokens": len(refresh_tokens)},
        request=request,
    )
    return len(refresh_tokens) + deleted


def frontchannel_logout_urls(request: HttpRequest) -> list[str]:
    """Front-channel logout URIs of the clients this portal session signed into.

    Call before the session ends (the session id is read from it)."""
    sid = request.session.get(SID_SESSION_KEY) if hasattr(request, "session") else None
    if not sid or not request.user.is_authenticated:
        return []
    rows = (
        OidcAuthorization.objects.filter(user=request.user, sid=sid)
        .exclude(application__govhub_profile__frontchannel_logout_uri="")
        .values_list("application__govhub_profile__frontchannel_logout_uri", flat=True)
        .distinct()
    )
    issuer = issuer_for(request)
    urls = []
    for uri in sorted({uri for uri in rows if uri}):
        separator = "&" if "?" in uri else "?"
        urls.append(f"{uri}{separator}{urlencode({'iss': issuer, 'sid': sid})}")
    return urls


def connect() -> None:
    """Subscribe to the identity events (called from IdentityConfig.ready())."""
    from govhub.core.events import subscribe
    from govhub.identity.events import SignedOut

    subscribe(SignedOut, on_signed_out)


def on_signed_out(event: Any) -> None:
    """`identity.events.SignedOut` handler: the session's client sign-ins end."""
    oidc_session_tokens_revoke(
        user_id=event.user_id,
        session_key=getattr(event, "session_key", "") or "",
        sid=getattr(event, "sid", "") or "",
    )
