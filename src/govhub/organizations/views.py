"""Public directory pages (机构名录): thin views over `selectors`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from govhub.core.errors import NotFound
from govhub.organizations import selectors
from govhub.organizations.models import Region

DIRECTORY_PAGE_SIZE = 100
SEARCH_LIMIT = 50


def _or_404[T](getter: Callable[..., T], **kwargs: Any) -> T:
    try:
        return getter(**kwargs)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("关键词"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("部门、大厅或服务点名称")}
        ),
    )
    region = forms.ChoiceField(label=_("所在区划"), required=False)

    def __init__(self, *args: Any, regions: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.regions = {region.code: region for region in regions}
        region_field = self.fields["region"]
        assert isinstance(region_field, forms.ChoiceField)
        region_field.choices = [("", _("全部区划"))] + [
            (region.code, region.display_name) for region in regions
        ]
        region_field.error_messages["invalid_choice"] = _("请选择列表中的区划。")

    def selected_region(self) -> Region | None:
        code = self.cleaned_data.get("region") or ""
        return self.regions.get(code)


def directory(request: HttpRequest) -> HttpResponse:
    """Every active department grouped by region, or search results for `q`."""
    regions = selectors.region_choices_for_directory(city_code=settings.GOVHUB_CITY_REGION_CODE)
    form = DirectoryFilterForm(request.GET or None, regions=regions)
    query = ""
    region = None
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"].strip()
        region = form.selected_region()
    context: dict[str, Any] = {
        "form": form,
        "query": query,
        "region": region,
        "search_limit": SEARCH_LIMIT,
    }
    if query:
        context["results"] = selectors.directory_search(
            query=query, region=region, limit=SEARCH_LIMIT
        )
    else:
        paginator = Paginator(selectors.department_search(region=region), DIRECTORY_PAGE_SIZE)
        context["page_obj"] = paginator.get_page(request.GET.get("page"))
        params = request.GET.copy()
        params.pop("page", None)
        context["page_query"] = params.urlencode()
    return render(request, "organizations/directory.html", context)


def department_detail(request: HttpRequest, code: str) -> HttpResponse:
    department = _or_404(selectors.department_get_public, code=code)
    return render(
        request,
        "organizations/department_detail.html",
        {
            "department": department,
            "ancestors": [
                *selectors.region_ancestors(region=department.region),
                department.region,
            ],
            "windows": getattr(department, "serving_windows", []),
            "halls": selectors.halls_serving(department=department),
        },
    )


def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    region = _or_404(selectors.region_get, code=code)
    return render(
        request,
        "organizations/region_detail.html",
        {
            "region": region,
            "ancestors": selectors.region_ancestors(region=region),
            "departments": list(
                selectors.department_search(region=region, include_subregions=False)
            ),
            "halls": list(selectors.hall_list_public(region=region, include_subregions=False)),
            "children": list(selectors.region_children(parent=region)),
            "service_points": list(selectors.service_points_near(region=region)),
        },
    )


def hall_detail(request: HttpRequest, code: str) -> HttpResponse:
    hall = _or_404(selectors.hall_get_public, code=code)
    return render(
        request,
        "organizations/hall_detail.html",
        {
            "hall": hall,
            "ancestors": [
                *selectors.region_ancestors(region=hall.region),
                hall.region,
            ],
            "windows": getattr(hall, "active_windows", []),
        },
    )
