"""The Django admin: only with a TOTP session; identity's admin screens."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from govhub.core.models import AuditEvent
from govhub.core.tests.audit_helpers import assert_not_in_trail
from govhub.identity.models import LoginThrottle, SignInEvent, TotpDevice, User
from govhub.identity.testing import sign_in, sign_in_admin
from govhub.identity.tests.factories import (
    AgentAuthorizationFactory,
    PersonFactory,
    TotpDeviceFactory,
    VerifiedPersonFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    user = PersonFactory(is_staff=True, is_superuser=True, kind="staff")
    TotpDeviceFactory(user=user)
    return user


# --- The TOTP-only admin site ---------------------------------------------------------------


@pytest.mark.urls("govhub.identity.tests.admin_urls")
def test_admin_needs_a_totp_session(client, superuser):
    response = client.get("/admin/")
    assert response.status_code == 302
    login = client.get(response["Location"])
    assert login.status_code == 302
    assert login["Location"].startswith("/account/sign-in/?next=")

    sign_in(client, superuser, methods=("pwd",))
    response = client.get("/admin/", follow=False)
    assert response.status_code == 302
    login = client.get(response["Location"])
    assert login["Location"].startswith("/account/step-up/?next=")
    assert "method=otp" in login["Location"]

    sign_in_admin(client, superuser)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/identity/signinevent/").status_code == 200


@pytest.mark.urls("govhub.identity.tests.admin_urls")
def test_admin_refuses_signed_in_non_staff(client):
    sign_in(client, VerifiedPersonFactory(), methods=("pwd", "otp"))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 403


@pytest.mark.urls("govhub.identity.tests.admin_urls")
def test_admin_logout_signs_out_everywhere(client, superuser):
    sign_in_admin(client, superuser)
    response = client.post("/admin/logout/")
    assert response.status_code == 302
    assert SignInEvent.objects.filter(outcome="signed_out", user=superuser).exists()
    assert client.get("/admin/").status_code == 302


# --- Identity's admin screens (on whichever admin site is installed) -------------------------


@pytest.fixture
def admin_client(client, superuser):
    sign_in_admin(client, superuser)
    return client


@pytest.mark.parametrize(
    "model",
    ["user", "signinevent", "realnamecheck", "smschallenge", "totpdevice", "staffactivation",
     "loginthrottle", "enterprise", "agentauthorization"],
)  # fmt: skip
def test_changelists_render(admin_client, model):
    AgentAuthorizationFactory()
    assert admin_client.get(reverse(f"admin:identity_{model}_changelist")).status_code == 200


def test_user_change_page_shows_the_id_number_masked(admin_client):
    person = VerifiedPersonFactory()
    response = admin_client.get(reverse("admin:identity_user_change", args=[person.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert person.id_number not in content
    assert person.masked_id_number in content
    assert person.mobile not in content


def test_search_by_full_id_number(admin_client):
    person = VerifiedPersonFactory()
    VerifiedPersonFactory()
    response = admin_client.get(reverse("admin:identity_user_changelist"), {"q": person.id_number})
    assert list(response.context["cl"].result_list) == [person]


def test_security_records_are_read_only(admin_client):
    assert admin_client.get(reverse("admin:identity_signinevent_add")).status_code == 403
    device = TotpDevice.objects.first()
    response = admin_client.post(reverse("admin:identity_totpdevice_delete", args=[device.pk]))
    assert response.status_code == 403


def test_unlock_action_is_audited(admin_client):
    LoginThrottle.objects.create(scope="account", key_hash="a" * 64, label="someone", failures=3)
    row = LoginThrottle.objects.get()
    response = admin_client.post(
        reverse("admin:identity_loginthrottle_changelist"),
        {"action": "unlock", "_selected_action": [row.pk]},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.failures == 0 and row.locked_until is None
    assert AuditEvent.objects.filter(action="identity.throttle.unlock").count() == 1


def test_user_admin_changes_are_audited_without_passwords(admin_client):
    response = admin_client.post(
        reverse("admin:identity_user_add"),
        {
            "username": "new-admin-user",
            "usable_password": "true",
            "password1": "Very-secret-pass-99",
            "password2": "Very-secret-pass-99",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="identity.user.admin_add")
    assert event.changes["password1"] == event.changes["password2"] == "***"
    assert event.changes["username"] == "new-admin-user"
    user = User.objects.get(username="new-admin-user")
    assert_not_in_trail("Very-secret-pass-99", user.password)


def test_user_permission_changes_and_password_resets_are_audited(admin_client, superuser):
    user = VerifiedPersonFactory(username="li-na")
    group = Group.objects.create(name="值班员")
    page = admin_client.get(reverse("admin:identity_user_change", args=[user.pk]))
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "username": user.username,
            "kind": user.kind,
            "full_name": user.full_name,
            "email": "",
            "is_active": "on",
            "is_staff": "on",
            "groups": [group.pk],
            "user_permissions": [],
        }
    )
    data.pop("is_superuser", None)
    data.pop("password", None)
    response = admin_client.post(reverse("admin:identity_user_change", args=[user.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    changed = AuditEvent.objects.get(action="identity.user.admin_change")
    assert changed.changes == {"is_staff": True, "groups": ["值班员"]}
    assert (changed.actor, changed.actor_role) == (superuser, "superuser")

    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {
            "usable_password": "true",
            "password1": "New-Pass-word-77",
            "password2": "New-Pass-word-77",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    reset = AuditEvent.objects.filter(action="identity.user.admin_change").order_by("pk").last()
    assert reset.changes == {"password": "***"}
    user.refresh_from_db()
    assert user.check_password("New-Pass-word-77")
    assert_not_in_trail("New-Pass-word-77", user.password, user.id_number)


def test_searching_accounts_by_full_id_number_is_audited(admin_client):
    person = VerifiedPersonFactory()
    response = admin_client.get(reverse("admin:identity_user_changelist"), {"q": person.id_number})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [person]
    event = AuditEvent.objects.get(action="identity.user.admin_id_number_search")
    assert event.changes == {"id_number": person.masked_id_number, "found": True}
    assert event.actor_role == "superuser"
    assert_not_in_trail(person.id_number)


def test_user_changelist_query_count_does_not_grow(admin_client, django_assert_max_num_queries):
    url = reverse("admin:identity_user_changelist")
    admin_client.get(url)
    VerifiedPersonFactory.create_batch(3)
    with django_assert_max_num_queries(12) as few:
        admin_client.get(url)
    baseline = len(few.captured_queries)
    VerifiedPersonFactory.create_batch(10)
    with django_assert_max_num_queries(baseline):
        assert admin_client.get(url).status_code == 200
