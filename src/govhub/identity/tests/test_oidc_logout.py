"""Signing out: portal sign-out revokes the session's tokens, RP-initiated logout,
front-channel logout iframes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from oauth2_provider.models import AccessToken, RefreshToken

from govhub.identity.oidc import logout
from govhub.identity.oidc_models import OidcAuthorization
from govhub.identity.tests.factories import VerifiedPersonFactory
from govhub.identity.tests.oidc_support import (
    FRONTCHANNEL_URI,
    POST_LOGOUT_URI,
    get_tokens,
    make_client,
    sign_in,
)

pytestmark = pytest.mark.django_db


def test_the_app_subscribes_the_handler_to_signed_out():
    """In a fresh process (this one's tests subscribe it themselves)."""
    script = (
        "import django; django.setup()\n"
        "from govhub.core.events import handlers_for\n"
        "from govhub.identity.events import SignedOut\n"
        "from govhub.identity.oidc.logout import on_signed_out\n"
        "print(on_signed_out in handlers_for(SignedOut(user_id=1, session_key='k')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "govhub.settings"},
    )
    assert result.stdout.strip() == "True"


def test_portal_sign_out_revokes_the_tokens_of_that_session_only(
    client, django_capture_on_commit_callbacks
):
    make_client(trusted=True)
    user = VerifiedPersonFactory()
    sign_in(client, user)
    get_tokens(client)
    # Another session of the same user (say, a phone) keeps its tokens.
    other = client_class_copy(client)
    sign_in(other, user)
    get_tokens(other)
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/sign-out/")
    assert response.status_code in (200, 302)
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == 1
    assert AccessToken.objects.count() == 1
    ended = OidcAuthorization.objects.filter(ended_at__isnull=False)
    assert ended.count() == 1


def test_sign_out_after_a_step_up_still_finds_the_session_by_sid(
    client, django_capture_on_commit_callbacks
):
    """A step-up changes the session key; the session's `sid` stays."""
    make_client(trusted=True)
    user = VerifiedPersonFactory()
    sign_in(client, user)
    get_tokens(client)
    old_key = client.session.session_key
    session = client.session
    session.cycle_key()  # what session_add_factor does
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    assert client.session.session_key != old_key
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/sign-out/")
    assert not AccessToken.objects.exists()
    assert OidcAuthorization.objects.get().ended_at is not None


def client_class_copy(client):
    return type(client)()


def test_rp_initiated_logout_without_hint_asks_first(client):
    make_client(trusted=True)
    user = VerifiedPersonFactory()
    sign_in(client, user)
    get_tokens(client)
    page = client.get("/oauth/logout/")
    assert page.status_code == 200
    assert "确认退出" in page.content.decode()
    assert AccessToken.objects.exists()
    response = client.post("/oauth/logout/", {"allow": "on"})
    assert response.status_code == 302
    assert not AccessToken.objects.exists()
    assert "_auth_user_id" not in client.session


def test_unregistered_post_logout_redirect_uri_is_refused_without_redirect(client):
    make_client(trusted=True)
    sign_in(client, VerifiedPersonFactory())
    token = get_tokens(client)
    response = client.get(
        "/oauth/logout/",
        {"id_token_hint": token["id_token"], "post_logout_redirect_uri": "https://evil.example/"},
    )
    assert response.status_code == 400
    assert "Location" not in response
    assert "_auth_user_id" in client.session
    assert AccessToken.objects.exists()


def test_logout_shows_front_channel_iframes_then_goes_on(client):
    make_client(trusted=True, frontchannel_logout_uri=FRONTCHANNEL_URI)
    sign_in(client, VerifiedPersonFactory())
    token = get_tokens(client)
    sid = client.session["oidc_sid"]
    response = client.get(
        "/oauth/logout/",
        {
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": POST_LOGOUT_URI,
            "state": "st",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f'src="{FRONTCHANNEL_URI}?iss=http%3A%2F%2Ftestserver&amp;sid={sid}"' in page
    assert f"{POST_LOGOUT_URI}?state=st" in page
    assert "_auth_user_id" not in client.session


def test_frontchannel_urls_only_for_clients_of_this_session(client, rf):
    make_client(trusted=True, frontchannel_logout_uri=FRONTCHANNEL_URI)
    make_client(
        client_id="other-rp", trusted=True, frontchannel_logout_uri="https://other.example/fc"
    )
    user = VerifiedPersonFactory()
    sign_in(client, user)
    get_tokens(client)
    request = rf.get("/")
    request.user = user
    request.session = client.session
    urls = logout.frontchannel_logout_urls(request)
    assert len(urls) == 1 and urls[0].startswith(FRONTCHANNEL_URI + "?iss=")
