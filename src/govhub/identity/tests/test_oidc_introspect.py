"""Introspection and revocation answer a client about its own tokens only."""

from __future__ import annotations

import pytest

from govhub.identity.tests.factories import VerifiedPersonFactory
from govhub.identity.tests.oidc_support import basic_auth, get_tokens, make_client, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(client) -> dict:
    make_client(trusted=True)
    make_client(client_id="other-rp", trusted=True)
    sign_in(client, VerifiedPersonFactory(), methods=("pwd", "otp"))
    return get_tokens(client)


def introspect(client, token: str, client_id: str = "test-rp") -> dict:
    response = client.post(
        "/oauth/introspect/", {"token": token}, HTTP_AUTHORIZATION=basic_auth(client_id)
    )
    assert response.status_code == 200
    return response.json()


def test_another_client_learns_nothing_about_the_token(client, token):
    assert introspect(client, token["access_token"], "other-rp") == {"active": False}
    assert introspect(client, token["access_token"])["active"] is True


def test_another_client_cannot_revoke_it(client, token):
    response = client.post(
        "/oauth/revoke/",
        {"token": token["access_token"]},
        HTTP_AUTHORIZATION=basic_auth("other-rp"),
    )
    assert response.status_code == 200  # RFC 7009: no hint whether it exists
    assert introspect(client, token["access_token"])["active"] is True


def test_wrong_secret_and_missing_token_are_refused(client, token):
    bad = client.post(
        "/oauth/introspect/",
        {"token": token["access_token"]},
        HTTP_AUTHORIZATION="Basic dGVzdC1ycDp3cm9uZw==",  # test-rp:wrong
    )
    assert bad.status_code == 401
    missing = client.post("/oauth/introspect/", {}, HTTP_AUTHORIZATION=basic_auth())
    assert missing.status_code == 400


def test_introspection_reports_the_sign_in(client, token):
    data = introspect(client, token["access_token"])
    assert data["acr"] == "L2"
    assert data["amr"] == ["pwd", "otp", "mfa"]
    assert data["scope"] == "openid profile"
    assert data["token_type"] == "Bearer"
