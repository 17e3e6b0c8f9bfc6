"""The identity API (/api/v1/identity/): bearer access tokens of our provider, scopes,
acting for an enterprise by header, and the error envelope."""

from __future__ import annotations

import datetime
import secrets
import uuid

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, RefreshToken, set_token_value

from govhub.core.models import AuditEvent
from govhub.identity.models import AgentAuthorization, Enterprise, SignInEvent, User
from govhub.identity.oidc_models import OidcAuthorization
from govhub.identity.tests.factories import (
    AgentAuthorizationFactory,
    EnterpriseFactory,
    LegalEntityFactory,
    PersonFactory,
    ResidentFactory,
    VerifiedPersonFactory,
)
from govhub.identity.tests.helpers import last_code

pytestmark = pytest.mark.django_db
BASE = "/api/v1/identity"
PASSWORD = "Songhua-river-77"


def assert_envelope(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert body["error"]["request_id"] == response["X-Request-ID"]
    return body["error"]


@pytest.fixture
def application():
    return Application.objects.create(
        client_id="mobile-app",
        name="移动端",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://app.example.test/cb",
    )


@pytest.fixture
def token_for(application):
    """Bearer headers for an access token issued to `user` after a sign-in at `acr` (the
    provider records the sign-in as an OidcAuthorization of the token's refresh family)."""

    def make(user, *, scope="openid enterprise", expires_in=3600, acr="L2"):
        raw = secrets.token_urlsafe(24)
        token = AccessToken(
            user=user,
            application=application,
            scope=scope,
            expires=timezone.now() + datetime.timedelta(seconds=expires_in),
        )
        set_token_value(token, raw)
        token.save()
        family = uuid.uuid4()
        refresh = RefreshToken(
            user=user, application=application, access_token=token, token_family=family
        )
        set_token_value(refresh, secrets.token_urlsafe(24))
        refresh.save()
        OidcAuthorization.objects.create(
            user=user,
            application=application,
            scope=scope,
            acr=acr,
            auth_time=timezone.now(),
            token_family=family,
        )
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return make


# --- Authentication -----------------------------------------------------------------------


def test_me_needs_a_token(client):
    assert_envelope(client.get(f"{BASE}/me"), 401, "not_authenticated")
    response = client.get(f"{BASE}/me", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert_envelope(response, 401, "not_authenticated")


def test_expired_token_and_inactive_account_are_refused(client, token_for):
    person = PersonFactory()
    assert_envelope(
        client.get(f"{BASE}/me", **token_for(person, expires_in=-1)), 401, "not_authenticated"
    )
    headers = token_for(person)
    person.is_active = False
    person.save()
    assert_envelope(client.get(f"{BASE}/me", **headers), 401, "not_authenticated")


def test_a_session_cookie_is_not_enough(client):
    client.force_login(PersonFactory())
    assert_envelope(client.get(f"{BASE}/me"), 401, "not_authenticated")


def test_scope_is_checked(client, token_for):
    person = PersonFactory()
    error = assert_envelope(
        client.get(f"{BASE}/me", **token_for(person, scope="profile")), 403, "insufficient_scope"
    )
    assert "openid" in error["message"]
    assert_envelope(
        client.get(f"{BASE}/enterprises", **token_for(person, scope="openid")),
        403,
        "insufficient_scope",
    )


def test_me(client, token_for):
    person = VerifiedPersonFactory(mobile="13600008888")
    body = client.get(f"{BASE}/me", **token_for(person)).json()
    assert body["sub"] == str(person.sub)
    assert body["name"] == person.full_name
    assert body["masked_id_number"] == person.masked_id_number
    assert body["masked_mobile"] == "136****8888"
    assert person.id_number not in str(body)
    assert body["real_name_verified"] is True and body["in_person_verified"] is False
    assert body["assurance_ceiling"] == "L2"
    assert body["acting_for"] is None
    assert body["scopes"] == ["enterprise", "openid"]
    assert body["kind"] == {"value": "person", "label": "自然人"}


def test_me_in_english(client, token_for):
    body = client.get(
        f"{BASE}/me", HTTP_ACCEPT_LANGUAGE="en", **token_for(PersonFactory(), scope="profile")
    ).json()
    assert body["error"]["code"] == "insufficient_scope"


# --- Without a token: SMS codes and registration -------------------------------------------


def test_register_through_the_api(client, outbox):
    resident = ResidentFactory()
    response = client.post(
        f"{BASE}/sms-codes", {"mobile": "13700002222"}, content_type="application/json"
    )
    assert response.status_code == 202
    assert response.json() == {
        "masked_mobile": "137****2222",
        "purpose": "register",
        "expires_in": 300,
    }
    again = client.post(
        f"{BASE}/sms-codes", {"mobile": "13700002222"}, content_type="application/json"
    )
    error = assert_envelope(again, 429, "rate_limited")
    assert int(again["Retry-After"]) > 0
    assert error["fields"]["mobile"]
    payload = {
        "name": resident.name,
        "id_number": resident.id_number,
        "mobile": "13700002222",
        "sms_code": last_code(outbox),
        "password": PASSWORD,
    }
    response = client.post(f"{BASE}/register", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    user = User.objects.get(sub=body["sub"])
    assert user.is_real_name_verified
    assert body["masked_mobile"] == "137****2222" and body["scopes"] == []


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"id_number": "23040219900101123X"}, "id_number", "校验"),
        ({"mobile": "12345"}, "mobile", "11位"),
        ({"sms_code": "12"}, "sms_code", "内容太短"),
        ({"name": "王二小"}, "name", "姓名与身份证号码不一致"),
    ],
)
def test_register_errors_name_the_field(client, outbox, change, field, fragment):
    resident = ResidentFactory()
    client.post(f"{BASE}/sms-codes", {"mobile": "13700003333"}, content_type="application/json")
    payload = {
        "name": resident.name,
        "id_number": resident.id_number,
        "mobile": "13700003333",
        "sms_code": last_code(outbox),
        "password": PASSWORD,
        **change,
    }
    error = assert_envelope(
        client.post(f"{BASE}/register", payload, content_type="application/json"),
        422,
        "validation_error",
    )
    assert fragment in error["fields"][field][0]
    assert not User.objects.exists()


def test_mobile_change_codes_need_a_token(client, token_for, outbox):
    payload = {"mobile": "13700004444", "purpose": "mobile_change"}
    response = client.post(f"{BASE}/sms-codes", payload, content_type="application/json")
    assert_envelope(response, 401, "not_authenticated")
    assert outbox == []
    response = client.post(
        f"{BASE}/sms-codes",
        payload,
        content_type="application/json",
        **token_for(PersonFactory()),
    )
    assert response.status_code == 202 and outbox[-1]["mobile"] == "13700004444"


def test_sms_code_purpose_is_checked(client):
    response = client.post(
        f"{BASE}/sms-codes",
        {"mobile": "13700004444", "purpose": "sign_in"},
        content_type="application/json",
    )
    error = assert_envelope(response, 422, "validation_error")
    assert "purpose" in error["fields"]


# --- Sign-in history ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 30])
def test_sign_ins_are_paginated_in_three_queries(
    client, token_for, django_assert_num_queries, size
):
    person = PersonFactory()
    other = PersonFactory()
    SignInEvent.objects.create(user=other, method="pwd", outcome="success")
    now = timezone.now()
    SignInEvent.objects.bulk_create(
        SignInEvent(
            user=person,
            method="sms",
            outcome="failure" if i % 2 else "success",
            acr="L1",
            ip="10.0.0.9",
            occurred_at=now - datetime.timedelta(minutes=i),
        )
        for i in range(size)
    )
    headers = token_for(person, scope="openid")
    with django_assert_num_queries(3):  # the token and its user, count, page
        response = client.get(f"{BASE}/sign-ins?limit=20", **headers)
    body = response.json()
    assert body["count"] == size
    assert len(body["items"]) == min(size, 20)
    first = body["items"][0]
    assert first["method"] == {"value": "sms", "label": "短信验证码"}
    assert first["outcome"]["value"] == "success"
    page2 = client.get(f"{BASE}/sign-ins?limit=20&offset=20", **headers).json()
    assert len(page2["items"]) == max(0, size - 20)


def test_sign_ins_limit_is_bounded(client, token_for):
    response = client.get(f"{BASE}/sign-ins?limit=1000", **token_for(PersonFactory()))
    error = assert_envelope(response, 422, "validation_error")
    assert "limit" in error["fields"]


# --- Enterprises and agents ------------------------------------------------------------------


def test_register_and_list_enterprises(client, token_for):
    resident = ResidentFactory()
    user = VerifiedPersonFactory(resident=resident)
    entity = LegalEntityFactory(representative=resident)
    headers = token_for(user)
    response = client.post(
        f"{BASE}/enterprises", {"uscc": entity.uscc}, content_type="application/json", **headers
    )
    assert response.status_code == 201, response.content
    assert response.json()["uscc"] == entity.uscc
    again = client.post(
        f"{BASE}/enterprises", {"uscc": entity.uscc}, content_type="application/json", **headers
    )
    error = assert_envelope(again, 422, "validation_error")
    assert error["fields"]["uscc"] == ["您已注册该企业账号。"]
    listed = client.get(f"{BASE}/enterprises", **headers).json()
    assert [(e["uscc"], e["role"]["value"]) for e in listed] == [
        (entity.uscc, "legal_representative")
    ]


def test_enterprise_register_bad_code(client, token_for):
    response = client.post(
        f"{BASE}/enterprises",
        {"uscc": "91230402MA10000010"},
        content_type="application/json",
        **token_for(VerifiedPersonFactory()),
    )
    error = assert_envelope(response, 422, "validation_error")
    assert "校验" in error["fields"]["uscc"][0]


def test_agents_grant_list_revoke(client, token_for, django_assert_num_queries):
    enterprise = EnterpriseFactory()
    headers = token_for(enterprise.legal_representative)
    agent = VerifiedPersonFactory()
    url = f"{BASE}/enterprises/{enterprise.uscc}/agents"
    expires = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    response = client.post(
        url,
        {
            "agent_name": agent.full_name,
            "agent_id_number": agent.id_number,
            "scopes": ["view", "apply"],
            "expires_on": expires,
        },
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["valid"] is True
    assert [s["value"] for s in created["scopes"]] == ["apply", "view"]
    assert created["agent_masked_id_number"] == agent.masked_id_number
    AgentAuthorizationFactory.create_batch(3, enterprise=enterprise)
    with django_assert_num_queries(4):  # token+user, enterprise, count, page
        listed = client.get(url, **headers).json()
    assert listed["count"] == 4
    response = client.post(f"{url}/{created['id']}/revoke", **headers)
    assert response.status_code == 200 and response.json()["valid"] is False
    assert AgentAuthorization.objects.get(pk=created["id"]).revoked_at is not None


def test_changes_need_a_two_factor_sign_in(client, token_for):
    enterprise = EnterpriseFactory()
    authorization = AgentAuthorizationFactory(enterprise=enterprise)
    headers = token_for(enterprise.legal_representative, acr="L1")
    url = f"{BASE}/enterprises/{enterprise.uscc}/agents"
    # Reading is fine at L1.
    assert client.get(url, **headers).status_code == 200
    response = client.post(f"{url}/{authorization.pk}/revoke", **headers)
    error = assert_envelope(response, 401, "insufficient_user_authentication")
    assert "L2" in error["message"]
    assert response["WWW-Authenticate"] == (
        'Bearer error="insufficient_user_authentication", acr_values="L2"'
    )
    response = client.post(
        f"{BASE}/enterprises",
        {"uscc": LegalEntityFactory().uscc},
        content_type="application/json",
        **headers,
    )
    assert_envelope(response, 401, "insufficient_user_authentication")
    authorization.refresh_from_db()
    assert authorization.revoked_at is None


def test_agents_errors(client, token_for):
    enterprise = EnterpriseFactory()
    headers = token_for(enterprise.legal_representative)
    url = f"{BASE}/enterprises/{enterprise.uscc}/agents"
    response = client.post(
        url,
        {
            "agent_name": "某某",
            "agent_id_number": ResidentFactory().id_number,
            "scopes": ["fly"],
            "expires_on": "2030-01-01",
        },
        content_type="application/json",
        **headers,
    )
    error = assert_envelope(response, 422, "validation_error")
    assert "scopes.0" in error["fields"]
    stranger = ResidentFactory()
    response = client.post(
        url,
        {
            "agent_name": stranger.name,
            "agent_id_number": stranger.id_number,
            "scopes": ["apply"],
            "expires_on": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        },
        content_type="application/json",
        **headers,
    )
    error = assert_envelope(response, 422, "validation_error")
    assert error["fields"]["agent_id_number"] == [
        "该人员尚未注册实名账号，请其先完成实名注册后再授权。"
    ]


def test_agents_are_for_the_legal_representative(client, token_for):
    authorization = AgentAuthorizationFactory()
    headers = token_for(authorization.agent)
    url = f"{BASE}/enterprises/{authorization.enterprise.uscc}/agents"
    assert_envelope(client.get(url, **headers), 404, "not_found")
    assert_envelope(client.post(f"{url}/{authorization.pk}/revoke", **headers), 404, "not_found")


# --- Acting for an enterprise -----------------------------------------------------------------


def test_acting_for_header(client, token_for):
    authorization = AgentAuthorizationFactory()
    enterprise = authorization.enterprise
    headers = token_for(authorization.agent)
    body = client.get(f"{BASE}/me", HTTP_X_ACTING_FOR=enterprise.uscc, **headers).json()
    assert body["acting_for"] == {"uscc": enterprise.uscc, "name": enterprise.name}
    listed = client.get(f"{BASE}/enterprises", **headers).json()
    assert listed[0]["role"]["value"] == "agent"
    assert listed[0]["expires_at"]


def test_acting_for_needs_the_enterprise_scope(client, token_for):
    authorization = AgentAuthorizationFactory()
    headers = token_for(authorization.agent, scope="openid")
    response = client.get(f"{BASE}/me", HTTP_X_ACTING_FOR=authorization.enterprise.uscc, **headers)
    error = assert_envelope(response, 403, "insufficient_scope")
    assert "enterprise" in error["message"]


def test_acting_for_without_authorisation_is_forbidden(client, token_for):
    other = EnterpriseFactory()
    headers = token_for(VerifiedPersonFactory())
    error = assert_envelope(
        client.get(f"{BASE}/me", HTTP_X_ACTING_FOR=other.uscc, **headers),
        403,
        "acting_for_forbidden",
    )
    assert "无权代表该企业" in error["message"]
    error = assert_envelope(
        client.get(f"{BASE}/me", HTTP_X_ACTING_FOR="not-a-code", **headers),
        422,
        "validation_error",
    )
    assert "X-Acting-For" in error["fields"]


def test_changes_made_while_acting_for_are_recorded_on_its_behalf(client, token_for):
    enterprise = EnterpriseFactory()
    agent = VerifiedPersonFactory()
    headers = token_for(enterprise.legal_representative)
    client.post(
        f"{BASE}/enterprises/{enterprise.uscc}/agents",
        {
            "agent_name": agent.full_name,
            "agent_id_number": agent.id_number,
            "scopes": ["apply"],
            "expires_on": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        },
        content_type="application/json",
        HTTP_X_ACTING_FOR=enterprise.uscc,
        **headers,
    )
    event = AuditEvent.objects.get(action="identity.agent.authorize")
    assert event.on_behalf_of == f"enterprise:{enterprise.uscc}"
    # The next request without the header acts for the person again.
    client.get(f"{BASE}/me", **headers)
    other = VerifiedPersonFactory()
    client.post(
        f"{BASE}/enterprises/{enterprise.uscc}/agents",
        {
            "agent_name": other.full_name,
            "agent_id_number": other.id_number,
            "scopes": ["view"],
            "expires_on": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        },
        content_type="application/json",
        **headers,
    )
    latest = AuditEvent.objects.filter(action="identity.agent.authorize").latest("id")
    assert latest.on_behalf_of == ""
    assert Enterprise.objects.count() == 1


def _bare_token(user, application, **fields) -> str:
    raw = secrets.token_urlsafe(24)
    token = AccessToken(
        user=user,
        application=application,
        scope="openid",
        expires=timezone.now() + datetime.timedelta(hours=1),
        **fields,
    )
    set_token_value(token, raw)
    token.save()
    return raw


def test_a_token_s_sign_in_level_is_read_once_and_the_token_every_time(
    token_for, application, django_assert_num_queries
):
    """The level of the sign-in a token descends from is read once per token (also for a
    token issued by a refresh: its source refresh token names the family); after that an
    API call reads only the token, so a revoked token still stops at once."""
    from govhub.identity.api import access_token_for, token_acr
    from govhub.identity.oidc.validator import authorization_for_token

    user = VerifiedPersonFactory()
    raw = token_for(user, acr="L2")["HTTP_AUTHORIZATION"].split()[1]
    with django_assert_num_queries(2):
        access = access_token_for(raw)
        assert token_acr(access) == "L2"
    with django_assert_num_queries(1):
        assert token_acr(access_token_for(raw)) == "L2"
    # A token refreshed from the first one: the family comes through its source.
    refresh = RefreshToken.objects.get(access_token=access)
    found = access_token_for(_bare_token(user, application, source_refresh_token=refresh))
    assert token_acr(found) == authorization_for_token(found).acr == "L2"
    # Without a sign-in behind it, no level.
    assert token_acr(access_token_for(_bare_token(user, application))) == ""
    # Revoked: the remembered level does not keep the token alive.
    RefreshToken.objects.filter(access_token=access).update(access_token=None)
    access.delete()
    assert access_token_for(raw) is None
