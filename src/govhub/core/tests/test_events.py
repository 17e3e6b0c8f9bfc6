"""The domain-event bus: delivered after commit, never for a rolled-back change."""

import datetime
import logging
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.tasks import TaskContext
from django.utils import timezone

from govhub.core import events
from govhub.core.events import DomainEvent, handlers_for, publish, subscribe, unsubscribe
from govhub.core.testing import run_queued_tasks


@dataclass(frozen=True, kw_only=True)
class ThingHappened(DomainEvent):
    name: str


@dataclass(frozen=True, kw_only=True)
class SpecialThingHappened(ThingHappened):
    level: int = 1


class Boom(Exception):
    pass


@pytest.fixture
def received():
    calls = []

    def on_thing(event):
        calls.append(("thing", event))

    def on_any(event):
        calls.append(("any", event))

    def on_special(event):
        calls.append(("special", event))

    subscribe(ThingHappened, on_thing)
    subscribe(DomainEvent, on_any)
    subscribe(SpecialThingHappened, on_special)
    yield calls
    unsubscribe(ThingHappened, on_thing)
    unsubscribe(DomainEvent, on_any)
    unsubscribe(SpecialThingHappened, on_special)


@pytest.mark.django_db
def test_handlers_run_only_after_the_transaction_commits(
    received, django_capture_on_commit_callbacks
):
    event = ThingHappened(name="a")
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            publish(event)
            assert received == []
        assert received == []  # the outer (test) transaction has not committed yet
    assert received == [("thing", event), ("any", event)]


@pytest.mark.django_db
def test_handlers_never_run_for_a_rolled_back_change(received, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        publish(ThingHappened(name="lost"))
        raise Boom
    assert callbacks == []
    assert received == []


# A real transaction, like the other transactional tests (the browser and SSO tests): no
# serialized rollback, whose reload of the initial rows fails with a duplicate content type
# when an earlier transactional test in the same worker flushed the database (post_migrate
# recreates content types). Reference data comes back through `seeded_calendar`.
@pytest.mark.django_db(transaction=True)
def test_real_commit_and_rollback_and_autocommit(received):
    with pytest.raises(Boom), transaction.atomic():
        publish(ThingHappened(name="rolled back"))
        raise Boom
    assert received == []
    with transaction.atomic():
        publish(ThingHappened(name="committed"))
        assert received == []
    assert [kind for kind, _ in received] == ["thing", "any"]
    received.clear()
    publish(ThingHappened(name="no transaction"))  # autocommit: at once
    assert [event.name for _, event in received] == ["no transaction", "no transaction"]


@pytest.mark.django_db
def test_a_failing_handler_does_not_stop_the_others(
    received, caplog, django_capture_on_commit_callbacks
):
    def broken(event):
        raise RuntimeError("handler bug")

    subscribe(ThingHappened, broken)
    try:
        with (
            caplog.at_level(logging.ERROR, logger="govhub.core.events"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            publish(ThingHappened(name="b"))
    finally:
        unsubscribe(ThingHappened, broken)
    assert [kind for kind, _ in received] == ["thing", "any"]
    failures = [r for r in caplog.records if r.getMessage() == "event handler failed"]
    assert len(failures) == 1
    assert failures[0].event == "ThingHappened"
    assert "broken" in failures[0].handler
    assert failures[0].exc_info[0] is RuntimeError


def test_subscribers_of_a_base_class_receive_subclass_events(received):
    event = SpecialThingHappened(name="c", level=2)
    handler_names = [h.__name__ for h in handlers_for(event)]
    assert handler_names == ["on_special", "on_thing", "on_any"]  # most specific first
    assert [h.__name__ for h in handlers_for(ThingHappened(name="d"))] == ["on_thing", "on_any"]


def test_subscribing_twice_has_no_effect_and_unsubscribe_is_safe():
    def handler(event):
        pass

    subscribe(ThingHappened, handler)
    subscribe(ThingHappened, handler)
    try:
        assert handlers_for(ThingHappened(name="e")).count(handler) == 1
    finally:
        unsubscribe(ThingHappened, handler)
    unsubscribe(ThingHappened, handler)  # not subscribed any more: no error
    assert handler not in handlers_for(ThingHappened(name="e"))


def test_events_are_immutable_and_timestamped():
    event = ThingHappened(name="f")
    assert event.occurred_at is not None
    with pytest.raises(AttributeError):
        event.name = "g"


def test_dispatch_runs_handlers_in_order(received):
    events._dispatch(SpecialThingHappened(name="h"))
    assert [kind for kind, _ in received] == ["special", "thing", "any"]


# --- background handlers: one task per event, queued with the transaction ---------------

BACKGROUND = "govhub.core.events.run_background_handlers"


@pytest.fixture
def in_background():
    calls = []

    def first(event):
        calls.append(("first", event))

    def second(event):
        calls.append(("second", event))

    subscribe(ThingHappened, first, in_background=True)
    subscribe(ThingHappened, second, in_background=True)
    yield calls
    unsubscribe(ThingHappened, first)
    unsubscribe(ThingHappened, second)


def _rows():
    from django_tasks_db.models import DBTaskResult

    return list(DBTaskResult.objects.filter(task_path=BACKGROUND).order_by("enqueued_at"))


def _queued():
    return [row.args_kwargs["args"] for row in _rows()]


@pytest.mark.django_db
def test_one_task_per_event_runs_every_background_handler(in_background):
    event = SpecialThingHappened(name="i", level=3)
    with transaction.atomic():
        publish(event)
        assert len(_queued()) == 1  # two handlers, one task row, inside the transaction
    assert in_background == []  # nothing runs in the publishing process
    [(path, _payload)] = _queued()
    assert path == f"{__name__}.SpecialThingHappened"
    assert run_queued_tasks() == 1
    assert [kind for kind, _ in in_background] == ["first", "second"]
    assert all(received == event for _, received in in_background)  # timestamp included
    [row] = _rows()
    assert (row.status, row.return_value) == ("SUCCESSFUL", {"handlers": 2, "events": 1})


@pytest.mark.django_db
def test_no_task_for_a_rolled_back_change_or_an_event_nobody_handles_in_background(
    in_background,
):
    with pytest.raises(Boom), transaction.atomic():
        publish(ThingHappened(name="lost"))
        raise Boom
    publish(DomainEvent())  # no background handler of the base class
    assert _queued() == []


@pytest.mark.django_db
def test_a_failing_background_handler_fails_the_task_after_the_others_ran(caplog):
    calls = []

    def first(event):
        calls.append("first")

    def broken(event):
        raise RuntimeError("background bug")

    def last(event):
        calls.append("last")

    for handler in (first, broken, last):
        subscribe(ThingHappened, handler, in_background=True)
    try:
        publish(ThingHappened(name="j"))
        with caplog.at_level(logging.ERROR, logger="govhub.core.events"):
            run_queued_tasks()
    finally:
        for handler in (first, broken, last):
            unsubscribe(ThingHappened, handler)
    assert calls == ["first", "last"]
    failures = [r for r in caplog.records if r.getMessage() == "event handler failed"]
    assert [r.handler.rsplit(".", 1)[-1] for r in failures] == ["broken"]
    [row] = _rows()
    assert row.status == "FAILED"
    assert "background bug" in row.traceback


def test_only_a_domain_event_is_rebuilt_from_a_payload():
    with pytest.raises(TypeError):
        events.event_from_payload("django.db.transaction.atomic", {})
    event = ThingHappened(name="k")
    assert events.event_from_payload(events._path(ThingHappened), events.event_payload(event)) == (
        event
    )


# --- one background run takes the other events waiting in the queue ---------------------


@pytest.fixture
def batched():
    """A batched handler that records each call's events and refuses an event named
    "bad", beside a handler that takes one event at a time."""
    calls: dict[str, list] = {"batches": [], "single": []}

    def on_many(batch):
        calls["batches"].append([event.name for event in batch])
        if any(event.name == "bad" for event in batch):
            raise RuntimeError("bad event")

    def on_one(event):
        calls["single"].append(event.name)

    subscribe(ThingHappened, on_many, in_background=True, batched=True)
    subscribe(ThingHappened, on_one, in_background=True)
    yield calls
    unsubscribe(ThingHappened, on_many)
    unsubscribe(ThingHappened, on_one)


@pytest.mark.django_db
def test_one_run_takes_the_waiting_events_and_a_batched_handler_gets_them_at_once(batched):
    for name in ("a", "b", "c"):
        publish(ThingHappened(name=name))
    assert len(_queued()) == 3
    assert run_queued_tasks() == 1  # the first run took the other two with it
    assert batched == {"batches": [["a", "b", "c"]], "single": ["a", "b", "c"]}
    rows = _rows()
    assert [row.status for row in rows] == ["SUCCESSFUL"] * 3
    first, *others = rows
    assert first.return_value == {"handlers": 2, "events": 3}
    assert all(row.return_value["batched_with"] == str(first.pk) for row in others)
    assert all(row.finished_at is not None and row.worker_ids for row in others)


@pytest.mark.django_db
def test_a_batched_handler_that_fails_runs_again_one_event_at_a_time(batched, caplog):
    for name in ("a", "bad", "c"):
        publish(ThingHappened(name=name))
    with caplog.at_level(logging.ERROR, logger="govhub.core.events"):
        run_queued_tasks()
    assert batched["batches"] == [["a", "bad", "c"], ["a"], ["bad"], ["c"]]
    assert [row.status for row in _rows()] == ["SUCCESSFUL", "FAILED", "SUCCESSFUL"]
    assert "bad event" in _rows()[1].traceback


@pytest.mark.django_db
def test_a_run_stopped_in_the_middle_gives_the_events_it_took_back():
    def stopped(batch):
        raise KeyboardInterrupt  # the worker was interrupted

    subscribe(ThingHappened, stopped, in_background=True, batched=True)
    try:
        for name in ("a", "b"):
            publish(ThingHappened(name=name))
        from django_tasks_db.models import DBTaskResult

        row = DBTaskResult.objects.ready().get_locked()
        row.claim("test-worker")
        with pytest.raises(KeyboardInterrupt):
            events.run_background_handlers.call(
                TaskContext(task_result=row.task_result), *row.task_result.args
            )
    finally:
        unsubscribe(ThingHappened, stopped)
    other = next(r for r in _rows() if r.pk != row.pk)
    assert (other.status, other.started_at) == ("READY", None)


@pytest.mark.django_db
def test_runs_a_dead_worker_left_running_wait_in_the_queue_again():
    from django_tasks_db.models import DBTaskResult

    subscribe(ThingHappened, _noop, in_background=True)
    try:
        publish(ThingHappened(name="stalled"))
        publish(ThingHappened(name="recent"))
    finally:
        unsubscribe(ThingHappened, _noop)
    stalled, recent = _rows()
    now = timezone.now()
    DBTaskResult.objects.filter(pk=stalled.pk).update(
        status="RUNNING", started_at=now - events.STALLED_AFTER - datetime.timedelta(minutes=1)
    )
    DBTaskResult.objects.filter(pk=recent.pk).update(
        status="RUNNING", started_at=now - datetime.timedelta(minutes=1)
    )
    assert events.requeue_stalled_background_runs.call() == {"requeued": 1}
    assert [row.status for row in _rows()] == ["READY", "RUNNING"]


def _noop(event):
    pass


def test_a_batched_handler_runs_in_the_background():
    with pytest.raises(ValueError):
        subscribe(ThingHappened, _noop, batched=True)


@pytest.mark.django_db
def test_a_fresh_event_waits_for_others_to_gather_and_a_late_one_does_not(settings, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    settings.GOVHUB_BACKGROUND_LINGER_SECONDS = 0.5
    waits: list[float] = []
    monkeypatch.setattr(events.time, "sleep", waits.append)
    subscribe(ThingHappened, _noop, in_background=True)
    try:
        for name, age in (("fresh", 0.1), ("late", 2.0)):
            publish(ThingHappened(name=name))
            row = DBTaskResult.objects.ready().get_locked()
            row.enqueued_at = timezone.now() - datetime.timedelta(seconds=age)
            row.save(update_fields=["enqueued_at"])
            row.claim("test-worker")
            events.run_background_handlers.call(
                TaskContext(task_result=row.task_result), *row.task_result.args
            )
    finally:
        unsubscribe(ThingHappened, _noop)
    [wait] = waits  # only the fresh event waited, for the rest of the half second
    assert 0 < wait <= 0.4
