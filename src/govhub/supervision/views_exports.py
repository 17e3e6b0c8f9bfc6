"""Exports of the supervision pages: a figures table as CSV, every figures table as one
XLSX workbook, the alert list (with the page's filters) as CSV or XLSX. The same
selectors as the pages, so an export holds exactly what the caller may see; each export is
recorded in the audit trail (`supervision.export`)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from govhub.core import calendar
from govhub.core.audit import audit_log
from govhub.supervision import exports
from govhub.supervision.selectors_alerts import alert_export
from govhub.supervision.selectors_dashboard import Node, Period, figures
from govhub.supervision.views_alerts import filters_from
from govhub.supervision.views_common import node_or_404, period_from, supervision_page

TABLES = ("summary", "regions", "departments", "ageing", "rules", "weeks")


def _stem(node: Node, period: Period) -> str:
    parts = ["supervision", node.region.code]
    if node.department is not None:
        parts.append(node.department.code)
    parts.append(f"{period.start:%Y%m%d}-{period.end:%Y%m%d}")
    return "-".join(parts)


def _audit(request: HttpRequest, what: str, changes: dict[str, object]) -> None:
    audit_log(
        actor=request.user,
        action="supervision.export",
        changes={"what": what, **changes},
        request=request,
    )


@supervision_page
@require_GET
def figures_csv(
    request: HttpRequest, region: str, table: str, department: str | None = None
) -> StreamingHttpResponse:
    if table not in TABLES:
        raise Http404
    node = node_or_404(request.user, region, department)
    today = calendar.local_today()
    period, _form = period_from(request, today)
    numbers = figures(user=request.user, node=node, period=period, today=today)
    data = exports.figure_tables(numbers)[table]
    _audit(
        request,
        f"figures.{table}.csv",
        {"region": node.region.code, "department": department or "", "period": _period(period)},
    )
    return exports.csv_response(
        exports.for_csv(data), filename=f"{_stem(node, period)}-{table}.csv"
    )


@supervision_page
@require_GET
def figures_xlsx(request: HttpRequest, region: str, department: str | None = None) -> HttpResponse:
    node = node_or_404(request.user, region, department)
    today = calendar.local_today()
    period, _form = period_from(request, today)
    numbers = figures(user=request.user, node=node, period=period, today=today)
    tables = exports.figure_tables(numbers)
    _audit(
        request,
        "figures.xlsx",
        {"region": node.region.code, "department": department or "", "period": _period(period)},
    )
    return exports.xlsx_response(
        [tables[name] for name in TABLES], filename=f"{_stem(node, period)}.xlsx"
    )


def _period(period: Period) -> str:
    return f"{period.start.isoformat()}/{period.end.isoformat()}"


@supervision_page
@require_GET
def alerts_csv(request: HttpRequest) -> StreamingHttpResponse:
    filters, _form, params = filters_from(request)
    _audit(request, "alerts.csv", {"filters": params})
    table = exports.alert_table(alert_export(user=request.user, filters=filters))
    return exports.csv_response(
        exports.for_csv(table), filename=f"supervision-alerts-{calendar.local_today():%Y%m%d}.csv"
    )


@supervision_page
@require_GET
def alerts_xlsx(request: HttpRequest) -> HttpResponse:
    filters, _form, params = filters_from(request)
    _audit(request, "alerts.xlsx", {"filters": params})
    table = exports.alert_table(alert_export(user=request.user, filters=filters))
    return exports.xlsx_response(
        [table], filename=f"supervision-alerts-{calendar.local_today():%Y%m%d}.xlsx"
    )
