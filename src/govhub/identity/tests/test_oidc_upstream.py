"""Upstream federation: signing in with the province's provider — here our own provider
plays the province (live_server) — and mapping people to local accounts by ID number."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.conf import settings as django_settings

from govhub.core.errors import InvalidInput
from govhub.core.models import AuditEvent
from govhub.identity import session as identity_session
from govhub.identity import upstream
from govhub.identity.models import User
from govhub.identity.tests.factories import PersonFactory, VerifiedPersonFactory
from govhub.identity.tests.oidc_support import (
    CLIENT_SECRET,
    approve,
    browser_for,
    close_browsers,
    make_client,
)
from govhub.registries.models import RegistryLookup, Resident
from govhub.registries.tests.factories import ResidentFactory


@pytest.fixture(autouse=True)
def _close_browsers():
    yield
    close_browsers()


@pytest.fixture
def province(settings, live_server):
    settings.GOVHUB_UPSTREAM_OIDC_ISSUER = live_server.url
    settings.GOVHUB_UPSTREAM_OIDC_CLIENT_ID = "province"
    settings.GOVHUB_UPSTREAM_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.GOVHUB_UPSTREAM_OIDC_SCOPES = "openid idcard"
    make_client(
        client_id="province",
        trusted=True,
        full_id_number=True,
        redirect_uris=f"{live_server.url}/oauth/upstream/callback/",
    )
    return live_server.url


def session_data(browser) -> dict:
    engine = import_module(django_settings.SESSION_ENGINE)
    return engine.SessionStore(browser.cookies[django_settings.SESSION_COOKIE_NAME]).load()


@pytest.mark.django_db(transaction=True)
def test_sign_in_with_the_upstream_provider_end_to_end(province):
    person = VerifiedPersonFactory()
    # Signed in "at the province" (the same provider, playing both parts).
    browser = browser_for(person, methods=["pwd", "sms"])
    start = browser.get(
        f"{province}/oauth/upstream/start/", params={"next": "/account/"}, allow_redirects=False
    )
    assert start.status_code == 302
    consent = browser.get(start.headers["Location"], allow_redirects=False)
    assert "完整的身份证号码" in consent.text  # the idcard scope always asks
    callback = approve(browser, consent)
    finished = browser.get(callback.headers["Location"], allow_redirects=False)
    assert finished.status_code == 302, finished.text[:300]
    assert finished.headers["Location"] == "/account/"

    data = session_data(browser)
    assert data["_auth_user_id"] == str(person.pk)
    assert data[identity_session.METHODS] == ["federated"]
    assert data[identity_session.UPSTREAM_ACR] == "L2"  # what the province asserted
    assert AuditEvent.objects.filter(action="identity.upstream.link").exists()


@pytest.mark.django_db(transaction=True)
def test_a_forged_state_is_refused(province):
    browser = browser_for(PersonFactory(), methods=["pwd"])
    browser.get(f"{province}/oauth/upstream/start/", allow_redirects=False)
    response = browser.get(
        f"{province}/oauth/upstream/callback/", params={"code": "x", "state": "forged"}
    )
    assert response.status_code == 400
    assert "没有完成登录" in response.text


def test_upstream_is_off_without_settings(client, settings):
    settings.GOVHUB_UPSTREAM_OIDC_ISSUER = ""
    assert client.get("/oauth/upstream/start/").status_code == 404


def claims_for(resident: Resident, **extra) -> dict:
    return {
        "sub": "upstream-1",
        "real_name": resident.name,
        "id_number": resident.id_number,
        "real_name_verified": True,
        "acr": "L2",
        **extra,
    }


@pytest.mark.django_db
def test_a_registry_match_creates_a_verified_account_without_password():
    resident = ResidentFactory()
    user = upstream.upstream_account_link(
        claims=upstream.upstream_claims(claims_for(resident)), request=None
    )
    assert user.full_name == resident.name
    assert user.id_number == resident.id_number
    assert user.real_name_verified_at is not None
    assert user.assurance_ceiling == "L2"
    assert not user.has_usable_password()
    again = upstream.upstream_account_link(
        claims=upstream.upstream_claims(claims_for(resident)), request=None
    )
    assert again == user and User.objects.count() == 1


@pytest.mark.django_db
def test_a_name_that_does_not_match_the_registry_is_refused():
    resident = ResidentFactory()
    with pytest.raises(InvalidInput, match="人口库"):
        upstream.upstream_account_link(
            claims=upstream.upstream_claims(claims_for(resident, real_name="别人")),
            request=None,
        )
    assert not User.objects.exists()
    # The refusal and the look-up that led to it are recorded all the same.
    assert RegistryLookup.objects.get().outcome == RegistryLookup.Outcome.NAME_MISMATCH
    refusal = AuditEvent.objects.get(action="identity.upstream.link")
    assert refusal.outcome == AuditEvent.Outcome.FAILURE
    assert refusal.changes["reason"] == "name_mismatch"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"real_name_verified": False}, "未确认"),
        ({"id_number": "230402199001011234"}, "身份证号码无效"),
        ({"real_name": ""}, "未提供实名姓名"),
    ],
)
@pytest.mark.django_db
def test_unverified_or_malformed_upstream_claims_are_refused(override, message):
    claims = claims_for(ResidentFactory(), **override)
    with pytest.raises(InvalidInput, match=message):
        upstream.upstream_claims(claims)
