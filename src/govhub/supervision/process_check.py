"""Evaluating one case after a transition: the process rules, and the deadline rules
restricted to that case (so a decision or an extension cures a deadline alert at once,
not at the next scan).

`case_process_check(case_id=…, event_id=…)` is what the `supervision.case_check` task runs
for each `CaseTransitioned`. It is idempotent by event: a `ProcessCheck` row per case
remembers the latest history row evaluated, claimed with a conditional upsert, so a task
that runs twice, or a task for an older event that arrives after a newer one, does
nothing (the newer evaluation already saw the case as it is now). Each rule's finding
raises, refreshes, cures or reopens the rule's one alert for the case.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from govhub.cases.models import Case
from govhub.cases.workflow import State as State_
from govhub.core import calendar
from govhub.core.audit import audit_log
from govhub.supervision.deadline_scan import Scope, apply_rule, insert_events, reopen_alerts
from govhub.supervision.models import Alert, AlertEvent, ProcessCheck, Rule
from govhub.supervision.rules import DEADLINE, PROCESS, RuleDefinition, enabled_rules, rule_rows
from govhub.supervision.rules_deadline import DeadlineRule, qn
from govhub.supervision.rules_process import CaseFacts, Finding, ProcessRule

State = Alert.State
Action = AlertEvent.Action


def _claim(case_id: int, event_id: int, now: datetime.datetime) -> bool:
    """Record `event_id` as evaluated for the case unless an equal or later one was."""
    table = qn(ProcessCheck._meta.db_table)
    sql = (
        f"INSERT INTO {table} (case_id, last_event_id, checked_at) VALUES (%s, %s, %s) "  # noqa: S608
        "ON CONFLICT (case_id) DO UPDATE SET last_event_id = excluded.last_event_id, "
        f"checked_at = excluded.checked_at WHERE {table}.last_event_id < excluded.last_event_id "
        "RETURNING case_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [case_id, event_id, connection.ops.adapt_datetimefield_value(now)])
        return cursor.fetchone() is not None


@transaction.atomic
def case_process_check(
    *, case_id: int, event_id: int | None = None, today: datetime.date | None = None
) -> dict[str, int]:
    """Evaluate every enabled rule for one case; returns what changed, by kind."""
    now = timezone.now()
    if event_id is not None and not _claim(case_id, event_id, now):
        return {"skipped": 1}
    # The case row is locked and read in one statement; a draft or a deleted case has
    # nothing to evaluate.
    facts = CaseFacts.load(case_id, lock=True)
    if facts is None:
        return {}
    counts: Counter[str] = Counter()
    rows = rule_rows()
    codes = {row.pk: code for code, row in rows.items()}
    # The case's alerts, locked, read once for both kinds of rule.
    alerts = list(Alert.objects.select_for_update().filter(case_id=case_id))
    counts.update(_apply_process(facts, now, enabled_rules(PROCESS, rows), alerts))
    today = today or calendar.local_today()
    # Deadlines matter while the clock runs, or to cure what an earlier state raised.
    watched = facts.case.state == State_.UNDER_REVIEW or any(
        alert.cause_active and codes.get(alert.rule_id, "").startswith("deadline.")
        for alert in alerts
    )
    for row, rule, params in enabled_rules(DEADLINE, rows) if watched else []:
        assert isinstance(rule, DeadlineRule)
        outcome = apply_rule(
            row=row,
            rule=rule,
            params=params,
            today=today,
            scope=Scope.one_case(case_id),
            now=now,
        )
        counts.update(outcome.counts)
    if any(counts.values()):
        audit_log(
            actor=None,
            action="supervision.case.check",
            target=facts.case,
            changes={"event": event_id, **dict(counts)},
        )
    return {kind: count for kind, count in counts.items() if count}


def _apply_process(
    facts: CaseFacts,
    now: datetime.datetime,
    rules: list[tuple[Rule, RuleDefinition, dict[str, Any]]],
    alerts: list[Alert],
) -> Counter[str]:
    counts: Counter[str] = Counter()
    findings: dict[int, tuple[Rule, Finding | None]] = {}
    for row, rule, params in rules:
        assert isinstance(rule, ProcessRule)
        findings[row.pk] = (row, rule.evaluate(facts, params))
    existing = {
        alert.rule_id: alert
        for alert in alerts
        if alert.step_id is None and alert.rule_id in findings
    }
    events: list[AlertEvent] = []
    to_insert: list[tuple[Rule, Finding]] = []
    reopen: list[tuple[int, str, dict[str, Any]]] = []
    for rule_id, (row, finding) in findings.items():
        alert = existing.get(rule_id)
        if finding is not None and alert is None:
            to_insert.append((row, finding))
        elif finding is not None and alert is not None and not alert.cause_active:
            if alert.state == State.CLOSED:
                reopen.append((alert.pk, row.severity, finding.detail))
                events.append(_event(alert, Action.REOPEN, State.RAISED, row.severity, now))
                counts["reopened"] += 1
            else:
                Alert.objects.filter(pk=alert.pk).update(cause_active=True, updated_at=now)
        elif finding is not None and alert is not None and alert.detail != finding.detail:
            Alert.objects.filter(pk=alert.pk).update(detail=finding.detail, updated_at=now)
        elif finding is None and alert is not None and alert.cause_active:
            if alert.state == State.CLOSED:
                Alert.objects.filter(pk=alert.pk).update(cause_active=False, updated_at=now)
            else:
                Alert.objects.filter(pk=alert.pk).update(
                    state=State.CLOSED,
                    cause_active=False,
                    closed_reason=Alert.ClosedReason.CURED,
                    closed_at=now,
                    updated_at=now,
                )
                events.append(_event(alert, Action.CURE, State.CLOSED, alert.level, now))
                counts["cured"] += 1
    reopen_alerts(reopen, now)
    for alert_id, level in _insert(facts.case, to_insert, now):
        events.append(
            AlertEvent(
                alert_id=alert_id,
                action=Action.RAISE,
                to_state=State.RAISED,
                to_level=level,
                actor_label="system",
                at=now,
            )
        )
        counts["raised"] += 1
    insert_events(events)
    return counts


def _event(
    alert: Alert, action: str, to_state: str, to_level: str, now: datetime.datetime
) -> AlertEvent:
    return AlertEvent(
        alert_id=alert.pk,
        action=action,
        from_state=alert.state,
        to_state=to_state,
        from_level=alert.level,
        to_level=to_level,
        actor_label="system",
        at=now,
    )


def _insert(
    case: Case, rows: list[tuple[Rule, Finding]], now: datetime.datetime
) -> list[tuple[int, str]]:
    """New alerts in one statement; a row another evaluation inserted first is skipped by
    the unique constraint (ON CONFLICT DO NOTHING), never duplicated."""
    if not rows:
        return []
    table = qn(Alert._meta.db_table)
    detail = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    values = ", ".join(
        [f"(%s, %s, %s, %s, %s, %s, TRUE, {detail}, %s, %s, 0, '', '', '')"] * len(rows)
    )
    when = connection.ops.adapt_datetimefield_value(now)
    params: list[Any] = []
    for row, finding in rows:
        params += [
            row.pk,
            case.pk,
            case.department_id,
            case.region_id,
            row.severity,
            State.RAISED.value,
            json.dumps(finding.detail, ensure_ascii=False),
            when,
            when,
        ]
    sql = (
        f"INSERT INTO {table} (rule_id, case_id, department_id, region_id, level, state, "  # noqa: S608
        "cause_active, detail, raised_at, updated_at, reopen_count, explanation, "
        f"closed_reason, close_note) VALUES {values} "
        "ON CONFLICT (rule_id, case_id) WHERE step_id IS NULL DO NOTHING RETURNING id, level"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(r[0]), str(r[1])) for r in cursor.fetchall()]
