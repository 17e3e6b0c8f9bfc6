"""What userinfo tells a client, by scope and by what the account has proved."""

from __future__ import annotations

import pytest

from govhub.identity import session as identity_session
from govhub.identity.tests.factories import EnterpriseFactory, PersonFactory, VerifiedPersonFactory
from govhub.identity.tests.oidc_support import get_tokens, make_client, sign_in

pytestmark = pytest.mark.django_db


def userinfo(client, access_token: str) -> dict:
    response = client.get("/oauth/userinfo/", HTTP_AUTHORIZATION=f"Bearer {access_token}")
    assert response.status_code == 200, response.content
    return response.json()


def test_only_the_granted_scopes_claims(client):
    make_client(trusted=True)
    user = VerifiedPersonFactory()
    sign_in(client, user)
    info = userinfo(client, get_tokens(client, scope="openid")["access_token"])
    assert info == {"sub": str(user.sub)}


def test_idcard_without_full_number_gives_the_masked_number_only(client):
    make_client(trusted=True, full_id_number=False)
    user = VerifiedPersonFactory()
    sign_in(client, user)
    info = userinfo(client, get_tokens(client, scope="openid idcard")["access_token"])
    assert info["real_name"] == user.full_name
    assert info["real_name_verified"] is True
    assert "id_number" not in info
    assert info["id_number_masked"][:1] == user.id_number[:1]
    assert "*" in info["id_number_masked"]


def test_an_unverified_account_has_no_real_name(client):
    make_client(trusted=True, full_id_number=True)
    user = PersonFactory()
    sign_in(client, user)
    info = userinfo(client, get_tokens(client, scope="openid idcard profile")["access_token"])
    assert info["real_name_verified"] is False
    assert info["name"] == user.full_name
    assert "real_name" not in info and "id_number" not in info


def test_enterprise_scope_names_the_enterprise_the_user_acts_for(client):
    make_client(trusted=True)
    enterprise = EnterpriseFactory()
    sign_in(client, enterprise.legal_representative)
    session = client.session
    session[identity_session.ACTING_FOR] = enterprise.pk
    session.save()
    info = userinfo(client, get_tokens(client, scope="openid enterprise")["access_token"])
    assert info["enterprise"] == {"uscc": enterprise.uscc, "name": enterprise.name}


def test_enterprise_scope_without_acting_for_gives_nothing(client):
    make_client(trusted=True)
    sign_in(client, VerifiedPersonFactory())
    info = userinfo(client, get_tokens(client, scope="openid enterprise")["access_token"])
    assert "enterprise" not in info


def test_each_release_of_a_full_id_number_is_audited(client):
    from govhub.core.models import AuditEvent

    make_client(trusted=True, full_id_number=True)
    user = VerifiedPersonFactory()
    sign_in(client, user)
    token = get_tokens(client, scope="openid idcard")["access_token"]
    assert not AuditEvent.objects.filter(action="identity.oidc.release_id_number").exists()
    assert userinfo(client, token)["id_number"] == user.id_number
    userinfo(client, token)
    released = AuditEvent.objects.filter(action="identity.oidc.release_id_number")
    assert released.count() == 2
    record = released.first()
    assert record.actor == user
    assert record.changes["client_id"]
    assert user.id_number not in str(record.changes)


def test_the_masked_number_alone_is_not_recorded_as_a_release(client):
    from govhub.core.models import AuditEvent

    make_client(trusted=True, full_id_number=False)
    sign_in(client, VerifiedPersonFactory())
    userinfo(client, get_tokens(client, scope="openid idcard")["access_token"])
    assert not AuditEvent.objects.filter(action="identity.oidc.release_id_number").exists()
