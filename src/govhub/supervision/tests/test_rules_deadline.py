"""Deadline rules: each fires and clears on crafted cases, on the real 2026 calendar
(National Day holiday 1-7 October, make-up working day Saturday 10 October), and the
set-based SQL agrees with the Python definition (`deadline_level`) on random cases."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govhub.cases.workflow import State
from govhub.supervision.deadline_scan import Scope, apply_rule
from govhub.supervision.models import Alert, AlertEvent, Rule
from govhub.supervision.rules import registry
from govhub.supervision.rules_deadline import DeadlineRule, deadline_level
from govhub.supervision.scan import run_scan
from govhub.supervision.tests.factories import open_case, rule, step_of

pytestmark = pytest.mark.django_db
D = datetime.date
DEFAULTS = {"yellow_share": 0.8, "yellow_days_before": 1}


def levels(code: str = "deadline.case") -> dict[int, str]:
    return dict(
        Alert.objects.filter(rule__code=code, cause_active=True).values_list("case_id", "level")
    )


def scan(today: datetime.date, *, full: bool = True) -> Any:
    return run_scan(full=full, today=today)


# --- the calendar's edges ----------------------------------------------------------------------


def test_due_after_the_national_day_holiday_is_one_working_day_away() -> None:
    """On 30 September the next working day is 8 October: a case due then is yellow,
    one due on the 9th (two working days) is not, one due yesterday is red."""
    yellow = open_case(due=D(2026, 10, 8), limit=5)
    calm = open_case(due=D(2026, 10, 9), limit=5)
    red = open_case(due=D(2026, 9, 29), limit=5)
    today_due = open_case(due=D(2026, 9, 30), limit=5)
    scan(D(2026, 9, 30))
    assert levels() == {yellow.pk: "yellow", red.pk: "red", today_due.pk: "yellow"}
    assert calm.pk not in levels()


def test_make_up_saturday_counts_as_a_working_day() -> None:
    """Friday 9 October 2026: Saturday the 10th is worked, so Monday the 12th is two
    working days away (not yellow), and the 10th itself is the next one (yellow)."""
    saturday = open_case(due=D(2026, 10, 10), limit=5)
    monday = open_case(due=D(2026, 10, 12), limit=5)
    scan(D(2026, 10, 9))
    assert levels() == {saturday.pk: "yellow"}
    assert monday.pk not in levels()


def test_during_the_holiday_the_first_working_day_after_it_is_near() -> None:
    near = open_case(due=D(2026, 10, 8), limit=5)
    later = open_case(due=D(2026, 10, 12), limit=5)  # 8, 9, 10 (make-up), 12: four away
    scan(D(2026, 10, 3))
    assert levels() == {near.pk: "yellow"}
    assert later.pk not in levels()


def test_share_of_the_limit_used_makes_it_yellow() -> None:
    """A 10-day limit due in 2 working days has used 80%: yellow by share; with
    `yellow_share` 0.9 it is not yet."""
    case = open_case(due=D(2026, 11, 12), limit=10)  # Tuesday 10th → Thursday 12th
    scan(D(2026, 11, 10))
    assert levels() == {case.pk: "yellow"}
    row = Rule.objects.get(code="deadline.case")
    row.params = {"yellow_share": 0.9, "yellow_days_before": 1}
    row.save()
    scan(D(2026, 11, 10), full=False)  # a rule change forces a full scan by itself
    assert levels() == {}
    alert = Alert.objects.get(case=case, rule__code="deadline.case")
    assert (alert.state, alert.closed_reason) == ("closed", "cured")


def test_extensions_count_in_the_limit() -> None:
    """Extended by 10 days, a 10-day limit is 20: two days left is 90% used, yellow; with
    0.95 not. Calendar-day limits count calendar days."""
    extended = open_case(due=D(2026, 11, 12), limit=10, extension_days=10)
    by_calendar = open_case(due=D(2026, 11, 14), limit=10, unit="calendar_days")
    row = Rule.objects.get(code="deadline.case") if Rule.objects.exists() else rule("deadline.case")
    row.params = {"yellow_share": 0.9, "yellow_days_before": 0}
    row.save()
    scan(D(2026, 11, 10))
    # extended: 20 total, 2 left → 18 used = 90% → yellow; by_calendar: 4 left of 10 → 60%.
    assert levels() == {extended.pk: "yellow"}
    assert by_calendar.pk not in levels()


# --- firing, upgrading, curing, reopening -------------------------------------------------------


def test_yellow_is_upgraded_to_red_in_place_and_repeated_scans_add_nothing() -> None:
    case = open_case(due=D(2026, 11, 27), limit=5)
    scan(D(2026, 11, 26))
    first = Alert.objects.get(case=case, rule__code="deadline.case")
    assert first.level == "yellow"
    for _ in range(3):
        scan(D(2026, 11, 26))
    scan(D(2026, 11, 30))  # Monday: overdue
    scan(D(2026, 11, 30))
    alert = Alert.objects.get(case=case, rule__code="deadline.case")
    assert alert.pk == first.pk and alert.level == "red" and alert.state == "raised"
    assert list(alert.events.values_list("action", "from_level", "to_level")) == [
        ("raise", "", "yellow"),
        ("level", "yellow", "red"),
    ]


@pytest.mark.parametrize(
    "change",
    [
        {"state": State.DECIDED},
        {"state": State.COMPLETED},
        {"state": State.WITHDRAWN},
        {"state": State.SPECIAL_PROCEDURE, "paused_since": D(2026, 11, 27)},
        {"paused_since": D(2026, 11, 27)},
        {"promised_due": D(2026, 12, 31)},  # extended
    ],
    ids=["decided", "completed", "withdrawn", "special", "paused", "extended"],
)
def test_alert_closes_itself_when_the_cause_is_cured(change: dict[str, Any]) -> None:
    case = open_case(due=D(2026, 11, 20), limit=5)
    scan(D(2026, 11, 27))
    assert levels() == {case.pk: "red"}
    type(case).objects.filter(pk=case.pk).update(**change)
    scan(D(2026, 11, 27))
    alert = Alert.objects.get(case=case, rule__code="deadline.case")
    assert (alert.state, alert.closed_reason, alert.cause_active) == ("closed", "cured", False)
    assert alert.events.last().action == "cure"


def test_a_cause_that_comes_back_reopens_the_same_alert() -> None:
    case = open_case(due=D(2026, 11, 20), limit=5)
    scan(D(2026, 11, 27))
    type(case).objects.filter(pk=case.pk).update(paused_since=D(2026, 11, 27))
    scan(D(2026, 11, 27))
    type(case).objects.filter(pk=case.pk).update(paused_since=None)
    scan(D(2026, 11, 27))
    alerts = Alert.objects.filter(case=case, rule__code="deadline.case")
    assert alerts.count() == 1
    alert = alerts.get()
    assert (alert.state, alert.reopen_count, alert.cause_active) == ("raised", 1, True)
    assert list(alert.events.values_list("action", flat=True)) == ["raise", "cure", "reopen"]


def test_a_supervisor_closed_alert_stays_closed_while_the_cause_persists() -> None:
    case = open_case(due=D(2026, 11, 20), limit=5)
    scan(D(2026, 11, 27))
    Alert.objects.filter(case=case).update(state="closed", closed_reason="supervisor")
    scan(D(2026, 11, 27))
    scan(D(2026, 11, 30))
    alert = Alert.objects.get(case=case, rule__code="deadline.case")
    assert alert.state == "closed" and alert.cause_active


def test_step_deadlines_fire_per_step_and_clear_when_the_step_is_finished() -> None:
    case = open_case(due=D(2026, 12, 31), limit=40)
    late = step_of(case, due=D(2026, 11, 25), limit=3, position=1)
    near = step_of(case, due=D(2026, 11, 27), limit=3, position=1, name="联合审查")
    future = step_of(case, due=None, position=2)  # not started yet
    scan(D(2026, 11, 26))
    steps = dict(Alert.objects.filter(rule__code="deadline.step").values_list("step_id", "level"))
    assert steps == {late.pk: "red", near.pk: "yellow"}
    assert future.pk not in steps
    assert levels() == {}  # the case itself is far from its due date
    type(late).objects.filter(pk=late.pk).update(finished_at=datetime.datetime.now(datetime.UTC))
    scan(D(2026, 11, 26))
    assert Alert.objects.get(step=late).state == "closed"
    assert Alert.objects.get(step=near).state == "raised"


def test_step_alert_belongs_to_the_steps_department() -> None:
    from govhub.organizations.tests.factories import DepartmentFactory

    case = open_case(due=D(2026, 12, 31), limit=40)
    joint = DepartmentFactory()
    step = step_of(case, due=D(2026, 11, 20), department=joint, kind="joint_review")
    scan(D(2026, 11, 26))
    alert = Alert.objects.get(step=step)
    assert (alert.department_id, alert.region_id) == (joint.pk, case.region_id)


def test_disabled_rule_raises_nothing() -> None:
    rule("deadline.case")
    Rule.objects.filter(code="deadline.case").update(enabled=False)
    open_case(due=D(2026, 11, 20), limit=5)
    scan(D(2026, 11, 27))
    assert not Alert.objects.filter(rule__code="deadline.case").exists()


def test_paused_and_unaccepted_cases_are_not_watched() -> None:
    open_case(due=D(2026, 11, 20), paused_since=D(2026, 11, 1))
    open_case(due=D(2026, 11, 20), state=State.SUPPLEMENT_REQUESTED)
    open_case(due=D(2026, 11, 20), state=State.SUBMITTED)
    scan(D(2026, 11, 27))
    assert not Alert.objects.exists()


# --- the SQL agrees with the definition ----------------------------------------------------------

days = st.integers(min_value=0, max_value=75).map(lambda n: D(2026, 9, 1) + datetime.timedelta(n))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    today=days,
    cases=st.lists(
        st.tuples(
            st.integers(min_value=-6, max_value=45),
            st.integers(min_value=1, max_value=30),
            st.sampled_from(["working_days", "calendar_days", "immediate"]),
            st.integers(min_value=0, max_value=6),
        ),
        min_size=1,
        max_size=6,
    ),
    share=st.integers(min_value=1, max_value=20).map(lambda n: n * 0.05),
    before=st.integers(min_value=0, max_value=3),
)
def test_sql_levels_match_the_python_definition(
    today: datetime.date,
    cases: list[tuple[int, int, str, int]],
    share: float,
    before: int,
    seeded_calendar: None,
) -> None:
    params = {"yellow_share": round(share, 2), "yellow_days_before": before}
    definition = registry()["deadline.case"]
    assert isinstance(definition, DeadlineRule)
    with transaction.atomic():
        row = rule("deadline.case")
        made = {}
        for offset, limit, unit, extension in cases:
            due = today + datetime.timedelta(days=offset)
            case = open_case(due=due, limit=limit, unit=unit, extension_days=extension)
            made[case.pk] = deadline_level(
                today=today,
                due=due,
                total=limit + extension if unit != "immediate" else None,
                unit=unit,
                params=params,
            )
        apply_rule(row=row, rule=definition, params=params, today=today, scope=Scope.everything())
        found = levels()
        assert found == {pk: level for pk, level in made.items() if level is not None}
        assert AlertEvent.objects.filter(action="raise").count() == len(found)
        transaction.set_rollback(True)
