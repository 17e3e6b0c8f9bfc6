"""The alert list of the dashboards and its exports: one filtered query built on
`selectors.visible_alerts` (the caller's scope), so the page and the export show exactly
the same rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import IntegerField, QuerySet, Value, When

from govhub.organizations.models import Department, Region
from govhub.supervision.models import Alert, Level
from govhub.supervision.selectors import ROW_FIELDS, visible_alerts

OPEN = "open"
PAGE_SIZE = 30
EXPORT_LIMIT = 50_000


@dataclass(frozen=True)
class AlertFilters:
    region: Region | None = None  # its subtree
    department: Department | None = None
    level: str = ""
    state: str = ""  # one state, or "open" (any but closed)
    rule: str = ""  # a rule code

    @property
    def is_filtered(self) -> bool:
        return bool(self.level or self.state or self.rule)


def filtered_alerts(user: Any, filters: AlertFilters) -> QuerySet[Alert]:
    """The caller's alerts matching `filters`: open ones first, red before yellow, then
    the oldest raised first (what needs attention soonest); closed ones after, newest
    first."""
    queryset = visible_alerts(user)
    if filters.region is not None:
        queryset = queryset.filter(region__path__startswith=filters.region.path)
    if filters.department is not None:
        queryset = queryset.filter(department_id=filters.department.pk)
    if filters.level in Level.values:
        queryset = queryset.filter(level=filters.level)
    if filters.state == OPEN:
        queryset = queryset.exclude(state=Alert.State.CLOSED)
    elif filters.state in Alert.State.values:
        queryset = queryset.filter(state=filters.state)
    if filters.rule:
        queryset = queryset.filter(rule__code=filters.rule)
    return queryset


def ordered_rows(queryset: QuerySet[Alert]) -> QuerySet[Alert]:
    closed = SqlCase(
        When(state=Alert.State.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    red = SqlCase(
        When(level=Level.RED, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        queryset.select_related("rule", "case", "step", "department", "region")
        .only(*ROW_FIELDS)
        .annotate(closed_rank=closed, level_rank=red)
        .order_by("closed_rank", "level_rank", "raised_at", "id")
    )


@dataclass(frozen=True)
class AlertPage:
    items: list[Alert]
    total: int
    page: int
    page_size: int

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.total

    @property
    def pages(self) -> int:
        return max((self.total + self.page_size - 1) // self.page_size, 1)


def alert_page(
    *, user: Any, filters: AlertFilters, page: int = 1, page_size: int = PAGE_SIZE
) -> AlertPage:
    """One page of the filtered list: two queries after the caller's positions (the count
    and the rows), whatever the page size."""
    queryset = filtered_alerts(user, filters)
    total = queryset.count()
    page = max(1, min(page, max((total + page_size - 1) // page_size, 1)))
    offset = (page - 1) * page_size
    items = list(ordered_rows(queryset)[offset : offset + page_size])
    return AlertPage(items, total, page, page_size)


def alert_export(*, user: Any, filters: AlertFilters) -> Iterator[Alert]:
    """Every matching row (at most `EXPORT_LIMIT`), streamed in chunks."""
    queryset = ordered_rows(filtered_alerts(user, filters))[:EXPORT_LIMIT]
    return queryset.iterator(chunk_size=2000)
