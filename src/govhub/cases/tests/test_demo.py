"""The demo cases: made through the services, in every state, for the named demo people,
backdated consistently, and loaded once however often the loader runs."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from govhub.cases import demo
from govhub.cases.models import Case, CaseEvent, Channel, DeliveryMethod
from govhub.cases.schema_form import validate_submission
from govhub.cases.selectors import applicant_cases, case_clock, case_detail, case_queue
from govhub.cases.tests.demo_support import demo_city
from govhub.cases.workflow import State
from govhub.core import calendar
from govhub.identity.models import Enterprise, User

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Any:
    """Every demo the cases need, then the demo cases, once for this module inside a
    transaction rolled back at the end (each test runs in its own savepoint). Files go to
    a temporary media folder."""
    with django_db_blocker.unblock(), demo_city(tmp_path_factory.mktemp("media")):
        yield demo.load()


def demo_cases() -> Any:
    return Case.objects.filter(idempotency_key__startswith=demo.KEY_PREFIX)


def user(username: str) -> User:
    return User.objects.get(username=username)


def test_loads_about_forty_cases_once(loaded: dict[str, int]) -> None:
    assert loaded == {"cases": len(demo.CASES), "created": len(demo.CASES)}
    assert 40 <= demo_cases().count() == len(demo.CASES)
    before = (Case.objects.count(), CaseEvent.objects.count())
    assert demo.load() == {"cases": len(demo.CASES), "created": 0}
    assert (Case.objects.count(), CaseEvent.objects.count()) == before


def test_every_state_is_present(loaded: Any) -> None:
    states = set(demo_cases().values_list("state", flat=True))
    assert states == set(State.values) - {State.DRAFT}
    # Under review both at a first review step and at the decision step.
    steps = set(
        demo_cases().filter(state=State.UNDER_REVIEW).values_list("current_step__kind", flat=True)
    )
    assert {"review", "decision"} <= steps
    assert demo_cases().filter(delivery_method=DeliveryMethod.POST, state=State.DELIVERED).exists()


def test_every_channel_and_department_is_used(loaded: Any) -> None:
    channels = set(demo_cases().values_list("channel", flat=True))
    assert {Channel.WEB, Channel.WINDOW, Channel.HOTLINE, Channel.SERVICE_POINT} <= channels
    departments = set(demo_cases().values_list("department__code", flat=True))
    assert departments == {"hg-amr", "hg-hrss", "hg-civil-affairs"}


def test_every_form_validates_against_its_schema(loaded: Any) -> None:
    for case in demo_cases().select_related("version"):
        assert validate_submission(case.version.form_schema, case.form_data) == {}, case.number


def test_named_people_see_their_cases(loaded: Any) -> None:
    wang = applicant_cases(user("demo-wangfang"))
    assert sorted(wang.values_list("state", flat=True)) == [
        State.SUBMITTED,
        State.SUPPLEMENT_REQUESTED,
    ]
    zhang = user("demo-zhangwei")
    own = applicant_cases(zhang)
    assert sorted(own.values_list("state", flat=True)) == [State.COMPLETED, State.UNDER_REVIEW]
    done = own.get(state=State.COMPLETED)
    assert done.delivery_method == DeliveryMethod.ELECTRONIC and done.results.exists()
    detail = case_detail(actor=zhang, case_id=done.pk)
    assert detail.viewer == "applicant" and detail.results
    beishan = Enterprise.objects.get(name="鹤岗市北山煤炭机械有限公司")
    company = applicant_cases(zhang, acting_for=beishan)
    assert list(company.values_list("state", flat=True)) == [State.UNDER_REVIEW]

    chen = applicant_cases(user("demo-chenjing")).get()
    assert chen.channel == Channel.WINDOW and chen.state == State.UNDER_REVIEW
    assert chen.submitted_by == user("demo-centre-clerk") and chen.window is not None

    zhao = applicant_cases(user("demo-zhaolei")).get()
    assert zhao.channel == Channel.SERVICE_POINT and zhao.door_to_door and zhao.proxy_note
    assert zhao.submitted_by == user("demo-luobei-agent") and zhao.service_point is not None


def test_the_department_queues_have_work(loaded: Any) -> None:
    for username in ("demo-amr-clerk", "demo-hrss-clerk", "demo-centre-clerk"):
        rows, _more = case_queue(actor=user(username), queue="intake")
        assert rows, username
    for username in ("demo-amr-reviewer", "demo-amr-approver", "demo-hrss-approver"):
        rows, _more = case_queue(actor=user(username), queue="review")
        assert rows, username
    for username in ("demo-amr-clerk", "demo-hrss-clerk"):
        for queue in ("paused", "results"):
            rows, _more = case_queue(actor=user(username), queue=queue)
            assert rows, (username, queue)


def test_some_cases_are_overdue_and_some_nearly_due(loaded: Any) -> None:
    clocks = [case_clock(c) for c in demo_cases().filter(state=State.UNDER_REVIEW)]
    assert sum(clock.overdue for clock in clocks) >= 3
    assert any(not clock.overdue and clock.left is not None and clock.left <= 1 for clock in clocks)


def test_histories_are_dated_in_the_past_on_working_days(loaded: Any) -> None:
    today = calendar.local_today()
    for case in demo_cases().prefetch_related("events"):
        events = sorted(case.events.all(), key=lambda e: (e.occurred_at, e.pk))
        assert [e.pk for e in events] == sorted(e.pk for e in events), case.number
        assert events[0].action == "submit"
        days = {timezone.localdate(e.occurred_at) for e in events}
        assert all(day <= today for day in days)
        assert all(calendar.is_working_day(day) or day == today for day in days), case.number
        submitted = timezone.localdate(case.submitted_at)
        assert case.number.split("-")[1] == f"{submitted:%Y%m%d}"
        if case.accepted_on is not None:
            assert case.accepted_on >= submitted and calendar.is_working_day(case.accepted_on)
        if case.decided_at is not None:
            assert case.accepted_on <= timezone.localdate(case.decided_at) <= today
    oldest = min(timezone.localdate(c.submitted_at) for c in demo_cases())
    assert today - oldest > datetime.timedelta(days=28)


def test_on_a_rest_day_the_latest_work_is_dated_the_last_working_day(
    loaded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = calendar.local_today()
    rest_day = next(
        day
        for day in (start + datetime.timedelta(days=n) for n in range(1, 15))
        if not calendar.is_working_day(day)
    )
    monkeypatch.setattr("govhub.core.calendar.local_today", lambda: rest_day)
    loader = demo._Loader()
    assert loader.day(0) < rest_day and calendar.is_working_day(loader.day(0))
    assert loader.day(3) == calendar.add_working_days(loader.day(0), -3).date


def test_refuses_production(settings: Any) -> None:
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        demo.load()


def test_reports_a_missing_catalogue_item(loaded: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = demo.DemoCase(99, "hg-amr/不存在的事项", "entity:company", Channel.WINDOW,
                            (demo.submit(0),), filer="demo-amr-clerk")  # fmt: skip
    monkeypatch.setattr(demo, "CASES", (missing,))
    with pytest.raises(ImproperlyConfigured, match="不存在的事项"):
        demo.load()
