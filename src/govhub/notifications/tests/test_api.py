"""The notifications API: bearer tokens or the session, own messages only."""

from __future__ import annotations

import datetime
import secrets

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, set_token_value

from govhub.identity.testing import sign_in
from govhub.notifications.models import Message
from govhub.notifications.tests.factories import MessageFactory, PersonFactory
from govhub.notifications.tests.urls import API

pytestmark = [pytest.mark.django_db, pytest.mark.urls("govhub.notifications.tests.urls")]


@pytest.fixture
def person():
    return PersonFactory()


@pytest.fixture
def bearer():
    application = Application.objects.create(
        client_id="mobile-app-notifications",
        name="移动端",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://app.example.test/cb",
    )

    def make(user, scope="openid"):
        raw = secrets.token_urlsafe(24)
        token = AccessToken(
            user=user,
            application=application,
            scope=scope,
            expires=timezone.now() + datetime.timedelta(hours=1),
        )
        set_token_value(token, raw)
        token.save()
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return make


def test_needs_authentication(client):
    response = client.get(f"{API}/messages")
    assert response.status_code == 401
    assert response.json()["error"]["code"]


def test_lists_own_messages_unread_first(client, person, bearer):
    now = timezone.now()
    read = MessageFactory(recipient=person, read_at=now, created_at=now)
    unread = MessageFactory(recipient=person, created_at=now - datetime.timedelta(days=1))
    MessageFactory()  # someone else's
    response = client.get(f"{API}/messages", **bearer(person))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["unread"] == 1
    assert [item["id"] for item in body["items"]] == [unread.pk, read.pk]
    assert body["items"][0]["is_read"] is False
    assert body["items"][0]["subject"] == unread.subject


def test_paginates_and_filters(client, person, bearer):
    MessageFactory.create_batch(5, recipient=person)
    MessageFactory(recipient=person, read_at=timezone.now())
    headers = bearer(person)
    page = client.get(f"{API}/messages?limit=2&offset=4", **headers).json()
    assert page["count"] == 6
    assert len(page["items"]) == 2
    assert client.get(f"{API}/messages?offset=10", **headers).json()["items"] == []
    assert client.get(f"{API}/messages?unread=true", **headers).json()["count"] == 5
    assert client.get(f"{API}/messages?limit=500", **headers).status_code == 422


def test_list_query_count_does_not_grow(client, person, bearer, django_assert_num_queries):
    headers = bearer(person)
    MessageFactory.create_batch(2, recipient=person)
    client.get(f"{API}/messages", **headers)
    with django_assert_num_queries(4) as few:
        client.get(f"{API}/messages", **headers)
    MessageFactory.create_batch(10, recipient=person)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(f"{API}/messages", **headers)


def test_english(client, person, bearer):
    MessageFactory(recipient=person, subject="中文", subject_en="English")
    body = client.get(f"{API}/messages", HTTP_ACCEPT_LANGUAGE="en", **bearer(person)).json()
    assert body["items"][0]["subject"] == "English"


def test_mark_read(client, person, bearer):
    message = MessageFactory(recipient=person)
    headers = bearer(person)
    assert client.get(f"{API}/messages/{message.pk}", **headers).json()["is_read"] is False
    response = client.post(f"{API}/messages/{message.pk}/read", **headers)
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    message.refresh_from_db()
    assert message.read_at is not None


def test_someone_elses_message_is_not_found(client, person, bearer):
    other = MessageFactory()
    headers = bearer(person)
    assert client.get(f"{API}/messages/{other.pk}", **headers).status_code == 404
    response = client.post(f"{API}/messages/{other.pk}/read", **headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    other.refresh_from_db()
    assert other.read_at is None


def test_read_all(client, person, bearer):
    MessageFactory.create_batch(3, recipient=person)
    other = MessageFactory()
    response = client.post(f"{API}/messages/read-all", **bearer(person))
    assert response.json() == {"updated": 3}
    assert Message.objects.filter(recipient=person, read_at__isnull=True).count() == 0
    other.refresh_from_db()
    assert other.read_at is None


def test_token_without_openid_scope_is_refused(client, person, bearer):
    response = client.get(f"{API}/messages", **bearer(person, scope="enterprise"))
    assert response.status_code == 403


def test_session_works_and_writes_need_the_csrf_token(person):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    sign_in(browser, person)
    message = MessageFactory(recipient=person)
    assert browser.get(f"{API}/messages").json()["count"] == 1
    assert browser.post(f"{API}/messages/{message.pk}/read").status_code == 403
    browser.get("/account/inbox/")  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    response = browser.post(f"{API}/messages/{message.pk}/read", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
