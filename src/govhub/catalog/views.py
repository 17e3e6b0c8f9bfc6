"""Public catalogue pages: the guide (办事指南) of each item, its version history and PDF, and
the browse pages (by theme, life event, department, region, audience; intermediaries).
Thin views over `selectors`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from govhub.core.errors import NotFound
from govhub.core.text import join_list

from . import selectors
from .models import Audience, BaseItem, ImplementationItem

PAGE_SIZE = 20
INTERMEDIARY_PAGE_SIZE = 30


def _or_404[T](getter: Callable[..., T], **kwargs: Any) -> T:
    try:
        return getter(**kwargs)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def search_url() -> str | None:
    """The catalogue search page (built by the search feature), when it is installed."""
    try:
        return reverse("catalog:search")
    except NoReverseMatch:
        return None


# --- Filters ---------------------------------------------------------------------------


ONLINE_FULLY = "fully"


class ItemFilterForm(forms.Form):
    """Filters of the browse lists; a page hides the filters it fixes itself."""

    region = forms.ChoiceField(label=_("实施区划"), required=False)
    department = forms.ChoiceField(label=_("实施部门"), required=False)
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

    def __init__(self, *args: Any, hide: set[str] = frozenset(), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        for name in hide:
            self.fields.pop(name, None)
        if "region" in self.fields:
            regions = selectors.region_list_with_item_counts(
                parent_code=settings.GOVHUB_CITY_REGION_CODE
            )
            self._choices("region", [(r.code, r.display_name) for r in regions], _("全部区划"))
        if "department" in self.fields:
            departments = selectors.department_list_with_item_counts()
            self._choices(
                "department", [(d.code, d.display_name) for d in departments], _("全部部门")
            )
        if "online" in self.fields:
            self._choices(
                "online",
                [(ONLINE_FULLY, _("全程网办（不用跑腿）"))]
                + [
                    (
                        str(depth),
                        _("支持%(depth)s") % {"depth": selectors.online_depth_label(depth)},
                    )
                    for depth in selectors.ONLINE_DEPTHS
                ],
                _("不限"),
            )
        for bound in self.fields.values():
            bound.error_messages["invalid_choice"] = _("请选择列表中的选项。")

    def _choices(self, name: str, choices: list[tuple[str, Any]], everything: Any) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", everything), *choices]

    def selector_kwargs(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        kwargs: dict[str, Any] = {}
        if data.get("region"):
            kwargs["region_code"] = data["region"]
        if data.get("department"):
            kwargs["department_code"] = data["department"]
        if data.get("audience"):
            kwargs["audience"] = data["audience"]
        online = data.get("online") or ""
        if online == ONLINE_FULLY:
            kwargs["fully_online"] = True
        elif online:
            kwargs["online_depth"] = int(online)
        return kwargs


def decorate_items(items: list[ImplementationItem]) -> list[ImplementationItem]:
    """Give list items the labels their cards show."""
    for item in items:
        version = item.published_version
        assert version is not None
        immediate = version.promised_limit_unit == "immediate"
        item.promised_label = (  # type: ignore[attr-defined]
            ""
            if immediate
            else selectors.time_limit_label(
                version.promised_limit_value, version.promised_limit_unit
            )
        )
        item.fully_online = selectors.is_fully_online(version)  # type: ignore[attr-defined]
    return items


def _item_list_page(
    request: HttpRequest,
    *,
    fixed: dict[str, Any],
    hide: set[str],
    context: dict[str, Any],
) -> HttpResponse:
    form = ItemFilterForm(request.GET or None, hide=hide)
    filters = form.selector_kwargs()
    paginator = Paginator(selectors.item_list_public(**fixed, **filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = decorate_items(list(page.object_list))
    params = request.GET.copy()
    params.pop("page", None)
    context.update(
        {
            "form": form,
            "filtered": bool(filters),
            "page_obj": page,
            "page_query": params.urlencode(),
        }
    )
    return render(request, "catalog/item_list.html", context)


# --- Landing and browse pages -------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    themes = selectors.theme_list_with_item_counts()
    events = selectors.life_event_list_with_item_counts()
    departments = selectors.department_list_with_item_counts()
    city_code = settings.GOVHUB_CITY_REGION_CODE
    return render(
        request,
        "catalog/index.html",
        {
            "person_themes": [t for t in themes if t.audience != Audience.ENTERPRISE],
            "enterprise_themes": [t for t in themes if t.audience == Audience.ENTERPRISE],
            "person_events": [e for e in events if e.audience != Audience.ENTERPRISE],
            "enterprise_events": [e for e in events if e.audience == Audience.ENTERPRISE],
            "departments": departments,
            "city_departments": [d for d in departments if d.region.code == city_code],
            "local_departments": [d for d in departments if d.region.code != city_code],
            "regions": selectors.region_list_with_item_counts(parent_code=city_code),
            "search_url": search_url(),
        },
    )


def theme_items(request: HttpRequest, code: str) -> HttpResponse:
    theme = _or_404(selectors.theme_get, code=code)
    return _item_list_page(
        request,
        fixed={"theme_code": theme.code},
        hide={"audience"},
        context={
            "title": theme.display_name,
            "other_name": theme.name_en if theme.display_name == theme.name else theme.name,
            "lead": _("与“%(name)s”有关的办事事项。") % {"name": theme.display_name},
            "section": "theme",
            "audience": theme.audience,
        },
    )


def life_event_items(request: HttpRequest, code: str) -> HttpResponse:
    event = _or_404(selectors.life_event_get, code=code)
    description = event.description_en if _english(request) and event.description_en else ""
    return _item_list_page(
        request,
        fixed={"life_event_code": event.code},
        hide={"audience"},
        context={
            "title": event.display_name,
            "lead": description or event.description or _("办理这件事可能需要的事项。"),
            "section": "life_event",
            "audience": event.audience,
        },
    )


def department_items(request: HttpRequest, code: str) -> HttpResponse:
    department = _or_404(selectors.department_get_with_items, code=code)
    return _item_list_page(
        request,
        fixed={"department_code": department.code},
        hide={"department", "region"},
        context={
            "title": department.display_name,
            "lead": _("本部门实施的政务服务事项。"),
            "section": "department",
            "department": department,
        },
    )


def region_items(request: HttpRequest, code: str) -> HttpResponse:
    region = _or_404(selectors.region_get_public, code=code)
    return _item_list_page(
        request,
        fixed={"region_code": region.code},
        hide={"region"},
        context={
            "title": region.display_name,
            "lead": _("在本区划（含下级区划）实施的政务服务事项。"),
            "section": "region",
            "region": region,
        },
    )


def person_items(request: HttpRequest) -> HttpResponse:
    return _item_list_page(
        request,
        fixed={"audience": Audience.PERSON},
        hide={"audience"},
        context={
            "title": _("个人办事"),
            "lead": _("面向自然人的政务服务事项，也可以按主题或人生事件查找。"),
            "section": "audience",
            "audience": Audience.PERSON,
            "themes": selectors.theme_list_with_item_counts(audience=Audience.PERSON),
        },
    )


def enterprise_items(request: HttpRequest) -> HttpResponse:
    return _item_list_page(
        request,
        fixed={"audience": Audience.ENTERPRISE},
        hide={"audience"},
        context={
            "title": _("法人办事"),
            "lead": _("面向企业和其他组织的政务服务事项，也可以按主题查找。"),
            "section": "audience",
            "audience": Audience.ENTERPRISE,
            "themes": selectors.theme_list_with_item_counts(audience=Audience.ENTERPRISE),
        },
    )


def intermediaries(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(selectors.intermediary_service_list(), INTERMEDIARY_PAGE_SIZE)
    return render(
        request,
        "catalog/intermediaries.html",
        {"page_obj": paginator.get_page(request.GET.get("page")), "page_query": ""},
    )


# --- Guides -------------------------------------------------------------------------------


def _english(request: HttpRequest) -> bool:
    return (getattr(request, "LANGUAGE_CODE", "") or "").startswith("en")


def guide_context(guide: selectors.Guide) -> dict[str, Any]:
    """What the guide template shows beyond the models: readable labels."""
    version = guide.version
    steps = [
        {
            **step,
            "limit_label": selectors.time_limit_label(
                step.get("limit_value"), step.get("limit_unit", "")
            ),
            "show_role": bool(step.get("role")) and step.get("role") != step.get("name"),
        }
        for step in version.steps or []
    ]
    procedures = [
        {
            **procedure,
            "kind_label": selectors.special_procedure_kind_label(procedure.get("kind", "")),
            "limit_label": selectors.time_limit_label(
                procedure.get("limit_value"), procedure.get("limit_unit", "")
            ),
        }
        for procedure in version.special_procedures or []
    ]
    depths = set(version.online_depth or [])
    return {
        "guide": guide,
        "item": guide.item,
        "version": version,
        "base_item": guide.item.base_item,
        "promised_limit": selectors.time_limit_label(
            version.promised_limit_value, version.promised_limit_unit
        ),
        "legal_limit": selectors.time_limit_label(
            version.legal_limit_value, version.legal_limit_unit
        ),
        "handling_forms": [selectors.handling_form_label(f) for f in version.handling_forms or []],
        "online_depths": [
            {"depth": d, "label": selectors.online_depth_label(d), "supported": d in depths}
            for d in selectors.ONLINE_DEPTHS
        ],
        "has_online_depth": bool(depths),
        "online_steps": join_list(selectors.online_depth_label(d) for d in sorted(depths)),
        "has_material_files": any(m.blank_form or m.sample for m in guide.materials),
        "steps": steps,
        "special_procedures": procedures,
        "legal_basis": [
            {**basis, "title": selectors.legal_basis_title(basis)}
            for basis in guide.item.base_item.legal_basis or []
        ],
        "levels": join_list(
            BaseItem.Level(level).label
            for level in guide.item.base_item.levels or []
            if level in BaseItem.Level.values
        ),
        "notice": guide.item.state != ImplementationItem.State.ACTIVE,
    }


def item_guide(request: HttpRequest, code: str) -> HttpResponse:
    guide = _or_404(selectors.item_guide_get, implementation_code=code)
    return render(request, "catalog/guide.html", guide_context(guide))


def item_version(request: HttpRequest, code: str, number: int) -> HttpResponse:
    guide = _or_404(selectors.item_version_guide_get, implementation_code=code, number=number)
    return render(request, "catalog/guide.html", guide_context(guide))


def item_versions(request: HttpRequest, code: str) -> HttpResponse:
    item = _or_404(selectors.item_get_public, implementation_code=code)
    return render(
        request,
        "catalog/versions.html",
        {"item": item, "versions": list(selectors.item_version_history(item=item))},
    )


def item_guide_pdf(request: HttpRequest, code: str) -> HttpResponse:
    from . import pdf

    guide = _or_404(selectors.item_guide_get, implementation_code=code)
    url = request.build_absolute_uri(reverse("catalog:item_guide", args=[code]))
    content = pdf.guide_pdf(guide, url=url)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf.filename(guide)}"'
    response["Content-Language"] = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    return response
