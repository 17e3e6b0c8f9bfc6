"""The periodic-job scheduler: due times, the operator's overrides, the loop on a fake
clock, the lock that keeps a second scheduler out, and `manage.py run_scheduler`."""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import Error
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.core.management.base import SystemCheckError
from django.tasks import task, task_backends
from django.tasks.backends.dummy import DummyBackend
from hypothesis import given
from hypothesis import strategies as st

from govhub.core import scheduler
from govhub.core.scheduler import (
    MAX_EVERY,
    Job,
    Scheduler,
    SchedulerAlreadyRunning,
    effective_jobs,
    next_daily,
    next_interval,
    periodic,
    schedule_problems,
    scheduler_lock,
)

PROJECT = Path(__file__).resolve().parents[4]
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
UTC = datetime.UTC


@task()
def tick(label: str = "") -> str:
    return label


@task()
def nightly() -> None:
    return None


class FlakyBackend(DummyBackend):
    """Refuses to enqueue the tasks named in `refuse` (a queue that is down)."""

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        self.refuse: set[str] = set()

    def enqueue(self, task: Any, args: Any, kwargs: Any) -> Any:
        if task.name in self.refuse:
            raise ConnectionError("queue unreachable")
        return super().enqueue(task, args, kwargs)


@pytest.fixture
def backend() -> Iterator[FlakyBackend]:
    """A recording task backend in place of the database one (django.tasks does not
    reset its backends when TASKS changes, so the instance is swapped directly)."""
    previous = task_backends["default"]
    fake = FlakyBackend(alias="default", params={})
    task_backends["default"] = fake
    yield fake
    task_backends["default"] = previous


class FakeClock:
    """A clock that only moves when the scheduler sleeps."""

    def __init__(self, start: datetime.datetime) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> datetime.datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += datetime.timedelta(seconds=seconds)


def enqueued(backend: DummyBackend) -> list[tuple[str, dict[str, Any]]]:
    return [(result.task.name, dict(result.kwargs)) for result in backend.results]


def shanghai(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


# --- Due times --------------------------------------------------------------------------------


def test_daily_time_is_local_to_the_platform_zone():
    after = shanghai(2026, 3, 1, 1, 0)
    due = next_daily(after, datetime.time(2, 30), SHANGHAI)
    assert due == shanghai(2026, 3, 1, 2, 30)
    assert due == datetime.datetime(2026, 2, 28, 18, 30, tzinfo=UTC)


def test_daily_time_rolls_over_to_the_next_day():
    # 23:59:30 local; midnight is the next local day, still the same day in UTC.
    after = shanghai(2026, 12, 31, 23, 59, 30)
    assert next_daily(after, datetime.time(0, 0), SHANGHAI) == shanghai(2027, 1, 1, 0, 0)
    assert next_daily(after, datetime.time(23, 59), SHANGHAI) == shanghai(2027, 1, 1, 23, 59)
    # Exactly at the time: the next run is tomorrow's (strictly after).
    at_time = shanghai(2026, 6, 1, 2, 30)
    assert next_daily(at_time, datetime.time(2, 30), SHANGHAI) == shanghai(2026, 6, 2, 2, 30)


def test_daily_time_needs_an_aware_datetime():
    with pytest.raises(ValueError, match="aware"):
        next_daily(datetime.datetime(2026, 1, 1), datetime.time(2, 0), SHANGHAI)  # noqa: DTZ001


# Hypothesis takes naive bounds and attaches the zone itself.
moments = st.datetimes(
    min_value=datetime.datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime.datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
times_of_day = st.builds(datetime.time, st.integers(0, 23), st.integers(0, 59))


@given(after=moments, at=times_of_day)
def test_daily_due_is_the_next_occurrence_in_shanghai(after, at):
    due = next_daily(after, at, SHANGHAI)
    local = due.astimezone(SHANGHAI)
    assert (local.hour, local.minute, local.second, local.microsecond) == (at.hour, at.minute, 0, 0)
    assert after < due <= after + datetime.timedelta(days=1)
    # Nothing earlier qualifies: the same time a day before is not after `after`.
    assert due - datetime.timedelta(days=1) <= after


@given(after=moments, at=times_of_day)
def test_daily_due_in_a_zone_with_daylight_saving(after, at):
    """Not the platform's zone, but the code must not depend on Shanghai having no DST:
    the job still comes once a day, at its time (an hour late when the time is skipped)."""
    due = next_daily(after, at, BERLIN)
    assert after < due <= after + datetime.timedelta(hours=25)
    local = due.astimezone(BERLIN)
    wall = datetime.datetime.combine(local.date(), at)
    assert local.replace(tzinfo=None) in (wall, wall + datetime.timedelta(hours=1))
    assert next_daily(due, at, BERLIN) - due >= datetime.timedelta(hours=23)


@given(
    due=moments,
    every=st.integers(1, 7 * 24 * 3600).map(lambda s: datetime.timedelta(seconds=s)),
    late=st.integers(0, 30 * 24 * 3600 * 1000).map(lambda ms: datetime.timedelta(milliseconds=ms)),
)
def test_interval_due_stays_on_its_grid_and_skips_missed_runs(due, every, late):
    now = due + late
    following = next_interval(due, every, now)
    assert following > now
    assert following - every <= now  # the first grid point after now, no burst of missed runs
    assert (following - due) % every == datetime.timedelta(0)


# --- Registration and the operator's overrides ----------------------------------------------


def test_the_notifications_sweep_is_registered():
    job = scheduler.registered_jobs()["notifications.retry_due_deliveries"]
    assert job.task.module_path == "govhub.notifications.tasks.retry_due_deliveries"
    assert job.every == datetime.timedelta(minutes=5)


def test_periodic_registers_once_and_refuses_a_clash():
    try:
        job = periodic("tests.tick", tick, every=60, kwargs={"label": "a"})
        assert job.every == datetime.timedelta(seconds=60)
        assert periodic("tests.tick", tick, every=60, kwargs={"label": "a"}) == job
        assert scheduler.registered_jobs()["tests.tick"] == job
        with pytest.raises(ValueError, match="already registered"):
            periodic("tests.tick", tick, every=120)
    finally:
        scheduler.unregister("tests.tick")
    assert "tests.tick" not in scheduler.registered_jobs()


@pytest.mark.parametrize(
    ("name", "kwargs", "error"),
    [
        ("tick", {"every": 60}, "dotted"),
        ("Tests.Tick", {"every": 60}, "dotted"),
        ("tests.tick", {}, "exactly one"),
        ("tests.tick", {"every": 60, "at": "02:00"}, "exactly one"),
        ("tests.tick", {"every": 0}, "whole seconds"),
        ("tests.tick", {"every": 1.5}, "whole seconds"),
        ("tests.tick", {"every": MAX_EVERY + 1}, "whole seconds"),
        ("tests.tick", {"at": "2:00"}, "HH:MM"),
        ("tests.tick", {"at": datetime.time(2, 0, 30)}, "to the minute"),
    ],
)
def test_periodic_refuses_a_bad_definition(name, kwargs, error):
    with pytest.raises(ValueError, match=error):
        periodic(name, tick, **kwargs)
    assert "tests.tick" not in scheduler.registered_jobs()


def test_periodic_refuses_a_plain_function():
    with pytest.raises(TypeError, match=r"not a django\.tasks task"):
        periodic("tests.plain", tick.func, every=60)  # type: ignore[arg-type]


JOBS = {
    "tests.tick": Job(name="tests.tick", task=tick, every=datetime.timedelta(seconds=60)),
    "tests.nightly": Job(name="tests.nightly", task=nightly, at=datetime.time(2, 0)),
}


def test_without_overrides_every_job_runs_as_registered():
    assert effective_jobs({}, JOBS) == [JOBS["tests.nightly"], JOBS["tests.tick"]]


def test_overrides_change_the_schedule_or_switch_a_job_off():
    jobs = {
        job.name: job
        for job in effective_jobs(
            {"tests.tick": {"at": "03:15"}, "tests.nightly": {"every": 900, "enabled": True}},
            JOBS,
        )
    }
    assert jobs["tests.tick"].at == datetime.time(3, 15)
    assert jobs["tests.tick"].every is None
    assert jobs["tests.tick"].schedule == "daily 03:15"
    assert jobs["tests.nightly"].every == datetime.timedelta(seconds=900)
    assert jobs["tests.nightly"].at is None
    assert jobs["tests.nightly"].schedule == "every 900s"

    only = effective_jobs({"tests.nightly": {"enabled": False}}, JOBS)
    assert [job.name for job in only] == ["tests.tick"]


def test_effective_jobs_reads_the_setting(settings):
    settings.GOVHUB_SCHEDULE = {"notifications.retry_due_deliveries": {"enabled": False}}
    assert "notifications.retry_due_deliveries" not in {job.name for job in effective_jobs()}
    settings.GOVHUB_SCHEDULE = {"notifications.retry_due_deliveries": {"every": 60}}
    (job,) = [j for j in effective_jobs() if j.name == "notifications.retry_due_deliveries"]
    assert job.every == datetime.timedelta(seconds=60)


@pytest.mark.parametrize(
    ("overrides", "ids"),
    [
        ([], ["core.E110"]),
        ("tests.tick", ["core.E110"]),
        ({"tests.tock": {"every": 60}}, ["core.E111"]),
        ({"tests.tick": 60}, ["core.E112"]),
        ({"tests.tick": {"evry": 60}}, ["core.E113"]),
        ({"tests.tick": {"every": 60, "at": "02:00"}}, ["core.E114"]),
        ({"tests.tick": {"every": 0}}, ["core.E115"]),
        ({"tests.tick": {"every": -5}}, ["core.E115"]),
        ({"tests.tick": {"every": True}}, ["core.E115"]),
        ({"tests.tick": {"every": "60"}}, ["core.E115"]),
        ({"tests.tick": {"every": 1.5}}, ["core.E115"]),
        ({"tests.tick": {"every": MAX_EVERY + 1}}, ["core.E115"]),
        ({"tests.tick": {"at": "2:30"}}, ["core.E116"]),
        ({"tests.tick": {"at": "24:00"}}, ["core.E116"]),
        ({"tests.tick": {"at": "02:60"}}, ["core.E116"]),
        ({"tests.tick": {"at": 230}}, ["core.E116"]),
        ({"tests.tick": {"enabled": "false"}}, ["core.E117"]),
        ({"tests.tick": {"enabled": 0}}, ["core.E117"]),
        (
            {"tests.tick": {"every": 0, "at": "x", "on": 1}, "tests.nightly": {"enabled": 1}},
            ["core.E113", "core.E114", "core.E115", "core.E116", "core.E117"],
        ),
    ],
)
def test_an_invalid_schedule_is_a_check_error(overrides, ids):
    problems = schedule_problems(overrides, JOBS)
    assert sorted(problem.id for problem in problems) == ids
    assert all(isinstance(problem, Error) for problem in problems)
    with pytest.raises(ImproperlyConfigured, match="GOVHUB_SCHEDULE"):
        effective_jobs(overrides, JOBS)


def test_check_errors_name_the_job_and_what_is_allowed():
    (unknown,) = schedule_problems({"tests.tock": {}}, JOBS)
    assert "“tests.tock”不是已登记的定时任务" in unknown.msg
    assert "tests.nightly、tests.tick" in unknown.hint
    (keys,) = schedule_problems({"tests.tick": {"evry": 60}}, JOBS)
    assert "evry" in keys.msg
    assert "every" in keys.hint


def test_valid_overrides_pass_the_check():
    assert (
        schedule_problems({"tests.tick": {"every": 1}, "tests.nightly": {"at": "23:59"}}, JOBS)
        == []
    )
    assert schedule_problems({}, JOBS) == []


@pytest.mark.django_db  # the other checks of the tag read the calendar
def test_manage_py_check_reports_a_bad_setting(settings):
    settings.GOVHUB_SCHEDULE = {"notifications.retry_due_deliveries": {"every": "5m"}}
    with pytest.raises(SystemCheckError, match=r"core\.E115"):
        call_command("check", tags=["govhub"])
    settings.GOVHUB_SCHEDULE = {"notifications.retry_due_deliveries": {"every": 600}}
    call_command("check", tags=["govhub"])


# --- The loop ------------------------------------------------------------------------------------


def make(jobs: list[Job], clock: FakeClock, **kwargs: Any) -> Scheduler:
    return Scheduler(jobs, clock=clock, zone=SHANGHAI, **kwargs)


def run_until(sched: Scheduler, clock: FakeClock, end: datetime.datetime) -> None:
    sched.run(should_stop=lambda: clock.now >= end, sleep=clock.sleep)


def test_the_loop_enqueues_each_job_once_per_due_time(backend):
    start = shanghai(2026, 3, 1, 1, 58, 30)
    clock = FakeClock(start)
    every_minute = Job(
        name="tests.tick", task=tick, every=datetime.timedelta(seconds=60), kwargs={"label": "x"}
    )
    at_two = Job(name="tests.nightly", task=nightly, at=datetime.time(2, 0))
    sched = make([every_minute, at_two], clock)
    calls: list[datetime.datetime] = []
    sched.before_enqueue = lambda: calls.append(clock.now)

    run_until(sched, clock, start + datetime.timedelta(minutes=5, seconds=10))

    # Interval: at once on start, then every 60 s on the start's grid (6 in 5 min 10 s);
    # daily: once, at 02:00 local.
    ticks = [item for item in enqueued(backend) if item[0] == "tick"]
    assert ticks == [("tick", {"label": "x"})] * 6
    assert [item for item in enqueued(backend) if item[0] == "nightly"] == [("nightly", {})]
    assert sched.next_due["tests.nightly"] == shanghai(2026, 3, 2, 2, 0)
    assert sched.next_due["tests.tick"] == start + datetime.timedelta(minutes=6)
    # Woken at each due time, never asleep for more than a second at a time.
    assert calls[:3] == [
        start,
        start + datetime.timedelta(seconds=60),
        start + datetime.timedelta(seconds=90),
    ]
    assert len(calls) == 7
    assert max(clock.sleeps) <= 1.0
    assert sum(clock.sleeps) == pytest.approx(310)


def test_a_second_round_at_the_same_time_enqueues_nothing(backend):
    clock = FakeClock(shanghai(2026, 3, 1, 12, 0))
    sched = make([Job(name="tests.tick", task=tick, every=datetime.timedelta(seconds=300))], clock)
    assert sched.run_pending() == ["tests.tick"]
    assert sched.run_pending() == []
    clock.now += datetime.timedelta(seconds=299)
    assert sched.run_pending() == []
    clock.now += datetime.timedelta(seconds=1)
    assert sched.run_pending() == ["tests.tick"]
    assert len(backend.results) == 2


def test_a_daily_job_waits_for_its_time_after_a_start(backend):
    clock = FakeClock(shanghai(2026, 3, 1, 2, 1))
    sched = make([Job(name="tests.nightly", task=nightly, at=datetime.time(2, 0))], clock)
    assert sched.run_pending() == []
    assert sched.next_due["tests.nightly"] == shanghai(2026, 3, 2, 2, 0)
    assert sched.seconds_until_due() == pytest.approx(24 * 3600 - 60)


def test_missed_runs_are_not_made_up_in_a_burst(backend):
    start = shanghai(2026, 3, 1, 12, 0)
    clock = FakeClock(start)
    sched = make(
        [
            Job(name="tests.tick", task=tick, every=datetime.timedelta(seconds=60)),
            Job(name="tests.nightly", task=nightly, at=datetime.time(13, 0)),
        ],
        clock,
    )
    sched.run_pending()
    clock.now = start + datetime.timedelta(days=2, minutes=30, seconds=15)  # suspended
    assert sorted(sched.run_pending()) == ["tests.nightly", "tests.tick"]
    assert sched.next_due["tests.tick"] == start + datetime.timedelta(days=2, minutes=31)
    assert sched.next_due["tests.nightly"] == shanghai(2026, 3, 3, 13, 0)
    assert len(backend.results) == 3


def test_a_clock_set_back_does_not_stall_interval_jobs(backend):
    start = shanghai(2026, 3, 1, 12, 0)
    clock = FakeClock(start)
    sched = make([Job(name="tests.tick", task=tick, every=datetime.timedelta(seconds=60))], clock)
    sched.run_pending()
    clock.now = start - datetime.timedelta(hours=1)
    assert sched.run_pending() == []
    assert sched.next_due["tests.tick"] == clock.now + datetime.timedelta(seconds=60)


def test_a_clock_set_back_days_does_not_stall_daily_jobs(backend):
    clock = FakeClock(shanghai(2026, 3, 5, 12, 0))
    sched = make([Job(name="tests.nightly", task=nightly, at=datetime.time(2, 0))], clock)
    sched.run_pending()
    assert sched.next_due["tests.nightly"] == shanghai(2026, 3, 6, 2, 0)
    clock.now = shanghai(2026, 3, 1, 12, 0)
    assert sched.run_pending() == []
    assert sched.next_due["tests.nightly"] == shanghai(2026, 3, 2, 2, 0)


def test_a_failing_preparation_does_not_stop_the_enqueues(backend, caplog):
    clock = FakeClock(shanghai(2026, 3, 1, 12, 0))

    def broken() -> None:
        raise RuntimeError("database gone")

    sched = make(
        [Job(name="tests.tick", task=tick, every=datetime.timedelta(seconds=60))],
        clock,
        before_enqueue=broken,
    )
    assert sched.run_pending() == ["tests.tick"]
    assert "preparing to enqueue failed" in caplog.text


def test_a_failing_enqueue_is_logged_retried_and_does_not_stop_the_loop(backend, caplog):
    backend.refuse = {"nightly"}
    start = shanghai(2026, 3, 1, 1, 59, 30)
    clock = FakeClock(start)
    sched = make(
        [
            Job(name="tests.tick", task=tick, every=datetime.timedelta(seconds=60)),
            Job(name="tests.nightly", task=nightly, at=datetime.time(2, 0)),
        ],
        clock,
    )
    with caplog.at_level(logging.INFO, logger="govhub.core.scheduler"):
        run_until(sched, clock, shanghai(2026, 3, 1, 2, 1, 40))
        failures = [r for r in caplog.records if r.getMessage() == "periodic job not enqueued"]
        # Failed at 02:00 and again a minute later, not left until tomorrow.
        assert [r.job for r in failures] == ["tests.nightly", "tests.nightly"]  # type: ignore[attr-defined]
        assert failures[0].exc_info is not None
        assert sched.next_due["tests.nightly"] == shanghai(2026, 3, 1, 2, 2)
        # The other job went on: 01:59:30, 02:00:30, 02:01:30.
        assert [name for name, _ in enqueued(backend)] == ["tick"] * 3

        backend.refuse = set()
        run_until(sched, clock, shanghai(2026, 3, 1, 2, 2, 5))
    assert [name for name, _ in enqueued(backend)] == ["tick"] * 3 + ["nightly"]
    assert sched.next_due["tests.nightly"] == shanghai(2026, 3, 2, 2, 0)
    done = [r for r in caplog.records if r.getMessage() == "periodic job enqueued"]
    assert done[-1].job == "tests.nightly"  # type: ignore[attr-defined]
    assert done[-1].task == "govhub.core.tests.test_scheduler.nightly"  # type: ignore[attr-defined]


def test_the_loop_stops_when_asked_even_with_nothing_due(backend):
    clock = FakeClock(shanghai(2026, 3, 1, 12, 0))
    sched = make([Job(name="tests.nightly", task=nightly, at=datetime.time(2, 0))], clock)
    asked = iter([False, False, False, True])
    sched.run(should_stop=lambda: next(asked), sleep=clock.sleep)
    assert clock.sleeps == [1.0]
    assert backend.results == []


def test_an_empty_schedule_idles():
    clock = FakeClock(shanghai(2026, 3, 1, 12, 0))
    sched = make([], clock)
    run_until(sched, clock, clock.now + datetime.timedelta(seconds=3))
    assert clock.sleeps == [1.0, 1.0, 1.0]


def test_two_jobs_with_one_name_are_refused():
    job = Job(name="tests.tick", task=tick, every=datetime.timedelta(seconds=60))
    with pytest.raises(ValueError, match="twice"):
        Scheduler([job, job])


def test_the_default_clock_and_zone_are_the_platform_s():
    sched = Scheduler([Job(name="tests.nightly", task=nightly, at=datetime.time(2, 0))])
    assert sched.zone == SHANGHAI
    sched.start()
    due = sched.next_due["tests.nightly"].astimezone(SHANGHAI)
    assert (due.hour, due.minute) == (2, 0)


# --- One scheduler per machine -----------------------------------------------------------------


def test_the_lock_refuses_a_second_scheduler(tmp_path):
    path = tmp_path / "scheduler.lock"
    with scheduler_lock(path):
        assert path.read_text() == f"{os.getpid()}\n"
        with (
            pytest.raises(SchedulerAlreadyRunning, match=f"pid {os.getpid()}"),
            scheduler_lock(path),
        ):
            pytest.fail("a second lock was granted")
    # Released when the first one ends, even though the file stays.
    assert path.exists()
    with scheduler_lock(path):
        pass


def test_the_lock_file_is_in_the_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    with scheduler_lock() as path:
        assert path == tmp_path / "var" / "scheduler.lock"


def test_run_scheduler_refuses_to_start_beside_another(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    with (
        scheduler_lock(tmp_path / "scheduler.lock"),
        pytest.raises(CommandError, match="exactly one scheduler per deployment"),
    ):
        call_command("run_scheduler")


def test_run_scheduler_lists_the_schedule(settings, capsys):
    settings.GOVHUB_SCHEDULE = {"notifications.retry_due_deliveries": {"at": "03:00"}}
    call_command("run_scheduler", "--list")
    out = capsys.readouterr().out
    assert "notifications.retry_due_deliveries\tdaily 03:00\t" in out
    assert "govhub.notifications.tasks.retry_due_deliveries" in out

    settings.GOVHUB_SCHEDULE = {"notifications.retry_due_deliveries": {"enabled": False}}
    call_command("run_scheduler", "--list")
    assert (
        "notifications.retry_due_deliveries\tdisabled by GOVHUB_SCHEDULE" in capsys.readouterr().out
    )


@pytest.mark.django_db
def test_run_scheduler_refuses_an_invalid_schedule(settings):
    settings.GOVHUB_SCHEDULE = {"notifications.retry_due_deliveries": {"every": 0}}
    with pytest.raises((CommandError, SystemCheckError)):
        call_command("run_scheduler", "--list", skip_checks=False)
    with pytest.raises(CommandError, match="every"):
        call_command("run_scheduler", "--list")


def test_run_scheduler_process_enqueues_refuses_a_twin_and_stops_on_sigterm(tmp_path):
    """The real command on a fresh task table: the sweep job lands in it at once, a
    second scheduler on the machine is refused, SIGTERM stops it within a tick."""
    env = {
        **os.environ,
        "GOVHUB_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "TASK_BACKEND": "database",
        "GOVHUB_SCHEDULE": "",
        "LOG_FORMAT": "text",
        "PYTHONPATH": str(PROJECT / "src"),
    }
    manage = [sys.executable, str(PROJECT / "manage.py")]
    # The scheduler needs only the task table (a full migrate takes most of a minute).
    subprocess.run(
        [*manage, "migrate", "django_tasks_database", "-v0"], env=env, check=True, cwd=PROJECT
    )
    log_path = tmp_path / "scheduler.log"
    with log_path.open("wb") as log:
        first = subprocess.Popen(
            [*manage, "run_scheduler"], env=env, cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 30
        while "periodic job enqueued" not in log_path.read_text():
            assert first.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        with contextlib.closing(sqlite3.connect(tmp_path / "govhub.sqlite3")) as db:
            (count,) = db.execute(
                "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE task_path = ?",
                ["govhub.notifications.tasks.retry_due_deliveries"],
            ).fetchone()
        assert count == 1

        twin = subprocess.run(
            [*manage, "run_scheduler"],
            env=env,
            cwd=PROJECT,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert twin.returncode != 0
        assert f"another scheduler (pid {first.pid})" in twin.stderr
        assert first.poll() is None

        sent = time.monotonic()
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=10) == 0, log_path.read_text()
        assert time.monotonic() - sent < 3
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    output = log_path.read_text()
    assert "notifications.retry_due_deliveries: every 300s" in output
    assert "govhub scheduler: stopped." in output
