"""Two workers running the same delivery at once still send each notification once
(row locks on PostgreSQL; SQLite serialises writers by itself, so this runs there only)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import close_old_connections, connection

from govhub.cases.workflow import Action, State
from govhub.identity import sms
from govhub.notifications.models import Delivery, Message
from govhub.notifications.tasks import deliver_case_event
from govhub.notifications.tests.factories import CaseEventFactory, CaseFactory

SLOW = "govhub.notifications.tests.test_concurrency.SlowBackend"


class SlowBackend:
    def send(self, mobile: str, message: str) -> None:
        time.sleep(0.3)
        sms.outbox.append({"mobile": mobile, "message": message, "sent_at": ""})


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("default_templates")
def test_two_workers_at_once_send_once(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks between connections)")
    settings.GOVHUB_SMS_BACKEND = SLOW
    case = CaseFactory(state=State.UNDER_REVIEW)
    event = CaseEventFactory(case=case, action=Action.ACCEPT, to_state=State.UNDER_REVIEW)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            deliver_case_event.call(event.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(sms.outbox) == 1
    assert Message.objects.count() == 1
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 3
