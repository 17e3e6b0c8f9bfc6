"""The benchmark's case generator (`bench/cases_generator.py`, `manage.py generate_cases`):
consistent cases with their histories, numbers that later submissions continue, and
nothing left behind but what it reports."""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import override_settings

from govhub.cases.models import (
    Case,
    CaseEvent,
    CaseMaterial,
    CaseNumberCounter,
    CaseStep,
    DeadlineChange,
)
from govhub.cases.service_support import next_case_number
from govhub.cases.tests.demo_support import demo_city
from govhub.cases.workflow import State

pytestmark = pytest.mark.django_db

COUNT = 400


@pytest.fixture(scope="module")
def generated(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Any:
    """The demo organisations, registries, accounts and catalogue, then COUNT generated
    cases, once for this module inside a transaction rolled back at the end."""
    with django_db_blocker.unblock(), demo_city(tmp_path_factory.mktemp("media")):
        out = io.StringIO()
        call_command(
            "generate_cases", str(COUNT), "--batch-size", "150", "--no-analyze", stdout=out
        )
        yield out.getvalue()


def test_it_writes_what_it_reports(generated: str) -> None:
    reported = {
        table: int(count.replace(",", ""))
        for table, count in re.findall(r"\b([A-Z][A-Za-z]+) ([\d,]+)\b", generated)
    }
    assert reported["Case"] == Case.objects.count() == COUNT
    assert reported["CaseEvent"] == CaseEvent.objects.count() > COUNT
    assert reported["CaseStep"] == CaseStep.objects.count()
    assert reported["CaseMaterial"] == CaseMaterial.objects.count()
    assert reported["DeadlineChange"] == DeadlineChange.objects.count()


def test_every_case_has_a_history_in_order_and_a_readable_number(generated: Any) -> None:
    numbers = list(Case.objects.values_list("number", flat=True))
    assert len(set(numbers)) == COUNT
    assert all(re.fullmatch(r"\d{6}-\d{8}-\d{6}", number) for number in numbers)
    without_history = Case.objects.annotate(n=Count("events")).filter(n=0)
    assert not without_history.exists()
    for case in Case.objects.order_by("pk")[:50]:
        actions = list(case.events.order_by("occurred_at", "pk").values_list("action", flat=True))
        assert actions[0] == "submit", (case.state, actions)


def test_a_city_mix_of_states_mostly_ended(generated: Any) -> None:
    states = Counter(Case.objects.values_list("state", flat=True))
    assert set(states) <= set(State.values) - {State.DRAFT}
    ended = sum(states[s] for s in ("completed", "not_accepted", "withdrawn", "terminated"))
    assert 0.75 * COUNT <= ended < COUNT
    accepted = Case.objects.exclude(accepted_on=None)
    assert accepted.exists()
    assert not accepted.filter(promised_due=None, case_kind="promised").exists()
    assert CaseStep.objects.filter(case__accepted_on=None).count() == 0


def test_later_submissions_continue_the_numbers(generated: Any) -> None:
    counter = CaseNumberCounter.objects.order_by("-day", "-last").first()
    assert counter is not None
    taken = set(
        Case.objects.filter(number__startswith=f"{counter.region_code}").values_list(
            "number", flat=True
        )
    )
    number = next_case_number(region_code=counter.region_code, day=counter.day)
    assert number not in taken


def test_the_command_refuses_in_production() -> None:
    from django.core.management import CommandError

    with override_settings(PRODUCTION=True), pytest.raises(CommandError):
        call_command("generate_cases", "10")
