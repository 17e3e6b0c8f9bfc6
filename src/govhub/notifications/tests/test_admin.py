"""Admin: templates (checked, previewed, audited, system administrators only) and the
read-only delivery record with its audited "retry" action."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from govhub.core.models import AuditEvent
from govhub.identity.testing import sign_in_admin
from govhub.notifications.models import Channel, Delivery, NotificationTemplate
from govhub.notifications.tests.factories import CaseEventFactory
from govhub.organizations.models import Position
from govhub.organizations.tests.factories import UserFactory, grant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("default_templates")]


@pytest.fixture
def sysadmin_client(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    grant(user, Position.Role.SYSTEM_ADMIN)
    sign_in_admin(client, user)
    client.user = user
    return client


@pytest.fixture
def plain_admin_client(client):
    """Django flags but no system administrator position."""
    user = UserFactory(is_staff=True, is_superuser=True)
    sign_in_admin(client, user)
    return client


def template_form(template, **overrides):
    data = {
        "event": template.event,
        "channel": template.channel,
        "is_active": "on" if template.is_active else "",
        "subject": template.subject,
        "body": template.body,
        "subject_en": template.subject_en,
        "body_en": template.body_en,
    }
    data.update(overrides)
    return data


def test_template_list_and_preview(sysadmin_client):
    assert (
        sysadmin_client.get(
            reverse("admin:notifications_notificationtemplate_changelist")
        ).status_code
        == 200
    )
    template = NotificationTemplate.objects.get(event="accept", channel=Channel.SMS)
    response = sysadmin_client.get(
        reverse("admin:notifications_notificationtemplate_change", args=[template.pk])
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "【鹤岗政务服务】张*，您申请的“示例事项许可”" in body
    assert "Your application for “Sample licence”" in body


def test_saving_a_template_is_checked_and_audited(sysadmin_client):
    template = NotificationTemplate.objects.get(event="accept", channel=Channel.INBOX)
    url = reverse("admin:notifications_notificationtemplate_change", args=[template.pk])
    bad = sysadmin_client.post(url, template_form(template, body="{% if %}"))
    assert bad.status_code == 200
    assert "模板语法错误" in bad.content.decode()
    debug = sysadmin_client.post(url, template_form(template, body_en="{% debug %}"))
    assert "debug" in debug.content.decode()
    no_subject = sysadmin_client.post(url, template_form(template, subject=""))
    assert "需要标题" in no_subject.content.decode()

    good = sysadmin_client.post(url, template_form(template, body="{{ number }} 已受理。"))
    assert good.status_code == 302
    template.refresh_from_db()
    assert template.body == "{{ number }} 已受理。"
    assert AuditEvent.objects.filter(
        action="notifications.notificationtemplate.admin_change", object_id=str(template.pk)
    ).exists()


def test_templates_are_for_system_administrators_only(plain_admin_client):
    response = plain_admin_client.get(
        reverse("admin:notifications_notificationtemplate_changelist")
    )
    assert response.status_code == 403
    response = plain_admin_client.get(reverse("admin:notifications_delivery_changelist"))
    assert response.status_code == 403


def make_delivery(event, **fields):
    values = {
        "event_key": f"case_event:{event.pk}",
        "channel": Channel.SMS,
        "recipient": "13800001234",
        "case_event": event,
        "case_number": event.case.number,
        "event": event.action,
        "status": Delivery.Status.FAILED,
        "attempts": 5,
        "last_error": "SmsDeliveryError: gateway answered HTTP 503",
    }
    values.update(fields)
    return Delivery.objects.create(**values)


def test_deliveries_are_read_only_and_masked(sysadmin_client):
    delivery = make_delivery(CaseEventFactory())
    changelist = sysadmin_client.get(reverse("admin:notifications_delivery_changelist"))
    assert changelist.status_code == 200
    body = changelist.content.decode()
    assert "138****1234" in body
    assert "13800001234" not in body
    detail = sysadmin_client.get(reverse("admin:notifications_delivery_change", args=[delivery.pk]))
    assert detail.status_code == 200
    assert "13800001234" not in detail.content.decode()
    assert sysadmin_client.get(reverse("admin:notifications_delivery_add")).status_code == 403


def test_retry_action_resets_failed_deliveries_and_queues_them(
    sysadmin_client, django_capture_on_commit_callbacks
):
    event = CaseEventFactory()
    failed = make_delivery(event)
    sent = make_delivery(
        event, channel=Channel.EMAIL, recipient="a@example.test", status=Delivery.Status.SENT
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = sysadmin_client.post(
            reverse("admin:notifications_delivery_changelist"),
            {"action": "retry_failed", "_selected_action": [failed.pk, sent.pk]},
        )
    assert response.status_code == 302
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == (Delivery.Status.QUEUED, 0)
    assert sent.status == Delivery.Status.SENT
    assert (
        AuditEvent.objects.filter(
            action="notifications.delivery.retry", object_id=str(failed.pk)
        ).count()
        == 1
    )
    queued = DBTaskResult.objects.get(task_path="govhub.notifications.tasks.deliver_case_event")
    assert queued.args_kwargs["args"] == [event.pk]
