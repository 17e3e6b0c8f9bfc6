"""The 2024-2026 schedules seeded by migration 0003, checked day by day against the
independent `chinese_calendar` package (a dev dependency)."""

import datetime

import chinese_calendar
import pytest

from govhub.core.calendar import describe_day, is_working_day
from govhub.core.calendar_models import CalendarDay, CalendarYear

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_calendar")]

# chinese_calendar's holiday names → ours.
NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
}


def days_of(year):
    day = datetime.date(year, 1, 1)
    while day.year == year:
        yield day
        day += datetime.timedelta(days=1)


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_every_day_matches_chinese_calendar(year):
    mismatches = [
        (day.isoformat(), is_working_day(day), chinese_calendar.is_workday(day))
        for day in days_of(year)
        if is_working_day(day) != chinese_calendar.is_workday(day)
    ]
    assert mismatches == []


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_only_days_that_differ_from_the_weekend_rule_are_stored(year):
    expected = {
        day: ("workday" if chinese_calendar.is_workday(day) else "holiday")
        for day in days_of(year)
        if chinese_calendar.is_workday(day) != (day.weekday() < 5)
    }
    stored = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "kind"))
    assert stored == expected


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_names_agree_with_chinese_calendar(year):
    for calendar_day in CalendarDay.objects.filter(date__year=year):
        _on_holiday, holiday = chinese_calendar.get_holiday_detail(calendar_day.date)
        assert NAMES[holiday] in calendar_day.name, calendar_day
        assert describe_day(calendar_day.date).name == calendar_day.name


def test_seeded_years_are_published_with_their_source():
    years = {y.year: y for y in CalendarYear.objects.all()}
    assert set(years) == {2024, 2025, 2026}
    for year, calendar_year in years.items():
        assert calendar_year.is_published
        assert calendar_year.source == f"国务院办公厅关于{year}年部分节假日安排的通知"
        assert calendar_year.loaded_at is not None
