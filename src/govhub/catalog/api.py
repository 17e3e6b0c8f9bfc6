"""Public catalogue API: published items and their full guides, version history,
departments' item lists, themes and life events. Read-only; labels and names in the
request's language (item content itself is published in Chinese).

Lists are paginated with `limit`/`offset` and answer `{"count": n, "items": [...]}`.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router

from govhub.core.errors import NotFound

from . import selectors
from .api_schemas import (
    ChannelsOut,
    DepartmentItemQuery,
    FaqOut,
    FeeLineOut,
    FeesOut,
    IntermediaryOut,
    ItemDetailOut,
    ItemQuery,
    ItemSummaryOut,
    Labelled,
    LegalBasisOut,
    LifeEventOut,
    LinksOut,
    MaterialOut,
    NoticeOut,
    Page,
    PageQuery,
    PlaceOut,
    Ref,
    ResultOut,
    SpecialProcedureOut,
    StepOut,
    ThemeOut,
    ThemeRef,
    TimeLimitOut,
    VersionOut,
    VersionRef,
)
from .models import (
    Audience,
    BaseItem,
    ImplementationItem,
    ItemVersion,
    Material,
    TimeUnit,
)

router = Router(tags=["catalog"])

# --- Conversions ------------------------------------------------------------------------------


def _labelled(value: str, label: Any) -> Labelled:
    return Labelled(value=str(value), label=str(label))


def _limit(value: int | None, unit: str) -> TimeLimitOut:
    unit_label = TimeUnit(unit).label if unit in TimeUnit.values else unit
    return TimeLimitOut(
        value=value,
        unit=unit,
        unit_label=str(unit_label),
        text=selectors.time_limit_label(value, unit),
    )


def _absolute(request: HttpRequest, url: str) -> str:
    return request.build_absolute_uri(url)


def _file_url(request: HttpRequest, field: Any) -> str | None:
    return _absolute(request, field.url) if field else None


def _summary_fields(
    request: HttpRequest, item: ImplementationItem, version: ItemVersion
) -> dict[str, Any]:
    return {
        "implementation_code": item.implementation_code,
        "base_code": item.base_item.base_code,
        "name": version.display_name,
        "item_type": _labelled(item.base_item.item_type, item.base_item.get_item_type_display()),
        "audience": _labelled(version.audience, version.get_audience_display()),
        "department": Ref(code=item.department.code, name=item.department.display_name),
        "region": Ref(code=item.region.code, name=item.region.display_name),
        "case_kind": _labelled(version.case_kind, version.get_case_kind_display()),
        "promised_limit": _limit(version.promised_limit_value, version.promised_limit_unit),
        "legal_limit": _limit(version.legal_limit_value, version.legal_limit_unit),
        "visits_required": version.visits_required,
        "charged": version.charged,
        "handling_forms": [
            _labelled(f, selectors.handling_form_label(f)) for f in version.handling_forms or []
        ],
        "online_depth": sorted(version.online_depth or []),
        "fully_online": selectors.is_fully_online(version),
        "state": _labelled(item.state, item.get_state_display()),
        "version": version.number,
        "url": _absolute(request, reverse("catalog:item_guide", args=[item.implementation_code])),
    }


def _summary(request: HttpRequest, item: ImplementationItem) -> ItemSummaryOut:
    assert item.published_version is not None
    return ItemSummaryOut(**_summary_fields(request, item, item.published_version))


def _material(request: HttpRequest, m: Material) -> MaterialOut:
    return MaterialOut(
        position=m.position,
        name=m.display_name,
        kind=_labelled(m.kind, m.get_kind_display()),
        form=_labelled(m.form, m.get_form_display()),
        required=m.required,
        required_note=m.required_note,
        copies=m.copies,
        source=_labelled(m.source, m.get_source_display()),
        licence_type=m.licence_type,
        acceptance_criteria=m.acceptance_criteria,
        basis=m.basis,
        blank_form_url=_file_url(request, m.blank_form),
        sample_url=_file_url(request, m.sample),
    )


def _version_ref(version: ItemVersion, item: ImplementationItem) -> dict[str, Any]:
    return {
        "number": version.number,
        "status": _labelled(version.status, version.get_status_display()),
        "published_at": version.published_at,
        "change_note": version.change_note,
        "current": item.published_version_id == version.pk,
    }


def _detail(request: HttpRequest, guide: selectors.Guide) -> ItemDetailOut:
    item, v = guide.item, guide.version
    code = item.implementation_code
    notice = None
    if item.state != ImplementationItem.State.ACTIVE:
        target = item.handed_down_to
        notice = NoticeOut(
            state=_labelled(item.state, item.get_state_display()),
            effective_date=item.change_effective_date,
            reason=item.change_reason,
            handed_down_to=Ref(code=target.code, name=target.display_name) if target else None,
        )
    return ItemDetailOut(
        **_summary_fields(request, item, v),
        summary=v.summary_en if request_is_english(request) and v.summary_en else v.summary,
        aliases=[str(a) for a in v.aliases or []],
        themes=[
            ThemeRef(code=t.code, name=t.display_name, audience=t.audience) for t in guide.themes
        ],
        life_events=[
            ThemeRef(code=e.code, name=e.display_name, audience=e.audience)
            for e in guide.life_events
        ],
        legal_basis=[
            LegalBasisOut(
                law=b.get("law", ""), article=b.get("article", ""), text=b.get("text", "")
            )
            for b in item.base_item.legal_basis or []
        ],
        levels=[
            _labelled(level, BaseItem.Level(level).label)
            for level in item.base_item.levels or []
            if level in BaseItem.Level.values
        ],
        source_of_power=v.source_of_power,
        entrusted_department=v.entrusted_department,
        joint_departments=[Ref(code=d.code, name=d.display_name) for d in guide.joint_departments],
        variants=[Ref(code=x.code, name=x.display_name) for x in guide.variants],
        conditions=[str(c) for c in v.conditions or []],
        materials=[_material(request, m) for m in guide.materials],
        steps=[
            StepOut(
                name=s.get("name", ""),
                role=s.get("role", ""),
                handler=s.get("handler", ""),
                limit=_limit(s.get("limit_value"), s.get("limit_unit", TimeUnit.WORKING_DAYS)),
                description=s.get("description", ""),
            )
            for s in v.steps or []
        ],
        special_procedures=[
            SpecialProcedureOut(
                name=p.get("name", ""),
                kind=_labelled(
                    p.get("kind", ""), selectors.special_procedure_kind_label(p.get("kind", ""))
                ),
                limit=_limit(p.get("limit_value"), p.get("limit_unit", TimeUnit.WORKING_DAYS)),
                note=p.get("note", ""),
            )
            for p in v.special_procedures or []
        ],
        fees=FeesOut(
            charged=v.charged,
            basis=v.fee_basis,
            lines=[
                FeeLineOut(
                    name=f.get("name", ""),
                    standard=f.get("standard", ""),
                    amount=str(f.get("amount", "")),
                    basis=f.get("basis", ""),
                    reductions=f.get("reductions", ""),
                )
                for f in v.fee_lines or []
            ],
            online_payment=v.online_payment,
        ),
        visits_reason=v.visits_reason,
        online_depth_labels=[
            _labelled(str(d), selectors.online_depth_label(d)) for d in sorted(v.online_depth or [])
        ],
        booking_available=v.booking_available,
        express_delivery=v.express_delivery,
        cross_region=_labelled(v.cross_region, v.get_cross_region_display()),
        intermediary_services=[
            IntermediaryOut(
                name=s.get("name", ""),
                providers=[str(p) for p in s.get("providers") or []],
                basis=s.get("basis", ""),
                fee=s.get("fee", ""),
            )
            for s in v.intermediary_services or []
        ],
        quantity_limit=v.quantity_limit,
        place=PlaceOut(
            address=v.address,
            office_hours=v.office_hours,
            consultation_phone=v.consultation_phone,
            complaint_phone=v.complaint_phone,
        ),
        result=ResultOut(
            type=_labelled(v.result_type, v.get_result_type_display()) if v.result_type else None,
            name=v.result_name,
            sample_url=_file_url(request, v.result_sample),
            express_delivery=v.express_delivery,
        ),
        faqs=[
            FaqOut(question=f.get("question", ""), answer=f.get("answer", "")) for f in v.faqs or []
        ],
        reconsideration=v.reconsideration,
        litigation=v.litigation,
        form_schema=v.form_schema or {},
        published_version=VersionRef(**_version_ref(v, item)),
        notice=notice,
        channels=ChannelsOut(
            online_application=guide.accepts_online_applications,
            booking=guide.accepts_bookings,
        ),
        links=LinksOut(
            guide=_absolute(request, reverse("catalog:item_guide", args=[code])),
            pdf=_absolute(request, reverse("catalog:item_guide_pdf", args=[code])),
            versions=_absolute(request, reverse("catalog:item_versions", args=[code])),
        ),
    )


def request_is_english(request: HttpRequest) -> bool:
    return (getattr(request, "LANGUAGE_CODE", "") or "").startswith("en")


def _page(
    request: HttpRequest, qs: QuerySet[ImplementationItem], params: PageQuery
) -> Page[ItemSummaryOut]:
    count = qs.count()
    items = [] if count <= params.offset else list(qs[params.offset : params.offset + params.limit])
    return Page[ItemSummaryOut](count=count, items=[_summary(request, i) for i in items])


# --- Endpoints -----------------------------------------------------------------------------


@router.get("/items", response=Page[ItemSummaryOut], summary="事项列表")
def item_list(request: HttpRequest, params: Query[ItemQuery]) -> Page[ItemSummaryOut]:
    """Published, active items with filters; `q` searches names, aliases, conditions and
    materials. Without `q` the order is by department; with `q` by relevance."""
    filters: dict[str, Any] = {
        "department_code": params.department,
        "region_code": params.region,
        "theme_code": params.theme,
        "life_event_code": params.life_event,
        "audience": params.audience,
        "online_depth": params.online_depth,
        "fully_online": params.fully_online,
        "item_type": params.item_type,
    }
    qs = selectors.item_list_public(**filters)
    query = params.q.strip()
    if not query:
        return _page(request, qs, params)
    if not (params.life_event or params.item_type):
        found = selectors.item_search_page(
            query=query,
            language=getattr(request, "LANGUAGE_CODE", "") or "zh-hans",
            limit=params.limit,
            offset=params.offset,
            **{k: v for k, v in filters.items() if k not in ("life_event_code", "item_type")},
        )
        if found is not None:
            count, items = found
            return Page[ItemSummaryOut](count=count, items=[_summary(request, i) for i in items])
    # Filters the search index does not know: the best matches, narrowed by them.
    return _page(request, selectors.item_list_matching(qs, query=query), params)


@router.get("/items/{implementation_code}", response=ItemDetailOut, summary="事项办事指南（完整）")
def item_detail(request: HttpRequest, implementation_code: str) -> ItemDetailOut:
    """The full current guide of a published item, including cancelled or handed-down
    items (with `notice`)."""
    return _detail(request, selectors.item_guide_get(implementation_code=implementation_code))


@router.get(
    "/items/{implementation_code}/versions",
    response=Page[VersionOut],
    summary="事项历史版本",
)
def item_versions(
    request: HttpRequest, implementation_code: str, params: Query[PageQuery]
) -> Page[VersionOut]:
    """Published and superseded versions, newest first (drafts are never public)."""
    item = selectors.item_get_public(implementation_code=implementation_code)
    qs = selectors.item_version_history(item=item)
    count = qs.count()
    versions = (
        list(qs[params.offset : params.offset + params.limit]) if count > params.offset else []
    )
    return Page[VersionOut](
        count=count,
        items=[
            VersionOut(
                **_version_ref(v, item),
                name=v.display_name,
                url=_absolute(
                    request,
                    reverse("catalog:item_guide", args=[implementation_code])
                    if item.published_version_id == v.pk
                    else reverse("catalog:item_version", args=[implementation_code, v.number]),
                ),
            )
            for v in versions
        ],
    )


@router.get("/departments/{code}/items", response=Page[ItemSummaryOut], summary="部门实施的事项")
def department_items(
    request: HttpRequest, code: str, params: Query[DepartmentItemQuery]
) -> Page[ItemSummaryOut]:
    department = selectors.department_get_with_items(code=code)
    return _page(request, selectors.item_list_public(department_code=department.code), params)


@router.get("/themes", response=list[ThemeOut], summary="主题列表")
def theme_list(
    request: HttpRequest, audience: Literal["person", "enterprise"] | None = None
) -> list[ThemeOut]:
    """Every theme with the number of active published items in it."""
    return [
        ThemeOut(
            code=t.code,
            name=t.display_name,
            audience=_labelled(t.audience, Audience(t.audience).label),
            item_count=t.item_count,  # type: ignore[attr-defined]
        )
        for t in selectors.theme_list_with_item_counts(audience=audience)
    ]


@router.get("/life-events", response=list[LifeEventOut], summary="人生事件列表")
def life_event_list(
    request: HttpRequest, audience: Literal["person", "enterprise"] | None = None
) -> list[LifeEventOut]:
    english = request_is_english(request)
    return [
        LifeEventOut(
            code=e.code,
            name=e.display_name,
            audience=_labelled(e.audience, Audience(e.audience).label),
            description=(e.description_en if english and e.description_en else e.description),
            item_count=e.item_count,  # type: ignore[attr-defined]
        )
        for e in selectors.life_event_list_with_item_counts(audience=audience)
    ]


__all__ = ["NotFound", "router"]
