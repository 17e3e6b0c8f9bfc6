"""The working-day calendar (工作日历): which days count towards legal and promised time
limits.

A day is a working day when it is a weekday (Monday to Friday) that is not a public
holiday, or a weekend day that the State Council's schedule makes a working day (调休上班).
The schedules are stored per year (`CalendarYear`, `CalendarDay`) and count only once a
year is *published*. For a year without a published schedule the rule falls back to
weekends only, and every result that depends on such a year is flagged *provisional*,
so nothing is guessed silently.

Schedules are loaded a whole year at a time and cached: in the Django cache (shared by
every process) under a version token, and in process memory. Every change made through
`govhub.core.services` replaces the version token, so the next read anywhere reloads;
a change made any other way (a raw ORM write in a test or a shell) must call
`bump_cache_version()` itself.
"""

from __future__ import annotations

import datetime
import threading
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum

from django.core.cache import cache

from govhub.core.calendar_models import CalendarDay, CalendarYear

ONE_DAY = datetime.timedelta(days=1)
CACHE_VERSION_KEY = "core:calendar:version"
# Upper bound on how long a cached year is trusted. Normal changes take effect at once
# (the version changes); this only limits the damage if a change was read and then
# rolled back.
CACHE_TIMEOUT = 15 * 60


@dataclass(frozen=True)
class YearSchedule:
    """One year's schedule as the calculations use it."""

    year: int
    published: bool
    holidays: frozenset[datetime.date]
    workdays: frozenset[datetime.date]
    names: dict[datetime.date, str]


@dataclass(frozen=True)
class WorkingDayResult:
    """A date computed on the working-day calendar.

    `provisional` is true when a year the calculation walked through has no published
    schedule: the date was computed from weekends alone and may move once it is published.
    """

    date: datetime.date
    provisional: bool


class DayKind(StrEnum):
    WEEKDAY = "weekday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"  # a weekday that is a public holiday (放假)
    WORKDAY = "workday"  # a weekend day worked instead (调休上班)


@dataclass(frozen=True)
class DayInfo:
    date: datetime.date
    is_working_day: bool
    kind: DayKind
    name: str
    provisional: bool


# --------------------------------------------------------------------------------------
# Loading and caching
# --------------------------------------------------------------------------------------

_local_lock = threading.Lock()
_local: dict[tuple[str, int], tuple[float, YearSchedule]] = {}
_LOCAL_MAX_ENTRIES = 64


def local_today() -> datetime.date:
    """Today in the platform's time zone (Asia/Shanghai). Tests may replace it."""
    from django.utils import timezone

    return timezone.localdate()


def _cache_version() -> str:
    version = cache.get(CACHE_VERSION_KEY)
    if version is None:
        # A fresh token, never a counter: after an eviction no stale entry can match.
        candidate = uuid.uuid4().hex
        cache.add(CACHE_VERSION_KEY, candidate, None)
        version = cache.get(CACHE_VERSION_KEY) or candidate
    return str(version)


def bump_cache_version() -> None:
    """Make every process reload the calendar on its next read."""
    cache.set(CACHE_VERSION_KEY, uuid.uuid4().hex, None)
    with _local_lock:
        _local.clear()


def _load_year(year: int) -> YearSchedule:
    calendar_year = CalendarYear.objects.filter(year=year).only("id", "status").first()
    if calendar_year is None or not calendar_year.is_published:
        return YearSchedule(
            year=year, published=False, holidays=frozenset(), workdays=frozenset(), names={}
        )
    holidays: set[datetime.date] = set()
    workdays: set[datetime.date] = set()
    names: dict[datetime.date, str] = {}
    rows = CalendarDay.objects.filter(calendar_year=calendar_year).values_list(
        "date", "kind", "name"
    )
    for day, kind, name in rows:
        (holidays if kind == CalendarDay.Kind.HOLIDAY else workdays).add(day)
        names[day] = name
    return YearSchedule(
        year=year,
        published=True,
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        names=names,
    )


def _schedule(year: int, version: str) -> YearSchedule:
    key = (version, year)
    now = time.monotonic()
    with _local_lock:
        entry = _local.get(key)
    if entry is not None and now - entry[0] < CACHE_TIMEOUT:
        return entry[1]
    cache_key = f"core:calendar:{version}:{year}"
    schedule = cache.get(cache_key)
    if not isinstance(schedule, YearSchedule):
        schedule = _load_year(year)
        cache.set(cache_key, schedule, CACHE_TIMEOUT)
    with _local_lock:
        if len(_local) >= _LOCAL_MAX_ENTRIES:
            _local.clear()
        _local[key] = (now, schedule)
    return schedule


class _Calendar:
    """The schedules seen by one calculation: one version read, each year loaded once."""

    def __init__(self) -> None:
        self.version = _cache_version()
        self.years: dict[int, YearSchedule] = {}

    def schedule(self, year: int) -> YearSchedule:
        found = self.years.get(year)
        if found is None:
            found = self.years[year] = _schedule(year, self.version)
        return found

    def is_working_day(self, day: datetime.date) -> bool:
        schedule = self.schedule(day.year)
        if day in schedule.holidays:
            return False
        if day in schedule.workdays:
            return True
        return day.weekday() < 5

    def published(self, year: int) -> bool:
        return self.schedule(year).published


def _require_date(value: object, name: str) -> datetime.date:
    # datetime is a subclass of date; a datetime here is almost always a time-zone bug.
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise TypeError(
            f"{name} must be a datetime.date (a local date), not {type(value).__name__}"
        )
    return value


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def year_is_published(year: int) -> bool:
    """Whether the year has a published schedule (otherwise results are provisional)."""
    return _Calendar().published(year)


def is_working_day(day: datetime.date) -> bool:
    """Whether `day` is a working day (weekends only, for a year without a schedule)."""
    return _Calendar().is_working_day(_require_date(day, "day"))


def describe_day(day: datetime.date) -> DayInfo:
    """What the calendar says about one day, with the holiday's name if any."""
    _require_date(day, "day")
    calendar = _Calendar()
    schedule = calendar.schedule(day.year)
    if day in schedule.holidays:
        kind = DayKind.HOLIDAY
    elif day in schedule.workdays:
        kind = DayKind.WORKDAY
    else:
        kind = DayKind.WEEKDAY if day.weekday() < 5 else DayKind.WEEKEND
    return DayInfo(
        date=day,
        is_working_day=kind in (DayKind.WEEKDAY, DayKind.WORKDAY),
        kind=kind,
        name=schedule.names.get(day, ""),
        provisional=not schedule.published,
    )


def add_working_days(start: datetime.date, days: int) -> WorkingDayResult:
    """The date `days` working days after `start` (before it, if `days` is negative).

    `start` itself is never counted, whether or not it is a working day: a limit of one
    working day from Wednesday ends on Thursday, and from Friday (or Saturday) on the
    next Monday. `days == 0` returns `start` unchanged. The result is always a working
    day when `days != 0`.
    """
    _require_date(start, "start")
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError("days must be an int")
    calendar = _Calendar()
    step = ONE_DAY if days > 0 else -ONE_DAY
    remaining = abs(days)
    current = start
    provisional = False
    while remaining:
        current += step
        if calendar.is_working_day(current):
            remaining -= 1
        if not calendar.published(current.year):
            provisional = True
    return WorkingDayResult(date=current, provisional=provisional)


def next_working_day(day: datetime.date) -> datetime.date:
    """The first working day strictly after `day` (same as `add_working_days(day, 1).date`)."""
    return add_working_days(day, 1).date


def _weekdays_inclusive(first: datetime.date, last: datetime.date) -> int:
    """Monday-to-Friday days in [first, last]."""
    if last < first:
        return 0
    total = (last - first).days + 1
    weeks, rest = divmod(total, 7)
    start_weekday = first.weekday()
    return weeks * 5 + sum(1 for i in range(rest) if (start_weekday + i) % 7 < 5)


def _count_inclusive(calendar: _Calendar, first: datetime.date, last: datetime.date) -> int:
    """Working days in [first, last], using each year's schedule once."""
    count = _weekdays_inclusive(first, last)
    for year in range(first.year, last.year + 1):
        schedule = calendar.schedule(year)
        for day in schedule.holidays:
            if first <= day <= last and day.weekday() < 5:
                count -= 1
        for day in schedule.workdays:
            if first <= day <= last and day.weekday() >= 5:
                count += 1
    return count


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days from `start` to `end`, counted the way `add_working_days` counts.

    For `end >= start`: the working days in the half-open span (start, end], i.e. `start`
    excluded and `end` included; so `working_days_between(s, add_working_days(s, n).date)
    == n` for every n >= 0, and the same day gives 0.

    For `end < start`: minus the working days in [end, start), so the count is again the
    inverse of `add_working_days` for a negative n.

    Use `span_is_provisional(start, end)` to learn whether a year in the span has no
    published schedule.
    """
    _require_date(start, "start")
    _require_date(end, "end")
    calendar = _Calendar()
    if end >= start:
        return _count_inclusive(calendar, start + ONE_DAY, end) if end > start else 0
    return -_count_inclusive(calendar, end, start - ONE_DAY)


def span_is_provisional(start: datetime.date, end: datetime.date) -> bool:
    """Whether a year touched by `working_days_between(start, end)` has no published schedule."""
    _require_date(start, "start")
    _require_date(end, "end")
    if start == end:
        return False
    first, last = (start + ONE_DAY, end) if end > start else (end, start - ONE_DAY)
    calendar = _Calendar()
    return any(not calendar.published(year) for year in range(first.year, last.year + 1))


def missing_schedule_years(*, today: datetime.date | None = None) -> list[int]:
    """Years whose schedule administrators should publish now.

    The current year while it has none, and from 1 October (the last quarter) the next
    year as well.
    """
    today = today or local_today()
    years = [today.year]
    if today.month >= 10:
        years.append(today.year + 1)
    calendar = _Calendar()
    return [year for year in years if not calendar.published(year)]
