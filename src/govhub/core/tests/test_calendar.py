"""The working-day calculations, on the schedules seeded by migration 0003."""

import datetime

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govhub.core import calendar
from govhub.core.calendar import (
    DayKind,
    add_working_days,
    bump_cache_version,
    describe_day,
    is_working_day,
    missing_schedule_years,
    next_working_day,
    span_is_provisional,
    working_days_between,
    year_is_published,
)
from govhub.core.calendar_models import CalendarDay, CalendarYear

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_calendar")]

D = datetime.date
hypothesis_settings = settings(
    deadline=None, max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def brute_force_count(start, end):
    """Working days in (start, end], one day at a time."""
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        count += is_working_day(day)
    return count


# --- pinned cases of 2026 (国务院办公厅关于2026年部分节假日安排的通知) ---------------------


def test_2026_national_day():
    for day in range(1, 8):
        assert not is_working_day(D(2026, 10, day))
    assert is_working_day(D(2026, 9, 20))  # Sunday, worked
    assert is_working_day(D(2026, 10, 10))  # Saturday, worked
    assert not is_working_day(D(2026, 10, 11))  # ordinary Sunday
    assert add_working_days(D(2026, 9, 30), 1) == calendar.WorkingDayResult(D(2026, 10, 8), False)
    assert add_working_days(D(2026, 9, 30), 3).date == D(2026, 10, 10)
    assert add_working_days(D(2026, 9, 30), 4).date == D(2026, 10, 12)


def test_2026_spring_festival():
    for day in range(15, 24):
        assert not is_working_day(D(2026, 2, day))
    assert is_working_day(D(2026, 2, 14))  # Saturday, worked
    assert is_working_day(D(2026, 2, 28))  # Saturday, worked
    # A make-up Saturday counts: one working day after Friday 13 February is the 14th.
    assert add_working_days(D(2026, 2, 13), 1).date == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 14), 1).date == D(2026, 2, 24)
    assert add_working_days(D(2026, 2, 27), 1).date == D(2026, 2, 28)
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2


def test_other_2026_holidays():
    assert not is_working_day(D(2026, 1, 1))
    assert not is_working_day(D(2026, 1, 2))
    assert is_working_day(D(2026, 1, 4))
    assert not is_working_day(D(2026, 4, 6))
    assert not is_working_day(D(2026, 5, 5))
    assert is_working_day(D(2026, 5, 9))
    assert not is_working_day(D(2026, 6, 19))
    assert not is_working_day(D(2026, 9, 25))


def test_ordinary_days_follow_the_weekend_rule():
    assert is_working_day(D(2026, 11, 27))  # Friday
    assert not is_working_day(D(2026, 11, 28))  # Saturday
    assert not is_working_day(D(2026, 11, 29))  # Sunday
    assert add_working_days(D(2026, 11, 27), 1).date == D(2026, 11, 30)
    assert add_working_days(D(2026, 11, 28), 1).date == D(2026, 11, 30)


def test_describe_day():
    assert describe_day(D(2026, 10, 1)) == calendar.DayInfo(
        date=D(2026, 10, 1),
        is_working_day=False,
        kind=DayKind.HOLIDAY,
        name="国庆节",
        provisional=False,
    )
    info = describe_day(D(2026, 9, 20))
    assert (info.kind, info.is_working_day, info.name) == (DayKind.WORKDAY, True, "国庆节")
    assert describe_day(D(2026, 11, 28)).kind is DayKind.WEEKEND
    assert describe_day(D(2027, 1, 1)) == calendar.DayInfo(
        date=D(2027, 1, 1), is_working_day=True, kind=DayKind.WEEKDAY, name="", provisional=True
    )


# --- unpublished years ---------------------------------------------------------------------


def test_year_is_published():
    assert year_is_published(2024)
    assert year_is_published(2025)
    assert year_is_published(2026)
    assert not year_is_published(2027)
    assert not year_is_published(2023)


def test_dates_in_an_unpublished_year_are_weekends_only_and_provisional():
    # 1 January 2027 is a Friday; without a schedule it is not guessed to be a holiday.
    assert is_working_day(D(2027, 1, 1))
    assert add_working_days(D(2027, 1, 1), 1) == calendar.WorkingDayResult(D(2027, 1, 4), True)
    assert add_working_days(D(2026, 12, 31), 1) == calendar.WorkingDayResult(D(2027, 1, 1), True)
    assert add_working_days(D(2026, 12, 30), 1) == calendar.WorkingDayResult(D(2026, 12, 31), False)
    assert span_is_provisional(D(2026, 12, 30), D(2027, 1, 1))
    assert not span_is_provisional(D(2026, 12, 30), D(2026, 12, 31))


def test_a_draft_year_is_not_used_until_published():
    draft = CalendarYear.objects.create(year=2027, status=CalendarYear.Status.DRAFT)
    CalendarDay.objects.create(calendar_year=draft, date=D(2027, 1, 1), kind="holiday", name="元旦")
    bump_cache_version()
    assert is_working_day(D(2027, 1, 1))
    assert add_working_days(D(2026, 12, 31), 1).provisional
    draft.status = CalendarYear.Status.PUBLISHED
    draft.save()
    bump_cache_version()
    assert not is_working_day(D(2027, 1, 1))
    assert add_working_days(D(2026, 12, 31), 1) == calendar.WorkingDayResult(D(2027, 1, 4), False)


def test_missing_schedule_years():
    assert missing_schedule_years(today=D(2026, 11, 27)) == [2027]
    assert missing_schedule_years(today=D(2026, 10, 1)) == [2027]
    assert missing_schedule_years(today=D(2026, 9, 30)) == []
    assert missing_schedule_years(today=D(2027, 3, 1)) == [2027]
    assert missing_schedule_years(today=D(2027, 12, 1)) == [2027, 2028]


def test_missing_schedule_years_defaults_to_local_today(monkeypatch):
    monkeypatch.setattr(calendar, "local_today", lambda: D(2026, 11, 27))
    assert missing_schedule_years() == [2027]


# --- semantics ------------------------------------------------------------------------------


def test_adding_zero_days_returns_the_start():
    assert add_working_days(D(2026, 10, 1), 0) == calendar.WorkingDayResult(D(2026, 10, 1), False)
    assert add_working_days(D(2030, 6, 1), 0) == calendar.WorkingDayResult(D(2030, 6, 1), False)


def test_negative_days_count_backwards():
    assert add_working_days(D(2026, 10, 8), -1).date == D(2026, 9, 30)
    assert add_working_days(D(2026, 10, 12), -1).date == D(2026, 10, 10)
    assert working_days_between(D(2026, 10, 8), D(2026, 9, 30)) == -1


def test_working_days_between_edges():
    assert working_days_between(D(2026, 10, 1), D(2026, 10, 1)) == 0
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 8)) == 1
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 7)) == 0
    # The start is excluded and the end included.
    assert working_days_between(D(2026, 11, 26), D(2026, 11, 27)) == 1
    assert working_days_between(D(2026, 11, 27), D(2026, 11, 30)) == 1
    # The whole of 2026: 365 days, 104 weekend days, 19 weekday holidays, 6 make-up days.
    assert working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 365 - 104 - 19 + 6 == 248


def test_next_working_day():
    assert next_working_day(D(2026, 9, 30)) == D(2026, 10, 8)
    assert next_working_day(D(2026, 11, 27)) == D(2026, 11, 30)


@pytest.mark.parametrize(
    "call",
    [
        lambda: is_working_day(datetime.datetime(2026, 10, 1, 12, 0, tzinfo=datetime.UTC)),
        lambda: add_working_days(datetime.datetime(2026, 10, 1, 12, 0, tzinfo=datetime.UTC), 1),
        lambda: add_working_days(D(2026, 10, 1), 1.0),
        lambda: add_working_days(D(2026, 10, 1), True),
        lambda: working_days_between("2026-10-01", D(2026, 10, 2)),
        lambda: describe_day(None),
    ],
)
def test_wrong_types_are_rejected(call):
    with pytest.raises(TypeError):
        call()


# --- caching: a year at a time, never a query per day -------------------------------------


def test_a_whole_year_costs_two_queries_then_none(django_assert_num_queries):
    with django_assert_num_queries(2):
        assert add_working_days(D(2026, 1, 1), 200).date.year == 2026
        assert working_days_between(D(2026, 1, 1), D(2026, 12, 1)) > 200
        assert is_working_day(D(2026, 5, 9))
    with django_assert_num_queries(0):
        add_working_days(D(2026, 1, 1), 240)
        next_working_day(D(2026, 9, 30))
        year_is_published(2026)


def test_an_unpublished_year_costs_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        add_working_days(D(2027, 1, 1), 100)
    with django_assert_num_queries(0):
        is_working_day(D(2027, 6, 1))


def test_the_shared_cache_serves_other_processes(django_assert_num_queries):
    is_working_day(D(2026, 10, 1))
    calendar._local.clear()  # what a second process sees: the shared cache only
    with django_assert_num_queries(0):
        assert not is_working_day(D(2026, 10, 1))


def test_a_cleared_cache_gets_a_new_version_and_reloads(django_assert_num_queries):
    assert not is_working_day(D(2026, 10, 1))
    CalendarDay.objects.filter(date=D(2026, 10, 1)).delete()  # behind the cache's back
    assert not is_working_day(D(2026, 10, 1))  # still cached
    cache.clear()
    with django_assert_num_queries(2):
        assert is_working_day(D(2026, 10, 1))


# --- properties -----------------------------------------------------------------------------

starts = st.dates(min_value=D(2023, 10, 1), max_value=D(2027, 6, 30))
counts = st.integers(min_value=0, max_value=300)


@hypothesis_settings
@given(start=starts, days=counts)
def test_add_then_count_round_trip(start, days):
    result = add_working_days(start, days)
    assert working_days_between(start, result.date) == days
    assert working_days_between(start, result.date) == brute_force_count(start, result.date)
    if days:
        assert is_working_day(result.date)
        # No working day is skipped: the day before the result is within the count.
        assert working_days_between(start, result.date - datetime.timedelta(days=1)) == days - 1


@hypothesis_settings
@given(start=starts, days=counts)
def test_subtract_then_count_round_trip(start, days):
    result = add_working_days(start, -days)
    assert result.date <= start
    assert working_days_between(start, result.date) == -days
    if days:
        assert is_working_day(result.date)


@hypothesis_settings
@given(start=starts, days=st.integers(min_value=0, max_value=200))
def test_adding_is_strictly_monotonic(start, days):
    assert add_working_days(start, days).date < add_working_days(start, days + 1).date


@hypothesis_settings
@given(start=starts, first=st.integers(0, 150), second=st.integers(0, 150))
def test_adding_composes(start, first, second):
    middle = add_working_days(start, first).date
    assert add_working_days(middle, second).date == add_working_days(start, first + second).date


@hypothesis_settings
@given(a=starts, b=starts, c=starts)
def test_counting_is_additive(a, b, c):
    a, b, c = sorted((a, b, c))
    assert working_days_between(a, b) + working_days_between(b, c) == working_days_between(a, c)


@hypothesis_settings
@given(start=starts, days=counts)
def test_provisional_exactly_when_an_unpublished_year_is_walked(start, days):
    result = add_working_days(start, days)
    walked_years = {
        (start + datetime.timedelta(days=i)).year for i in range(1, (result.date - start).days + 1)
    }
    assert result.provisional == any(not year_is_published(year) for year in walked_years)
