"""`enqueue_with_transaction`: with the database task backend the task row is part of the
caller's transaction (committed with it or not at all); with any other backend the task is
enqueued after the commit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.tasks import task, task_backends
from django.tasks.backends.dummy import DummyBackend
from django_tasks_db.models import DBTaskResult

from govhub.core.outbox import enqueue_with_transaction


@task()
def remember(value: int) -> int:
    return value


PATH = f"{remember.func.__module__}.{remember.func.__qualname__}"


class Boom(Exception):
    pass


def queued() -> list[list[Any]]:
    return [row.args_kwargs["args"] for row in DBTaskResult.objects.filter(task_path=PATH)]


@pytest.mark.django_db(transaction=True)
def test_the_row_commits_with_the_change_or_not_at_all() -> None:
    with transaction.atomic():
        enqueue_with_transaction(remember, 1)
        # Written at once, inside the transaction: no separate commit afterwards.
        assert queued() == [[1]]
    assert queued() == [[1]]
    with pytest.raises(Boom), transaction.atomic():
        enqueue_with_transaction(remember, 2)
        raise Boom
    assert queued() == [[1]]  # rolled back with the change


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_is_enqueued_at_once() -> None:
    enqueue_with_transaction(remember, 3)
    assert queued() == [[3]]


@pytest.fixture
def dummy() -> Iterator[DummyBackend]:
    """A backend outside the database in place of the database one (django.tasks does
    not reset its backends when TASKS changes, so the instance is swapped directly)."""
    previous = task_backends["default"]
    fake = DummyBackend(alias="default", params={})
    task_backends["default"] = fake
    yield fake
    task_backends["default"] = previous


@pytest.mark.django_db(transaction=True)
def test_another_backend_is_enqueued_only_after_the_commit(dummy: DummyBackend) -> None:
    with transaction.atomic():
        enqueue_with_transaction(remember, 4)
        assert dummy.results == []
    assert [result.args for result in dummy.results] == [[4]]
    with pytest.raises(Boom), transaction.atomic():
        enqueue_with_transaction(remember, 5)
        raise Boom
    assert [result.args for result in dummy.results] == [[4]]
