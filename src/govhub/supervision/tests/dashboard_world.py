"""A small synthetic world for the dashboard tests, with figures known by hand.

    city ─┬─ (own level) C1 (市直部门, overdue)
          └─ district ─┬─ (own level) A1 A3 A4 B1 B2 B3 B4
                       └─ town ── A2
    elsewhere (another city): X1 (must never be counted)

`TODAY` is Wednesday 18 March 2026; March 2026 has no public holiday.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass
from typing import Any

from govhub.cases.models import Case
from govhub.cases.tests.factories import CaseFactory, make_online_item
from govhub.cases.workflow import State
from govhub.organizations.models import Department, Region
from govhub.organizations.tests.factories import (
    CityFactory,
    DepartmentFactory,
    RegionFactory,
    TownshipFactory,
)
from govhub.supervision.models import Alert
from govhub.supervision.tests.factories import AlertFactory, rule

TODAY = datetime.date(2026, 3, 18)
PERIOD_START = datetime.date(2026, 3, 1)
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def local(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


@dataclass
class World:
    city: Region
    district: Region
    town: Region
    other_city: Region
    dept_a: Department
    dept_b: Department
    dept_city: Department
    cases: dict[str, Case]
    alerts: dict[str, Alert]


def _case(item: Any, department: Department, region: Region, **fields: Any) -> Case:
    fields.setdefault("promised_limit_unit", "working_days")
    return CaseFactory(item=item, department=department, region=region, **fields)


def build_world() -> World:
    city = CityFactory()
    district = RegionFactory(parent=city)
    town = TownshipFactory(parent=district)
    other_city = CityFactory()
    dept_a = DepartmentFactory(region=district, name="测试审批局甲")
    dept_b = DepartmentFactory(region=district, name="测试审批局乙")
    dept_city = DepartmentFactory(region=city, name="测试市直局")
    dept_other = DepartmentFactory(region=other_city)
    item = make_online_item()
    review = {"state": State.UNDER_REVIEW, "accepted_on": datetime.date(2026, 1, 5)}
    cases = {
        # overdue 2 working days (16 → 18 March): 1–3
        "A1": _case(item, dept_a, district, promised_due=datetime.date(2026, 3, 16), **review),
        # overdue 10 calendar days: 4–10
        "A2": _case(
            item,
            dept_a,
            town,
            promised_due=datetime.date(2026, 3, 8),
            promised_limit_unit="calendar_days",
            **review,
        ),
        # overdue 57 calendar days: > 30
        "A3": _case(
            item,
            dept_a,
            district,
            promised_due=datetime.date(2026, 1, 20),
            promised_limit_unit="calendar_days",
            **review,
        ),
        # waiting for a supplement: open, the clock stopped, not overdue
        "A4": _case(
            item,
            dept_a,
            district,
            state=State.SUPPLEMENT_REQUESTED,
            promised_due=datetime.date(2026, 3, 2),
            paused_since=datetime.date(2026, 2, 27),
        ),
        "B1": _case(item, dept_b, district, state=State.SUBMITTED, promised_due=None),
        # decided on time (10 March, due 12 March)
        "B2": _case(
            item,
            dept_b,
            district,
            state=State.DECIDED,
            promised_due=datetime.date(2026, 3, 12),
            decided_at=local(datetime.date(2026, 3, 10)),
        ),
        # decided at 00:30 on 14 March in Shanghai (still 13 March in UTC), due 13 March:
        # late, in local time
        "B3": _case(
            item,
            dept_b,
            district,
            state=State.DECIDED,
            promised_due=datetime.date(2026, 3, 13),
            decided_at=local(datetime.date(2026, 3, 14), 0, 30),
        ),
        # decided before the period, on time: only in the weekly trend
        "B4": _case(
            item,
            dept_b,
            district,
            state=State.COMPLETED,
            promised_due=datetime.date(2026, 2, 12),
            decided_at=local(datetime.date(2026, 2, 10)),
        ),
        # a city department's own case, overdue 1 working day
        "C1": _case(item, dept_city, city, promised_due=datetime.date(2026, 3, 17), **review),
        # another city: never counted
        "X1": _case(item, dept_other, other_city, promised_due=datetime.date(2026, 3, 1), **review),
    }
    deadline, missing, second = (
        rule("deadline.case"),
        rule("process.missing_material"),
        rule("process.second_supplement"),
    )

    def alert(
        key: str, rule_row: Any, level: str, raised: datetime.datetime, **extra: Any
    ) -> Alert:
        case = cases[key]
        return AlertFactory(
            rule=rule_row,
            case=case,
            department=case.department,
            region=case.region,
            level=level,
            raised_at=raised,
            **extra,
        )

    alerts = {
        "A1": alert("A1", deadline, "red", local(datetime.date(2026, 3, 17))),
        "A4": alert("A4", second, "yellow", local(datetime.date(2026, 3, 2))),
        "B2": alert(
            "B2",
            deadline,
            "red",
            local(datetime.date(2026, 2, 1)),
            state=Alert.State.CLOSED,
            closed_at=local(datetime.date(2026, 3, 10)),
        ),
        "C1": alert("C1", missing, "red", local(datetime.date(2026, 3, 18))),
        "X1": alert("X1", deadline, "yellow", local(datetime.date(2026, 3, 5))),
    }
    return World(city, district, town, other_city, dept_a, dept_b, dept_city, cases, alerts)
