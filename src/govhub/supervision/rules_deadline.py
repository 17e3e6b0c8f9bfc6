"""Deadline rules (时限预警): yellow when a case or a step nears its due date, red when it
is overdue. Evaluated set-based in SQL by the scan (`deadline_scan`); `deadline_level` is
the same rule for one due date in Python (the tests' oracle, and the docs' definition).

The clock runs only while a case is under review (`cases.workflow`: accepted, not waiting
for a supplement, not in a special procedure, not decided), so only such cases qualify;
for steps, the open steps (started, not finished) of such cases.

With `T` today and `D` the due date (`Case.promised_due`, `CaseStep.due_on`):

- red: `D < T` (overdue; due today is not overdue yet, as `cases.clock` says);
- yellow: `D` is at most `yellow_days_before` working days ahead, i.e.
  `working_days_between(T, D) <= n`, i.e. `D < add_working_days(T, n + 1)` (a date
  computed once per scan), or the share of the limit used has reached `yellow_share`:
  `used = total - left` with `left = days_between(T, D)` in the limit's unit and `total`
  the limit plus extensions (pauses neither use nor add to it). `left` is read from a small
  table of dates (`cal(day, wd, cd)`: working and calendar days from `T` to each date up
  to the furthest due date) joined in SQL, so no Python loop runs over cases. The share is
  compared in integers (per mille), never in floating point.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db import connection
from django.utils.translation import gettext_lazy as _

from govhub.cases import clock
from govhub.cases.models import Case, CaseStep
from govhub.cases.workflow import State
from govhub.core import calendar
from govhub.supervision.rules import DEADLINE, ParamSpec, RuleDefinition, register

# Due dates further ahead than this are never near (and a garbage date in 2099 does not
# make the date table huge).
HORIZON_CAP = datetime.timedelta(days=5 * 366)
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Thresholds:
    """What one scan compares due dates with, computed once from the calendar."""

    today: datetime.date
    near: datetime.date  # a due date before this is within `yellow_days_before`
    permille: int  # yellow_share × 1000


def thresholds(today: datetime.date, params: dict[str, Any]) -> Thresholds:
    days = int(params["yellow_days_before"])
    return Thresholds(
        today=today,
        near=calendar.add_working_days(today, days + 1).date,
        permille=round(float(params["yellow_share"]) * 1000),
    )


def deadline_level(
    *,
    today: datetime.date,
    due: datetime.date,
    total: int | None,
    unit: str,
    params: dict[str, Any],
) -> str | None:
    """The level of one due date: "red", "yellow" or None. `total` is the limit in its
    unit (with extensions); shares apply to working- and calendar-day limits only."""
    limits = thresholds(today, params)
    if due < today:
        return "red"
    if due < limits.near:
        return "yellow"
    if total and unit in (clock.WORKING, clock.CALENDAR):
        left = clock.days_between(today, due, unit=unit)
        if (total - left) * 1000 >= limits.permille * total:
            return "yellow"
    return None


def date_table(today: datetime.date, last: datetime.date | None) -> list[tuple[Any, int, int]]:
    """(date, working days from `today`, calendar days from `today`) for every date from
    `today` to `last` (capped), the dates adapted for the database."""
    end = min(max(last or today, today), today + HORIZON_CAP)
    rows: list[tuple[Any, int, int]] = []
    working = 0
    day = today
    adapt = connection.ops.adapt_datefield_value
    while day <= end:
        if day > today and calendar.is_working_day(day):
            working += 1
        rows.append((adapt(day), working, (day - today).days))
        day += ONE_DAY
    return rows


def cal_cte(rows: Sequence[tuple[Any, int, int]]) -> tuple[str, list[Any]]:
    """`cal(day, wd, cd) AS (VALUES …)`, for a WITH clause."""
    values = ", ".join(["(%s, %s, %s)"] * len(rows))
    params: list[Any] = [value for row in rows for value in row]
    return f"cal(day, wd, cd) AS (VALUES {values})", params


def qn(name: str) -> str:
    return connection.ops.quote_name(name)


class DeadlineRule(RuleDefinition):
    """A due date watched by the scan. Subclasses say which rows carry the due date
    (`source_sql`) and how they are keyed (`target`)."""

    kind = DEADLINE
    target: ClassVar[str]  # "case" or "step"
    params = {
        "yellow_share": ParamSpec(
            "float", 0.8, _("已用时限达到该比例时黄牌预警（0.05–1）"), minimum=0.05, maximum=1.0
        ),
        "yellow_days_before": ParamSpec(
            "int", 1, _("到期前该工作日数以内黄牌预警（0–30）"), minimum=0, maximum=30
        ),
    }

    # Columns of the source rows: the alias "c" is the case, "s" the step (step rules).
    due_column: ClassVar[str]
    total_sql: ClassVar[str]
    unit_column: ClassVar[str]

    def source_sql(self) -> str:
        raise NotImplementedError

    def key_columns(self) -> tuple[str, ...]:
        return ("case_id",) if self.target == "case" else ("case_id", "step_id")

    def open_filter(self) -> tuple[str, list[Any]]:
        """Cases whose clock runs: under review and not paused."""
        return "c.state = %s AND c.paused_since IS NULL", [State.UNDER_REVIEW.value]

    def rows_sql(self, scope: tuple[str, list[Any]]) -> tuple[str, list[Any]]:
        """The watched rows (cases whose clock runs, or their open steps) with what the
        level depends on: case_id, step_id, department_id, region_id, due, total, unit."""
        where, where_params = self.open_filter()
        scope_sql, scope_params = scope
        sql = (
            f"SELECT c.id AS case_id, {self.step_column()} AS step_id, "  # noqa: S608
            f"{self.department_column()} AS department_id, c.region_id AS region_id, "
            f"{self.due_column} AS due, {self.total_sql} AS total, {self.unit_column} AS unit "
            f"FROM {self.source_sql()} WHERE {where} AND {self.due_column} IS NOT NULL {scope_sql}"
        )
        return sql, [*where_params, *scope_params]

    @staticmethod
    def qualifying_sql(limits: Thresholds, rows_table: str) -> tuple[str, list[Any]]:
        """One row per qualifying case or step of `rows_table` (made from `rows_sql`):
        case_id, step_id, department_id, region_id, level, due. Expects `cal` in the WITH
        clause."""
        adapt = connection.ops.adapt_datefield_value
        share = "((r.total - cal.{col}) * 1000 >= %s * r.total)"
        level = (
            "CASE WHEN r.due < %s THEN 'red' WHEN r.due < %s THEN 'yellow' "
            f"WHEN r.unit = %s AND r.total > 0 AND {share.format(col='wd')} THEN 'yellow' "
            f"WHEN r.unit = %s AND r.total > 0 AND {share.format(col='cd')} THEN 'yellow' END"
        )
        params = [
            adapt(limits.today),
            adapt(limits.near),
            clock.WORKING,
            limits.permille,
            clock.CALENDAR,
            limits.permille,
        ]
        inner = (
            "SELECT r.case_id, r.step_id, r.department_id, r.region_id, "  # noqa: S608
            f"{level} AS level, r.due FROM {rows_table} r LEFT JOIN cal ON cal.day = r.due"
        )
        return f"SELECT * FROM ({inner}) q0 WHERE q0.level IS NOT NULL", params  # noqa: S608

    def step_column(self) -> str:
        return "CAST(NULL AS BIGINT)" if self.target == "case" else "s.id"

    def department_column(self) -> str:
        return "c.department_id" if self.target == "case" else "s.department_id"


@register
class CaseDeadline(DeadlineRule):
    code = "deadline.case"
    target = "case"
    name = _("办件时限预警")
    description = _("承诺办结期限临近（黄牌）或已超期（红牌）的办件。")
    due_column = "c.promised_due"
    total_sql = "c.promised_limit_value + c.extension_days"
    unit_column = "c.promised_limit_unit"

    def source_sql(self) -> str:
        return f"{qn(Case._meta.db_table)} c"


@register
class StepDeadline(DeadlineRule):
    code = "deadline.step"
    target = "step"
    name = _("环节时限预警")
    description = _("办理环节的期限临近（黄牌）或已超期（红牌）。")
    due_column = "s.due_on"
    total_sql = "s.limit_value"
    unit_column = "s.limit_unit"

    def source_sql(self) -> str:
        return (
            f"{qn(Case._meta.db_table)} c JOIN {qn(CaseStep._meta.db_table)} s "
            "ON s.case_id = c.id AND s.finished_at IS NULL"
        )
