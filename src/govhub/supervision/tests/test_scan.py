"""The scan as a whole: full once per date (or after a calendar or rule change),
incremental in between (only cases with new history rows), one run at a time, its audit
record, the command, the periodic task and its registration."""

from __future__ import annotations

import datetime
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from govhub.cases.models import Case, CaseEvent
from govhub.cases.workflow import Action, State
from govhub.core import calendar
from govhub.core.calendar_models import CalendarDay
from govhub.core.models import AuditEvent
from govhub.core.scheduler import effective_jobs, registered_jobs
from govhub.supervision import scan as scan_module
from govhub.supervision.models import Alert, ScanState
from govhub.supervision.scan import run_scan, supervision_scan
from govhub.supervision.tests.factories import open_case

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 11, 27)


def old_event(case: Case) -> CaseEvent:
    """A history row old enough to be below the watermark of the next scan."""
    event = CaseEvent.objects.create(case=case, action=Action.EXTEND)
    CaseEvent.objects.filter(pk=event.pk).update(
        occurred_at=timezone.now() - datetime.timedelta(hours=1)
    )
    return event


def test_first_scan_is_full_then_incremental_until_the_date_changes() -> None:
    open_case(due=D(2026, 11, 20))
    assert run_scan(today=TODAY).mode == "full"
    assert run_scan(today=TODAY).mode == "incremental"
    assert run_scan(today=D(2026, 11, 30)).mode == "full"
    assert ScanState.objects.get().last_full_on == D(2026, 11, 30)


def test_incremental_scan_looks_only_at_cases_with_new_history() -> None:
    touched = open_case(due=D(2026, 12, 31))
    untouched = open_case(due=D(2026, 12, 31))
    old_event(touched)
    run_scan(today=TODAY)  # full: nothing near yet; watermark past the old event
    Case.objects.filter(pk__in=[touched.pk, untouched.pk]).update(promised_due=D(2026, 11, 20))
    report = run_scan(today=TODAY)
    assert report.mode == "incremental"
    assert not Alert.objects.exists()  # neither has a new history row
    CaseEvent.objects.create(case=touched, action=Action.EXTEND)  # within the grace
    report = run_scan(today=TODAY)
    assert report.counts["raised"] == 1
    assert set(Alert.objects.values_list("case_id", flat=True)) == {touched.pk}
    # The new row is still within the grace period: the next run looks at it again.
    assert run_scan(today=TODAY).counts["raised"] == 0
    assert run_scan(today=TODAY, full=True).counts["raised"] == 1  # the untouched one


def test_watermark_trails_by_the_grace_period(settings: Any) -> None:
    case = open_case(due=D(2026, 12, 31))
    old = old_event(case)
    recent = CaseEvent.objects.create(case=case, action=Action.EXTEND)
    run_scan(today=TODAY)
    assert ScanState.objects.get().watermark_event_id == old.pk
    settings.GOVHUB_SUPERVISION_SCAN_GRACE_SECONDS = 0
    run_scan(today=TODAY)
    assert ScanState.objects.get().watermark_event_id == recent.pk


def test_a_calendar_change_forces_a_full_scan() -> None:
    case = open_case(due=D(2026, 12, 1), limit=5)  # Tuesday: two working days after Friday
    run_scan(today=TODAY)
    assert not Alert.objects.exists()
    # Monday 30 November becomes a holiday: now the case is one working day away.
    year = CalendarDay.objects.filter(date__year=2026).first().calendar_year
    CalendarDay.objects.create(
        calendar_year=year, date=D(2026, 11, 30), kind="holiday", name="测试"
    )
    calendar.bump_cache_version()
    report = run_scan(today=TODAY)
    assert report.mode == "full"
    assert Alert.objects.get(case=case).level == "yellow"


def test_scan_writes_one_audit_record_with_its_counts() -> None:
    open_case(due=D(2026, 11, 20))
    open_case(due=D(2026, 11, 27))
    run_scan(today=TODAY)
    record = AuditEvent.objects.get(action="supervision.scan.full")
    assert record.changes["raised"] == 2 and record.changes["mode"] == "full"
    run_scan(today=TODAY)  # incremental, nothing changed: no record
    assert not AuditEvent.objects.filter(action="supervision.scan.incremental").exists()


def test_a_second_run_finds_the_lease_taken() -> None:
    ScanState.objects.create(pk=1, running_until=timezone.now() + datetime.timedelta(minutes=5))
    assert supervision_scan(today=TODAY).mode == "skipped"
    ScanState.objects.filter(pk=1).update(
        running_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert supervision_scan(today=TODAY).mode == "full"  # an expired lease is taken over
    assert ScanState.objects.get().running_until is None  # released


def test_the_lease_is_released_when_the_scan_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(**kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(scan_module, "run_scan", boom)
    with pytest.raises(RuntimeError):
        supervision_scan(today=TODAY)
    assert ScanState.objects.get().running_until is None


def test_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("govhub.core.calendar.local_today", lambda: TODAY)
    open_case(due=D(2026, 11, 20))
    out = io.StringIO()
    call_command("supervision_scan", "--full", stdout=out)
    report = json.loads(out.getvalue())
    assert report["mode"] == "full" and report["raised"] == 1
    out = io.StringIO()
    call_command("supervision_scan", stdout=out)
    assert json.loads(out.getvalue())["mode"] == "incremental"


def test_periodic_task_scans_and_notifies(monkeypatch: pytest.MonkeyPatch) -> None:
    from govhub.supervision.tasks import supervision_scan_task

    monkeypatch.setattr("govhub.core.calendar.local_today", lambda: TODAY)
    open_case(due=D(2026, 11, 20))
    result = supervision_scan_task.call()
    assert result["mode"] == "full" and result["raised"] == 1 and result["notified"] == 1
    assert Alert.objects.get().state == "notified"
    assert supervision_scan_task.call()["notified"] == 0


def test_scan_job_is_registered_every_300_seconds_and_configurable(settings: Any) -> None:
    job = registered_jobs()["supervision.scan"]
    assert job.every == datetime.timedelta(seconds=300)
    assert job.task.module_path == "govhub.supervision.tasks.supervision_scan_task"
    settings.GOVHUB_SCHEDULE = {"supervision.scan": {"every": 60}}
    (found,) = [j for j in effective_jobs() if j.name == "supervision.scan"]
    assert found.every == datetime.timedelta(seconds=60)


def test_ended_cases_are_never_scanned() -> None:
    for state in (State.COMPLETED, State.NOT_ACCEPTED, State.TERMINATED, State.DELIVERED):
        open_case(due=D(2026, 11, 1), state=state)
    run_scan(today=TODAY)
    assert not Alert.objects.exists()
