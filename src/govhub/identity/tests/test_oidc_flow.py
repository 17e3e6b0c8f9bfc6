"""End to end: Authlib's OAuth 2 client against the running provider (live_server).

Authorization code + PKCE, the ID token's signature checked against the JWKS, the claims
(sub, acr, amr, auth_time, nonce), userinfo by scope, refresh-token rotation, revocation,
introspection and RP-initiated logout.
"""

from __future__ import annotations

import secrets
import time

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from joserfc import jwt
from joserfc.jwk import KeySet

from govhub.identity.oidc_models import OidcAuthorization
from govhub.identity.tests.factories import VerifiedPersonFactory
from govhub.identity.tests.oidc_support import (
    CLIENT_SECRET,
    POST_LOGOUT_URI,
    REDIRECT_URI,
    approve,
    browser_for,
    close_browsers,
    make_client,
    query_of,
    tracked,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _close_browsers():
    yield
    close_browsers()


def discover(base: str) -> dict:
    response = requests.get(f"{base}/.well-known/openid-configuration", timeout=10)
    assert response.status_code == 200
    return response.json()


def rp_session(client_id: str, scope: str) -> OAuth2Session:
    return tracked(
        OAuth2Session(
            client_id=client_id,
            client_secret=CLIENT_SECRET,
            scope=scope,
            redirect_uri=REDIRECT_URI,
            code_challenge_method="S256",
        )
    )


def verify(id_token: str, jwks_uri: str, *, issuer: str, audience: str, nonce=None) -> dict:
    """Check the signature against the provider's JWKS, and the standard claims."""
    keys = KeySet.import_key_set(requests.get(jwks_uri, timeout=10).json())
    token = jwt.decode(id_token, keys, algorithms=["RS256"])
    options = {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": audience},
        "exp": {"essential": True},
    }
    if nonce is not None:
        options["nonce"] = {"essential": True, "value": nonce}
    jwt.JWTClaimsRegistry(**options).validate(token.claims)
    return token.claims


def sign_in_to_client(browser, meta, client, *, scope="openid profile phone idcard", **extra):
    """The whole front-channel part: returns (token, nonce)."""
    nonce = secrets.token_urlsafe(16)
    verifier = secrets.token_urlsafe(48)
    url, _state = client.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce, **extra
    )
    response = browser.get(url, allow_redirects=False)
    if response.status_code == 200:  # the consent page
        response = approve(browser, response)
    assert response.status_code == 302, response.text[:500]
    callback = response.headers["Location"]
    assert callback.startswith(REDIRECT_URI)
    assert query_of(callback)["iss"] == meta["issuer"]  # RFC 9207
    token = client.fetch_token(
        meta["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    return token, nonce


def test_discovery_advertises_every_endpoint(live_server):
    meta = discover(live_server.url)
    assert meta["issuer"] == live_server.url
    for key in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "revocation_endpoint",
        "introspection_endpoint",
        "end_session_endpoint",
    ):
        assert meta[key].startswith(live_server.url), key
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["acr_values_supported"] == ["L1", "L2", "L3"]
    assert {"openid", "profile", "phone", "idcard", "enterprise"} <= set(meta["scopes_supported"])
    assert {"acr", "amr", "sid"} <= set(meta["claims_supported"])
    assert meta["frontchannel_logout_supported"] is True


def test_code_flow_with_pkce_tokens_claims_userinfo_refresh_revoke_logout(live_server):
    user = VerifiedPersonFactory()
    make_client(full_id_number=True)
    meta = discover(live_server.url)
    auth_time = int(time.time()) - 30
    browser = browser_for(user, methods=["pwd", "sms"], auth_time=auth_time)
    client = rp_session("test-rp", "openid profile phone idcard")

    token, nonce = sign_in_to_client(browser, meta, client)

    # The ID token: signed by a key in the JWKS, about the session, nothing personal.
    claims = verify(
        token["id_token"], meta["jwks_uri"], issuer=meta["issuer"], audience="test-rp", nonce=nonce
    )
    assert claims["sub"] == str(user.sub)
    assert claims["acr"] == "L2"
    assert claims["amr"] == ["pwd", "sms", "mfa"]
    assert claims["auth_time"] == auth_time
    assert claims["sid"]
    assert "id_number" not in claims and "phone_number" not in claims

    # userinfo: the claims of the granted scopes.
    info = client.get(meta["userinfo_endpoint"]).json()
    assert info["sub"] == str(user.sub)
    assert info["name"] == user.full_name
    assert info["phone_number"] == f"+86{user.mobile}"
    assert info["phone_number_verified"] is True
    assert info["real_name"] == user.full_name
    assert info["id_number"] == user.id_number
    assert info["id_number_masked"] != user.id_number
    assert "acr" not in info and "enterprise" not in info

    # Introspection by the client that holds the token.
    introspect = requests.post(
        meta["introspection_endpoint"],
        data={"token": token["access_token"]},
        auth=("test-rp", CLIENT_SECRET),
        timeout=10,
    ).json()
    assert introspect["active"] is True
    assert introspect["sub"] == str(user.sub)
    assert introspect["acr"] == "L2"
    assert introspect["client_id"] == "test-rp"
    anonymous = requests.post(
        meta["introspection_endpoint"], data={"token": token["access_token"]}, timeout=10
    )
    assert anonymous.status_code == 401

    # Refresh rotates the refresh token; the old one is refused afterwards.
    old_refresh = token["refresh_token"]
    refreshed = client.refresh_token(meta["token_endpoint"], refresh_token=old_refresh)
    assert refreshed["refresh_token"] != old_refresh
    assert refreshed["access_token"] != token["access_token"]
    # The new ID token still describes the original sign-in.
    refreshed_claims = verify(
        refreshed["id_token"], meta["jwks_uri"], issuer=meta["issuer"], audience="test-rp"
    )
    assert refreshed_claims["acr"] == "L2"
    assert refreshed_claims["auth_time"] == auth_time
    assert refreshed_claims["sid"] == claims["sid"]
    assert client.get(meta["userinfo_endpoint"]).status_code == 200

    # Revocation: the access token stops working at once.
    client.revoke_token(meta["revocation_endpoint"], token=refreshed["access_token"])
    assert client.get(meta["userinfo_endpoint"]).status_code == 401
    assert requests.post(
        meta["introspection_endpoint"],
        data={"token": refreshed["access_token"]},
        auth=("test-rp", CLIENT_SECRET),
        timeout=10,
    ).json() == {"active": False}
    # ... and so does its refresh token.
    with pytest.raises(OAuthError):
        client.refresh_token(meta["token_endpoint"], refresh_token=refreshed["refresh_token"])


def test_replaying_a_rotated_refresh_token_revokes_the_whole_family(live_server):
    user = VerifiedPersonFactory()
    make_client(trusted=True)
    meta = discover(live_server.url)
    client = rp_session("test-rp", "openid")
    token, _nonce = sign_in_to_client(
        browser_for(user, methods=["pwd"]), meta, client, scope="openid"
    )
    refreshed = client.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    assert client.get(meta["userinfo_endpoint"]).status_code == 200
    with pytest.raises(OAuthError):  # a stolen, already used refresh token
        client.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    assert client.get(meta["userinfo_endpoint"]).status_code == 401
    with pytest.raises(OAuthError):
        client.refresh_token(meta["token_endpoint"], refresh_token=refreshed["refresh_token"])


def test_rp_initiated_logout_ends_portal_session_and_revokes_tokens(live_server):
    user = VerifiedPersonFactory()
    make_client(trusted=True)
    meta = discover(live_server.url)
    browser = browser_for(user, methods=["pwd"])
    client = rp_session("test-rp", "openid profile")
    token, _nonce = sign_in_to_client(browser, meta, client, scope="openid profile")
    assert client.get(meta["userinfo_endpoint"]).status_code == 200

    response = browser.get(
        meta["end_session_endpoint"],
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": POST_LOGOUT_URI,
            "state": "xyz",
        },
        allow_redirects=False,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"{POST_LOGOUT_URI}?state=xyz"
    # The tokens are gone, and so is the portal session.
    assert client.get(meta["userinfo_endpoint"]).status_code == 401
    with pytest.raises(OAuthError):
        client.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    assert OidcAuthorization.objects.get(user=user).ended_at is not None
    again = browser.get(
        f"{live_server.url}/oauth/authorize/?client_id=test-rp", allow_redirects=False
    )
    assert "/account/sign-in/" in again.headers["Location"]
