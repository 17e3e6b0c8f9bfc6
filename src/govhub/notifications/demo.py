"""Notifications demo data: the default notification templates (any that are missing;
an administrator's edits are kept) and a welcome message in the inbox of every demo
person account, so the inbox has something to show before any case exists.

Idempotent: templates are found by (event, channel), welcome messages by recipient and
event "welcome". Refuses production mode. Run after `identity.demo.load()`.
"""

from __future__ import annotations

import importlib

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from govhub.identity.models import User
from govhub.notifications.models import Message

WELCOME_EVENT = "welcome"
WELCOME = {
    "subject": "欢迎使用消息中心",
    "body": (
        "您好：\n\n办件的受理、补正、决定、送达等进展都会发到这里，"
        "并同时以短信通知您。\n\n这是演示数据。"
    ),
    "subject_en": "Welcome to your inbox",
    "body_en": (
        "Hello,\n\nUpdates on your applications (acceptance, requests for more material, "
        "decisions, delivery) arrive here, and by text message too.\n\nThis is demo data."
    ),
}


def install_default_templates() -> int:
    """Create the default templates that are missing (migration 0002's texts)."""
    migration = importlib.import_module("govhub.notifications.migrations.0002_default_templates")
    return int(migration.install(apps))


@transaction.atomic
def load() -> dict[str, int]:
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(
            "Demo data is never loaded in production mode (GOVHUB_ENV=production)."
        )
    created_templates = install_default_templates()
    persons = list(User.objects.filter(kind=User.Kind.PERSON, username__startswith="demo-"))
    for person in persons:
        Message.objects.update_or_create(recipient=person, event=WELCOME_EVENT, defaults=WELCOME)
    return {"templates added": created_templates, "welcome messages": len(persons)}
