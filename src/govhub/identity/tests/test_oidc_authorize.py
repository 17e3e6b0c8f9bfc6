"""The authorization endpoint: redirect URIs, consent, PKCE, step-up and max_age."""

from __future__ import annotations

import time

import pytest
from oauth2_provider.models import Grant

from govhub.core.models import AuditEvent
from govhub.identity.oidc_models import OidcAuthorization
from govhub.identity.tests.factories import PersonFactory, VerifiedPersonFactory
from govhub.identity.tests.oidc_support import (
    REDIRECT_URI,
    authorize_url,
    form_data,
    make_client,
    query_of,
    sign_in,
)

pytestmark = pytest.mark.django_db


def test_not_signed_in_goes_to_the_sign_in_page(client):
    make_client()
    response = client.get(authorize_url())
    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in/?next=")


@pytest.mark.parametrize(
    "overrides",
    [
        {"redirect_uri": "https://evil.example/callback"},
        {"redirect_uri": REDIRECT_URI + "/"},
        {"redirect_uri": REDIRECT_URI + "?x=1"},
        {"client_id": "no-such-client"},
    ],
)
def test_wrong_redirect_uri_or_client_is_refused_without_redirect(client, overrides):
    make_client(trusted=True)
    sign_in(client, PersonFactory())
    response = client.get(authorize_url(**overrides))
    assert response.status_code == 400
    assert "Location" not in response
    assert "登录请求无效" in response.content.decode()
    assert not Grant.objects.exists()


def test_pkce_is_required(client):
    make_client(trusted=True)
    sign_in(client, PersonFactory())
    response = client.get(authorize_url(code_challenge=None, code_challenge_method=None))
    assert response.status_code == 302
    query = query_of(response["Location"])
    assert response["Location"].startswith(REDIRECT_URI)
    assert query["error"] == "invalid_request"
    assert "code" not in query


def test_trusted_client_skips_consent_and_records_the_sign_in(client):
    make_client(trusted=True)
    user = VerifiedPersonFactory()
    sign_in(client, user, methods=("pwd", "sms"))
    response = client.get(authorize_url())
    assert response.status_code == 302
    query = query_of(response["Location"])
    assert query["state"] == "s1" and query["code"]
    authorization = OidcAuthorization.objects.get()
    assert authorization.user == user
    assert authorization.acr == "L2"
    assert authorization.amr == ["pwd", "sms", "mfa"]
    assert authorization.sid == client.session["oidc_sid"]
    assert authorization.session_key == client.session.session_key
    event = AuditEvent.objects.get(action="identity.oidc.authorize")
    assert event.actor == user and event.changes["client_id"] == "test-rp"


def test_untrusted_client_asks_for_consent_and_deny_tells_the_client(client):
    make_client(trusted=False)
    sign_in(client, PersonFactory())
    response = client.get(authorize_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "请求使用您的账号登录" in page and "您的姓名" in page
    denied = client.post(authorize_url(), data=form_data(response))
    assert denied.status_code == 302
    assert query_of(denied["Location"])["error"] == "access_denied"
    assert not OidcAuthorization.objects.exists()


@pytest.mark.parametrize(
    ("full", "wording"),
    [(True, "该系统将获得您完整的身份证号码"), (False, "不会获得完整号码")],
)
def test_idcard_scope_always_asks_for_consent_with_explicit_wording(client, full, wording):
    make_client(trusted=True, full_id_number=full)
    sign_in(client, VerifiedPersonFactory())
    response = client.get(authorize_url(scope="openid idcard"))
    assert response.status_code == 200
    page = response.content.decode()
    assert wording in page
    approved = client.post(
        authorize_url(scope="openid idcard"), data=form_data(response, allow="on")
    )
    assert approved.status_code == 302
    assert query_of(approved["Location"])["code"]


def test_prompt_none_without_consent_tells_the_client(client):
    make_client(trusted=False)
    sign_in(client, PersonFactory())
    response = client.get(authorize_url(prompt="none"))
    assert response.status_code == 302
    assert query_of(response["Location"])["error"] == "consent_required"


def test_acr_values_above_the_session_level_sends_to_step_up(client):
    make_client(trusted=True)
    sign_in(client, VerifiedPersonFactory(), methods=("pwd",))
    url = authorize_url(acr_values="L2")
    response = client.get(url)
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/account/step-up/?")
    assert query_of(location) == {"next": url, "level": "L2"}
    assert not Grant.objects.exists()


def test_acr_values_met_by_the_session_passes(client):
    make_client(trusted=True)
    sign_in(client, VerifiedPersonFactory(), methods=("pwd", "sms"))
    response = client.get(authorize_url(acr_values="L2"))
    assert query_of(response["Location"])["code"]


def test_acr_values_beyond_the_account_ceiling_is_refused_to_the_client(client):
    make_client(trusted=True)
    sign_in(client, PersonFactory(), methods=("pwd", "sms"))  # not real-name verified: L1
    response = client.get(authorize_url(acr_values="L2"))
    assert response["Location"].startswith(REDIRECT_URI)
    query = query_of(response["Location"])
    assert query["error"] == "access_denied" and query["state"] == "s1"


def test_prompt_login_asks_to_sign_in_again(client):
    make_client(trusted=True)
    sign_in(client, PersonFactory())
    response = client.get(authorize_url(prompt="login"))
    query = query_of(response["Location"])
    assert response["Location"].startswith("/account/sign-in/?")
    assert query["reauth"] == "1" and "prompt" not in query["next"]


def test_max_age_passed_sends_to_sign_in_again(client):
    make_client(trusted=True)
    sign_in(client, PersonFactory(), auth_time=int(time.time()) - 3600)
    response = client.get(authorize_url(max_age="600"))
    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in/?next=")
    query = query_of(response["Location"])
    assert query["reauth"] == "1"
    assert "max_age" not in query["next"] and "/oauth/authorize/" in query["next"]
    fresh = client.get(authorize_url(max_age="7200"))
    assert query_of(fresh["Location"])["code"]
