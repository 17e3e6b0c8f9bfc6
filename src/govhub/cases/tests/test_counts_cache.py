"""The queue tabs' counts are remembered for a few seconds and start afresh after any
transition of a case of the caller's departments."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govhub.cases import counts_cache, services
from govhub.cases.tests.factories import make_online_item, staff_member, submit_case
from govhub.cases.workflow import State
from govhub.organizations.models import Position

pytestmark = pytest.mark.django_db
Role = Position.Role


@pytest.fixture
def team() -> dict[str, Any]:
    item = make_online_item()
    return {
        "item": item,
        "clerk": staff_member(Role.WINDOW_CLERK, item.department),
        "reviewer": staff_member(Role.REVIEWER, item.department),
    }


def _counts(actor: Any) -> tuple[dict[str, int], int]:
    with CaptureQueriesContext(connection) as queries:
        counts = counts_cache.queue_counts(actor=actor)
    statements = sum("COUNT(*)" in q["sql"] for q in queries.captured_queries)
    return counts, statements


def test_counts_are_remembered_until_a_case_of_the_department_moves(
    team: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = submit_case(item=team["item"])
    counts, statements = _counts(team["clerk"])
    assert (counts["intake"], statements) == (1, 1)
    again, statements = _counts(team["clerk"])
    assert (again, statements) == (counts, 0)  # from the cache: no count statement

    with django_capture_on_commit_callbacks(execute=True):
        services.case_accept(actor=team["clerk"], case=case)
    after, statements = _counts(team["clerk"])
    assert statements == 1
    assert after["intake"] == 0
    # The reviewer's counts follow the same department's generation.
    assert _counts(team["reviewer"])[0]["review"] == 1


def test_a_transition_is_seen_only_after_it_commits(
    team: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = submit_case(item=team["item"])
    assert _counts(team["clerk"])[0]["intake"] == 1
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.case_accept(actor=team["clerk"], case=case)
    # Not committed yet (the callbacks have not run): the remembered counts stand.
    assert _counts(team["clerk"]) == ({**_counts(team["clerk"])[0]}, 0)
    for callback in callbacks:
        callback()
    assert _counts(team["clerk"])[0]["intake"] == 0


def test_other_departments_keep_their_counts(
    team: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    other_item = make_online_item()
    other_clerk = staff_member(Role.WINDOW_CLERK, other_item.department)
    _counts(other_clerk)
    with django_capture_on_commit_callbacks(execute=True):
        submit_case(item=team["item"])
    assert _counts(other_clerk)[1] == 0


def test_a_new_position_is_a_new_key(team: dict[str, Any]) -> None:
    submit_case(item=team["item"])  # no commit hooks run: only the key can change
    clerk = staff_member(Role.WINDOW_CLERK, make_online_item().department)
    assert _counts(clerk)[0]["intake"] == 0  # a clerk of another department
    from govhub.organizations.policies import forget_positions
    from govhub.organizations.tests.factories import grant

    grant(clerk, Role.WINDOW_CLERK, department=team["item"].department)
    forget_positions(clerk)
    counts, statements = _counts(clerk)
    assert (counts["intake"], statements) == (1, 1)


def test_a_ttl_of_zero_counts_every_time(team: dict[str, Any], settings: Any) -> None:
    settings.GOVHUB_QUEUE_COUNTS_TTL = 0
    submit_case(item=team["item"])
    assert _counts(team["clerk"])[1] == 1
    assert _counts(team["clerk"])[1] == 1


def test_the_cached_counts_are_a_copy(team: dict[str, Any]) -> None:
    counts, _ = _counts(team["clerk"])
    counts["intake"] = 12345
    assert _counts(team["clerk"])[0]["intake"] != 12345


def test_states_of_cases_are_not_cached_rows(team: dict[str, Any]) -> None:
    """Only the numbers are cached: the queue's rows are always read."""
    case = submit_case(item=team["item"])
    from govhub.cases import selectors

    rows, _ = selectors.case_queue(actor=team["clerk"], queue="intake")
    assert [c.pk for c in rows] == [case.pk]
    assert rows[0].state == State.SUBMITTED
