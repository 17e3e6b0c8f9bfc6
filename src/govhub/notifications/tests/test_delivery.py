"""Delivering a case event: who gets what, never twice, failures recorded and retried."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from govhub.cases.workflow import Action, State
from govhub.core.crypto import lookup_hash
from govhub.identity.tests.factories import VerifiedPersonFactory
from govhub.notifications import services
from govhub.notifications.models import Channel, Delivery, Message, NotificationTemplate
from govhub.notifications.tasks import deliver_case_event
from govhub.notifications.tests.factories import (
    CaseEventFactory,
    CaseFactory,
    PersonFactory,
    StaffUserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("default_templates")]

TASK_PATH = "govhub.notifications.tasks.deliver_case_event"


class FailingBackend:
    def send(self, mobile: str, message: str) -> None:
        from govhub.identity.sms import SmsDeliveryError

        raise SmsDeliveryError("gateway answered HTTP 503")


FAILING = "govhub.notifications.tests.test_delivery.FailingBackend"


def accepted_event(**case_fields):
    case = CaseFactory(state=State.UNDER_REVIEW, **case_fields)
    return CaseEventFactory(case=case, action=Action.ACCEPT, to_state=State.UNDER_REVIEW)


def test_applicant_gets_inbox_sms_and_email(sms_outbox):
    event = accepted_event()
    case = event.case
    report = deliver_case_event.call(event.pk)
    assert report == {"sent": 3, "failed": 0, "skipped": 0, "unchanged": 0}

    message = Message.objects.get()
    assert message.recipient == case.applicant
    assert message.case == case
    assert message.case_number == case.number
    assert message.subject == "申请已受理：测试事项许可"
    assert message.subject_en == "Application accepted: Test licence"
    assert message.event == Action.ACCEPT
    assert message.read_at is None

    assert [m["mobile"] for m in sms_outbox] == [case.applicant.mobile]
    assert "已受理" in sms_outbox[0]["message"]

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [case.applicant.email]
    assert mail.outbox[0].subject == f"【鹤岗市政务服务网】申请已受理（办件编号 {case.number}）"

    deliveries = Delivery.objects.order_by("channel")
    assert [(d.channel, d.status, d.attempts) for d in deliveries] == [
        ("email", "sent", 1),
        ("inbox", "sent", 1),
        ("sms", "sent", 1),
    ]
    inbox = deliveries.get(channel=Channel.INBOX)
    assert inbox.message == message
    assert inbox.recipient == f"user:{case.applicant.pk}"
    assert all(d.sent_at is not None for d in deliveries)
    assert all(d.event_key == f"case_event:{event.pk}" for d in deliveries)


def test_running_twice_sends_once(sms_outbox):
    event = accepted_event()
    deliver_case_event.call(event.pk)
    second = deliver_case_event.call(event.pk)
    assert second == {"sent": 0, "failed": 0, "skipped": 0, "unchanged": 3}
    assert Message.objects.count() == 1
    assert len(sms_outbox) == 1
    assert len(mail.outbox) == 1
    assert Delivery.objects.count() == 3


def test_an_event_the_applicant_does_not_hear_about_sends_nothing(sms_outbox):
    case = CaseFactory(state=State.UNDER_REVIEW)
    event = CaseEventFactory(case=case, action=Action.CLAIM, from_state="", to_state="")
    assert deliver_case_event.call(event.pk)["sent"] == 0
    assert not Message.objects.exists()
    assert not Delivery.objects.exists()
    assert sms_outbox == []
    assert mail.outbox == []


def test_a_missing_event_sends_nothing(sms_outbox):
    assert deliver_case_event.call(987654)["sent"] == 0
    assert not Delivery.objects.exists()


def test_failed_sms_is_recorded_and_retried_on_the_next_run(
    settings, sms_outbox, django_capture_on_commit_callbacks
):
    event = accepted_event()
    settings.GOVHUB_SMS_BACKEND = FAILING
    with django_capture_on_commit_callbacks(execute=True):
        first = deliver_case_event.call(event.pk)
    assert first == {"sent": 2, "failed": 1, "skipped": 0, "unchanged": 0}
    failed = Delivery.objects.get(channel=Channel.SMS)
    assert failed.status == Delivery.Status.FAILED
    assert failed.attempts == 1
    assert "HTTP 503" in failed.last_error
    assert failed.sent_at is None
    # A later run was scheduled (the database backend can defer).
    retry = DBTaskResult.objects.get(task_path=TASK_PATH)
    assert retry.args_kwargs["args"] == [event.pk]
    assert retry.run_after > timezone.now()

    settings.GOVHUB_SMS_BACKEND = "locmem"
    second = deliver_case_event.call(event.pk)
    assert second == {"sent": 1, "failed": 0, "skipped": 0, "unchanged": 2}
    failed.refresh_from_db()
    assert failed.status == Delivery.Status.SENT
    assert failed.attempts == 2
    assert failed.last_error == ""
    assert len(sms_outbox) == 1
    assert Message.objects.count() == 1
    assert len(mail.outbox) == 1


def test_retries_stop_after_the_last_attempt(
    settings, sms_outbox, django_capture_on_commit_callbacks
):
    event = accepted_event()
    settings.GOVHUB_SMS_BACKEND = FAILING
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(services.MAX_ATTEMPTS + 2):
            deliver_case_event.call(event.pk)
    failed = Delivery.objects.get(channel=Channel.SMS)
    assert failed.status == Delivery.Status.FAILED
    assert failed.attempts == services.MAX_ATTEMPTS
    # One retry was scheduled per failed attempt but the last; none once they are used up.
    assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == services.MAX_ATTEMPTS - 1


def test_failed_mail_is_recorded(monkeypatch, sms_outbox):
    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(services, "send_mail", refuse)
    event = accepted_event()
    report = deliver_case_event.call(event.pk)
    assert report["failed"] == 1
    email = Delivery.objects.get(channel=Channel.EMAIL)
    assert email.status == Delivery.Status.FAILED
    assert "connection refused" in email.last_error


def test_a_claim_in_progress_is_left_alone_and_a_stale_one_taken_over(sms_outbox):
    event = accepted_event()
    case = event.case
    delivery = Delivery.objects.create(
        event_key=f"case_event:{event.pk}",
        channel=Channel.SMS,
        recipient=case.applicant.mobile,
        status=Delivery.Status.SENDING,
        attempts=1,
        claimed_at=timezone.now(),
    )
    deliver_case_event.call(event.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENDING
    assert sms_outbox == []

    Delivery.objects.filter(pk=delivery.pk).update(
        claimed_at=timezone.now() - services.SENDING_LEASE - datetime.timedelta(seconds=1)
    )
    deliver_case_event.call(event.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 2
    assert len(sms_outbox) == 1


def test_case_without_account_gets_sms_to_the_number_on_the_case(sms_outbox):
    event = accepted_event(applicant=None, submitted_by=None, applicant_mobile="138 0000 1234")
    report = deliver_case_event.call(event.pk)
    assert report["sent"] == 1
    assert [m["mobile"] for m in sms_outbox] == ["13800001234"]
    assert "王*" in sms_outbox[0]["message"]
    assert not Message.objects.exists()
    assert mail.outbox == []


def test_staff_who_entered_the_case_are_not_notified(sms_outbox):
    clerk = StaffUserFactory(email="clerk@example.test", mobile="13911112222")
    event = accepted_event(
        applicant=None, submitted_by=clerk, applicant_mobile="13800001234", applicant_name="李四"
    )
    deliver_case_event.call(event.pk)
    assert [m["mobile"] for m in sms_outbox] == ["13800001234"]
    assert not Message.objects.exists()
    assert mail.outbox == []


def test_a_person_who_entered_it_for_the_applicant_is_notified_too(sms_outbox):
    helper = PersonFactory(email="")
    event = accepted_event(submitted_by=helper)
    deliver_case_event.call(event.pk)
    recipients = set(Message.objects.values_list("recipient_id", flat=True))
    assert recipients == {event.case.applicant_id, helper.pk}
    assert {m["mobile"] for m in sms_outbox} == {event.case.applicant.mobile, helper.mobile}
    assert len(mail.outbox) == 1  # the helper has no e-mail address


def test_walk_in_applicant_with_a_verified_account_gets_the_inbox_message(sms_outbox):
    person = VerifiedPersonFactory()
    event = accepted_event(
        applicant=None,
        submitted_by=None,
        applicant_name=person.full_name,
        applicant_id_hash=lookup_hash(person.id_number, purpose="id_number"),
        applicant_mobile="13800001234",
    )
    deliver_case_event.call(event.pk)
    assert Message.objects.get().recipient == person
    assert [m["mobile"] for m in sms_outbox] == ["13800001234"]


def test_same_number_for_applicant_and_helper_gets_one_sms(sms_outbox):
    helper = PersonFactory(email="")
    event = accepted_event(submitted_by=helper)
    case = event.case
    case.applicant_mobile = helper.mobile
    case.save(update_fields=["applicant_mobile"])
    deliver_case_event.call(event.pk)
    assert [m["mobile"] for m in sms_outbox] == [helper.mobile]


def test_inactive_template_is_skipped_and_recorded(sms_outbox):
    NotificationTemplate.objects.filter(event=Action.ACCEPT, channel=Channel.SMS).update(
        is_active=False
    )
    event = accepted_event()
    report = deliver_case_event.call(event.pk)
    assert report == {"sent": 2, "failed": 0, "skipped": 1, "unchanged": 0}
    skipped = Delivery.objects.get(channel=Channel.SMS)
    assert skipped.status == Delivery.Status.SKIPPED
    assert skipped.last_error
    assert sms_outbox == []
    # Skipped is final: a second run does not try again.
    assert deliver_case_event.call(event.pk)["unchanged"] == 3


def test_invalid_mobile_is_skipped(sms_outbox):
    event = accepted_event(applicant_mobile="0468-1234")
    deliver_case_event.call(event.pk)
    sms = Delivery.objects.get(channel=Channel.SMS)
    assert sms.status == Delivery.Status.SKIPPED
    assert sms_outbox == []


def test_a_broken_template_fails_that_delivery_only(sms_outbox):
    NotificationTemplate.objects.filter(event=Action.ACCEPT, channel=Channel.INBOX).update(
        body='{% include "nothing.html" %}'
    )
    event = accepted_event()
    report = deliver_case_event.call(event.pk)
    assert report == {"sent": 2, "failed": 1, "skipped": 0, "unchanged": 0}
    inbox = Delivery.objects.get(channel=Channel.INBOX)
    assert inbox.status == Delivery.Status.FAILED
    assert "TemplateDoesNotExist" in inbox.last_error
    assert not Message.objects.exists()
    assert len(sms_outbox) == 1


def test_every_notified_action_renders_with_the_defaults(sms_outbox):
    from govhub.notifications.models import NOTIFIED_ACTIONS

    for action in NOTIFIED_ACTIONS:
        case = CaseFactory()
        event = CaseEventFactory(case=case, action=action, opinion="理由说明")
        report = deliver_case_event.call(event.pk)
        assert report["sent"] == 3, (action, report, list(Delivery.objects.values("last_error")))
    assert len(sms_outbox) == len(NOTIFIED_ACTIONS)


def test_the_statements_of_one_delivery_are_pinned(sms_outbox):
    """Event, case, version and accounts in one narrow read (a column missing from it
    would cost a query more each time it is read), the templates, then every channel's
    claim at once (one insert, one locking read, the in-site message and its row's
    outcome, one update claiming the rest), and the text message's and e-mail's
    outcomes (one update while they are the same)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    event = accepted_event()
    with CaptureQueriesContext(connection) as queries:
        report = deliver_case_event.call(event.pk)
    assert report["sent"] == 3
    first = queries.captured_queries[0]["sql"]
    assert "form_data" not in first and "form_schema" not in first
    assert "id_number" not in first.replace("id_number_hash", "")
    # Two reads; in a savepoint of the test's transaction the insert, the locking read,
    # the in-site message, its row and the other claims; then the SMS's and e-mail's
    # outcomes (both sent: one update).
    assert len(queries) == 10


def test_many_events_are_delivered_together_and_never_twice(sms_outbox):
    """The events of one background run: read, claimed and written with one statement
    each for all of them; each event's text message and e-mail outcomes are recorded as
    soon as they are sent (one statement per event)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    events = [accepted_event() for _ in range(4)]
    with CaptureQueriesContext(connection) as one:
        services.case_events_deliver(event_ids=[events[0].pk])
    with CaptureQueriesContext(connection) as three:
        reports = services.case_events_deliver(event_ids=[event.pk for event in events[1:]])
    assert reports == {
        event.pk: {"sent": 3, "failed": 0, "skipped": 0, "unchanged": 0} for event in events[1:]
    }
    assert len(three) == len(one) + 2
    assert Message.objects.count() == 4
    assert {m.case_id for m in Message.objects.all()} == {event.case_id for event in events}
    inbox = Delivery.objects.filter(channel=Channel.INBOX)
    assert sorted(inbox.values_list("message_id", flat=True)) == sorted(
        Message.objects.values_list("pk", flat=True)
    )
    assert len(sms_outbox) == 4 and len(mail.outbox) == 4
    again = services.case_events_deliver(event_ids=[event.pk for event in events])
    assert all(report["unchanged"] == 3 and report["sent"] == 0 for report in again.values())
    assert (Message.objects.count(), len(sms_outbox), len(mail.outbox)) == (4, 4, 4)
