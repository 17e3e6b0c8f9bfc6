"""Periodic jobs: a registry, the operator's overrides, and the loop that enqueues them.

A periodic job is a `django.tasks` task that is enqueued on a schedule: every N seconds,
or once a day at a local time in the platform's zone (`TIME_ZONE`). The scheduler only
*enqueues*; the task worker runs the task, so the same schedule works with the database
backend and with RQ. Jobs must be idempotent (every task is, by the platform's rule): an
interval job runs once soon after the scheduler starts, and a restart may run it again.

Apps register their jobs in code, from `AppConfig.ready()`::

    from govhub.core.scheduler import periodic
    from govhub.notifications.tasks import retry_due_deliveries

    periodic("notifications.retry_due_deliveries", retry_due_deliveries, every=300)

The setting `GOVHUB_SCHEDULE` (environment variable of the same name, JSON) lets an
operator change or switch off any job without code::

    {"notifications.retry_due_deliveries": {"every": 600},
     "core.audit_seal": {"at": "02:30"},
     "analytics.open_data_refresh": {"enabled": false}}

`manage.py run_scheduler` runs the loop (`manage.py serve` starts it). Run exactly one
scheduler per deployment: a lock file under `VAR_DIR` refuses a second one on the same
machine, nothing can see one on another machine. See docs/tasks.md.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import logging
import os
import re
import time
import zoneinfo
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.tasks import Task
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

AnyTask = Task[..., Any]
Clock = Callable[[], datetime.datetime]

# Bounds of an interval, seconds: at most one enqueue per tick, at most a year apart.
MIN_EVERY = 1
MAX_EVERY = 366 * 24 * 3600
# A job whose enqueue failed (queue unreachable) is tried again this soon, not a day later.
RETRY_AFTER = datetime.timedelta(seconds=60)
# The loop never sleeps longer than this: a stop request is noticed within one tick.
MAX_TICK = 1.0
LOCK_FILE_NAME = "scheduler.lock"
# A local day lasts at most this long (25 hours when daylight saving ends).
LONGEST_DAY = datetime.timedelta(hours=25)

_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_AT = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
_OVERRIDE_KEYS = frozenset({"every", "at", "enabled"})


@dataclass(frozen=True, slots=True)
class Job:
    """One periodic job: `task` enqueued with `kwargs` every `every` or daily `at`."""

    name: str
    task: AnyTask
    every: datetime.timedelta | None = None
    at: datetime.time | None = None
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool = True

    def __post_init__(self) -> None:
        if (self.every is None) == (self.at is None):
            raise ValueError(f"periodic job {self.name!r}: give exactly one of every= and at=")

    @property
    def schedule(self) -> str:
        """The schedule as an operator writes it: `every 300s` or `daily 02:30`."""
        if self.every is not None:
            return f"every {int(self.every.total_seconds())}s"
        assert self.at is not None
        return f"daily {self.at:%H:%M}"


_registry: dict[str, Job] = {}


def periodic(
    name: str,
    task: AnyTask,
    *,
    every: int | datetime.timedelta | None = None,
    at: str | datetime.time | None = None,
    kwargs: Mapping[str, Any] | None = None,
) -> Job:
    """Register a periodic job (call it from the app's `AppConfig.ready()`).

    `name` is dotted, app first (`supervision.scan`); `every` is seconds or a timedelta,
    `at` a local time of day ("HH:MM" or a `time`); `kwargs` must be JSON-serialisable, as
    for any task. Registering the same job again is harmless; a different job under a name
    already taken is an error."""
    if not _NAME.match(name):
        raise ValueError(
            f"periodic job name {name!r}: use lowercase dotted words, app first "
            "(e.g. 'supervision.scan')"
        )
    if not callable(getattr(task, "enqueue", None)):
        raise TypeError(f"periodic job {name!r}: {task!r} is not a django.tasks task")
    job = Job(
        name=name,
        task=task,
        every=_every(every, name) if every is not None else None,
        at=_at(at, name) if at is not None else None,
        kwargs=dict(kwargs or {}),
    )
    existing = _registry.get(name)
    if existing is not None and existing != job:
        raise ValueError(f"periodic job {name!r} is already registered as {existing!r}")
    _registry[name] = job
    return job


def unregister(name: str) -> None:
    """Forget a registered job (tests)."""
    _registry.pop(name, None)


def registered_jobs() -> dict[str, Job]:
    """The jobs registered in code, by name, before the operator's overrides."""
    return dict(_registry)


def _every(value: int | datetime.timedelta, name: str) -> datetime.timedelta:
    seconds = value.total_seconds() if isinstance(value, datetime.timedelta) else value
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise TypeError(f"periodic job {name!r}: every= must be seconds or a timedelta")
    if not (MIN_EVERY <= seconds <= MAX_EVERY) or seconds != int(seconds):
        raise ValueError(
            f"periodic job {name!r}: every= must be whole seconds from {MIN_EVERY} to {MAX_EVERY}"
        )
    return datetime.timedelta(seconds=int(seconds))


def _at(value: str | datetime.time, name: str) -> datetime.time:
    if isinstance(value, datetime.time):
        if value.tzinfo is not None or value.second or value.microsecond:
            raise ValueError(f"periodic job {name!r}: at= is a naive local time to the minute")
        return value
    parsed = parse_at(value)
    if parsed is None:
        raise ValueError(f"periodic job {name!r}: at={value!r} is not HH:MM (00:00-23:59)")
    return parsed


def parse_at(value: object) -> datetime.time | None:
    """A 24-hour "HH:MM" as a time; None for anything else."""
    match = _AT.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    return datetime.time(int(match[1]), int(match[2]))


# --- The operator's overrides (GOVHUB_SCHEDULE) ------------------------------------------------


def schedule_problems(
    overrides: object, jobs: Mapping[str, Job] | None = None
) -> list[checks.CheckMessage]:
    """Everything wrong with a `GOVHUB_SCHEDULE` value, as system-check errors."""
    jobs = registered_jobs() if jobs is None else jobs
    if not isinstance(overrides, dict):
        return [
            checks.Error(
                _("GOVHUB_SCHEDULE 必须是一个 JSON 对象：定时任务名称 → 设置。"),
                hint=_('例如 {"notifications.retry_due_deliveries": {"every": 600}}。'),
                obj="GOVHUB_SCHEDULE",
                id="core.E110",
            )
        ]
    problems: list[checks.CheckMessage] = []
    for name, override in overrides.items():
        where = f"GOVHUB_SCHEDULE[{name!r}]"
        if name not in jobs:
            problems.append(
                checks.Error(
                    _("GOVHUB_SCHEDULE 中的“%(name)s”不是已登记的定时任务。") % {"name": name},
                    hint=_("已登记的定时任务：%(names)s。")
                    % {"names": "、".join(sorted(jobs)) or "—"},
                    obj=where,
                    id="core.E111",
                )
            )
            continue
        if not isinstance(override, dict):
            problems.append(
                checks.Error(
                    _("GOVHUB_SCHEDULE 中“%(name)s”的设置必须是一个 JSON 对象。") % {"name": name},
                    hint=_('例如 {"every": 300}、{"at": "02:30"} 或 {"enabled": false}。'),
                    obj=where,
                    id="core.E112",
                )
            )
            continue
        problems.extend(_override_problems(name, override, where))
    return problems


def _override_problems(name: str, override: dict[Any, Any], where: str) -> list[checks.Error]:
    problems: list[checks.Error] = []
    unknown = sorted(str(key) for key in override if key not in _OVERRIDE_KEYS)
    if unknown:
        problems.append(
            checks.Error(
                _("GOVHUB_SCHEDULE 中“%(name)s”的设置有未知的键：%(keys)s。")
                % {"name": name, "keys": "、".join(unknown)},
                hint=_("可用的键：every（间隔秒数）、at（每天的时间）、enabled（是否启用）。"),
                obj=where,
                id="core.E113",
            )
        )
    if "every" in override and "at" in override:
        problems.append(
            checks.Error(
                _("GOVHUB_SCHEDULE 中“%(name)s”不能同时设置 every 和 at。") % {"name": name},
                obj=where,
                id="core.E114",
            )
        )
    every = override.get("every")
    if "every" in override and (
        isinstance(every, bool) or not isinstance(every, int) or not MIN_EVERY <= every <= MAX_EVERY
    ):
        problems.append(
            checks.Error(
                _("GOVHUB_SCHEDULE 中“%(name)s”的 every 必须是 %(low)d–%(high)d 的整数秒数。")
                % {"name": name, "low": MIN_EVERY, "high": MAX_EVERY},
                obj=where,
                id="core.E115",
            )
        )
    if "at" in override and parse_at(override["at"]) is None:
        problems.append(
            checks.Error(
                _('GOVHUB_SCHEDULE 中“%(name)s”的 at 必须是 24 小时制的“时:分”，例如 "02:30"。')
                % {"name": name},
                obj=where,
                id="core.E116",
            )
        )
    if "enabled" in override and not isinstance(override["enabled"], bool):
        problems.append(
            checks.Error(
                _("GOVHUB_SCHEDULE 中“%(name)s”的 enabled 必须是 true 或 false。") % {"name": name},
                obj=where,
                id="core.E117",
            )
        )
    return problems


@checks.register("govhub")
def schedule_check(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """System check: `GOVHUB_SCHEDULE` names registered jobs and valid schedules."""
    return schedule_problems(getattr(settings, "GOVHUB_SCHEDULE", {}))


def effective_jobs(overrides: object = None, jobs: Mapping[str, Job] | None = None) -> list[Job]:
    """The registered jobs with the operator's overrides applied, disabled ones left out,
    by name. `ImproperlyConfigured` when the overrides are invalid."""
    if overrides is None:
        overrides = getattr(settings, "GOVHUB_SCHEDULE", {})
    jobs = registered_jobs() if jobs is None else jobs
    problems = schedule_problems(overrides, jobs)
    if problems:
        raise ImproperlyConfigured(" ".join(str(problem.msg) for problem in problems))
    assert isinstance(overrides, dict)
    result: list[Job] = []
    for name in sorted(jobs):
        job = jobs[name]
        override = overrides.get(name, {})
        if "every" in override:
            job = replace(job, every=datetime.timedelta(seconds=override["every"]), at=None)
        elif "at" in override:
            job = replace(job, every=None, at=parse_at(override["at"]))
        if override.get("enabled", True):
            result.append(job)
    return result


# --- When a job is due ------------------------------------------------------------------------


def platform_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def next_daily(
    after: datetime.datetime, at: datetime.time, zone: datetime.tzinfo
) -> datetime.datetime:
    """The first moment strictly after `after` at which the clock in `zone` shows `at`.

    A time that a daylight-saving change skips is taken at the offset before the change (it
    comes an hour "late"); a time that happens twice is taken the first time. The platform's
    zone, Asia/Shanghai, has neither."""
    if after.tzinfo is None:
        raise ValueError("next_daily needs an aware datetime")
    local_day = after.astimezone(zone).date()
    for offset in range(-1, 3):
        day = local_day + datetime.timedelta(days=offset)
        candidate = datetime.datetime.combine(day, at, tzinfo=zone)
        if candidate > after:
            return candidate.astimezone(datetime.UTC)
    raise AssertionError("unreachable: a day always has the time within two days")


def next_interval(
    due: datetime.datetime, every: datetime.timedelta, now: datetime.datetime
) -> datetime.datetime:
    """The next due time of an interval job that was due at `due`, strictly after `now`:
    runs missed while the scheduler was held up are not made up in a burst."""
    if now < due:
        return due + every
    missed = (now - due) // every
    return due + (missed + 1) * every


class Scheduler:
    """Enqueues each job when due. Time comes from `clock` (aware datetimes), so tests run
    it on a fake clock; the loop sleeps with `sleep` in ticks of at most `MAX_TICK`."""

    def __init__(
        self,
        jobs: Sequence[Job],
        *,
        clock: Clock = timezone.now,
        zone: datetime.tzinfo | None = None,
        retry_after: datetime.timedelta = RETRY_AFTER,
        before_enqueue: Callable[[], None] | None = None,
    ) -> None:
        names = [job.name for job in jobs]
        if len(set(names)) != len(names):
            raise ValueError("a job name appears twice")
        self.jobs = list(jobs)
        self.clock = clock
        self.zone = zone if zone is not None else platform_zone()
        self.retry_after = retry_after
        # Called once before a round of enqueues (the command closes stale DB connections).
        self.before_enqueue = before_enqueue
        self.next_due: dict[str, datetime.datetime] = {}
        self.started = False

    def start(self, now: datetime.datetime | None = None) -> None:
        """Interval jobs are due at once, daily jobs at their next time."""
        now = self.clock() if now is None else now
        self.started = True
        for job in self.jobs:
            self.next_due[job.name] = now if job.at is None else next_daily(now, job.at, self.zone)

    def _regular_next(
        self, job: Job, due: datetime.datetime, now: datetime.datetime
    ) -> datetime.datetime:
        if job.every is not None:
            return next_interval(due, job.every, now)
        assert job.at is not None
        return next_daily(max(due, now), job.at, self.zone)

    def run_pending(self, now: datetime.datetime | None = None) -> list[str]:
        """Enqueue every job due at `now` once; returns the names enqueued. A failing
        enqueue is logged and tried again after `retry_after` (or at the job's next time,
        when that is sooner); it never stops the others."""
        now = self.clock() if now is None else now
        if not self.started:
            self.start(now)
        self._notice_clock_set_back(now)
        due = [job for job in self.jobs if self.next_due[job.name] <= now]
        if due and self.before_enqueue is not None:
            try:
                self.before_enqueue()
            except Exception:  # the enqueues below will fail or not on their own
                logger.exception("periodic jobs: preparing to enqueue failed")
        enqueued: list[str] = []
        for job in due:
            regular = self._regular_next(job, self.next_due[job.name], now)
            try:
                result = job.task.enqueue(**job.kwargs)
            except Exception:
                retry = min(regular, now + self.retry_after)
                self.next_due[job.name] = retry
                logger.exception(
                    "periodic job not enqueued",
                    extra={
                        "job": job.name,
                        "task": job.task.module_path,
                        "retry_at": retry.isoformat(),
                    },
                )
                continue
            self.next_due[job.name] = regular
            enqueued.append(job.name)
            logger.info(
                "periodic job enqueued",
                extra={
                    "job": job.name,
                    "task": job.task.module_path,
                    "task_result": getattr(result, "id", None),
                    "next_due": regular.isoformat(),
                },
            )
        return enqueued

    def _notice_clock_set_back(self, now: datetime.datetime) -> None:
        """A job due further ahead than its period means the clock was set back: it is
        due on its schedule from now, not after the time the clock lost as well."""
        for job in self.jobs:
            ahead = self.next_due[job.name] - now
            if job.every is not None and ahead > job.every:
                self.next_due[job.name] = now + job.every
            elif job.at is not None and ahead > LONGEST_DAY:
                self.next_due[job.name] = next_daily(now, job.at, self.zone)

    def seconds_until_due(self, now: datetime.datetime | None = None) -> float:
        """Seconds until the soonest job is due (0 when one is due now)."""
        now = self.clock() if now is None else now
        if not self.next_due:
            return MAX_TICK
        soonest = min(self.next_due.values())
        return max(0.0, (soonest - now).total_seconds())

    def run(
        self,
        *,
        should_stop: Callable[[], bool],
        sleep: Callable[[float], None] = time.sleep,
        max_tick: float = MAX_TICK,
    ) -> None:
        """Enqueue due jobs and sleep until the next one, until `should_stop()`."""
        if not self.started:
            self.start()
        while not should_stop():
            self.run_pending()
            if should_stop():
                break
            sleep(min(max_tick, self.seconds_until_due()))

    def describe(self) -> Iterator[tuple[Job, datetime.datetime]]:
        """Each job with its next due time (after `start`)."""
        for job in self.jobs:
            yield job, self.next_due[job.name]


# --- One scheduler per machine ---------------------------------------------------------------


class SchedulerAlreadyRunning(RuntimeError):
    """Another process holds the scheduler's lock file."""


@contextlib.contextmanager
def scheduler_lock(path: Path | None = None) -> Iterator[Path]:
    """Hold an exclusive `flock` on `VAR_DIR/scheduler.lock` while the scheduler runs;
    `SchedulerAlreadyRunning` when another process holds it. The kernel releases the lock
    when the process ends, however it ends: a stale file never blocks a restart."""
    path = Path(settings.VAR_DIR) / LOCK_FILE_NAME if path is None else path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            raise SchedulerAlreadyRunning(
                f"another scheduler (pid {holder or 'unknown'}) holds {path}"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)  # releases the lock
