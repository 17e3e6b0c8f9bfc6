from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from govhub.identity import sms


@pytest.fixture(autouse=True)
def _notification_settings(settings: Any) -> Iterator[None]:
    """The in-memory SMS backend with an empty outbox (Django's test setup already uses
    the in-memory mail backend), fast password hashing."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "govhub.identity.oidc.hashers.ClientSecretHasher",
    ]
    settings.GOVHUB_SMS_BACKEND = "locmem"
    settings.GOVHUB_SMS_SIGNATURE = ""
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def sms_outbox() -> list[dict[str, str]]:
    return sms.outbox


@pytest.fixture
def default_templates(db: None) -> None:
    """The default templates (migration 0002), restored if a transactional test emptied
    the table."""
    from govhub.notifications.demo import install_default_templates

    install_default_templates()
