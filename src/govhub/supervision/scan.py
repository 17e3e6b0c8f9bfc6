"""The deadline scan: full once per date, incremental in between.

Deadlines cross a threshold only when the date changes (or the calendar or a rule's
settings do), so a **full scan** over every open case is needed once per date; a
fingerprint of the date, the calendar around it and the deadline rules' settings
(`ScanState.full_key`) tells whether one is due. Within the day an **incremental scan**
looks only at cases with history rows (`cases.CaseEvent`: every transition appends one)
above the watermark: a range of the history table's primary key, so no new index on the
busy case table is needed. Ids are not handed out in commit order, so the watermark trails
the newest rows by a grace period (`GOVHUB_SUPERVISION_SCAN_GRACE_SECONDS`, 600 s), the
same way the audit sealer's does; re-scanning a case is harmless.

Two workers never scan at once: a run claims the `ScanState` row's lease with a
conditional update and the other finds it taken and returns at once. Even without the
lease (the tests race the inner function), the unique constraints keep one alert per
rule and case.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from govhub.cases.models import CaseEvent
from govhub.core import calendar
from govhub.core.audit import audit_log
from govhub.core.calendar_models import CalendarDay, CalendarYear
from govhub.supervision.deadline_scan import Scope, apply_rule
from govhub.supervision.models import Alert, ScanState
from govhub.supervision.rules import DEADLINE, enabled_rules, settings_fingerprint
from govhub.supervision.rules_deadline import DeadlineRule, qn

logger = logging.getLogger(__name__)

LEASE = datetime.timedelta(minutes=15)
ANALYZE_AFTER = 5_000  # changed alerts
FULL = "full"
INCREMENTAL = "incremental"
SKIPPED = "skipped"


def grace() -> datetime.timedelta:
    return datetime.timedelta(
        seconds=int(getattr(settings, "GOVHUB_SUPERVISION_SCAN_GRACE_SECONDS", 600))
    )


@dataclass
class ScanReport:
    mode: str
    today: datetime.date | None = None
    counts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    watermark: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "today": self.today.isoformat() if self.today else None,
            "seconds": round(self.seconds, 3),
            "watermark": self.watermark,
            **dict(self.counts),
        }


def calendar_fingerprint(today: datetime.date) -> str:
    """A digest of the schedules the thresholds can depend on (last year to five ahead)."""
    years = (today.year - 1, today.year + 6)
    rows = list(
        CalendarYear.objects.filter(year__range=years)
        .order_by("year")
        .values_list("year", "status")
    )
    days = list(
        CalendarDay.objects.filter(calendar_year__year__range=years)
        .order_by("date")
        .values_list("date", "kind")
    )
    text = json.dumps([rows, [(d.isoformat(), k) for d, k in days]])
    return hashlib.sha256(text.encode()).hexdigest()


def _claim(now: datetime.datetime) -> bool:
    with contextlib.suppress(IntegrityError):  # created by a run at the same moment
        ScanState.objects.get_or_create(pk=1)
    return bool(
        ScanState.objects.filter(pk=1)
        .filter(Q(running_until__isnull=True) | Q(running_until__lt=now))
        .update(running_until=now + LEASE, last_started_at=now)
    )


def _release(started: datetime.datetime) -> None:
    ScanState.objects.filter(pk=1, last_started_at=started).update(running_until=None)


def supervision_scan(*, full: bool = False, today: datetime.date | None = None) -> ScanReport:
    """Run the deadline scan unless another run holds the lease; `full` forces a full
    scan. Returns what it did (mode "skipped" when another run was in progress)."""
    started = timezone.now()
    if not _claim(started):
        logger.info("supervision scan skipped: another run holds the lease")
        return ScanReport(mode=SKIPPED)
    try:
        report = run_scan(full=full, today=today, started=started)
    finally:
        _release(started)
    if sum(report.counts.values()) >= ANALYZE_AFTER and connection.vendor == "postgresql":
        # Fresh statistics after a big change (the first scan of a city raises tens of
        # thousands), so that the next incremental scan is planned on what is there.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {qn(Alert._meta.db_table)}")
    return report


@transaction.atomic
def run_scan(
    *,
    full: bool = False,
    today: datetime.date | None = None,
    started: datetime.datetime | None = None,
) -> ScanReport:
    """The scan itself, in one transaction (callers normally use `supervision_scan`)."""
    clock_start = time.perf_counter()
    started = started or timezone.now()
    today = today or calendar.local_today()
    rules = enabled_rules(DEADLINE)
    state, _created = ScanState.objects.get_or_create(pk=1)
    key = hashlib.sha256(
        f"{today.isoformat()}|{calendar_fingerprint(today)}|{settings_fingerprint(rules)}".encode()
    ).hexdigest()
    previous = state.watermark_event_id
    mode = FULL if full or previous is None or state.full_key != key else INCREMENTAL
    # Every history row up to here committed before this run began (within the grace).
    settled = CaseEvent.objects.filter(occurred_at__lte=started - grace())
    if previous is not None and mode == INCREMENTAL:
        settled = settled.filter(pk__gt=previous)
    newest = settled.aggregate(top=Max("pk"))["top"]
    watermark = max(v for v in (newest, previous, 0) if v is not None)
    if mode == FULL and newest is None:
        watermark = 0
    scope = Scope.everything() if mode == FULL else Scope.events_after(previous or 0)
    report = ScanReport(mode=mode, today=today, watermark=watermark)
    for row, rule, params in rules:
        assert isinstance(rule, DeadlineRule)
        outcome = apply_rule(
            row=row, rule=rule, params=params, today=today, scope=scope, now=started
        )
        report.counts.update(outcome.counts)
    report.seconds = time.perf_counter() - clock_start
    changed = any(report.counts.values())
    if changed or mode == FULL:
        # One record per scan for its automatic changes; each alert has its own history.
        audit_log(
            actor=None,
            action=f"supervision.scan.{mode}",
            target=state,
            changes={**report.as_dict(), "rules": [row.code for row, _r, _p in rules]},
        )
    update: dict[str, Any] = {
        "watermark_event_id": watermark,
        "last_finished_at": timezone.now(),
        "last_report": report.as_dict(),
    }
    if mode == FULL:
        update.update(full_key=key, last_full_on=today)
    ScanState.objects.filter(pk=1).update(**update)
    logger.info("supervision scan finished", extra=report.as_dict())
    return report
