from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from govhub.core.requestid import on_behalf_of_var
from govhub.identity import sms


@pytest.fixture(autouse=True)
def _identity_settings(settings: Any) -> Iterator[None]:
    """Fast password hashing, the in-memory SMS backend with an empty outbox, no
    acting-for identity left over from another test."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "govhub.identity.oidc.hashers.ClientSecretHasher",
    ]
    settings.GOVHUB_SMS_BACKEND = "locmem"
    sms.outbox.clear()
    token = on_behalf_of_var.set("")
    yield
    on_behalf_of_var.reset(token)  # acting_for_set outside a request must not leak
    sms.outbox.clear()


@pytest.fixture
def outbox() -> list[dict[str, str]]:
    return sms.outbox


@pytest.fixture
def make_request():
    """A GET request with a fresh database session and an anonymous user, from `ip`."""
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    def make(ip: str = "10.0.0.1", *, session=None, user=None, path: str = "/"):
        request = RequestFactory().get(path, REMOTE_ADDR=ip, HTTP_USER_AGENT="pytest-browser")
        request.session = session if session is not None else SessionStore()
        request.user = user if user is not None else AnonymousUser()
        return request

    return make


@pytest.fixture
def resident():
    from govhub.identity.tests.factories import ResidentFactory

    return ResidentFactory()
