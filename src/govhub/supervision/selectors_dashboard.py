"""The figures of the supervision dashboards, scoped to what the caller may see.

Scope: the same condition as the caller's alerts (`policies.alert_scope`: a supervisor's
region subtree across departments, department staff their own department within their
position's region, nobody else). It names only `department_id` and `region_id`, which a
`Case` carries with the same meaning as an `Alert` (both copied from the catalogue item),
so one condition scopes both tables.

A page looks at a *node*: a region (its whole subtree) and optionally one department, over
a *period* of local dates. Every figure is a set-based aggregate (GROUP BY) over the node;
the rows for the child regions and the departments come from the same grouped rows, rolled
up in Python. The number of queries does not depend on how many regions, departments,
cases or alerts there are (tests pin it).

Definitions (docs/supervision-dashboards.md):

- open cases (在办件): submitted, awaiting a supplement, under review or in a special
  procedure (accepted or not, not yet decided); now, whatever the period;
- overdue (已超期): under review (the clock running) with the promised due date before
  today, as the red deadline alert says;
- finished (办结) in the period: decided (作出决定, the end of the clock) on a local date in
  the period, with a promised due date; on time (按期): decided on or before it;
- yellow and red: alerts open now (any state but closed);
- violations by rule: alerts raised in the period, by rule and level;
- overdue ageing: the overdue cases by days past the due date, counted in the case's own
  limit unit (working days for working-day and immediate limits, calendar days for
  calendar-day limits, as the workbench shows them), at least 1;
- weekly trend: the last 12 weeks (Monday to Sunday, local), this week included.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from govhub.cases import clock
from govhub.cases.models import Case
from govhub.cases.workflow import State
from govhub.core import calendar
from govhub.core.errors import NotFound
from govhub.organizations.models import Department, Position, Region
from govhub.organizations.policies import valid_positions
from govhub.supervision import policies
from govhub.supervision.models import Alert, Level
from govhub.supervision.rules import registry

Role = Position.Role

OPEN_STATES = (
    State.SUBMITTED,
    State.SUPPLEMENT_REQUESTED,
    State.UNDER_REVIEW,
    State.SPECIAL_PROCEDURE,
)
WEEKS = 12
# (label key, lowest, highest) days overdue; None: no upper bound.
AGEING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("1-3", 1, 3),
    ("4-10", 4, 10),
    ("11-30", 11, 30),
    (">30", 31, None),
)
NOT_DEPARTMENT_ROLES = frozenset({Role.SUPERVISOR, Role.SYSTEM_ADMIN})


def local_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


# --- who looks, and at what ---------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """What the caller's positions let them open: the regions they supervise and the
    (department, region) of their department positions."""

    supervised: tuple[Region, ...]
    departments: tuple[tuple[Department, Region], ...]

    @property
    def is_supervisor(self) -> bool:
        return bool(self.supervised)

    @property
    def has_access(self) -> bool:
        return bool(self.supervised or self.departments)

    def supervises(self, region: Region) -> bool:
        return any(root.covers(region) for root in self.supervised)

    def serves(self, department: Department, region: Region) -> bool:
        """A department position of this department whose region covers `region`."""
        return any(
            dept.pk == department.pk and root.covers(region) for dept, root in self.departments
        )

    def may_open(self, region: Region) -> bool:
        return self.supervises(region) or any(
            root.covers(region) for _dept, root in self.departments
        )

    def home(self) -> tuple[Region, Department | None] | None:
        """Where the dashboards start: the widest supervised region, else the first
        department position's department page."""
        if self.supervised:
            return min(self.supervised, key=lambda r: (len(r.path), r.code)), None
        if self.departments:
            department, region = self.departments[0]
            return region, department
        return None


def viewer(user: Any) -> Viewer:
    """The caller's supervision reach, from their positions (read once per request)."""
    supervised: dict[int, Region] = {}
    departments: dict[tuple[int, int], tuple[Department, Region]] = {}
    for position in valid_positions(user):
        if position.role == Role.SUPERVISOR:
            supervised[position.region.pk] = position.region
        elif position.role not in NOT_DEPARTMENT_ROLES:
            key = (position.department_id, position.region.pk)
            departments[key] = (position.department, position.region)
    # A supervised region inside another one adds nothing.
    roots = [
        r
        for r in supervised.values()
        if not any(o.pk != r.pk and o.covers(r) for o in supervised.values())
    ]
    return Viewer(
        supervised=tuple(sorted(roots, key=lambda r: r.path)),
        departments=tuple(
            sorted(departments.values(), key=lambda pair: (pair[0].sort_order, pair[0].code))
        ),
    )


@dataclass(frozen=True)
class Node:
    """What a page looks at: a region's subtree, optionally one department."""

    region: Region
    department: Department | None = None


def node_for(user: Any, *, region_code: str, department_code: str | None = None) -> Node:
    """The node a caller asked for, or `NotFound` when it lies outside what they may see
    (a region outside their positions' regions; a department they neither supervise nor
    belong to), exactly like one that does not exist."""
    reach = viewer(user)
    region = Region.objects.filter(code=region_code).first()
    if region is None or not reach.may_open(region):
        raise NotFound(_("找不到该行政区划，或您无权查看。"))
    if department_code is None:
        return Node(region)
    department = Department.objects.filter(code=department_code).first()
    if department is None or not (reach.supervises(region) or reach.serves(department, region)):
        raise NotFound(_("找不到该部门，或您无权查看。"))
    return Node(region, department)


# --- the period --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Local dates, both included."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def default(cls, today: datetime.date) -> Period:
        return cls(today - datetime.timedelta(days=29), today)

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start of the first day, start of the day after the last) as aware datetimes."""
        zone = local_zone()
        first = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=zone)
        after = datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        )
        return first, after


# --- the figures -------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of a figures table: the node itself, a region or a department."""

    key: str
    label: str
    open_cases: int = 0
    overdue: int = 0
    finished: int = 0
    on_time: int = 0
    yellow: int = 0
    red: int = 0
    region: Region | None = None
    department: Department | None = None
    own_level: bool = False  # the region's own cases, not its children's

    @property
    def on_time_rate(self) -> float | None:
        """The share of the finished cases decided on time, 0–1 (None: none finished)."""
        return self.on_time / self.finished if self.finished else None

    @property
    def alerts(self) -> int:
        return self.yellow + self.red

    @property
    def is_empty(self) -> bool:
        return not (self.open_cases or self.finished or self.yellow or self.red)

    def add(self, other: dict[str, int]) -> None:
        for name, value in other.items():
            setattr(self, name, getattr(self, name) + value)


@dataclass(frozen=True)
class AgeingBucket:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class RuleRow:
    code: str
    name: str
    yellow: int
    red: int

    @property
    def total(self) -> int:
        return self.yellow + self.red


@dataclass(frozen=True)
class WeekRow:
    start: datetime.date
    finished: int
    on_time: int
    alerts: int

    @property
    def end(self) -> datetime.date:
        return self.start + datetime.timedelta(days=6)

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.finished if self.finished else None


@dataclass
class Figures:
    node: Node
    period: Period
    today: datetime.date
    total: Row
    regions: list[Row] = field(default_factory=list)
    departments: list[Row] = field(default_factory=list)
    ageing: list[AgeingBucket] = field(default_factory=list)
    rules: list[RuleRow] = field(default_factory=list)
    weeks: list[WeekRow] = field(default_factory=list)


def _scoped(user: Any, node: Node) -> tuple[QuerySet[Case], QuerySet[Alert], list[tuple[int, str]]]:
    """The node's cases and alerts within the caller's scope, and the node's regions
    (id, path): one query for the regions, the caller's positions read once."""
    scope = policies.alert_scope(user)
    subtree = list(
        Region.objects.filter(path__startswith=node.region.path)
        .order_by()
        .values_list("pk", "path")
    )
    if scope is None:
        return Case.objects.none(), Alert.objects.none(), subtree
    ids = [pk for pk, _path in subtree]
    cases = Case.objects.filter(scope).filter(region_id__any_of=ids)
    alerts = Alert.objects.filter(scope).filter(region_id__any_of=ids)
    if node.department is not None:
        cases = cases.filter(department_id=node.department.pk)
        alerts = alerts.filter(department_id=node.department.pk)
    return cases, alerts, subtree


def _child_code(node_path: str, path: str) -> str:
    """The code of the child of the node that contains `path` ("" for the node itself)."""
    rest = path[len(node_path) :]
    return rest.split("/", 1)[0] if rest else ""


def figures(
    *, user: Any, node: Node, period: Period, today: datetime.date | None = None
) -> Figures:
    """Everything a dashboard page shows for `node` over `period`."""
    today = today or calendar.local_today()
    zone = local_zone()
    cases, alerts, subtree = _scoped(user, node)
    first, after = period.bounds()
    in_period = Q(decided_at__gte=first, decided_at__lt=after, promised_due__isnull=False)
    is_open = Q(state__in=OPEN_STATES)
    overdue = Q(state=State.UNDER_REVIEW, promised_due__lt=today)
    on_time = Q(decided_day__lte=F("promised_due"))

    # 1. Cases by (region, department): open, overdue, finished and on time.
    case_rows = list(
        cases.filter(is_open | in_period)
        .alias(decided_day=TruncDate("decided_at", tzinfo=zone))
        .values("region_id", "department_id")
        .annotate(
            open_cases=Count("id", filter=is_open),
            overdue=Count("id", filter=overdue),
            finished=Count("id", filter=in_period),
            on_time=Count("id", filter=in_period & on_time),
        )
        .order_by()
    )
    # 2. Open alerts by (region, department, level).
    alert_rows = list(
        alerts.exclude(state=Alert.State.CLOSED)
        .values("region_id", "department_id", "level")
        .annotate(n=Count("id"))
        .order_by()
    )

    paths = dict(subtree)
    total = Row(key=node.region.code, label=node.region.display_name, region=node.region)
    by_child: dict[str, Row] = {}
    by_department: dict[int, Row] = {}

    def bump(region_id: int, department_id: int, values: dict[str, int]) -> None:
        total.add(values)
        child = _child_code(node.region.path, paths.get(region_id, node.region.path))
        by_child.setdefault(child, Row(key=child, label="")).add(values)
        by_department.setdefault(department_id, Row(key=str(department_id), label="")).add(values)

    for row in case_rows:
        bump(
            row["region_id"],
            row["department_id"],
            {k: row[k] for k in ("open_cases", "overdue", "finished", "on_time")},
        )
    for alert_row in alert_rows:
        level = "red" if alert_row["level"] == Level.RED else "yellow"
        bump(alert_row["region_id"], alert_row["department_id"], {level: alert_row["n"]})

    result = Figures(node=node, period=period, today=today, total=total)
    result.regions = _region_rows(node, by_child)
    result.departments = _department_rows(by_department)
    result.ageing = _ageing(cases.filter(overdue), today)
    result.rules = _rules(alerts.filter(raised_at__gte=first, raised_at__lt=after))
    result.weeks = _weeks(cases, alerts, today, zone)
    return result


def _region_rows(node: Node, by_child: dict[str, Row]) -> list[Row]:
    """The node's own level, then every child region (zeros included: a short list)."""
    rows: list[Row] = []
    own = by_child.get("", Row(key="", label=""))
    own.key = node.region.code
    own.label = _("%(region)s本级") % {"region": node.region.display_name}
    own.region = node.region
    own.own_level = True
    rows.append(own)
    children = Region.objects.filter(parent=node.region).order_by("sort_order", "code")
    for child in children:
        if not child.is_active and child.code not in by_child:
            continue
        row = by_child.get(child.code, Row(key=child.code, label=""))
        row.key = child.code
        row.label = child.display_name
        row.region = child
        rows.append(row)
    return rows


def _department_rows(by_department: dict[int, Row]) -> list[Row]:
    """The departments with anything to show, the most red alerts and overdue cases first."""
    departments = Department.objects.in_bulk(list(by_department))
    rows: list[Row] = []
    for pk, row in by_department.items():
        department = departments.get(pk)
        if department is None or row.is_empty:
            continue
        row.key = department.code
        row.label = department.display_name
        row.department = department
        rows.append(row)
    rows.sort(key=lambda r: (-r.red, -r.overdue, -r.yellow, -r.open_cases, r.key))
    return rows


def ageing_bucket(days: int) -> str:
    days = max(days, 1)
    for key, low, high in AGEING_BUCKETS:
        if days >= low and (high is None or days <= high):
            return key
    return AGEING_BUCKETS[-1][0]


def ageing_labels() -> dict[str, str]:
    return {
        "1-3": _("1–3 天"),
        "4-10": _("4–10 天"),
        "11-30": _("11–30 天"),
        ">30": _("30 天以上"),
    }


def _ageing(overdue: QuerySet[Case], today: datetime.date) -> list[AgeingBucket]:
    """Overdue cases by days past due: one GROUP BY due date and unit; the calendar is
    asked once per distinct date, never per case."""
    counts: dict[str, int] = defaultdict(int)
    rows = overdue.values("promised_due", "promised_limit_unit").annotate(n=Count("id")).order_by()
    for row in rows:
        unit = clock.CALENDAR if row["promised_limit_unit"] == clock.CALENDAR else clock.WORKING
        due = row["promised_due"]
        assert due is not None  # overdue cases have a due date
        days = clock.days_between(due, today, unit=unit)
        counts[ageing_bucket(days)] += row["n"]
    labels = ageing_labels()
    return [AgeingBucket(key, labels[key], counts.get(key, 0)) for key, _l, _h in AGEING_BUCKETS]


def rule_name(code: str) -> str:
    definition = registry().get(code)
    return str(definition.name) if definition is not None else code


def _rules(raised: QuerySet[Alert]) -> list[RuleRow]:
    """Alerts raised in the period by rule and level; every registered rule listed."""
    counts: dict[str, dict[str, int]] = {code: {} for code in sorted(registry())}
    rows = raised.values("rule__code", "level").annotate(n=Count("id")).order_by()
    for row in rows:
        counts.setdefault(row["rule__code"], {})[row["level"]] = row["n"]
    result = [
        RuleRow(code, rule_name(code), levels.get("yellow", 0), levels.get("red", 0))
        for code, levels in counts.items()
    ]
    result.sort(key=lambda r: (-r.total, r.code))
    return result


def _week_start(value: Any, zone: zoneinfo.ZoneInfo) -> datetime.date:
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(zone)
        return value.date()
    return value


def _weeks(
    cases: QuerySet[Case], alerts: QuerySet[Alert], today: datetime.date, zone: zoneinfo.ZoneInfo
) -> list[WeekRow]:
    """The last 12 weeks: cases finished (decided, with a due date) and on time, and alerts
    raised, one GROUP BY week each."""
    this_monday = today - datetime.timedelta(days=today.weekday())
    first_monday = this_monday - datetime.timedelta(weeks=WEEKS - 1)
    first, after = Period(first_monday, today).bounds()
    finished = Q(promised_due__isnull=False)
    case_rows = (
        cases.filter(decided_at__gte=first, decided_at__lt=after)
        .alias(decided_day=TruncDate("decided_at", tzinfo=zone))
        .annotate(week=TruncWeek("decided_at", tzinfo=zone))
        .values("week")
        .annotate(
            finished=Count("id", filter=finished),
            on_time=Count("id", filter=finished & Q(decided_day__lte=F("promised_due"))),
        )
        .order_by()
    )
    alert_rows = (
        alerts.filter(raised_at__gte=first, raised_at__lt=after)
        .annotate(week=TruncWeek("raised_at", tzinfo=zone))
        .values("week")
        .annotate(n=Count("id"))
        .order_by()
    )
    done: dict[datetime.date, tuple[int, int]] = {}
    for row in case_rows:
        done[_week_start(row["week"], zone)] = (row["finished"], row["on_time"])
    raised = {_week_start(row["week"], zone): row["n"] for row in alert_rows}
    weeks: list[WeekRow] = []
    for index in range(WEEKS):
        monday = first_monday + datetime.timedelta(weeks=index)
        finished_count, on_time_count = done.get(monday, (0, 0))
        weeks.append(WeekRow(monday, finished_count, on_time_count, raised.get(monday, 0)))
    return weeks
