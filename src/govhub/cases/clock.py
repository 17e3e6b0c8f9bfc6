"""Case clocks: deadlines counted from acceptance on the working-day calendar.

The rules, in one place:
- A limit of N working days runs from the day of acceptance, which is not counted: a case
  accepted on Wednesday with a limit of 1 is due on Thursday (`core.calendar`). Calendar-day
  limits add N days. An immediate item (即办) is due on the day of acceptance, or the next
  working day when it was accepted on a rest day.
- While a supplement is awaited or a special procedure runs, the clock stops. The days it
  stood still are counted in the limit's own unit (working days for working-day limits) as
  `working_days_between(paused_on, resumed_on)`, so a pause that starts and ends on the
  same day costs nothing; they are added to the limit and the due date moves on resume.
- An extension adds days to the limit, on the record.
- Time used is counted the same way as the limit, from acceptance to today, minus the days
  excluded; time left is the difference to the due date.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from govhub.core import calendar

WORKING = "working_days"
CALENDAR = "calendar_days"
IMMEDIATE = "immediate"


def days_between(start: datetime.date, end: datetime.date, *, unit: str) -> int:
    """Days from `start` to `end` (start excluded, end included) in `unit`."""
    if unit == CALENDAR:
        return (end - start).days
    return calendar.working_days_between(start, end)


def due_date(
    *, start: datetime.date, limit_value: int | None, limit_unit: str, excluded: int = 0
) -> datetime.date | None:
    """The due date of a limit started on `start`, with `excluded` days added (pauses and
    extensions). None when the item sets no limit."""
    if limit_unit == IMMEDIATE:
        base = start if calendar.is_working_day(start) else calendar.next_working_day(start)
        if excluded:
            return calendar.add_working_days(base, excluded).date
        return base
    if limit_value is None or not limit_unit:
        return None
    total = limit_value + excluded
    if limit_unit == CALENDAR:
        return start + datetime.timedelta(days=total)
    return calendar.add_working_days(start, total).date


def pause_length(*, paused_on: datetime.date, resumed_on: datetime.date, unit: str) -> int:
    """Days a pause excluded, in the limit's unit (immediate items count working days)."""
    if resumed_on <= paused_on:
        return 0
    return days_between(paused_on, resumed_on, unit=CALENDAR if unit == CALENDAR else WORKING)


@dataclass(frozen=True)
class ClockSummary:
    unit: str
    accepted_on: datetime.date | None
    promised_due: datetime.date | None
    legal_due: datetime.date | None
    used: int | None  # days used so far, pauses excluded
    left: int | None  # days left to the promised due date (negative when overdue)
    paused: bool
    paused_since: datetime.date | None
    excluded: int
    overdue: bool
    provisional: bool  # a year on the way has no published holiday schedule


def summary(
    *,
    accepted_on: datetime.date | None,
    unit: str,
    promised_due: datetime.date | None,
    legal_due: datetime.date | None,
    paused_since: datetime.date | None,
    paused_days: int,
    extension_days: int,
    today: datetime.date | None = None,
    stopped_on: datetime.date | None = None,
) -> ClockSummary:
    """Time used and left. `stopped_on` is the day the case was decided (the clock stops)."""
    today = today or calendar.local_today()
    count_unit = CALENDAR if unit == CALENDAR else WORKING
    if accepted_on is None:
        return ClockSummary(
            unit, None, promised_due, legal_due, None, None, False, None, 0, False, False
        )
    # While paused, the clock stood still from `paused_since`.
    end = stopped_on or paused_since or today
    end = max(end, accepted_on)
    used = days_between(accepted_on, end, unit=count_unit) - paused_days
    used = max(used, 0)
    left: int | None = None
    overdue = False
    if promised_due is not None:
        if paused_since is not None:
            # The due date will move by the pause's length; what is left is frozen.
            left = days_between(paused_since, promised_due, unit=count_unit)
        else:
            left = days_between(end, promised_due, unit=count_unit)
        overdue = end > promised_due and paused_since is None
    provisional = bool(promised_due) and calendar.span_is_provisional(
        accepted_on, max(promised_due or accepted_on, end)
    )
    return ClockSummary(
        unit=unit,
        accepted_on=accepted_on,
        promised_due=promised_due,
        legal_due=legal_due,
        used=used,
        left=left,
        paused=paused_since is not None,
        paused_since=paused_since,
        excluded=paused_days + extension_days,
        overdue=overdue,
        provisional=provisional,
    )
