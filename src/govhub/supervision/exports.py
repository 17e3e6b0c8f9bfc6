"""The dashboards' tables as CSV and XLSX.

CSV is UTF-8 with a byte-order mark, which Excel needs to read Chinese correctly; XLSX is
written by openpyxl in write-only mode. A cell that a spreadsheet would take for a formula
(starting with =, +, -, @, a tab or a carriage return) is prefixed with an apostrophe
(OWASP "CSV injection"), since explanations and notes are free text typed by people.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from govhub.supervision.models import Alert, Level
from govhub.supervision.selectors_dashboard import Figures, Row, rule_name

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Table:
    name: str  # the file and sheet key, ASCII
    title: str  # the sheet's title
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]


def safe_cell(value: Any) -> Any:
    if isinstance(value, Promise):
        value = str(value)
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(table: Table, *, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield BOM
        yield writer.writerow([safe_cell(h) for h in table.headers])
        for row in table.rows:
            yield writer.writerow([safe_cell(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type=CSV_TYPE)
    _attachment(response, filename)
    return response


def xlsx_response(tables: Sequence[Table], *, filename: str) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(title=table.title[:31])
        sheet.append([safe_cell(h) for h in table.headers])
        for row in table.rows:
            sheet.append([safe_cell(_plain(cell)) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    _attachment(response, filename)
    return response


def _plain(value: Any) -> Any:
    """openpyxl writes dates and numbers natively; aware datetimes become local and naive,
    lazy translations text."""
    if isinstance(value, Promise):
        return str(value)
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _attachment(response: HttpResponse | StreamingHttpResponse, filename: str) -> None:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"


# --- the figures -------------------------------------------------------------------------------


def _row_cells(row: Row) -> list[Any]:
    return [
        row.label,
        row.key,
        row.open_cases,
        row.overdue,
        row.finished,
        row.on_time,
        percent(row.on_time_rate),
        row.yellow,
        row.red,
    ]


def _row_headers(first: str, code: str) -> list[str]:
    return [
        first,
        code,
        _("在办件"),
        _("其中已超期"),
        _("期间办结"),
        _("其中按期办结"),
        _("按期办结率"),
        _("黄牌（未关闭）"),
        _("红牌（未关闭）"),
    ]


def figure_tables(figures: Figures) -> dict[str, Table]:
    """Every table of a dashboard page, by name (the URL's `<table>`)."""
    period = f"{figures.period.start:%Y-%m-%d} – {figures.period.end:%Y-%m-%d}"
    return {
        "summary": Table(
            "summary",
            _("总览"),
            [_("范围"), _("统计期间"), *_row_headers(_("名称"), _("代码"))],
            [[_scope_label(figures), period, *_row_cells(figures.total)]],
        ),
        "regions": Table(
            "regions",
            _("按区划"),
            _row_headers(_("行政区划"), _("区划代码")),
            [_row_cells(row) for row in figures.regions],
        ),
        "departments": Table(
            "departments",
            _("按部门"),
            _row_headers(_("部门"), _("部门代码")),
            [_row_cells(row) for row in figures.departments],
        ),
        "ageing": Table(
            "ageing",
            _("超期时长"),
            [_("超期时长"), _("办件数")],
            [[bucket.label, bucket.count] for bucket in figures.ageing],
        ),
        "rules": Table(
            "rules",
            _("按规则"),
            [_("监察规则"), _("规则代码"), _("黄牌"), _("红牌"), _("合计")],
            [[r.name, r.code, r.yellow, r.red, r.total] for r in figures.rules],
        ),
        "weeks": Table(
            "weeks",
            _("周趋势"),
            [
                _("周起始日"),
                _("周截止日"),
                pgettext("cases counted", "办结"),
                _("按期办结"),
                _("按期办结率"),
                _("新增预警"),
            ],
            [
                [w.start, w.end, w.finished, w.on_time, percent(w.on_time_rate), w.alerts]
                for w in figures.weeks
            ],
        ),
    }


def _scope_label(figures: Figures) -> str:
    node = figures.node
    if node.department is None:
        return node.region.display_name
    return f"{node.region.display_name} · {node.department.display_name}"


# --- the alert list ------------------------------------------------------------------------------


def _local(value: Any) -> Any:
    return timezone.localtime(value) if value is not None else None


def alert_table(alerts: Iterable[Alert]) -> Table:
    def rows() -> Iterator[list[Any]]:
        for alert in alerts:
            yield [
                alert.pk,
                Level(alert.level).label,
                Alert.State(alert.state).label,
                rule_name(alert.rule.code),
                alert.rule.code,
                alert.case.number or "",
                alert.case.title,
                alert.step.name if alert.step is not None else "",
                alert.department.display_name,
                alert.region.display_name,
                (alert.detail or {}).get("due", "") if isinstance(alert.detail, dict) else "",
                _local(alert.raised_at),
                _local(alert.explained_at),
                alert.explanation,
                _local(alert.closed_at),
            ]

    return Table(
        "alerts",
        _("监察预警"),
        [
            _("预警编号"),
            _("预警等级"),
            _("状态"),
            _("监察规则"),
            _("规则代码"),
            _("办件编号"),
            _("办件名称"),
            _("办理环节"),
            _("责任部门"),
            _("行政区划"),
            _("到期日期"),
            _("预警时间"),
            _("说明时间"),
            _("部门说明"),
            _("关闭时间"),
        ],
        rows(),
    )


def csv_datetime(rows: Iterable[Sequence[Any]]) -> Iterator[list[Any]]:
    """Dates and times as text for CSV (openpyxl takes the objects themselves)."""
    for row in rows:
        yield [
            value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "hour") else value for value in row
        ]


def for_csv(table: Table) -> Table:
    return Table(table.name, table.title, table.headers, csv_datetime(table.rows))
