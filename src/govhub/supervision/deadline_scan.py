"""Applying a deadline rule to the alerts table, set-based.

For one rule and one scope (every open case, the cases changed since the last scan, or
one case) and inside the caller's transaction:

1. lock the alerts whose state must change (`SELECT … FOR UPDATE` on PostgreSQL; SQLite
   transactions here are IMMEDIATE, so the writer is alone): alerts whose cause is active
   but whose case or step no longer qualifies (cure) or qualifies at another level
   (upgrade or downgrade in place), and alerts whose cause had gone but qualify again
   (reopen);
2. change them in a few bulk statements and append one `AlertEvent` each;
3. insert the alerts that do not exist yet with `INSERT … SELECT … ON CONFLICT DO NOTHING`
   against the unique constraints, so that two scans at once still make one row per
   (rule, case, step), and append a "raise" event for each row actually inserted.

Python only sees the rows that change, never the cases that are merely scanned.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import F
from django.utils import timezone

from govhub.supervision.models import Alert, AlertEvent, Rule
from govhub.supervision.rules_deadline import (
    DeadlineRule,
    cal_cte,
    date_table,
    qn,
    thresholds,
)

State = Alert.State
Action = AlertEvent.Action
CHUNK = 1000


@dataclass
class Scope:
    """Which cases a scan looks at: SQL appended to the source's WHERE clause (alias "c"
    for the case) and to the alerts' (alias "a")."""

    cases: tuple[str, list[Any]] = ("", [])
    alerts: tuple[str, list[Any]] = ("", [])
    small: bool = False  # a handful of rows: no statistics needed

    @classmethod
    def everything(cls) -> Scope:
        return cls()

    @classmethod
    def events_after(cls, event_id: int) -> Scope:
        """Cases with a history row above `event_id` (the incremental scan)."""
        from govhub.cases.models import CaseEvent

        table = qn(CaseEvent._meta.db_table)
        # Only quoted constant names are formatted into SQL here and below; values are
        # always parameters.
        changed = f"(SELECT e.case_id FROM {table} e WHERE e.id > %s)"  # noqa: S608
        return cls(
            (f"AND c.id IN {changed}", [event_id]), (f"AND a.case_id IN {changed}", [event_id])
        )

    @classmethod
    def one_case(cls, case_id: int) -> Scope:
        return cls.some_cases([case_id])

    @classmethod
    def some_cases(cls, case_ids: Sequence[int]) -> Scope:
        """A few cases named by id (the cases of one background run)."""
        ids = list(case_ids)
        marks = ", ".join(["%s"] * len(ids))
        return cls(
            (f"AND c.id IN ({marks})", ids), (f"AND a.case_id IN ({marks})", ids), small=True
        )


@dataclass
class Outcome:
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, other: Outcome) -> None:
        self.counts.update(other.counts)


def _fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _date_text(value: Any) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)[:10] if value is not None else ""


def _chunks[T](items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


ROWS_TABLE = "supervision_scan_rows"


def _execute(sql: str, params: Sequence[Any] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def apply_rule(
    *,
    row: Rule,
    rule: DeadlineRule,
    params: dict[str, Any],
    today: datetime.date,
    scope: Scope,
    now: datetime.datetime | None = None,
) -> Outcome:
    """Bring the rule's alerts in `scope` up to date (see the module docstring). The
    watched rows are read once into a temporary table, which the statements then join."""
    now = now or timezone.now()
    table = qn(ROWS_TABLE)
    if connection.vendor == "postgresql":
        # Short statements over a few thousand rows: compiling them costs more than it saves.
        _execute("SET LOCAL jit = off")
    _execute(f"DROP TABLE IF EXISTS {table}")
    rows_sql, rows_params = rule.rows_sql(scope.cases)
    _execute(f"CREATE TEMPORARY TABLE {table} AS {rows_sql}", rows_params)
    try:
        if connection.vendor == "postgresql" and not scope.small:
            _execute(f"ANALYZE {table}")  # temporary tables are never analysed otherwise
        return _apply(row=row, rule=rule, params=params, today=today, scope=scope, now=now)
    finally:
        _execute(f"DROP TABLE IF EXISTS {table}")


def _apply(
    *,
    row: Rule,
    rule: DeadlineRule,
    params: dict[str, Any],
    today: datetime.date,
    scope: Scope,
    now: datetime.datetime,
) -> Outcome:
    limits = thresholds(today, params)
    rows_table = qn(ROWS_TABLE)
    last_due = _fetch(f"SELECT MAX(due) FROM {rows_table}", [])[0][0]  # noqa: S608
    if isinstance(last_due, str):
        last_due = datetime.date.fromisoformat(last_due[:10])
    cte, cte_params = cal_cte(date_table(today, last_due))
    qualifying, q_params = rule.qualifying_sql(limits, rows_table)
    join = " AND ".join(f"q.{column} = a.{column}" for column in rule.key_columns())
    alert_table = qn(Alert._meta.db_table)
    lock = " FOR UPDATE OF a" if connection.features.has_select_for_update_of else ""

    # 1. Rows to change: active alerts that no longer qualify or change level …
    active = _fetch(
        f"WITH {cte} SELECT a.id, a.state, a.level, q.level, q.due "  # noqa: S608
        f"FROM {alert_table} a LEFT JOIN ({qualifying}) q ON {join} "
        f"WHERE a.rule_id = %s AND a.cause_active {scope.alerts[0]} "
        f"AND (q.case_id IS NULL OR q.level <> a.level){lock}",
        [*cte_params, *q_params, row.pk, *scope.alerts[1]],
    )
    # … and alerts whose cause had gone and qualify again.
    returning = _fetch(
        f"WITH {cte} SELECT a.id, a.state, a.level, q.level, q.due "  # noqa: S608
        f"FROM ({qualifying}) q JOIN {alert_table} a ON a.rule_id = %s AND {join} "
        f"WHERE NOT a.cause_active{lock}",
        [*cte_params, *q_params, row.pk],
    )
    outcome = Outcome()
    events: list[AlertEvent] = []
    _cure([r for r in active if r[3] is None], now, events, outcome)
    _relevel([r for r in active if r[3] is not None], now, events, outcome)
    _reopen(returning, now, events, outcome)

    # 3. New alerts.
    inserted = _insert(rule, row, qualifying, q_params, cte, cte_params, now)
    for alert_id, level in inserted:
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
    outcome.counts["raised"] += len(inserted)
    insert_events(events)
    return outcome


def insert_events(events: Sequence[AlertEvent]) -> None:
    """Append history rows in bulk without building a statement per model instance: one
    statement over arrays on PostgreSQL, `executemany` elsewhere (the first scan of a big
    city writes tens of thousands)."""
    if not events:
        return
    table = qn(AlertEvent._meta.db_table)
    columns = "alert_id, action, from_state, to_state, from_level, to_level, actor_label, note, at"
    adapt = connection.ops.adapt_datetimefield_value
    rows = [
        (
            e.alert_id,
            e.action,
            e.from_state,
            e.to_state,
            e.from_level,
            e.to_level,
            e.actor_label,
            e.note,
            adapt(e.at),
        )
        for e in events
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for chunk in _chunks(rows, 20_000):
                arrays = [list(column) for column in zip(*chunk, strict=True)]
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT * FROM unnest("  # noqa: S608
                    "%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], "
                    "%s::text[], %s::text[], %s::timestamptz[])",
                    arrays,
                )
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
                rows,
            )


def _cure(
    rows: Sequence[tuple[Any, ...]], now: datetime.datetime, events: list[AlertEvent], out: Outcome
) -> None:
    """The cause is gone: open alerts close themselves; closed ones only note it."""
    open_rows = [r for r in rows if r[1] != State.CLOSED]
    closed_ids = [r[0] for r in rows if r[1] == State.CLOSED]
    for chunk in _chunks(open_rows):
        Alert.objects.filter(pk__any_of=[r[0] for r in chunk]).update(
            state=State.CLOSED,
            cause_active=False,
            closed_reason=Alert.ClosedReason.CURED,
            closed_at=now,
            updated_at=now,
        )
    for ids in _chunks(closed_ids):
        Alert.objects.filter(pk__any_of=ids).update(cause_active=False, updated_at=now)
    for alert_id, state, level, _new, _due in open_rows:
        events.append(
            AlertEvent(
                alert_id=alert_id,
                action=Action.CURE,
                from_state=state,
                to_state=State.CLOSED,
                from_level=level,
                to_level=level,
                actor_label="system",
                at=now,
            )
        )
    out.counts["cured"] += len(open_rows)


def _relevel(
    rows: Sequence[tuple[Any, ...]], now: datetime.datetime, events: list[AlertEvent], out: Outcome
) -> None:
    """Upgrade yellow to red (or back, after an extension) in place."""
    changed = [
        Alert(pk=alert_id, level=new, detail={"due": _date_text(due)}, updated_at=now)
        for alert_id, _state, _level, new, due in rows
    ]
    Alert.objects.bulk_update(changed, ["level", "detail", "updated_at"], batch_size=CHUNK)
    for alert_id, state, level, new, _due in rows:
        events.append(
            AlertEvent(
                alert_id=alert_id,
                action=Action.LEVEL,
                from_state=state,
                to_state=state,
                from_level=level,
                to_level=new,
                actor_label="system",
                at=now,
            )
        )
        out.counts["upgraded" if new == "red" else "downgraded"] += 1


def _reopen(
    rows: Sequence[tuple[Any, ...]], now: datetime.datetime, events: list[AlertEvent], out: Outcome
) -> None:
    """A cured cause came back: the same alert is raised again, its history kept."""
    reopened = [r for r in rows if r[1] == State.CLOSED]
    still_open = [r for r in rows if r[1] != State.CLOSED]  # closed by hand, cause back
    reopen_alerts(
        [(alert_id, new, {"due": _date_text(due)}) for alert_id, _s, _l, new, due in reopened],
        now,
    )
    # Not closed (cannot normally happen): only mark the cause active again.
    for ids in _chunks([r[0] for r in still_open]):
        Alert.objects.filter(pk__any_of=ids).update(cause_active=True, updated_at=now)
    for alert_id, state, level, new, _due in reopened:
        events.append(
            AlertEvent(
                alert_id=alert_id,
                action=Action.REOPEN,
                from_state=state,
                to_state=State.RAISED,
                from_level=level,
                to_level=new,
                actor_label="system",
                at=now,
            )
        )
    out.counts["reopened"] += len(reopened)


def reopen_alerts(rows: Iterable[tuple[int, str, dict[str, Any]]], now: datetime.datetime) -> None:
    """Raise closed alerts again (id, level, detail): a new round of the lifecycle, so the
    round's timestamps and texts start empty (the history keeps the earlier ones)."""
    objects = [
        Alert(
            pk=alert_id,
            level=level,
            detail=detail,
            state=State.RAISED,
            cause_active=True,
            reopened_at=now,
            updated_at=now,
            closed_at=None,
            closed_reason="",
            closed_by=None,
            close_note="",
            notified_at=None,
            explained_at=None,
            explanation="",
            explained_by=None,
            escalated_at=None,
        )
        for alert_id, level, detail in rows
    ]
    if not objects:
        return
    fields = [
        "level",
        "detail",
        "state",
        "cause_active",
        "reopened_at",
        "updated_at",
        "closed_at",
        "closed_reason",
        "closed_by",
        "close_note",
        "notified_at",
        "explained_at",
        "explanation",
        "explained_by",
        "escalated_at",
    ]
    Alert.objects.bulk_update(objects, fields, batch_size=CHUNK)
    for chunk in _chunks([o.pk for o in objects]):
        Alert.objects.filter(pk__any_of=chunk).update(reopen_count=F("reopen_count") + 1)


def _insert(
    rule: DeadlineRule,
    row: Rule,
    qualifying: str,
    q_params: list[Any],
    cte: str,
    cte_params: list[Any],
    now: datetime.datetime,
) -> list[tuple[int, str]]:
    table = qn(Alert._meta.db_table)
    if rule.target == "case":
        exists = "a.rule_id = %s AND a.case_id = q.case_id AND a.step_id IS NULL"
        conflict = "(rule_id, case_id) WHERE step_id IS NULL"
    else:
        exists = "a.rule_id = %s AND a.case_id = q.case_id AND a.step_id = q.step_id"
        conflict = "(rule_id, case_id, step_id) WHERE step_id IS NOT NULL"
    detail = (
        "jsonb_build_object('due', q.due)"
        if connection.vendor == "postgresql"
        else "json_object('due', q.due)"
    )
    when = connection.ops.adapt_datetimefield_value(now)
    sql = (
        f"WITH {cte} INSERT INTO {table} (rule_id, case_id, step_id, department_id, "  # noqa: S608
        "region_id, level, state, cause_active, detail, raised_at, updated_at, reopen_count, "
        "explanation, closed_reason, close_note) "
        f"SELECT %s, q.case_id, q.step_id, q.department_id, q.region_id, q.level, %s, TRUE, "
        f"{detail}, %s, %s, 0, '', '', '' FROM ({qualifying}) q "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} a WHERE {exists}) "
        f"ON CONFLICT {conflict} DO NOTHING RETURNING id, level"
    )
    params = [*cte_params, row.pk, State.RAISED.value, when, when, *q_params, row.pk]
    return [(int(r[0]), str(r[1])) for r in _fetch(sql, params)]
