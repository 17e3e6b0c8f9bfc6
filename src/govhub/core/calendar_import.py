"""Reading a year's holiday schedule from a file (pure: no database).

CSV, UTF-8 (a BOM from Excel is fine), with a header row. Columns, in any order, with
English or Chinese names:

    date / 日期        first day, YYYY-MM-DD                         required
    kind / 类型        holiday (放假) or workday (调休上班, 上班)     required
    name / 名称 / 节日  the festival, e.g. 春节                        optional
    until / 至         last day of a range, inclusive                 optional

    date,until,kind,name
    2027-01-01,,holiday,元旦
    2027-02-06,2027-02-14,holiday,春节
    2027-02-20,,workday,春节

JSON: a list of objects with the same keys, or `{"days": [...]}`.

A holiday range is copied as announced (放假调休，共N天): its weekend days are skipped,
because only days that differ from the weekend rule are stored. A single holiday on a
weekend, or a make-up working day on a weekday, is an error. Every problem is reported
with its row number (CSV: the line in the file; JSON: the position in the list).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from dataclasses import dataclass
from typing import Any, Literal

from django.utils.translation import gettext as _

from govhub.core.calendar_models import NAME_MAX_LENGTH, CalendarDay

MAX_ROWS = 400
MAX_BYTES = 256 * 1024
ONE_DAY = datetime.timedelta(days=1)

_COLUMNS = {
    "date": "date",
    "日期": "date",
    "kind": "kind",
    "类型": "kind",
    "name": "name",
    "名称": "name",
    "节日": "name",
    "until": "until",
    "至": "until",
    "截止日期": "until",
}
_KINDS = {
    "holiday": CalendarDay.Kind.HOLIDAY,
    "放假": CalendarDay.Kind.HOLIDAY,
    "休": CalendarDay.Kind.HOLIDAY,
    "workday": CalendarDay.Kind.WORKDAY,
    "调休上班": CalendarDay.Kind.WORKDAY,
    "上班": CalendarDay.Kind.WORKDAY,
    "班": CalendarDay.Kind.WORKDAY,
}


@dataclass(frozen=True)
class ParsedDay:
    date: datetime.date
    kind: str
    name: str
    row: int


@dataclass(frozen=True)
class RowError:
    row: int  # 0: the file as a whole
    message: str


def name_too_long_message() -> str:
    """The error for a festival name longer than the column allows (shared with services)."""
    return _("节日名称不能超过%(max)d个字。") % {"max": NAME_MAX_LENGTH}


def _error(row: int, message: str, *, item: bool = False) -> RowError:
    """An error of one row (a CSV line) or, with `item`, of one JSON list entry."""
    if row == 0:
        return RowError(row=0, message=message)
    if item:
        text = _("第%(row)d项：%(message)s") % {"row": row, "message": message}
    else:
        text = _("第%(row)d行：%(message)s") % {"row": row, "message": message}
    return RowError(row=row, message=text)


def _decode(content: str | bytes) -> str:
    if isinstance(content, bytes):
        return content.decode("utf-8-sig")
    return content.removeprefix("\ufeff")


def _csv_rows(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, Any]]] = []
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = [_COLUMNS.get(cell.strip().lower(), "") for cell in cells]
            missing = [col for col in ("date", "kind") if col not in header]
            if missing:
                return [], [
                    _error(
                        line,
                        _(
                            "表头应包含 date（日期）和 kind（类型）两列，"
                            "可选 name（名称）和 until（至）。"
                        ),
                    )
                ]
            continue
        record = {key: cell for key, cell in zip(header, cells, strict=False) if key}
        rows.append((line, record))
    return rows, []


def _json_rows(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [], [_error(0, _("JSON格式错误（第%(line)d行）。") % {"line": exc.lineno})]
    if isinstance(data, dict):
        data = data.get("days")
    if not isinstance(data, list):
        return [], [_error(0, _("JSON应为日期列表，或包含 days 列表的对象。"))]
    rows: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            errors.append(_error(index, _("每一项应为包含 date 和 kind 的对象。"), item=True))
            continue
        rows.append(
            (index, {_COLUMNS[k.lower()]: v for k, v in item.items() if k.lower() in _COLUMNS})
        )
    return rows, errors


def _parse_date(value: Any) -> datetime.date | None:
    text = str(value or "").strip()
    if len(text) != 10:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _expand(
    row: int, record: dict[str, Any], year: int, *, item: bool
) -> tuple[list[ParsedDay], list[RowError]]:
    def error(message: str) -> RowError:
        return _error(row, message, item=item)

    raw_date = str(record.get("date") or "").strip()
    first = _parse_date(raw_date)
    if first is None:
        return [], [error(_("日期“%(value)s”无效，应为YYYY-MM-DD。") % {"value": raw_date})]
    raw_until = str(record.get("until") or "").strip()
    last = first
    if raw_until:
        parsed_until = _parse_date(raw_until)
        if parsed_until is None:
            return [], [
                error(_("截止日期“%(value)s”无效，应为YYYY-MM-DD。") % {"value": raw_until})
            ]
        last = parsed_until
    raw_kind = str(record.get("kind") or "").strip()
    kind = _KINDS.get(raw_kind.lower())
    name = str(record.get("name") or "").strip()
    errors: list[RowError] = []
    if kind is None:
        errors.append(
            error(
                _("类型“%(value)s”无效，应为 holiday（放假）或 workday（调休上班）。")
                % {"value": raw_kind}
            )
        )
    if first.year != year or last.year != year:
        errors.append(error(_("日期不在%(year)d年内。") % {"year": year}))
    if last < first:
        errors.append(error(_("截止日期早于开始日期。")))
    if len(name) > NAME_MAX_LENGTH:
        errors.append(error(name_too_long_message()))
    if errors or kind is None:
        return [], errors

    days: list[ParsedDay] = []
    day = first
    while day <= last:
        weekend = day.weekday() >= 5
        if kind == CalendarDay.Kind.HOLIDAY and not weekend:
            days.append(ParsedDay(date=day, kind=kind, name=name, row=row))
        elif kind == CalendarDay.Kind.WORKDAY:
            if not weekend:
                errors.append(
                    error(
                        _("%(date)s是工作日，调休上班日只能是周六或周日。")
                        % {"date": day.isoformat()}
                    )
                )
            else:
                days.append(ParsedDay(date=day, kind=kind, name=name, row=row))
        day += ONE_DAY
    if kind == CalendarDay.Kind.HOLIDAY and not days:
        if first == last:
            message = _("%(date)s是周末，本来就不上班，无需登记为放假日。") % {
                "date": first.isoformat()
            }
        else:
            message = _("这段日期全是周末，无需登记为放假日。")
        errors.append(error(message))
    return (days if not errors else []), errors


def parse_calendar_file(
    content: str | bytes, *, file_format: Literal["csv", "json"], year: int
) -> tuple[list[ParsedDay], list[RowError]]:
    """The days a file describes for `year`, or every problem found in it."""
    if len(content) > MAX_BYTES:
        return [], [_error(0, _("文件太大（最多256KB）。"))]
    try:
        text = _decode(content)
    except UnicodeDecodeError:
        return [], [_error(0, _("文件不是UTF-8编码。"))]
    if file_format == "csv":
        try:
            rows, errors = _csv_rows(text)
        except csv.Error:
            return [], [_error(0, _("CSV格式错误，请用表格软件另存为“CSV UTF-8”后重试。"))]
    elif file_format == "json":
        rows, errors = _json_rows(text)
    else:
        return [], [_error(0, _("不支持的文件格式，请使用CSV或JSON。"))]
    if errors:
        return [], errors
    if not rows:
        return [], [_error(0, _("文件中没有任何日期。"))]
    if len(rows) > MAX_ROWS:
        return [], [_error(0, _("文件行数太多（最多%(max)d行）。") % {"max": MAX_ROWS})]

    days: list[ParsedDay] = []
    seen: dict[datetime.date, int] = {}
    for row, record in rows:
        row_days, row_errors = _expand(row, record, year, item=file_format == "json")
        errors.extend(row_errors)
        for item in row_days:
            if item.date in seen:
                template = (
                    _("%(date)s与第%(other)d项重复。")
                    if file_format == "json"
                    else _("%(date)s与第%(other)d行重复。")
                )
                params = {"date": item.date.isoformat(), "other": seen[item.date]}
                errors.append(_error(row, template % params, item=file_format == "json"))
                continue
            seen[item.date] = row
            days.append(item)
    if errors:
        return [], errors
    return sorted(days, key=lambda item: item.date), []
