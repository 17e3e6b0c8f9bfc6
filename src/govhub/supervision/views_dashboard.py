"""The supervision dashboards (电子监察), mounted at /supervision/ (namespace "supervision").

- `home`: where the caller starts: a supervisor at the widest region they supervise,
  department staff at their department's page.
- `node`: a region (the whole subtree) or one department within it: the figures, the
  drill-down tables (the region's own level and each child region; each department), the
  charts and, for a department, its open alerts. Every number comes from
  `selectors_dashboard.figures` (scoped by the caller's positions).

Alerts (list, detail, follow-up) are in `views_alerts`, the exports in `views_exports`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from govhub.core import calendar
from govhub.core.text import join_clauses
from govhub.supervision import charts
from govhub.supervision.selectors_alerts import OPEN, AlertFilters, alert_page
from govhub.supervision.selectors_dashboard import Figures, Node, Row, figures, viewer
from govhub.supervision.views_alerts import list_row
from govhub.supervision.views_common import (
    breadcrumbs,
    node_or_404,
    node_url,
    percent_text,
    period_from,
    period_query,
    quick_periods,
    render_supervision,
    supervision_page,
    with_query,
)

DEPARTMENT_ALERTS = 20


@supervision_page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    start = viewer(request.user).home()
    if start is None:  # pragma: no cover - supervision_page lets nobody without one in
        raise PermissionDenied
    region, department = start
    return redirect(node_url(region, department, request.GET.urlencode()))


@supervision_page
@require_GET
def node(request: HttpRequest, region: str, department: str | None = None) -> HttpResponse:
    place = node_or_404(request.user, region, department)
    today = calendar.local_today()
    period, form = period_from(request, today)
    query = period_query(period, today)
    numbers = figures(user=request.user, node=place, period=period, today=today)
    reach = viewer(request.user)
    context: dict[str, Any] = {
        "node": place,
        "figures": numbers,
        "total": _row(numbers.total, None),
        "region_rows": [_row(row, _region_link(place, row, query)) for row in numbers.regions],
        "department_rows": [
            _row(row, node_url(place.region, row.department, query)) for row in numbers.departments
        ],
        "crumbs": breadcrumbs(reach, place.region),
        "region_url": with_query(node_url(place.region), query),
        "period": period,
        "period_form": form,
        "quick_periods": [
            (label, choice, choice == period, period_query(choice, today))
            for label, choice in quick_periods(today)
        ],
        "query": query,
        "charts": _charts(numbers),
        "week_rows": [{"row": w, "rate": percent_text(w.on_time_rate)} for w in numbers.weeks],
        "alerts_url": _alerts_url(place),
        "export": _export_links(place, query),
        "is_supervisor": reach.supervises(place.region),
    }
    if place.department is not None:
        alerts = alert_page(
            user=request.user,
            filters=AlertFilters(region=place.region, department=place.department, state=OPEN),
            page_size=DEPARTMENT_ALERTS,
        )
        context["alerts"] = alerts
        context["alert_rows"] = [list_row(alert) for alert in alerts.items]
    return render_supervision(request, "node.html", context)


def _row(row: Row, url: str | None) -> dict[str, Any]:
    return {"row": row, "url": url, "rate": percent_text(row.on_time_rate)}


def _region_link(place: Node, row: Row, query: str) -> str | None:
    if row.own_level or row.region is None:
        return None
    return node_url(row.region, place.department, query)


def _alerts_url(place: Node) -> str:
    params = {"region": place.region.code, "state": OPEN}
    if place.department is not None:
        params["department"] = place.department.code
    return f"{reverse('supervision:alerts')}?{urlencode(params)}"


def _export_links(place: Node, query: str) -> dict[str, Any]:
    args = [place.region.code] + ([place.department.code] if place.department else [])
    suffix = "_department" if place.department else ""
    return {
        "xlsx": with_query(reverse(f"supervision:export_xlsx{suffix}", args=args), query),
        "csv": {
            table: with_query(
                reverse(f"supervision:export_csv{suffix}", args=[*args, table]), query
            )
            for table in ("summary", "regions", "departments", "ageing", "rules", "weeks")
        },
    }


def _charts(numbers: Figures) -> dict[str, Any]:
    yellow, red = _("黄牌"), _("红牌")
    rules = list(numbers.rules)
    rules_text = join_clauses(
        _("%(rule)s：黄牌 %(yellow)s，红牌 %(red)s")
        % {"rule": r.name, "yellow": r.yellow, "red": r.red}
        for r in rules
        if r.total
    ) or _("统计期间没有产生预警。")
    ageing_text = join_clauses(
        _("%(bucket)s：%(count)s 件") % {"bucket": b.label, "count": b.count}
        for b in numbers.ageing
    )
    weeks = numbers.weeks
    trend_text = _(
        "近12周共办结 %(finished)s 件，其中按期 %(on_time)s 件；新增预警 %(alerts)s 条。"
    ) % {
        "finished": sum(w.finished for w in weeks),
        "on_time": sum(w.on_time for w in weeks),
        "alerts": sum(w.alerts for w in weeks),
    }
    return {
        "rules": charts.horizontal_bars(
            chart_id="chart-rules",
            title=_("按监察规则统计的预警"),
            description=rules_text,
            bars=[
                charts.Bar(
                    r.name,
                    [charts.Segment("yellow", r.yellow, yellow), charts.Segment("red", r.red, red)],
                )
                for r in rules
            ],
            legend=[charts.LegendItem("yellow", yellow), charts.LegendItem("red", red)],
        ),
        "ageing": charts.horizontal_bars(
            chart_id="chart-ageing",
            title=_("超期办件的超期时长分布"),
            description=ageing_text,
            bars=[
                charts.Bar(b.label, [charts.Segment("red", b.count, _("超期办件"))])
                for b in numbers.ageing
            ],
        ),
        "trend": charts.trend(
            chart_id="chart-trend",
            title=_("近12周趋势"),
            description=trend_text,
            columns=[
                charts.Column(f"{w.start:%m-%d}", w.finished, w.on_time, w.alerts) for w in weeks
            ],
            legend=[
                charts.LegendItem("outline", pgettext("cases counted", "办结")),
                charts.LegendItem("brand", _("按期办结")),
                charts.LegendItem("line", _("新增预警")),
            ],
            tooltips=[
                _("%(start)s 起一周：办结 %(finished)s，按期 %(on_time)s，新增预警 %(alerts)s")
                % {
                    "start": f"{w.start:%Y-%m-%d}",
                    "finished": w.finished,
                    "on_time": w.on_time,
                    "alerts": w.alerts,
                }
                for w in weeks
            ],
        ),
    }
