"""Every read of supervision data, scoped to what the caller may see (`policies`).

The dashboards build on these: `alert_list` (filtered, paginated, newest first) and
`alert_detail` (one alert with its history and notices). An alert the caller may not see
is "not found", never "forbidden".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from govhub.core.errors import NotFound
from govhub.organizations.models import Region
from govhub.supervision import policies
from govhub.supervision.models import Alert, AlertEvent, SupervisionNotice

MAX_LIMIT = 200
# What a list row needs (here and in `selectors_alerts`): never the case's form, ID number
# or long texts.
ROW_FIELDS = (
    "id",
    "level",
    "state",
    "cause_active",
    "detail",
    "raised_at",
    "notified_at",
    "explained_at",
    "escalated_at",
    "closed_at",
    "closed_reason",
    "reopen_count",
    "explanation",
    "updated_at",
    "rule__id",
    "rule__code",
    "rule__severity",
    "case__id",
    "case__number",
    "case__title",
    "case__state",
    "case__promised_due",
    "step__id",
    "step__name",
    "step__due_on",
    "department__id",
    "department__code",
    "department__name",
    "department__short_name",
    "department__name_en",
    "region__id",
    "region__code",
    "region__name",
    "region__name_en",
    "region__path",
)


@dataclass(frozen=True)
class AlertPage:
    items: list[Alert]
    total: int
    limit: int
    offset: int


def visible_alerts(user: Any) -> QuerySet[Alert]:
    """Every alert `user` may see (none for anyone without a supervision or department
    position)."""
    scope = policies.alert_scope(user)
    if scope is None:
        return Alert.objects.none()
    return Alert.objects.filter(scope)


def alert_list(
    *,
    user: Any,
    state: str | None = None,
    level: str | None = None,
    rule: str | None = None,
    department: int | None = None,
    region: int | None = None,
    open_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> AlertPage:
    """The caller's alerts, newest first, filtered: `state`, `level`, `rule` (a code),
    `department` (an id), `region` (an id; its descendants included), `open_only` (any
    state but closed). Two queries after the caller's positions: the count and the page."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    queryset = visible_alerts(user)
    if state:
        queryset = queryset.filter(state=state)
    if open_only:
        queryset = queryset.exclude(state=Alert.State.CLOSED)
    if level:
        queryset = queryset.filter(level=level)
    if rule:
        queryset = queryset.filter(rule__code=rule)
    if department:
        queryset = queryset.filter(department_id=department)
    if region:
        path = Region.objects.filter(pk=region).values_list("path", flat=True).first()
        if path is None:
            return AlertPage([], 0, limit, offset)
        queryset = queryset.filter(region__path__startswith=path)
    total = queryset.count()
    items = list(
        queryset.select_related("rule", "case", "step", "department", "region")
        .only(*ROW_FIELDS)
        .order_by("-raised_at", "-id")[offset : offset + limit]
    )
    return AlertPage(items, total, limit, offset)


def alert_detail(*, user: Any, alert_id: int) -> Alert:
    """One alert with its history (`events`, oldest first, with actors) and its notices."""
    alert = (
        visible_alerts(user)
        .select_related("rule", "case", "step", "department", "region", "explained_by", "closed_by")
        .prefetch_related(
            Prefetch("events", AlertEvent.objects.select_related("actor").order_by("at", "id")),
            Prefetch(
                "notices",
                SupervisionNotice.objects.select_related("issued_by").order_by("issued_at"),
            ),
        )
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise NotFound(_("找不到该监察预警。"))
    return alert


def notice_for(*, user: Any, notice_id: int) -> SupervisionNotice:
    """A supervision notice whose alert the caller may see (for its PDF)."""
    notice = (
        SupervisionNotice.objects.filter(alert__in=visible_alerts(user))
        .select_related(
            "alert__rule", "alert__case", "alert__step", "alert__region", "department", "issued_by"
        )
        .filter(pk=notice_id)
        .first()
    )
    if notice is None:
        raise NotFound(_("找不到该监察建议书。"))
    return notice
