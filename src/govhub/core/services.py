"""Writes of the core app: the working-day calendar.

Every change runs in one transaction, is written to the audit trail and replaces the
calendar's cache version, so every process sees it on its next read. Callers (the
admin, the `calendar_import` command) check permissions before calling.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from govhub.core.audit import audit_log
from govhub.core.calendar import bump_cache_version
from govhub.core.calendar_import import (
    ParsedDay,
    RowError,
    name_too_long_message,
    parse_calendar_file,
)
from govhub.core.calendar_models import NAME_MAX_LENGTH, CalendarDay, CalendarYear
from govhub.core.errors import InvalidInput, NotFound

MIN_YEAR = 1949
MAX_YEAR = 2200


class CalendarImportError(InvalidInput):
    """An import file with problems; nothing was changed. `row_errors` lists them all."""

    code = "calendar_import_invalid"

    def __init__(self, row_errors: list[RowError]) -> None:
        self.row_errors = row_errors
        super().__init__(
            ngettext(
                "导入文件有%(count)d处错误，未做任何修改。",
                "导入文件有%(count)d处错误，未做任何修改。",
                len(row_errors),
            )
            % {"count": len(row_errors)},
            fields={"rows": [error.message for error in row_errors]},
        )


@dataclass(frozen=True)
class CalendarImportResult:
    calendar_year: CalendarYear
    holidays: int
    workdays: int
    replaced: int

    @property
    def holidays_text(self) -> str:
        """“放假8天” in the active language."""
        return ngettext("放假%(count)d天", "放假%(count)d天", self.holidays) % {
            "count": self.holidays
        }

    @property
    def workdays_text(self) -> str:
        """“调休上班2天” in the active language."""
        return ngettext("调休上班%(count)d天", "调休上班%(count)d天", self.workdays) % {
            "count": self.workdays
        }

    @property
    def replaced_text(self) -> str:
        """“替换原有5条” in the active language."""
        return ngettext("替换原有%(count)d条", "替换原有%(count)d条", self.replaced) % {
            "count": self.replaced
        }


def _calendar_changed() -> None:
    # Now, so the rest of this transaction reads the new data; and again after commit,
    # so a process that re-cached the old data meanwhile reloads.
    bump_cache_version()
    transaction.on_commit(bump_cache_version)


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(
            _("年份应在%(min)d至%(max)d之间。") % {"min": MIN_YEAR, "max": MAX_YEAR},
            code="calendar_year_invalid",
            fields={"year": [_("年份无效。")]},
        )


def calendar_day_problem(*, day: datetime.date, kind: str) -> str | None:
    """Why `day` cannot be stored as `kind`, or None. Shared with the admin's forms."""
    if kind not in CalendarDay.Kind.values:
        return _("类型应为“放假”或“调休上班”。")
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        return _("年份应在%(min)d至%(max)d之间。") % {"min": MIN_YEAR, "max": MAX_YEAR}
    weekend = day.weekday() >= 5
    if kind == CalendarDay.Kind.HOLIDAY and weekend:
        return _("%(date)s是周末，本来就不上班，无需登记为放假日。") % {"date": day.isoformat()}
    if kind == CalendarDay.Kind.WORKDAY and not weekend:
        return _("%(date)s是工作日，调休上班日只能是周六或周日。") % {"date": day.isoformat()}
    return None


def _year_for(day: datetime.date) -> CalendarYear:
    calendar_year, _created = CalendarYear.objects.select_for_update().get_or_create(year=day.year)
    return calendar_year


@transaction.atomic
def calendar_year_save(
    *,
    actor: Any | None,
    year: int,
    source: str = "",
    notes: str = "",
    request: HttpRequest | None = None,
) -> CalendarYear:
    """Create a year (as a draft) or change its source and notes; never its status."""
    _check_year(year)
    calendar_year, created = CalendarYear.objects.select_for_update().get_or_create(
        year=year, defaults={"source": source, "notes": notes}
    )
    before = {"source": calendar_year.source, "notes": calendar_year.notes}
    if not created:
        calendar_year.source = source
        calendar_year.notes = notes
        calendar_year.save(update_fields=["source", "notes"])
    audit_log(
        actor=actor,
        action="core.calendar_year.create" if created else "core.calendar_year.update",
        target=calendar_year,
        changes={"after": {"source": source, "notes": notes}}
        if created
        else {"before": before, "after": {"source": source, "notes": notes}},
        request=request,
    )
    return calendar_year


@transaction.atomic
def calendar_year_publish(
    *, actor: Any | None, year: int, request: HttpRequest | None = None
) -> CalendarYear:
    """Publish a year's schedule: from now on its days count in every calculation."""
    calendar_year = CalendarYear.objects.select_for_update().filter(year=year).first()
    if calendar_year is None:
        raise NotFound(_("%(year)d年的工作日历不存在。") % {"year": year})
    if not calendar_year.days.filter(kind=CalendarDay.Kind.HOLIDAY).exists():
        raise InvalidInput(
            _("%(year)d年还没有登记任何放假日期，不能发布。") % {"year": year},
            code="calendar_year_empty",
        )
    if calendar_year.is_published:
        return calendar_year
    calendar_year.status = CalendarYear.Status.PUBLISHED
    calendar_year.published_at = timezone.now()
    calendar_year.save(update_fields=["status", "published_at"])
    audit_log(
        actor=actor,
        action="core.calendar_year.publish",
        target=calendar_year,
        changes={"status": ["draft", "published"]},
        request=request,
    )
    _calendar_changed()
    return calendar_year


@transaction.atomic
def calendar_year_unpublish(
    *, actor: Any | None, year: int, request: HttpRequest | None = None
) -> CalendarYear:
    """Withdraw a year's schedule: its dates fall back to weekends only (provisional)."""
    calendar_year = CalendarYear.objects.select_for_update().filter(year=year).first()
    if calendar_year is None:
        raise NotFound(_("%(year)d年的工作日历不存在。") % {"year": year})
    if not calendar_year.is_published:
        return calendar_year
    calendar_year.status = CalendarYear.Status.DRAFT
    calendar_year.save(update_fields=["status"])
    audit_log(
        actor=actor,
        action="core.calendar_year.unpublish",
        target=calendar_year,
        changes={"status": ["published", "draft"]},
        request=request,
    )
    _calendar_changed()
    return calendar_year


@transaction.atomic
def calendar_day_set(
    *,
    actor: Any | None,
    day: datetime.date,
    kind: str,
    name: str = "",
    request: HttpRequest | None = None,
) -> CalendarDay:
    """Mark `day` as a holiday or a make-up working day (creating its year as a draft)."""
    name = name.strip()
    problem = calendar_day_problem(day=day, kind=kind)
    if problem is None and len(name) > NAME_MAX_LENGTH:
        problem = name_too_long_message()
    if problem:
        raise InvalidInput(problem, code="calendar_day_invalid", fields={"date": [problem]})
    calendar_year = _year_for(day)
    existing = CalendarDay.objects.select_for_update().filter(date=day).first()
    before = {"kind": existing.kind, "name": existing.name} if existing else None
    if existing is None:
        calendar_day = CalendarDay.objects.create(
            calendar_year=calendar_year, date=day, kind=kind, name=name
        )
    else:
        existing.kind = kind
        existing.name = name
        existing.save(update_fields=["kind", "name"])
        calendar_day = existing
    audit_log(
        actor=actor,
        action="core.calendar_day.set",
        target=calendar_day,
        changes={"date": day.isoformat(), "before": before, "after": {"kind": kind, "name": name}},
        request=request,
    )
    _calendar_changed()
    return calendar_day


@transaction.atomic
def calendar_day_remove(
    *, actor: Any | None, day: datetime.date, request: HttpRequest | None = None
) -> None:
    """Remove `day`'s entry, so it follows the weekend rule again."""
    calendar_day = CalendarDay.objects.select_for_update().filter(date=day).first()
    if calendar_day is None:
        raise NotFound(_("工作日历中没有%(date)s这一天的记录。") % {"date": day.isoformat()})
    audit_log(
        actor=actor,
        action="core.calendar_day.remove",
        target=calendar_day,
        changes={
            "date": day.isoformat(),
            "before": {"kind": calendar_day.kind, "name": calendar_day.name},
        },
        request=request,
    )
    calendar_day.delete()
    _calendar_changed()


@transaction.atomic
def calendar_import(
    *,
    actor: Any | None,
    year: int,
    content: str | bytes,
    file_format: Literal["csv", "json"],
    source: str | None = None,
    notes: str | None = None,
    publish: bool = False,
    request: HttpRequest | None = None,
    actor_label: str = "",
) -> CalendarImportResult:
    """Replace a whole year's days with those of a CSV or JSON file, all or nothing.

    Every row is checked first; if any is wrong, `CalendarImportError` lists each
    problem with its row number and nothing changes. The year keeps its status unless
    `publish` is true. `source`/`notes` replace the year's, when given. See
    `govhub.core.calendar_import` for the file formats.
    """
    _check_year(year)
    parsed, errors = parse_calendar_file(content, file_format=file_format, year=year)
    if errors:
        raise CalendarImportError(errors)
    holidays = sum(1 for item in parsed if item.kind == CalendarDay.Kind.HOLIDAY)
    if publish and not holidays:
        raise CalendarImportError(
            [RowError(row=0, message=_("文件中没有任何放假日期，不能发布。"))]
        )
    calendar_year, _created = CalendarYear.objects.select_for_update().get_or_create(year=year)
    replaced = calendar_year.days.count()
    calendar_year.days.all().delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(calendar_year=calendar_year, date=item.date, kind=item.kind, name=item.name)
        for item in parsed
    )
    if source is not None:
        calendar_year.source = source.strip()
    if notes is not None:
        calendar_year.notes = notes.strip()
    calendar_year.loaded_at = timezone.now()
    status_before = calendar_year.status
    if publish and not calendar_year.is_published:
        calendar_year.status = CalendarYear.Status.PUBLISHED
        calendar_year.published_at = timezone.now()
    calendar_year.save()
    audit_log(
        actor=actor,
        action="core.calendar.import",
        target=calendar_year,
        actor_label=actor_label,
        changes={
            "format": file_format,
            "replaced": replaced,
            "holidays": holidays,
            "workdays": len(parsed) - holidays,
            "status": [status_before, calendar_year.status],
            "days": [_day_summary(item) for item in parsed],
        },
        request=request,
    )
    _calendar_changed()
    return CalendarImportResult(
        calendar_year=calendar_year,
        holidays=holidays,
        workdays=len(parsed) - holidays,
        replaced=replaced,
    )


def _day_summary(item: ParsedDay) -> str:
    return f"{item.date.isoformat()} {item.kind} {item.name}".rstrip()
