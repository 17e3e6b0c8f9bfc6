"""Every screen of the Django admin is audited: every registered ModelAdmin (the project's
and third-party ones) has `AdminAuditMixin` in front, and adds, changes, deletions
(single, bulk, inline) and bulk actions append audit records without secrets."""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from govhub.core.admin_auditing import AdminAuditMixin, AuditedAdminSite, audited_admin_class
from govhub.core.models import AuditEvent
from govhub.core.tests.audit_helpers import assert_not_in_trail
from govhub.identity.models import LoginThrottle

# Every hook that records: the one the admin runs must be the mixin's (so no admin can
# skip it by overriding a method without calling super()).
HOOKS = (
    "construct_change_message",
    "log_addition",
    "log_change",
    "delete_model",
    "delete_queryset",
    "save_formset",
    "response_action",
)

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def test_the_project_admin_site_audits():
    assert isinstance(admin.site, AuditedAdminSite)
    labels = {model._meta.label_lower for model, _admin in REGISTERED}
    # The walk below covers the project's admins and the third-party ones.
    assert {
        "auth.group",
        "oauth2_provider.application",
        "oauth2_provider.accesstoken",
        "catalog.implementationitem",
        "organizations.position",
        "identity.user",
        "notifications.notificationtemplate",
        "core.calendarday",
    } <= labels


@pytest.mark.parametrize(
    "model_admin", [model_admin for _model, model_admin in REGISTERED], ids=lambda m: str(m)
)
def test_every_registered_admin_runs_the_audit_hooks_first(model_admin):
    cls = type(model_admin)
    assert issubclass(cls, AdminAuditMixin)
    for hook in HOOKS:
        assert getattr(cls, hook) is getattr(AdminAuditMixin, hook), hook


def test_registering_with_options_keeps_the_mixin_first():
    site = AuditedAdminSite(name="other")
    site.register(Group, list_display=("name",))
    model_admin = site._registry[Group]
    assert type(model_admin).__bases__[0] is AdminAuditMixin
    assert model_admin.list_display == ("name",)
    assert audited_admin_class(type(model_admin)) is type(model_admin)


@pytest.mark.django_db
def test_group_add_change_and_bulk_delete_are_audited(admin_client, admin_user):
    permission = Permission.objects.get(codename="view_auditevent")
    response = admin_client.post(
        reverse("admin:auth_group_add"), {"name": "审计员", "permissions": [permission.pk]}
    )
    assert response.status_code == 302
    group = Group.objects.get(name="审计员")
    added = AuditEvent.objects.get(action="auth.group.admin_add")
    assert added.object_id == str(group.pk)
    assert added.changes == {"name": "审计员", "permissions": [str(permission)]}
    assert added.actor == admin_user
    assert added.actor_role == "superuser"
    assert added.source_ip == "127.0.0.1"
    assert added.request_id

    response = admin_client.post(
        reverse("admin:auth_group_change", args=[group.pk]), {"name": "审计组", "permissions": []}
    )
    assert response.status_code == 302
    changed = AuditEvent.objects.get(action="auth.group.admin_change")
    assert changed.changes == {"name": "审计组", "permissions": []}

    changelist = reverse("admin:auth_group_changelist")
    confirm = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [group.pk]}
    )
    assert confirm.status_code == 200  # the confirmation page changes nothing
    assert not AuditEvent.objects.filter(action__endswith=".admin_delete").exists()
    response = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [group.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert not Group.objects.exists()
    deleted = AuditEvent.objects.get(action="auth.group.admin_delete")
    assert deleted.object_id == str(group.pk)
    assert deleted.object_label == "审计组"
    assert deleted.changes == {"id": group.pk, "name": "审计组"}
    # delete_selected recorded the deletion itself: no extra "admin_action" record.
    assert not AuditEvent.objects.filter(action="auth.group.admin_action").exists()


@pytest.mark.django_db
def test_delete_view_is_audited_in_the_same_transaction(admin_client):
    group = Group.objects.create(name="临时")
    response = admin_client.post(
        reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert (
        AuditEvent.objects.filter(action="auth.group.admin_delete", object_id=str(group.pk)).count()
        == 1
    )


@pytest.mark.django_db
def test_a_third_party_action_is_recorded_without_the_token(admin_client, admin_user):
    application = Application.objects.create(
        name="不动产",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://bdc.example.gov.cn/cb",
    )
    secret_token = "tok-3c9e1f2a7b8d4e6f9a0b1c2d3e4f5a6b"
    token = AccessToken.objects.create(
        user=admin_user,
        application=application,
        token=secret_token,
        expires=timezone.now() + datetime.timedelta(hours=1),
        scope="openid",
    )
    response = admin_client.post(
        reverse("admin:oauth2_provider_accesstoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    assert not AccessToken.objects.filter(pk=token.pk).exists()
    record = AuditEvent.objects.get(action="oauth2_provider.accesstoken.admin_action")
    assert record.object_id == str(token.pk)
    assert record.changes == {"action": "revoke_tokens"}
    assert_not_in_trail(secret_token)


@pytest.mark.django_db
def test_an_action_that_audits_itself_is_not_recorded_twice(admin_client):
    row = LoginThrottle.objects.create(
        scope="account", key_hash="b" * 64, label="someone", failures=5
    )
    response = admin_client.post(
        reverse("admin:identity_loginthrottle_changelist"),
        {"action": "unlock", "_selected_action": [row.pk]},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="identity.throttle.unlock").count() == 1
    assert not AuditEvent.objects.filter(action="identity.loginthrottle.admin_action").exists()


@pytest.mark.django_db
def test_a_refused_save_writes_nothing(admin_client):
    response = admin_client.post(reverse("admin:auth_group_add"), {"name": ""})
    assert response.status_code == 200
    assert not AuditEvent.objects.exists()


def test_a_subclass_of_an_audited_admin_can_be_registered_again():
    site = AuditedAdminSite(name="other")
    site.register(Group)
    audited = type(site._registry[Group])
    site.unregister(Group)
    subclass = type("LocalGroupAdmin", (audited,), {"list_display": ("name",)})
    site.register(Group, subclass)
    assert type(site._registry[Group]) is subclass
    assert type(site._registry[Group]).log_change is AdminAuditMixin.log_change
