"""The sample department system signing in through the platform, end to end (live_server):
SSO without a password prompt, claims shown, portal sign-out noticed at the next click,
front-channel and RP-initiated logout."""

from __future__ import annotations

import re

import pytest
import requests
from django.conf import settings as django_settings
from oauth2_provider.models import Application

from govhub.identity.oidc_models import OidcAuthorization, OidcClientProfile
from govhub.identity.tests.factories import VerifiedPersonFactory
from govhub.identity.tests.oidc_support import browser_for, close_browsers
from govhub.sample_department import demo

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _close_browsers():
    yield
    close_browsers()


@pytest.fixture
def sample(live_server, settings):
    settings.GOVHUB_SAMPLE_CLIENT = True
    settings.GOVHUB_SAMPLE_CLIENT_BASE_URLS = [live_server.url]
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "govhub.identity.oidc.hashers.ClientSecretHasher",
    ]
    demo.load()
    return f"{live_server.url}/sample-department/"


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in_to_sample(browser: requests.Session, home: str) -> requests.Response:
    page = browser.get(f"{home}login/")
    assert page.status_code == 200, page.text[:300]
    assert page.url == home
    return page


def test_demo_registration_is_idempotent(sample):
    demo.load()
    application = Application.objects.get(client_id=django_settings.GOVHUB_SAMPLE_CLIENT_ID)
    assert application.redirect_uris == f"{sample}callback/"
    assert OidcClientProfile.objects.get(application=application).trusted


def test_single_sign_on_shows_claims_and_portal_sign_out_is_noticed(sample, live_server):
    user = VerifiedPersonFactory()
    browser = browser_for(user, methods=["pwd", "sms"])
    assert "使用统一身份认证登录" in browser.get(sample).text

    page = sign_in_to_sample(browser, sample)  # no password asked: the portal session
    assert user.full_name in page.text
    assert str(user.sub) in page.text
    assert "L2" in page.text
    assert "sample_department" in browser.cookies.get_dict()
    # Its own cookie, not the portal's session.
    assert browser.get(sample).status_code == 200

    sign_out_page = browser.get(f"{live_server.url}/account/sign-out/")
    browser.post(
        f"{live_server.url}/account/sign-out/",
        data={"csrfmiddlewaretoken": csrf_token(sign_out_page.text)},
        headers={"Referer": f"{live_server.url}/account/sign-out/"},
    )
    after = browser.get(sample)
    assert "本系统也已退出" in after.text
    assert "sample_department" not in browser.cookies.get_dict()


def test_front_channel_logout_clears_the_sample_cookie(sample):
    user = VerifiedPersonFactory()
    browser = browser_for(user, methods=["pwd"])
    sign_in_to_sample(browser, sample)
    sid = OidcAuthorization.objects.get(user=user).sid
    other = browser.get(f"{sample}frontchannel-logout/", params={"sid": "not-this-one"})
    assert other.status_code == 200
    assert "sample_department" in browser.cookies.get_dict()
    response = browser.get(f"{sample}frontchannel-logout/", params={"sid": sid})
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "sample_department" not in browser.cookies.get_dict()


def test_rp_initiated_logout_ends_both_sessions(sample, live_server):
    user = VerifiedPersonFactory()
    browser = browser_for(user, methods=["pwd"])
    page = sign_in_to_sample(browser, sample)
    response = browser.post(
        f"{sample}logout/",
        data={"csrfmiddlewaretoken": csrf_token(page.text)},
        headers={"Referer": sample},
    )
    # The platform's signed-out page opens the front-channel iframe, then goes back.
    assert response.status_code == 200
    assert "frontchannel-logout/?iss=" in response.text
    assert f'href="{sample}?state=' in response.text
    assert "sample_department" not in browser.cookies.get_dict()
    assert OidcAuthorization.objects.get(user=user).ended_at is not None
    again = browser.get(f"{sample}login/", allow_redirects=True)
    assert "/account/sign-in/" in again.url  # the portal session is gone too


def test_disabled_sample_is_not_found(client, settings):
    settings.GOVHUB_SAMPLE_CLIENT = False
    assert client.get("/sample-department/").status_code == 404
