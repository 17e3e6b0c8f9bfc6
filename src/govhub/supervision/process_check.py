"""Evaluating one case after a transition: the process rules, and the deadline rules
restricted to that case (so a decision or an extension cures a deadline alert at once,
not at the next scan).

`cases_process_check(checks=[(case_id, event_id), …])` is what the background run of
`CaseTransitioned` events runs for all the events it took (`handlers`), with one
statement per table for all of them; `case_process_check(case_id=…, event_id=…)` is the
same for one case (the `supervision.case_check` task). Both are idempotent by event: a
`ProcessCheck` row per case remembers the latest history row evaluated, claimed with a
conditional upsert, so a task that runs twice, or a task for an older event that arrives
after a newer one, does nothing (the newer evaluation already saw the case as it is
now). Each rule's finding raises, refreshes, cures or reopens the rule's one alert for
the case.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter, defaultdict
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


def _claim(latest: dict[int, int], now: datetime.datetime) -> set[int]:
    """Record each case's event (case id → event id) as evaluated unless an equal or
    later one was, in one statement; returns the cases claimed."""
    if not latest:
        return set()
    table = qn(ProcessCheck._meta.db_table)
    values = ", ".join(["(%s, %s, %s)"] * len(latest))
    sql = (
        f"INSERT INTO {table} (case_id, last_event_id, checked_at) VALUES {values} "  # noqa: S608
        "ON CONFLICT (case_id) DO UPDATE SET last_event_id = excluded.last_event_id, "
        f"checked_at = excluded.checked_at WHERE {table}.last_event_id < excluded.last_event_id "
        "RETURNING case_id"
    )
    when = connection.ops.adapt_datetimefield_value(now)
    params: list[Any] = []
    for case_id, event_id in sorted(latest.items()):
        params += [case_id, event_id, when]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {int(row[0]) for row in cursor.fetchall()}


@transaction.atomic
def case_process_check(
    *, case_id: int, event_id: int | None = None, today: datetime.date | None = None
) -> dict[str, int]:
    """Evaluate every enabled rule for one case; returns what changed, by kind."""
    now = timezone.now()
    if event_id is not None and not _claim({case_id: event_id}, now):
        return {"skipped": 1}
    # The case row is locked and read in one statement; a draft or a deleted case has
    # nothing to evaluate.
    facts = CaseFacts.load(case_id, lock=True)
    if facts is None:
        return {}
    counts = _evaluate([facts], {case_id: event_id}, now=now, today=today)
    return {kind: count for kind, count in counts.items() if count}


@transaction.atomic
def cases_process_check(
    *, checks: list[tuple[int, int]], today: datetime.date | None = None
) -> dict[str, int]:
    """`case_process_check` for many (case id, event id) pairs in one transaction (the
    events of one background run, `handlers.on_cases_transitioned`): the claims, the
    cases, their facts and their alerts are read and written with one statement each
    for all of them. A case named twice is evaluated once, for its latest event. Returns
    what changed, by kind, over all of them ("skipped": the cases already evaluated for
    that event or a later one)."""
    now = timezone.now()
    latest: dict[int, int] = {}
    for case_id, event_id in checks:
        latest[case_id] = max(event_id, latest.get(case_id, event_id))
    claimed = _claim(latest, now)
    facts = CaseFacts.load_many(claimed, lock=True)
    totals = _evaluate(list(facts.values()), dict(latest), now=now, today=today)
    totals["skipped"] += len(latest) - len(claimed)
    return {kind: count for kind, count in totals.items() if count}


def _evaluate(
    cases: list[CaseFacts],
    event_ids: dict[int, int | None],
    *,
    now: datetime.datetime,
    today: datetime.date | None,
) -> Counter[str]:
    """Every enabled rule for each case (locked by the caller); returns what changed, by
    kind, over all of them. Each case's changes are audited on the case; for more than
    one case, the deadline rules' changes are audited once for the batch."""
    if not cases:
        return Counter()
    rows = rule_rows()
    codes = {row.pk: code for code, row in rows.items()}
    process_rules = enabled_rules(PROCESS, rows)
    deadline_rules = enabled_rules(DEADLINE, rows)
    today = today or calendar.local_today()
    # The cases' alerts, locked, read once for both kinds of rule.
    alerts: dict[int, list[Alert]] = defaultdict(list)
    for alert in (
        Alert.objects.select_for_update()
        .filter(case_id__in=[facts.case.pk for facts in cases])
        .order_by("pk")
    ):
        alerts[alert.case_id].append(alert)
    outcome = {
        facts.case.pk: _apply_process(facts, now, process_rules, alerts[facts.case.pk])
        for facts in cases
    }
    # Deadlines matter while the clock runs, or to cure what an earlier state raised:
    # each deadline rule runs once for every such case of the batch.
    watched = [
        facts.case.pk
        for facts in cases
        if facts.case.state == State_.UNDER_REVIEW
        or any(
            alert.cause_active and codes.get(alert.rule_id, "").startswith("deadline.")
            for alert in alerts[facts.case.pk]
        )
    ]
    deadlines: Counter[str] = Counter()
    for row, rule, params in deadline_rules if watched else []:
        assert isinstance(rule, DeadlineRule)
        scope = Scope.some_cases(watched)
        applied = apply_rule(row=row, rule=rule, params=params, today=today, scope=scope, now=now)
        deadlines.update(applied.counts)
    if len(cases) == 1:  # one case: its deadline changes are its own
        outcome[cases[0].case.pk].update(deadlines)
    elif any(deadlines.values()):
        audit_log(
            actor=None,
            action="supervision.cases.check",
            changes={"cases": watched, **dict(deadlines)},
        )
    for facts in cases:
        counts = outcome[facts.case.pk]
        if any(counts.values()):
            audit_log(
                actor=None,
                action="supervision.case.check",
                target=facts.case,
                changes={"event": event_ids.get(facts.case.pk), **dict(counts)},
            )
    totals = sum(outcome.values(), Counter())
    if len(cases) > 1:
        totals.update(deadlines)
    return totals


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
