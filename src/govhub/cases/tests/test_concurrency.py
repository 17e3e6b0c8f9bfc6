"""Two people acting at the same moment, on PostgreSQL (real row locks between two
connections): one succeeds, the other gets a clear conflict, and the case is changed once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from govhub.cases import services
from govhub.cases.models import Case, CaseEvent, CaseStep
from govhub.cases.tests.factories import make_online_item, staff_member, submit_case
from govhub.core.errors import Conflict
from govhub.identity.tests.factories import VerifiedPersonFactory
from govhub.organizations.models import Position

Role = Position.Role
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (row locks between connections)"
    ),
]


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
        thread.join(30)
    return outcomes


def test_two_reviewers_on_the_same_step() -> None:
    item = make_online_item()
    clerk = staff_member(Role.WINDOW_CLERK, item.department)
    first = staff_member(Role.REVIEWER, item.department)
    second = staff_member(Role.REVIEWER, item.department)
    case = services.case_accept(actor=clerk, case=submit_case(item=item))
    step = case.steps.get(kind=CaseStep.Kind.REVIEW)

    outcomes = race(
        lambda: services.case_review(
            actor=first, case=case, step=step.pk, outcome="agree", opinion="同意"
        ),
        lambda: services.case_review(
            actor=second, case=case, step=step.pk, outcome="disagree", opinion="不同意"
        ),
    )
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    successes = [o for o in outcomes if isinstance(o, Case)]
    assert len(successes) == 1 and len(conflicts) == 1, outcomes
    assert "办理完毕" in str(conflicts[0].message)
    assert CaseEvent.objects.filter(case=case, action="review").count() == 1


def test_accept_and_refuse_to_accept_at_once() -> None:
    """Both start only from "submitted": whichever runs second finds the state moved,
    in any order and however the threads interleave."""
    item = make_online_item()
    first = staff_member(Role.WINDOW_CLERK, item.department)
    second = staff_member(Role.WINDOW_CLERK, item.department)
    case = submit_case(item=item, applicant=VerifiedPersonFactory())

    outcomes = race(
        lambda: services.case_accept(actor=first, case=case),
        lambda: services.case_reject_intake(
            actor=second, case=case, reason="不属于本部门职权", legal_notice="请向有关部门申请。"
        ),
    )
    assert sum(isinstance(o, Case) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, Conflict) for o in outcomes) == 1, outcomes
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.state in ("under_review", "not_accepted")
    assert CaseEvent.objects.filter(case=case).count() == 2  # submit + the winner


def test_same_idempotency_key_at_once_creates_one_case() -> None:
    item = make_online_item()
    applicant = VerifiedPersonFactory()
    outcomes = race(
        lambda: submit_case(item=item, applicant=applicant, key="same-key"),
        lambda: submit_case(item=item, applicant=applicant, key="same-key"),
    )
    assert all(isinstance(o, Case) for o in outcomes), outcomes
    assert outcomes[0].pk == outcomes[1].pk
    assert Case.objects.filter(applicant=applicant).count() == 1
