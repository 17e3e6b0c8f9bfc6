"""The demo loader: default templates restored (edits kept), welcome messages, idempotent."""

from __future__ import annotations

import pytest

from govhub.notifications import demo
from govhub.notifications.models import Message, NotificationTemplate
from govhub.notifications.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_load_is_idempotent_and_keeps_edits(default_templates):
    NotificationTemplate.objects.filter(event="accept", channel="sms").delete()
    edited = NotificationTemplate.objects.get(event="submit", channel="inbox")
    edited.body = "改过的正文"
    edited.save()
    PersonFactory(username="demo-someone")
    PersonFactory(username="not-demo")

    first = demo.load()
    assert first == {"templates added": 1, "welcome messages": 1}
    assert NotificationTemplate.objects.count() == 42
    edited.refresh_from_db()
    assert edited.body == "改过的正文"
    assert Message.objects.get().recipient.username == "demo-someone"

    second = demo.load()
    assert second == {"templates added": 0, "welcome messages": 1}
    assert Message.objects.count() == 1


def test_refused_in_production(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        demo.load()
