"""The supervision demo: after the cases demo, the scan and the process rules give the
dashboards real alerts, the follow-up shows every state, the demo supervisor's city page
has something to show, and loading again changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from oauth2_provider.models import Application

from govhub.identity.models import User
from govhub.identity.testing import sign_in
from govhub.supervision import demo
from govhub.supervision.models import Alert, AlertEvent, SupervisionNotice

pytestmark = pytest.mark.django_db
FAST_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "govhub.identity.oidc.hashers.ClientSecretHasher",
]


@pytest.fixture(scope="module")
def loaded(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Any:
    """Every demo up to supervision, once for this module, rolled back at the end."""
    from govhub.cases import demo as cases_demo
    from govhub.catalog import demo as catalog_demo
    from govhub.identity import demo as identity_demo
    from govhub.organizations import demo as organizations_demo
    from govhub.registries import demo as registries_demo

    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS, MEDIA_ROOT=str(media)),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            for module in (
                organizations_demo,
                registries_demo,
                identity_demo,
                catalog_demo,
                cases_demo,
            ):
                module.load()
            first = demo.load()
            yield first
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_the_demo_has_alerts_in_every_state(loaded: dict[str, int]) -> None:
    assert loaded["alerts"] > 0 and loaded["red"] > 0
    assert loaded["explained"] == 1 and loaded["escalated"] == 1
    states = set(Alert.objects.values_list("state", flat=True))
    assert {Alert.State.NOTIFIED, Alert.State.EXPLAINED, Alert.State.ESCALATED} <= states
    explained = Alert.objects.get(state=Alert.State.EXPLAINED)
    assert (
        explained.department.code == "hg-amr"
        and explained.explained_by.username == "demo-amr-admin"
    )
    notice = SupervisionNotice.objects.get()
    assert notice.issued_by.username == "demo-supervisor"
    assert Application.objects.get(client_id=demo.FEED_CLIENT_ID).authorization_grant_type == (
        Application.GRANT_CLIENT_CREDENTIALS
    )


def test_loading_again_changes_nothing(loaded: dict[str, int]) -> None:
    alerts, events = Alert.objects.count(), AlertEvent.objects.count()
    again = demo.load()
    assert again["explained"] == 0 and again["escalated"] == 0 and again["notified"] == 0
    assert (Alert.objects.count(), AlertEvent.objects.count()) == (alerts, events)


def test_the_demo_supervisor_sees_the_city(loaded: dict[str, int]) -> None:
    client = Client()
    sign_in(client, User.objects.get(username="demo-supervisor"), methods=("pwd", "otp"))
    response = client.get(reverse("supervision:home"), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "鹤岗市电子监察" in page
    assert "鹤岗市市场监督管理局" in page


def test_refused_in_production() -> None:
    with override_settings(PRODUCTION=True), pytest.raises(ImproperlyConfigured):
        demo.load()
