"""The catalogue search page (事项搜索): a GET form, results with highlighting, filters,
pagination, did-you-mean and an empty state that helps. A thin view over
`govhub.catalog.search.search_items`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from govhub.catalog.models import Audience, ImplementationItem, Theme
from govhub.catalog.search import SearchHit, SearchResults, search_items
from govhub.catalog.search.query import MAX_QUERY_LENGTH
from govhub.catalog.search_models import SearchQueryLog
from govhub.organizations.models import Department, Region

PAGE_SIZE = 20
FILTER_FIELDS = ("region", "department", "theme", "audience", "online")
MAX_PAGE = 50
ONLINE_FULLY = "fully"
ONLINE_DEPTH_LABELS = {
    1: _("在线咨询"),
    2: _("网上收件"),
    3: _("网上预审"),
    4: _("网上受理"),
    5: _("网上办理"),
    6: _("网上反馈结果"),
    7: _("电子证照反馈"),
}


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("搜索事项"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("事项名称、材料或拼音，如：营业执照、社保、yyzz"),
                "autocomplete": "off",
            }
        ),
        error_messages={"max_length": _("关键词最多 %(limit_value)d 个字。")},
    )
    region = forms.ChoiceField(label=_("实施区划"), required=False)
    department = forms.ChoiceField(label=_("实施部门"), required=False)
    theme = forms.ChoiceField(label=_("主题"), required=False)
    audience = forms.ChoiceField(
        label=_("服务对象"),
        required=False,
        choices=[
            ("", _("全部")),
            (Audience.PERSON, _("个人办事")),
            (Audience.ENTERPRISE, _("法人办事")),
        ],
    )
    online = forms.ChoiceField(label=_("网上办理"), required=False)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        city = settings.GOVHUB_CITY_REGION_CODE
        regions = Region.objects.filter(
            Q(code=city) | Q(parent__code=city), is_active=True
        ).order_by("level", "sort_order", "code")
        self._set_choices("region", [(r.code, r.display_name) for r in regions], _("全部区划"))
        # A semi-join (EXISTS), which reads one index entry per department, where a join
        # with DISTINCT read every item (8 ms with 20,000 items on PostgreSQL).
        departments = Department.objects.filter(
            Exists(ImplementationItem.objects.filter(department=OuterRef("pk"))), is_active=True
        )
        self.departments = {
            d.code: d for d in departments.only("id", "code", "name", "name_en", "sort_order")
        }
        self._set_choices(
            "department",
            [(code, d.display_name) for code, d in self.departments.items()],
            _("全部部门"),
        )
        self._set_choices(
            "theme",
            [(t.code, t.display_name) for t in Theme.objects.only("code", "name", "name_en")],
            _("全部主题"),
        )
        self._set_choices(
            "online",
            [(ONLINE_FULLY, _("全程网办（不用跑腿）"))]
            + [
                (str(depth), _("支持%(depth)s") % {"depth": label})
                for depth, label in ONLINE_DEPTH_LABELS.items()
            ],
            _("不限"),
        )
        for field in self.fields.values():
            field.error_messages["invalid_choice"] = _("请选择列表中的选项。")
        self.fields["page"].error_messages["min_value"] = _("页码应为正整数。")
        self.fields["page"].error_messages["invalid"] = _("页码应为正整数。")

    def _set_choices(self, name: str, choices: list[tuple[str, Any]], everything: Any) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", everything), *choices]

    def search_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        online = data.get("online") or ""
        department = self.departments.get(data.get("department") or "")
        return {
            "query": (data.get("q") or "").strip(),
            "region": data.get("region") or None,
            "department": department.pk if department else None,
            "theme": data.get("theme") or None,
            "audience": data.get("audience") or None,
            "online_depth": int(online) if online.isdigit() else None,
            "fully_online": True if online == ONLINE_FULLY else None,
        }


@dataclass
class ResultPage:
    """One page of hits, shaped like Django's `Page` for the shared pagination template
    (the search already did the slicing)."""

    object_list: list[SearchHit]
    number: int
    count: int
    per_page: int = PAGE_SIZE

    @property
    def paginator(self) -> ResultPage:
        return self

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < min(self.num_pages, MAX_PAGE)

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next()

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1

    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.count else 0


def _popular_queries(limit: int = 8) -> list[str]:
    """Recent queries that found something, for the empty state (one query)."""
    rows = (
        SearchQueryLog.objects.filter(result_count__gt=0)
        .exclude(query="")
        .order_by("-created_at")
        .values_list("query", flat=True)[:200]
    )
    seen: dict[str, int] = {}
    for query in rows:
        seen[query] = seen.get(query, 0) + 1
    return [q for q, _ in sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))][:limit]


def search_page(request: HttpRequest) -> HttpResponse:
    """GET /services/search/?q=…&region=…&department=…&theme=…&audience=…&online=…&page=…"""
    form = SearchForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "query": ""}
    results: SearchResults | None = None
    page: ResultPage | None = None
    if form.is_bound and form.is_valid():
        kwargs = form.search_kwargs()
        searched = kwargs["query"] or any(
            value is not None for key, value in kwargs.items() if key != "query"
        )
        if searched:
            number = min(form.cleaned_data.get("page") or 1, MAX_PAGE)
            results = search_items(
                **kwargs,
                language=translation.get_language() or settings.LANGUAGE_CODE,
                limit=PAGE_SIZE,
                offset=(number - 1) * PAGE_SIZE,
            )
            last = min(max(1, -(-results.count // PAGE_SIZE)), MAX_PAGE)
            if number > last:  # past the end: show the last page
                number = last
                results = search_items(
                    **kwargs,
                    language=translation.get_language() or settings.LANGUAGE_CODE,
                    limit=PAGE_SIZE,
                    offset=(number - 1) * PAGE_SIZE,
                    record=False,
                )
            page = ResultPage(object_list=results.hits, number=number, count=results.count)
            context["query"] = kwargs["query"]
    params: QueryDict = request.GET.copy()
    params.pop("page", None)
    suggestion_params: QueryDict = params.copy()
    if results is not None and results.suggestion:
        suggestion_params["q"] = results.suggestion
    context.update(
        results=results,
        page_obj=page,
        page_query=params.urlencode(),
        suggestion_query=suggestion_params.urlencode(),
        max_page=MAX_PAGE,
        popular=_popular_queries() if results is None or results.count == 0 else [],
        has_filters=form.is_bound and any(form.data.get(k) for k in FILTER_FIELDS),
    )
    return render(request, "catalog/search.html", context)
