"""What every supervision page shares: who may open it, the period, links that keep it.

The pages are for staff who supervise (电子监察人员) or belong to a department, in a
session at level L2 (password + TOTP for staff), like the workbench. Anyone else gets the
portal's 403 page; a region, department, alert or notice outside the caller's scope is a
404 (they learn nothing about it), as in the cases app.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from govhub.core import calendar
from govhub.core.errors import NotFound
from govhub.identity.session import require_level
from govhub.organizations.models import Department, Region
from govhub.supervision.selectors_dashboard import Node, Period, Viewer, node_for, viewer

LONGEST_PERIOD = datetime.timedelta(days=3 * 366)


def supervision_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A supervision page: never cached, a staff session at L2, a supervisor's or a
    department position."""

    @functools.wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not viewer(request.user).has_access:
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc.message)) from exc

    return never_cache(require_level("L2")(cast(Callable[..., HttpResponse], checked)))


def can_open_supervision(user: Any) -> bool:
    return viewer(user).has_access


def node_or_404(user: Any, region_code: str, department_code: str | None = None) -> Node:
    return node_for(user, region_code=region_code, department_code=department_code)


# --- the period --------------------------------------------------------------------------------


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("开始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=gettext_lazy("截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("开始日期不能晚于截止日期。"))
        if start and end and end - start > LONGEST_PERIOD:
            raise forms.ValidationError(_("统计期间最长三年。"))
        return data


def period_from(
    request: HttpRequest, today: datetime.date | None = None
) -> tuple[Period, PeriodForm]:
    """The period asked for (`start`, `end`), or the last 30 days; a wrong entry falls back
    to the default and the form says why."""
    today = today or calendar.local_today()
    default = Period.default(today)
    if not request.GET.get("start") and not request.GET.get("end"):
        return default, PeriodForm(initial={"start": default.start, "end": default.end})
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return default, form
    start = form.cleaned_data.get("start")
    end = form.cleaned_data.get("end")
    if end is None:
        end = max(today, start) if start is not None else today
    if start is None:
        start = end - datetime.timedelta(days=29)
    return Period(start, end), form


def period_query(period: Period, today: datetime.date | None = None) -> str:
    """The query string that keeps a period across links ("" for the default)."""
    today = today or calendar.local_today()
    if period == Period.default(today):
        return ""
    return urlencode({"start": period.start.isoformat(), "end": period.end.isoformat()})


def quick_periods(today: datetime.date) -> list[tuple[str, Period]]:
    month = today.replace(day=1)
    last_month_end = month - datetime.timedelta(days=1)
    return [
        (_("近30天"), Period.default(today)),
        (_("本月"), Period(month, today)),
        (_("上月"), Period(last_month_end.replace(day=1), last_month_end)),
        (_("本年"), Period(today.replace(month=1, day=1), today)),
    ]


# --- links --------------------------------------------------------------------------------------


def node_url(region: Region, department: Department | None = None, query: str = "") -> str:
    if department is None:
        url = reverse("supervision:region", args=[region.code])
    else:
        url = reverse("supervision:department", args=[region.code, department.code])
    return f"{url}?{query}" if query else url


def with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


def breadcrumbs(reach: Viewer, region: Region) -> list[tuple[str, str | None]]:
    """(label, url) from the widest region the caller may open down to `region`'s
    parent (the page itself is the last crumb, added by the template)."""
    codes = region.ancestor_codes[:-1]
    ancestors = {r.code: r for r in Region.objects.filter(code__in=codes)} if codes else {}
    crumbs: list[tuple[str, str | None]] = []
    for code in codes:
        ancestor = ancestors.get(code)
        if ancestor is not None and reach.may_open(ancestor):
            crumbs.append((ancestor.display_name, node_url(ancestor)))
    return crumbs


def render_supervision(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    return render(request, f"supervision/{template}", context, status=status)


def percent_text(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"
