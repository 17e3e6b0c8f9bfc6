"""At the same moment, on PostgreSQL (real locks between connections): two scans, two
evaluations of one case, two supervisors on one alert."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from govhub.cases.models import Case
from govhub.core.errors import Conflict
from govhub.supervision import services
from govhub.supervision.models import Alert, AlertEvent, SupervisionNotice
from govhub.supervision.process_check import case_process_check
from govhub.supervision.scan import run_scan, supervision_scan
from govhub.supervision.tests.factories import AlertFactory, open_case, step_of, supervisor

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (row locks between connections)"
    ),
]
TODAY = datetime.date(2026, 11, 27)


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; each returns its result or exception."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            outcomes[index] = call()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_two_scans_at_once_make_one_alert_per_rule_and_case() -> None:
    """Even without the lease (the inner scan raced directly), the unique constraints and
    ON CONFLICT keep one alert per (rule, case, step), and one raise event each."""
    cases = [open_case(due=TODAY - datetime.timedelta(days=n % 5)) for n in range(8)]
    for case in cases:
        step_of(case, due=TODAY - datetime.timedelta(days=2))
    outcomes = race(
        lambda: run_scan(full=True, today=TODAY), lambda: run_scan(full=True, today=TODAY)
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert Alert.objects.filter(rule__code="deadline.case").count() == 8
    assert Alert.objects.filter(rule__code="deadline.step").count() == 8
    assert AlertEvent.objects.filter(action="raise").count() == 16


def test_two_leased_scans_at_once_run_once() -> None:
    open_case(due=TODAY - datetime.timedelta(days=3))
    outcomes = race(lambda: supervision_scan(today=TODAY), lambda: supervision_scan(today=TODAY))
    modes = sorted(o.mode for o in outcomes)
    assert modes in (["full", "skipped"], ["full", "incremental"]), modes
    assert Alert.objects.count() == 1


def test_two_evaluations_of_one_case_at_once() -> None:
    case = open_case(due=TODAY + datetime.timedelta(days=30), state="decided", decision="approved")
    Case.objects.filter(pk=case.pk).update(decision_reason="")
    outcomes = race(
        lambda: case_process_check(case_id=case.pk, today=TODAY),
        lambda: case_process_check(case_id=case.pk, today=TODAY),
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert (
        Alert.objects.filter(case=case, rule__code="process.decision_without_opinion").count() == 1
    )
    # Every alert (the case has no materials either) was raised once, by one of the two.
    assert AlertEvent.objects.filter(action="raise").count() == Alert.objects.count()


def test_two_supervisors_escalate_at_once() -> None:
    alert = AlertFactory()
    first, second = supervisor(alert.region), supervisor(alert.region)
    outcomes = race(
        lambda: services.alert_escalate(actor=first, alert=alert.pk, text="甲"),
        lambda: services.alert_escalate(actor=second, alert=alert.pk, text="乙"),
    )
    assert sum(isinstance(o, SupervisionNotice) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, Conflict) for o in outcomes) == 1, outcomes
    assert SupervisionNotice.objects.count() == 1
