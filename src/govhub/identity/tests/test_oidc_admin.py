"""An administrator registers a client system in the admin, with its profile inline."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password
from oauth2_provider.models import Application

from govhub.core.models import AuditEvent
from govhub.core.tests.audit_helpers import assert_not_in_trail
from govhub.identity.models import User
from govhub.identity.oidc_models import OidcClientProfile
from govhub.identity.tests.oidc_support import sign_in
from govhub.organizations.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser("root", password="x-Admin-2026-long")
    sign_in(client, admin, methods=("pwd", "otp"))
    return client


def _client_form(department, secret):
    return {
        "name": "不动产登记系统",
        "client_id": "bdc",
        "client_type": "confidential",
        "client_secret": secret,
        "hash_client_secret": "on",
        "redirect_uris": "https://bdc.example.gov.cn/oidc/callback",
        "post_logout_redirect_uris": "",
        "allowed_origins": "",
        "authorization_grant_type": "authorization-code",
        "algorithm": "RS256",
        "govhub_profile-TOTAL_FORMS": "1",
        "govhub_profile-INITIAL_FORMS": "0",
        "govhub_profile-MIN_NUM_FORMS": "0",
        "govhub_profile-MAX_NUM_FORMS": "1",
        "govhub_profile-0-department": str(department.pk),
    }


@pytest.mark.parametrize("secret", ["department-secret-2026", "a" * 40, "ab" * 30])
def test_a_typed_client_secret_must_look_random(admin_client, secret):
    response = admin_client.post(
        "/admin/oauth2_provider/application/add/", _client_form(DepartmentFactory(), secret)
    )
    assert response.status_code == 200
    assert "客户端密钥至少32个字符" in response.content.decode()
    assert not Application.objects.filter(client_id="bdc").exists()


def test_client_secrets_are_stored_with_the_fast_salted_hash(admin_client):
    response = admin_client.post(
        "/admin/oauth2_provider/application/add/",
        _client_form(DepartmentFactory(), "Kq7-vR2x_Lm9Tz4Wc8Nh3Jd6Fp1Ys5Gb0Ue"),
    )
    assert response.status_code == 302
    stored = Application.objects.get(client_id="bdc").client_secret
    assert stored.startswith("govhub_client_hmac_sha256$")
    assert "Kq7-vR2x" not in stored
    assert check_password("Kq7-vR2x_Lm9Tz4Wc8Nh3Jd6Fp1Ys5Gb0Ue", stored)
    assert not check_password("Kq7-vR2x_Lm9Tz4Wc8Nh3Jd6Fp1Ys5Gb0Uf", stored)


def test_register_a_client_with_its_department_and_front_channel_uri(admin_client):
    department = DepartmentFactory()
    page = admin_client.get("/admin/oauth2_provider/application/add/")
    assert page.status_code == 200
    assert "接入系统资料" in page.content.decode()
    response = admin_client.post(
        "/admin/oauth2_provider/application/add/",
        {
            "name": "不动产登记系统",
            "client_id": "bdc",
            "client_type": "confidential",
            "client_secret": "Kq7-vR2x_Lm9Tz4Wc8Nh3Jd6Fp1Ys5Gb0Ue",
            "hash_client_secret": "on",
            "redirect_uris": "https://bdc.example.gov.cn/oidc/callback",
            "post_logout_redirect_uris": "https://bdc.example.gov.cn/",
            "allowed_origins": "",
            "authorization_grant_type": "authorization-code",
            "algorithm": "RS256",
            "govhub_profile-TOTAL_FORMS": "1",
            "govhub_profile-INITIAL_FORMS": "0",
            "govhub_profile-MIN_NUM_FORMS": "0",
            "govhub_profile-MAX_NUM_FORMS": "1",
            "govhub_profile-0-department": str(department.pk),
            "govhub_profile-0-trusted": "on",
            "govhub_profile-0-frontchannel_logout_uri": "https://bdc.example.gov.cn/oidc/fc",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    application = Application.objects.get(client_id="bdc")
    assert check_password("Kq7-vR2x_Lm9Tz4Wc8Nh3Jd6Fp1Ys5Gb0Ue", application.client_secret)
    profile = OidcClientProfile.objects.get(application=application)
    assert profile.department == department and profile.trusted
    assert not profile.full_id_number
    # Audited, the client and its profile inline, without the secret in clear or hashed.
    added = AuditEvent.objects.get(action="oauth2_provider.application.admin_add")
    assert added.object_id == str(application.pk)
    assert added.changes["client_secret"] == "***"
    assert added.changes["client_id"] == "bdc"
    profile_added = AuditEvent.objects.get(action="identity.oidcclientprofile.admin_add")
    assert profile_added.changes["trusted"] is True
    assert_not_in_trail("Kq7-vR2x_Lm9Tz4Wc8Nh3Jd6Fp1Ys5Gb0Ue", application.client_secret)
    listing = admin_client.get("/admin/oauth2_provider/application/")
    assert "不动产登记系统" in listing.content.decode()


def test_sign_in_records_are_read_only(admin_client):
    assert admin_client.get("/admin/identity/oidcauthorization/").status_code == 200
    assert admin_client.get("/admin/identity/oidcauthorization/add/").status_code == 403
