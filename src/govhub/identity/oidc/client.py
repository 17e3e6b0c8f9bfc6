"""A small OpenID Connect relying party on Authlib's requests client.

Used by the sample department system (signing in with this platform) and by upstream
federation (this platform signing in with the province's provider). Authorization code
flow with PKCE (S256), `state` and `nonce`; the ID token's signature is checked against
the provider's JWKS (fetched again once when a token names an unknown key, which is what
happens after the provider rotates its key).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from django.core.cache import cache
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

METADATA_SECONDS = 300


class RelyingPartyError(Exception):
    """The provider refused, or answered something that must not be trusted."""


@dataclass(frozen=True)
class RelyingParty:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    scope: str = "openid"
    timeout: float = 10.0

    # --- provider metadata and keys ----------------------------------------------------
    def metadata(self) -> dict[str, Any]:
        key = f"oidc-rp:metadata:{self.issuer}"
        data: dict[str, Any] | None = cache.get(key)
        if data is None:
            response = requests.get(
                f"{self.issuer}/.well-known/openid-configuration", timeout=self.timeout
            )
            response.raise_for_status()
            data = response.json()
            if data.get("issuer") != self.issuer:
                raise RelyingPartyError(f"issuer mismatch: {data.get('issuer')!r}")
            cache.set(key, data, METADATA_SECONDS)
        return data

    def key_set(self, *, refresh: bool = False) -> KeySet:
        key = f"oidc-rp:jwks:{self.issuer}"
        data: dict[str, Any] | None = None if refresh else cache.get(key)
        if data is None:
            response = requests.get(self.metadata()["jwks_uri"], timeout=self.timeout)
            response.raise_for_status()
            data = response.json()
            cache.set(key, data, METADATA_SECONDS)
        return KeySet.import_key_set(data)  # type: ignore[arg-type]

    def session(self, token: dict[str, Any] | None = None) -> OAuth2Session:
        return OAuth2Session(
            client_id=self.client_id,
            client_secret=self.client_secret or None,
            token_endpoint_auth_method=("client_secret_basic" if self.client_secret else "none"),
            scope=self.scope,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            token=token,
            default_timeout=self.timeout,
        )

    # --- the authorization code flow ---------------------------------------------------
    def begin(self, **extra: str) -> tuple[str, dict[str, str]]:
        """The authorization URL and what `finish` needs later (keep it with the browser)."""
        pending = {
            "state": secrets.token_urlsafe(24),
            "nonce": secrets.token_urlsafe(24),
            "code_verifier": secrets.token_urlsafe(48),
        }
        with self.session() as session:
            url, _state = session.create_authorization_url(
                self.metadata()["authorization_endpoint"],
                state=pending["state"],
                code_verifier=pending["code_verifier"],
                nonce=pending["nonce"],
                **extra,
            )
        return url, pending

    def finish(self, *, query: dict[str, str], pending: dict[str, str]) -> dict[str, Any]:
        """Exchange the code; the token response with the verified ID token's `claims`."""
        if query.get("error"):
            raise RelyingPartyError(query.get("error_description") or query["error"])
        if not pending or not secrets.compare_digest(query.get("state", ""), pending["state"]):
            raise RelyingPartyError("state mismatch")
        if "iss" in query and query["iss"] != self.issuer:  # RFC 9207 mix-up defence
            raise RelyingPartyError("issuer mismatch in the authorization response")
        try:
            with self.session() as session:
                token = dict(
                    session.fetch_token(
                        self.metadata()["token_endpoint"],
                        grant_type="authorization_code",
                        code=query.get("code", ""),
                        code_verifier=pending["code_verifier"],
                    )
                )
        except (OAuthError, requests.RequestException, ValueError) as exc:
            raise RelyingPartyError(f"token request refused: {exc}") from exc
        token["claims"] = self.verify_id_token(token.get("id_token", ""), nonce=pending["nonce"])
        return token

    def verify_id_token(self, id_token: str, *, nonce: str | None = None) -> dict[str, Any]:
        if not id_token:
            raise RelyingPartyError("no ID token")
        try:
            try:
                decoded = jwt.decode(id_token, self.key_set(), algorithms=["RS256"])
            except (JoseError, ValueError):
                # An unknown key id: the provider may have rotated its key.
                decoded = jwt.decode(id_token, self.key_set(refresh=True), algorithms=["RS256"])
            options: dict[str, Any] = {
                "iss": {"essential": True, "value": self.issuer},
                "aud": {"essential": True, "value": self.client_id},
                "sub": {"essential": True},
                "exp": {"essential": True},
            }
            if nonce is not None:
                options["nonce"] = {"essential": True, "value": nonce}
            jwt.JWTClaimsRegistry(leeway=60, **options).validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise RelyingPartyError(f"invalid ID token: {exc}") from exc
        return dict(decoded.claims)

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        """New tokens for a refresh token (RelyingPartyError when refused)."""
        try:
            with self.session() as session:
                token = session.refresh_token(
                    self.metadata()["token_endpoint"], refresh_token=refresh_token
                )
        except (OAuthError, requests.RequestException, ValueError) as exc:
            raise RelyingPartyError(f"refresh refused: {exc}") from exc
        return dict(token)

    def userinfo(self, access_token: str) -> dict[str, Any] | None:
        """The userinfo claims, or None when the token is no longer accepted."""
        response = requests.get(
            self.metadata()["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=self.timeout,
        )
        if response.status_code in (400, 401, 403):
            return None
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def revoke(self, token: str, *, hint: str = "refresh_token") -> None:
        with self.session() as session:
            session.revoke_token(
                self.metadata()["revocation_endpoint"], token=token, token_type_hint=hint
            )

    def end_session_url(
        self, *, id_token_hint: str, post_logout_redirect_uri: str, state: str = ""
    ) -> str:
        params = {
            "id_token_hint": id_token_hint,
            "client_id": self.client_id,
            "post_logout_redirect_uri": post_logout_redirect_uri,
        }
        if state:
            params["state"] = state
        return f"{self.metadata()['end_session_endpoint']}?{urlencode(params)}"
