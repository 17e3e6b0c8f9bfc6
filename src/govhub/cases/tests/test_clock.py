"""Case clocks on the working-day calendar: limits, pauses, immediate items, holidays."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govhub.cases import clock
from govhub.core import calendar

pytestmark = pytest.mark.django_db
D = datetime.date

days_2026 = st.dates(min_value=D(2026, 1, 1), max_value=D(2026, 12, 1))


def test_working_day_limits_across_national_day() -> None:
    # Accepted on 30 September 2026: 1–7 October are off, 10 October (Saturday) is worked.
    start = D(2026, 9, 30)
    assert clock.due_date(start=start, limit_value=1, limit_unit=clock.WORKING) == D(2026, 10, 8)
    assert clock.due_date(start=start, limit_value=3, limit_unit=clock.WORKING) == D(2026, 10, 10)
    assert clock.due_date(start=start, limit_value=4, limit_unit=clock.WORKING) == D(2026, 10, 12)


def test_working_day_limits_across_spring_festival() -> None:
    # 15–23 February 2026 are off; 14 and 28 February (Saturdays) are worked.
    start = D(2026, 2, 13)
    assert clock.due_date(start=start, limit_value=1, limit_unit=clock.WORKING) == D(2026, 2, 14)
    assert clock.due_date(start=start, limit_value=2, limit_unit=clock.WORKING) == D(2026, 2, 24)


def test_calendar_day_limits_ignore_holidays() -> None:
    start = D(2026, 9, 30)
    assert clock.due_date(start=start, limit_value=5, limit_unit=clock.CALENDAR) == D(2026, 10, 5)


def test_immediate_items_are_due_the_same_working_day() -> None:
    assert clock.due_date(start=D(2026, 11, 4), limit_value=None, limit_unit=clock.IMMEDIATE) == D(
        2026, 11, 4
    )
    # Accepted on a holiday (a kiosk on 2 October): due on the next working day.
    assert clock.due_date(start=D(2026, 10, 2), limit_value=None, limit_unit=clock.IMMEDIATE) == D(
        2026, 10, 8
    )
    # A make-up Saturday is a working day.
    assert clock.due_date(start=D(2026, 10, 10), limit_value=None, limit_unit=clock.IMMEDIATE) == D(
        2026, 10, 10
    )


def test_no_limit_means_no_due_date() -> None:
    assert clock.due_date(start=D(2026, 3, 2), limit_value=None, limit_unit=clock.WORKING) is None


def test_pause_over_the_holiday_counts_only_working_days() -> None:
    assert (
        clock.pause_length(paused_on=D(2026, 9, 29), resumed_on=D(2026, 10, 9), unit=clock.WORKING)
        == 3
    )  # 30 September, 8 and 9 October
    assert (
        clock.pause_length(paused_on=D(2026, 9, 29), resumed_on=D(2026, 10, 9), unit=clock.CALENDAR)
        == 10
    )
    assert clock.pause_length(paused_on=D(2026, 5, 6), resumed_on=D(2026, 5, 6), unit="x") == 0


@settings(max_examples=60, deadline=None)
@given(start=days_2026, limit=st.integers(min_value=1, max_value=60))
def test_due_date_is_exactly_the_limit_in_working_days(start: datetime.date, limit: int) -> None:
    due = clock.due_date(start=start, limit_value=limit, limit_unit=clock.WORKING)
    assert due is not None and calendar.is_working_day(due)
    assert clock.days_between(start, due, unit=clock.WORKING) == limit


@settings(max_examples=60, deadline=None)
@given(
    start=days_2026,
    limit=st.integers(min_value=1, max_value=30),
    pause_at=st.integers(min_value=0, max_value=20),
    pause_for=st.integers(min_value=0, max_value=40),
)
def test_a_pause_moves_the_due_date_by_its_working_days(
    start: datetime.date, limit: int, pause_at: int, pause_for: int
) -> None:
    paused_on = start + datetime.timedelta(days=pause_at)
    resumed_on = paused_on + datetime.timedelta(days=pause_for)
    excluded = clock.pause_length(paused_on=paused_on, resumed_on=resumed_on, unit=clock.WORKING)
    due = clock.due_date(
        start=start, limit_value=limit, limit_unit=clock.WORKING, excluded=excluded
    )
    plain = clock.due_date(start=start, limit_value=limit, limit_unit=clock.WORKING)
    assert due is not None and plain is not None and due >= plain
    assert clock.days_between(plain, due, unit=clock.WORKING) == excluded


def test_summary_counts_used_and_left_and_freezes_while_paused() -> None:
    accepted = D(2026, 11, 2)
    due = clock.due_date(start=accepted, limit_value=10, limit_unit=clock.WORKING)
    running = clock.summary(
        accepted_on=accepted,
        unit=clock.WORKING,
        promised_due=due,
        legal_due=None,
        paused_since=None,
        paused_days=0,
        extension_days=0,
        today=D(2026, 11, 6),
    )
    assert (running.used, running.left, running.overdue) == (4, 6, False)
    paused = clock.summary(
        accepted_on=accepted,
        unit=clock.WORKING,
        promised_due=due,
        legal_due=None,
        paused_since=D(2026, 11, 6),
        paused_days=0,
        extension_days=0,
        today=D(2026, 11, 20),
    )
    assert (paused.used, paused.left, paused.paused) == (4, 6, True)
    late = clock.summary(
        accepted_on=accepted,
        unit=clock.WORKING,
        promised_due=due,
        legal_due=None,
        paused_since=None,
        paused_days=0,
        extension_days=0,
        today=D(2026, 11, 18),
    )
    assert late.overdue and late.left == -2
