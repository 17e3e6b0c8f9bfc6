"""The inbox pages: own messages only, unread first, read on open, mark all read,
pagination with a fixed number of queries, the header tag."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from govhub.identity.testing import sign_in
from govhub.notifications.models import Message
from govhub.notifications.tests.factories import MessageFactory, PersonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("govhub.notifications.tests.urls")]


@pytest.fixture
def person():
    return PersonFactory()


@pytest.fixture
def signed_in(client, person):
    sign_in(client, person)
    return client


def test_inbox_needs_sign_in(client):
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302
    assert reverse("identity:sign_in") in response["Location"]


def test_inbox_lists_own_messages_unread_first(signed_in, person):
    now = timezone.now()
    old_unread = MessageFactory(
        recipient=person, subject="旧的未读", created_at=now - datetime.timedelta(days=2)
    )
    new_read = MessageFactory(recipient=person, subject="新的已读", read_at=now)
    newer_unread = MessageFactory(
        recipient=person, subject="较新的未读", created_at=now - datetime.timedelta(hours=1)
    )
    MessageFactory(subject="别人的消息")
    response = signed_in.get(reverse("notifications:inbox"))
    assert response.status_code == 200
    listed = list(response.context["page_obj"].object_list)
    assert listed == [newer_unread, old_unread, new_read]
    body = response.content.decode()
    assert "别人的消息" not in body
    assert "您有 2 条未读消息。" in body
    assert 'class="inbox-item inbox-item--unread"' in body


def test_unread_filter(signed_in, person):
    MessageFactory(recipient=person, subject="已读", read_at=timezone.now())
    unread = MessageFactory(recipient=person, subject="未读")
    response = signed_in.get(reverse("notifications:inbox") + "?show=unread")
    assert list(response.context["page_obj"].object_list) == [unread]


def test_opening_a_message_marks_it_read(signed_in, person):
    message = MessageFactory(recipient=person, body="第一行\n第二行 <b>粗</b>", link="/services/")
    response = signed_in.get(reverse("notifications:message", args=[message.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "第一行<br>第二行 &lt;b&gt;粗&lt;/b&gt;" in body
    assert 'href="/services/"' in body
    message.refresh_from_db()
    assert message.read_at is not None
    first_read = message.read_at
    signed_in.get(reverse("notifications:message", args=[message.pk]))
    message.refresh_from_db()
    assert message.read_at == first_read


def test_an_offsite_link_is_not_shown(signed_in, person):
    message = MessageFactory(recipient=person, link="https://evil.example/")
    body = signed_in.get(reverse("notifications:message", args=[message.pk])).content.decode()
    assert "evil.example" not in body


def test_someone_elses_message_is_not_found(signed_in):
    other = MessageFactory()
    response = signed_in.get(reverse("notifications:message", args=[other.pk]))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_mark_all_read_touches_only_own_messages(signed_in, person):
    mine = MessageFactory.create_batch(3, recipient=person)
    other = MessageFactory()
    response = signed_in.post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302
    assert Message.objects.filter(pk__in=[m.pk for m in mine], read_at__isnull=True).count() == 0
    other.refresh_from_db()
    assert other.read_at is None
    follow = signed_in.get(response["Location"])
    assert "已将 3 条消息标为已读。" in follow.content.decode()


def test_mark_all_read_needs_post(signed_in):
    assert signed_in.get(reverse("notifications:mark_all_read")).status_code == 405


def test_pagination(signed_in, person):
    MessageFactory.create_batch(25, recipient=person)
    first = signed_in.get(reverse("notifications:inbox"))
    assert len(first.context["page_obj"].object_list) == 20
    assert 'href="?page=2"' in first.content.decode()
    second = signed_in.get(reverse("notifications:inbox") + "?page=2")
    assert len(second.context["page_obj"].object_list) == 5
    unread = signed_in.get(reverse("notifications:inbox") + "?show=unread")
    assert 'href="?show=unread&amp;page=2"' in unread.content.decode()


def test_inbox_query_count_does_not_grow_with_messages(
    signed_in, person, django_assert_num_queries
):
    MessageFactory.create_batch(3, recipient=person)
    url = reverse("notifications:inbox")
    signed_in.get(url)  # warm up (session, caches)
    with django_assert_num_queries(5) as few:
        signed_in.get(url)
    MessageFactory.create_batch(17, recipient=person)
    with django_assert_num_queries(len(few.captured_queries)):
        signed_in.get(url)


def test_english_reader_sees_the_english_text(signed_in, person, settings):
    MessageFactory(recipient=person, subject="中文标题", subject_en="English subject")
    signed_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = signed_in.get(reverse("notifications:inbox")).content.decode()
    assert "English subject" in body
    assert "中文标题" not in body


def test_english_falls_back_to_chinese(signed_in, person, settings):
    MessageFactory(recipient=person, subject="只有中文", subject_en="")
    signed_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "只有中文" in signed_in.get(reverse("notifications:inbox")).content.decode()


def render_tag(text: str, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load notifications %}" + text).render(
        Context({"request": request, "user": user})
    )


def test_unread_count_tag(person):
    from django.contrib.auth.models import AnonymousUser

    MessageFactory.create_batch(2, recipient=person)
    MessageFactory(recipient=person, read_at=timezone.now())
    MessageFactory()
    assert render_tag("{% unread_count %}", person) == "2"
    assert render_tag("{% unread_count user %}", person) == "2"
    assert render_tag("{% unread_count %}", AnonymousUser()) == "0"


def test_inbox_link_tag(person):
    from django.contrib.auth.models import AnonymousUser

    MessageFactory.create_batch(2, recipient=person)
    html = render_tag("{% inbox_link %}", person)
    assert 'href="/account/inbox/"' in html
    assert '<span class="inbox-badge" aria-hidden="true">2</span>' in html
    assert "（2 条未读）" in html
    assert render_tag("{% inbox_link %}", AnonymousUser()).strip() == ""
