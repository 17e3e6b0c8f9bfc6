"""Seed the working-day calendar with the State Council's published schedules for
2024, 2025 and 2026 (国务院办公厅关于部分节假日安排的通知).

Each holiday is written as the announced range of days off; weekend days inside a range
are skipped because only days that differ from the weekend rule are stored. Make-up
working days (调休上班) are weekend days. `core/tests/test_calendar_seed.py` compares the
result day by day with the `chinese_calendar` package.
"""

import datetime

from django.db import migrations

SCHEDULES = {
    2024: {
        "source": "国务院办公厅关于2024年部分节假日安排的通知",
        "holidays": [
            ("元旦", "2024-01-01", "2024-01-01"),
            ("春节", "2024-02-10", "2024-02-17"),
            ("清明节", "2024-04-04", "2024-04-06"),
            ("劳动节", "2024-05-01", "2024-05-05"),
            ("端午节", "2024-06-10", "2024-06-10"),
            ("中秋节", "2024-09-15", "2024-09-17"),
            ("国庆节", "2024-10-01", "2024-10-07"),
        ],
        "workdays": [
            ("春节", "2024-02-04"),
            ("春节", "2024-02-18"),
            ("清明节", "2024-04-07"),
            ("劳动节", "2024-04-28"),
            ("劳动节", "2024-05-11"),
            ("中秋节", "2024-09-14"),
            ("国庆节", "2024-09-29"),
            ("国庆节", "2024-10-12"),
        ],
    },
    2025: {
        "source": "国务院办公厅关于2025年部分节假日安排的通知",
        "holidays": [
            ("元旦", "2025-01-01", "2025-01-01"),
            ("春节", "2025-01-28", "2025-02-04"),
            ("清明节", "2025-04-04", "2025-04-06"),
            ("劳动节", "2025-05-01", "2025-05-05"),
            ("端午节", "2025-05-31", "2025-06-02"),
            ("国庆节、中秋节", "2025-10-01", "2025-10-08"),
        ],
        "workdays": [
            ("春节", "2025-01-26"),
            ("春节", "2025-02-08"),
            ("劳动节", "2025-04-27"),
            ("国庆节、中秋节", "2025-09-28"),
            ("国庆节、中秋节", "2025-10-11"),
        ],
    },
    2026: {
        "source": "国务院办公厅关于2026年部分节假日安排的通知",
        "holidays": [
            ("元旦", "2026-01-01", "2026-01-03"),
            ("春节", "2026-02-15", "2026-02-23"),
            ("清明节", "2026-04-04", "2026-04-06"),
            ("劳动节", "2026-05-01", "2026-05-05"),
            ("端午节", "2026-06-19", "2026-06-21"),
            ("中秋节", "2026-09-25", "2026-09-27"),
            ("国庆节", "2026-10-01", "2026-10-07"),
        ],
        "workdays": [
            ("元旦", "2026-01-04"),
            ("春节", "2026-02-14"),
            ("春节", "2026-02-28"),
            ("劳动节", "2026-05-09"),
            ("国庆节", "2026-09-20"),
            ("国庆节", "2026-10-10"),
        ],
    },
}


def seed(apps, schema_editor):
    CalendarYear = apps.get_model("core", "CalendarYear")
    CalendarDay = apps.get_model("core", "CalendarDay")
    now = datetime.datetime.now(tz=datetime.UTC)
    for year, schedule in SCHEDULES.items():
        if CalendarYear.objects.filter(year=year).exists():
            continue  # an administrator already maintains this year
        calendar_year = CalendarYear.objects.create(
            year=year,
            status="published",
            source=schedule["source"],
            notes="随系统初始化载入。",
            loaded_at=now,
            published_at=now,
        )
        days = []
        for name, first, last in schedule["holidays"]:
            day = datetime.date.fromisoformat(first)
            while day <= datetime.date.fromisoformat(last):
                if day.weekday() < 5:
                    days.append(CalendarDay(calendar_year=calendar_year, date=day, kind="holiday", name=name))
                day += datetime.timedelta(days=1)
        for name, iso in schedule["workdays"]:
            day = datetime.date.fromisoformat(iso)
            if day.weekday() < 5:
                raise ValueError(f"{iso} is a weekday; a make-up working day is a weekend day")
            days.append(CalendarDay(calendar_year=calendar_year, date=day, kind="workday", name=name))
        CalendarDay.objects.bulk_create(days)


def unseed(apps, schema_editor):
    CalendarYear = apps.get_model("core", "CalendarYear")
    CalendarYear.objects.filter(year__in=list(SCHEDULES), notes="随系统初始化载入。").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_calendar"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
