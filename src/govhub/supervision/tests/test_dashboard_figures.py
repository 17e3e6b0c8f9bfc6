"""The dashboards' figures on a world counted by hand (`dashboard_world`): totals, the
drill-down rows, ageing, rules, weekly trend; scope; pinned query counts."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govhub.cases.tests.factories import CaseFactory, make_online_item
from govhub.cases.workflow import State
from govhub.core.errors import NotFound
from govhub.organizations.models import Position
from govhub.organizations.tests.factories import DepartmentFactory, RegionFactory, grant
from govhub.supervision.selectors_dashboard import (
    Node,
    Period,
    ageing_bucket,
    figures,
    node_for,
    viewer,
)
from govhub.supervision.tests.dashboard_world import PERIOD_START, TODAY, World, build_world
from govhub.supervision.tests.factories import AlertFactory, department_staff, rule, supervisor

pytestmark = pytest.mark.django_db
Role = Position.Role
PERIOD = Period(PERIOD_START, TODAY)


@pytest.fixture
def world() -> World:
    return build_world()


def numbers(row) -> tuple[int, int, int, int, int, int]:  # type: ignore[no-untyped-def]
    return (row.open_cases, row.overdue, row.finished, row.on_time, row.yellow, row.red)


def test_city_totals_for_its_supervisor(world: World) -> None:
    user = supervisor(world.city)
    result = figures(user=user, node=Node(world.city), period=PERIOD, today=TODAY)
    # open: A1 A2 A3 A4 B1 C1; overdue: A1 A2 A3 C1; finished in March: B2 (on time), B3
    # (late in local time); yellow: A4; red: A1 C1 (B2's is closed; X1 is elsewhere).
    assert numbers(result.total) == (6, 4, 2, 1, 1, 2)
    assert result.total.on_time_rate == 0.5


def test_drill_down_rows_roll_up_to_children(world: World) -> None:
    user = supervisor(world.city)
    city = figures(user=user, node=Node(world.city), period=PERIOD, today=TODAY)
    rows = {row.key: row for row in city.regions}
    assert [row.key for row in city.regions] == [world.city.code, world.district.code]
    assert rows[world.city.code].own_level
    assert numbers(rows[world.city.code]) == (1, 1, 0, 0, 0, 1)  # C1
    # The town's A2 rolls up into the district.
    assert numbers(rows[world.district.code]) == (5, 3, 2, 1, 1, 1)
    departments = [row.key for row in city.departments]
    # Most red alerts, then most overdue first; B has neither.
    assert departments == [world.dept_a.code, world.dept_city.code, world.dept_b.code]
    assert numbers(city.departments[0]) == (4, 3, 0, 0, 1, 1)
    assert numbers(city.departments[2]) == (1, 0, 2, 1, 0, 0)

    district = figures(user=user, node=Node(world.district), period=PERIOD, today=TODAY)
    rows = {row.key: row for row in district.regions}
    assert numbers(rows[world.district.code]) == (4, 2, 2, 1, 1, 1)
    assert numbers(rows[world.town.code]) == (1, 1, 0, 0, 0, 0)
    assert numbers(district.total) == (5, 3, 2, 1, 1, 1)


def test_one_department(world: World) -> None:
    user = supervisor(world.city)
    node = Node(world.city, world.dept_a)
    result = figures(user=user, node=node, period=PERIOD, today=TODAY)
    assert numbers(result.total) == (4, 3, 0, 0, 1, 1)
    assert [row.key for row in result.departments] == [world.dept_a.code]


def test_ageing_buckets_in_the_cases_own_unit(world: World) -> None:
    user = supervisor(world.city)
    result = figures(user=user, node=Node(world.city), period=PERIOD, today=TODAY)
    # A1 2 working days, C1 1 working day; A2 10 calendar days; A3 57 calendar days.
    assert [(b.key, b.count) for b in result.ageing] == [
        ("1-3", 2),
        ("4-10", 1),
        ("11-30", 0),
        (">30", 1),
    ]


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, "1-3"),
        (1, "1-3"),
        (3, "1-3"),
        (4, "4-10"),
        (10, "4-10"),
        (11, "11-30"),
        (30, "11-30"),
        (31, ">30"),
        (400, ">30"),
    ],
)
def test_ageing_bucket_edges(days: int, bucket: str) -> None:
    assert ageing_bucket(days) == bucket


def test_violations_by_rule_in_the_period(world: World) -> None:
    user = supervisor(world.city)
    result = figures(user=user, node=Node(world.city), period=PERIOD, today=TODAY)
    counts = {row.code: (row.yellow, row.red) for row in result.rules if row.total}
    assert counts == {
        "deadline.case": (0, 1),  # A1 (B2's was raised in February)
        "process.missing_material": (0, 1),  # C1
        "process.second_supplement": (1, 0),  # A4
    }
    # Every registered rule is listed, the most frequent first.
    assert {row.code for row in result.rules} >= {"deadline.step", "process.step_order"}
    assert result.rules[0].total >= result.rules[-1].total


def test_weekly_trend_last_twelve_weeks(world: World) -> None:
    user = supervisor(world.city)
    result = figures(user=user, node=Node(world.city), period=PERIOD, today=TODAY)
    weeks = {week.start: week for week in result.weeks}
    assert len(result.weeks) == 12
    assert result.weeks[-1].start == datetime.date(2026, 3, 16)
    assert result.weeks[0].start == datetime.date(2025, 12, 29)
    assert all(week.start.weekday() == 0 for week in result.weeks)
    # B2 (Tue 10 March) and B3 (Sat 14 March, local) are in the week of 9 March.
    assert (
        weeks[datetime.date(2026, 3, 9)].finished,
        weeks[datetime.date(2026, 3, 9)].on_time,
    ) == (2, 1)
    assert (
        weeks[datetime.date(2026, 2, 9)].finished,
        weeks[datetime.date(2026, 2, 9)].on_time,
    ) == (1, 1)
    # Alerts raised: A1 and C1 this week, A4 the week of 2 March, B2's on Sunday 1 Feb.
    assert weeks[datetime.date(2026, 3, 16)].alerts == 2
    assert weeks[datetime.date(2026, 3, 2)].alerts == 1
    assert weeks[datetime.date(2026, 1, 26)].alerts == 1
    assert sum(w.finished for w in result.weeks) == 3


def test_period_limits_finished_cases(world: World) -> None:
    user = supervisor(world.city)
    february = Period(datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    result = figures(user=user, node=Node(world.city), period=february, today=TODAY)
    assert (result.total.finished, result.total.on_time) == (1, 1)  # B4
    # Open and overdue are "now", whatever the period.
    assert (result.total.open_cases, result.total.overdue) == (6, 4)


def test_department_staff_see_their_department_only(world: World) -> None:
    staff = department_staff(world.dept_a)
    result = figures(user=staff, node=Node(world.district), period=PERIOD, today=TODAY)
    assert numbers(result.total) == (4, 3, 0, 0, 1, 1)
    assert [row.key for row in result.departments] == [world.dept_a.code]


def test_nobody_else_sees_anything(world: World) -> None:
    from govhub.identity.tests.factories import StaffUserFactory

    admin = StaffUserFactory()
    grant(admin, Role.SYSTEM_ADMIN, department=world.dept_a, region=world.city)
    result = figures(user=admin, node=Node(world.city), period=PERIOD, today=TODAY)
    assert numbers(result.total) == (0, 0, 0, 0, 0, 0)
    assert not viewer(admin).has_access


def test_a_district_supervisor_sees_only_the_district(world: World) -> None:
    user = supervisor(world.district)
    result = figures(user=user, node=Node(world.district), period=PERIOD, today=TODAY)
    assert numbers(result.total) == (5, 3, 2, 1, 1, 1)
    with pytest.raises(NotFound):
        node_for(user, region_code=world.city.code)
    with pytest.raises(NotFound):
        node_for(user, region_code=world.other_city.code)


def test_node_access(world: World) -> None:
    staff = department_staff(world.dept_a)
    assert node_for(staff, region_code=world.district.code, department_code=world.dept_a.code)
    assert node_for(staff, region_code=world.town.code, department_code=world.dept_a.code)
    for region, department in [
        (world.district.code, world.dept_b.code),  # another department
        (world.city.code, world.dept_a.code),  # above the position's region
        (world.city.code, None),
        (world.district.code, "no-such-department"),
        ("999999", None),
    ]:
        with pytest.raises(NotFound):
            node_for(staff, region_code=region, department_code=department)
    boss = supervisor(world.city)
    assert node_for(boss, region_code=world.district.code, department_code=world.dept_b.code)
    assert viewer(boss).home() == (world.city, None)
    assert viewer(staff).home() == (world.district, world.dept_a)


def _count(user, node) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        figures(user=user, node=node, period=PERIOD, today=TODAY)
    return len(queries)


def test_query_count_does_not_grow_with_regions_or_departments(world: World) -> None:
    user = supervisor(world.city)
    node = Node(world.city)
    figures(user=user, node=node, period=PERIOD, today=TODAY)  # warm the rule registry
    before = _count(user, node)
    item = make_online_item()
    for index in range(6):
        district = RegionFactory(parent=world.city)
        department = DepartmentFactory(region=district)
        case = CaseFactory(
            item=item,
            department=department,
            region=district,
            state=State.UNDER_REVIEW,
            promised_due=datetime.date(2026, 3, 1 + index),
            accepted_on=datetime.date(2026, 1, 5),
        )
        AlertFactory(
            rule=rule("deadline.case"),
            case=case,
            department=department,
            region=district,
            raised_at=datetime.datetime(2026, 3, 10, tzinfo=datetime.UTC),
        )
    after = _count(user, node)
    assert after == before
    # positions, the subtree's regions, cases, alerts, ageing, rules, two trend queries,
    # the child regions and the departments: a fixed dozen at most.
    assert before <= 12
    result = figures(user=user, node=node, period=PERIOD, today=TODAY)
    assert len(result.regions) == 8 and len(result.departments) == 9
