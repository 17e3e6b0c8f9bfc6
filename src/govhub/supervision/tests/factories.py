"""Builders for supervision tests (synthetic data only).

`open_case(...)` makes a case under review directly (no history), with the deadline fields
the test names; `step_of(case, ...)` gives it an open step; `supervisor(region)` and
`department_staff(department)` give accounts their positions.
"""

from __future__ import annotations

import datetime
from typing import Any

import factory
from factory.django import DjangoModelFactory

from govhub.cases.models import Case, CaseStep
from govhub.cases.tests.factories import CaseFactory, make_online_item
from govhub.cases.workflow import State
from govhub.identity.models import User
from govhub.identity.tests.factories import StaffUserFactory
from govhub.organizations.models import Department, Position, Region
from govhub.organizations.tests.factories import grant
from govhub.supervision.models import Alert, Rule

Role = Position.Role


def open_case(
    *,
    due: datetime.date,
    accepted: datetime.date | None = None,
    limit: int | None = 10,
    unit: str = "working_days",
    **fields: Any,
) -> Case:
    """A case under review (its clock running) due on `due`."""
    fields.setdefault("state", State.UNDER_REVIEW)
    return CaseFactory(
        accepted_on=accepted or due - datetime.timedelta(days=14),
        promised_due=due,
        promised_limit_value=limit,
        promised_limit_unit=unit,
        submitted_at=datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC),
        **fields,
    )


def step_of(
    case: Case,
    *,
    due: datetime.date | None,
    limit: int | None = 3,
    unit: str = "working_days",
    position: int = 1,
    **fields: Any,
) -> CaseStep:
    fields.setdefault("department", case.department)
    return CaseStep.objects.create(
        case=case,
        position=position,
        name=fields.pop("name", f"审查{position}"),
        kind=fields.pop("kind", CaseStep.Kind.REVIEW),
        role=fields.pop("role", Role.REVIEWER),
        limit_value=limit,
        limit_unit=unit,
        started_on=due,
        due_on=due,
        **fields,
    )


def supervisor(region: Region) -> User:
    user = StaffUserFactory()
    from govhub.organizations.tests.factories import DepartmentFactory

    grant(user, Role.SUPERVISOR, department=DepartmentFactory(region=region), region=region)
    return user


def department_staff(department: Department, role: str = Role.REVIEWER, **extra: Any) -> User:
    user = StaffUserFactory()
    grant(user, role, department=department, **extra)
    return user


def rule(code: str) -> Rule:
    from govhub.supervision.rules import sync_rules

    sync_rules()
    return Rule.objects.get(code=code)


class AlertFactory(DjangoModelFactory):
    """An alert row made directly (for lifecycle, policy and selector tests)."""

    class Meta:
        model = Alert

    rule = factory.LazyFunction(lambda: rule("process.second_supplement"))
    case = factory.LazyFunction(lambda: CaseFactory(item=make_online_item()))
    department = factory.LazyAttribute(lambda o: o.case.department)
    region = factory.LazyAttribute(lambda o: o.case.region)
    level = "red"
    state = Alert.State.RAISED
