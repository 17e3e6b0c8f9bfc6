"""Public directory API: regions, departments, halls with their windows, and grassroots
service points. Read-only; names and functions come in the request's language.

Every list is paginated with `limit`/`offset` and answers `{"count": n, "items": [...]}`.
A region filter (`region=<code>`) includes that region's sub-regions unless
`include_subregions=false`; an unknown region code is a validation error.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from govhub.core.errors import InvalidInput
from govhub.organizations import selectors
from govhub.organizations.models import (
    Department,
    Region,
    ServiceHall,
    ServicePoint,
    Window,
)

router = Router(tags=["organizations"])

REGION_CODE_PATTERN = r"^([0-9]{6}|[0-9]{9}|[0-9]{12})$"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100

# --- Schemas -----------------------------------------------------------------------------


class Page[T](Schema):
    count: int
    items: list[T]


class PageQuery(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="每页条数（1–100）")
    offset: int = Field(0, ge=0, description="跳过的条数")


class RegionQuery(PageQuery):
    parent: str | None = Field(None, pattern=REGION_CODE_PATTERN, description="上级区划代码")
    level: int | None = Field(None, ge=1, le=5, description="层级：1 省 … 5 村（社区）")


class DepartmentQuery(PageQuery):
    region: str | None = Field(None, pattern=REGION_CODE_PATTERN, description="区划代码")
    include_subregions: bool = True
    kind: str | None = Field(None, description="机构类型")
    q: str = Field("", max_length=100, description="关键词")


class HallQuery(PageQuery):
    region: str | None = Field(None, pattern=REGION_CODE_PATTERN)
    include_subregions: bool = True


class ServicePointQuery(PageQuery):
    region: str | None = Field(None, pattern=REGION_CODE_PATTERN)
    include_subregions: bool = True
    kind: str | None = None


class RegionRef(Schema):
    code: str
    name: str


class RegionOut(Schema):
    code: str
    name: str
    level: int
    level_label: str
    parent_code: str | None


class RegionDetailOut(RegionOut):
    ancestors: list[RegionRef]
    children: list[RegionOut]


class DepartmentRef(Schema):
    code: str
    name: str


class DepartmentOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    kind_label: str
    uscc: str
    region_code: str
    region_name: str
    address: str
    office_hours: str
    phone: str
    website: str


class HallRef(Schema):
    code: str
    name: str


class DepartmentWindowOut(Schema):
    hall: HallRef
    number: str
    name: str
    kind: str
    kind_label: str


class DepartmentDetailOut(DepartmentOut):
    functions: str
    parent_code: str | None
    windows: list[DepartmentWindowOut]
    halls: list[HallRef]


class HallOut(Schema):
    code: str
    name: str
    region_code: str
    region_name: str
    operator: DepartmentRef
    address: str
    office_hours: str
    phone: str
    window_count: int


class WindowOut(Schema):
    number: str
    name: str
    kind: str
    kind_label: str
    departments: list[DepartmentRef]


class HallDetailOut(HallOut):
    windows: list[WindowOut]


class ServicePointOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    region_code: str
    region_name: str
    address: str
    office_hours: str
    phone: str


# --- Conversions -------------------------------------------------------------------------


def _region_out(region: Region) -> RegionOut:
    codes = region.ancestor_codes
    return RegionOut(
        code=region.code,
        name=region.display_name,
        level=region.level,
        level_label=str(region.get_level_display()),
        parent_code=codes[-2] if len(codes) > 1 else None,
    )


def _department_out(department: Department) -> DepartmentOut:
    return DepartmentOut(
        code=department.code,
        name=department.display_name,
        short_name=department.short_name,
        kind=department.kind,
        kind_label=str(department.get_kind_display()),
        uscc=department.uscc,
        region_code=department.region.code,
        region_name=department.region.display_name,
        address=department.address,
        office_hours=department.office_hours,
        phone=department.phone,
        website=department.website,
    )


def _hall_fields(hall: ServiceHall, window_count: int) -> dict[str, Any]:
    return {
        "code": hall.code,
        "name": hall.display_name,
        "region_code": hall.region.code,
        "region_name": hall.region.display_name,
        "operator": DepartmentRef(code=hall.operator.code, name=hall.operator.display_name),
        "address": hall.address,
        "office_hours": hall.office_hours,
        "phone": hall.phone,
        "window_count": window_count,
    }


def _window_out(window: Window) -> WindowOut:
    return WindowOut(
        number=window.number,
        name=window.display_name,
        kind=window.kind,
        kind_label=str(window.get_kind_display()),
        departments=[
            DepartmentRef(code=d.code, name=d.display_name)
            for d in getattr(window, "active_departments", [])
        ],
    )


def _service_point_out(point: ServicePoint) -> ServicePointOut:
    return ServicePointOut(
        code=point.code,
        name=point.display_name,
        kind=point.kind,
        kind_label=str(point.get_kind_display()),
        region_code=point.region.code,
        region_name=point.region.display_name,
        address=point.address,
        office_hours=point.office_hours,
        phone=point.phone,
    )


def _region_filter(code: str | None, field: str = "region") -> Region | None:
    if not code:
        return None
    region = Region.objects.filter(code=code, is_active=True).first()
    if region is None:
        raise InvalidInput(fields={field: [str(_("找不到该行政区划。"))]})
    return region


def _check_kind(kind: str | None, allowed: list[str]) -> None:
    if kind and kind not in allowed:
        raise InvalidInput(fields={"kind": [str(_("不是允许的取值。"))]})


def _page[M: Model](qs: QuerySet[M], params: PageQuery) -> tuple[int, list[M]]:
    count = qs.count()
    if count <= params.offset:
        return count, []
    return count, list(qs[params.offset : params.offset + params.limit])


# --- Endpoints ---------------------------------------------------------------------------


@router.get("/regions", response=Page[RegionOut], summary="行政区划列表")
def region_list(request: HttpRequest, params: Query[RegionQuery]) -> Page[RegionOut]:
    """Active regions in tree order, flat, each with its parent's code; `parent` keeps the
    children of one region, `level` one level."""
    parent = _region_filter(params.parent, "parent")
    count, regions = _page(selectors.region_list(parent=parent, level=params.level), params)
    return Page[RegionOut](count=count, items=[_region_out(r) for r in regions])


@router.get("/regions/{code}", response=RegionDetailOut, summary="行政区划详情")
def region_detail(request: HttpRequest, code: str) -> RegionDetailOut:
    region = selectors.region_get(code=code)
    return RegionDetailOut(
        **_region_out(region).model_dump(),
        ancestors=[
            RegionRef(code=r.code, name=r.display_name)
            for r in selectors.region_ancestors(region=region)
        ],
        children=[_region_out(r) for r in selectors.region_children(parent=region)],
    )


@router.get("/departments", response=Page[DepartmentOut], summary="部门列表")
def department_list(request: HttpRequest, params: Query[DepartmentQuery]) -> Page[DepartmentOut]:
    """Active departments; `q` matches Chinese, short and English names and functions."""
    _check_kind(params.kind, Department.Kind.values)
    region = _region_filter(params.region)
    qs = selectors.department_search(
        query=params.q,
        region=region,
        include_subregions=params.include_subregions,
        kind=params.kind,
    )
    count, departments = _page(qs, params)
    return Page[DepartmentOut](count=count, items=[_department_out(d) for d in departments])


@router.get("/departments/{code}", response=DepartmentDetailOut, summary="部门详情")
def department_detail(request: HttpRequest, code: str) -> DepartmentDetailOut:
    department = selectors.department_get_public(code=code)
    windows = getattr(department, "serving_windows", [])
    return DepartmentDetailOut(
        **_department_out(department).model_dump(),
        functions=department.display_functions,
        parent_code=department.parent.code if department.parent else None,
        windows=[
            DepartmentWindowOut(
                hall=HallRef(code=w.hall.code, name=w.hall.display_name),
                number=w.number,
                name=w.display_name,
                kind=w.kind,
                kind_label=str(w.get_kind_display()),
            )
            for w in windows
        ],
        halls=[
            HallRef(code=h.code, name=h.display_name)
            for h in selectors.halls_serving(department=department)
        ],
    )


@router.get("/halls", response=Page[HallOut], summary="政务服务大厅列表")
def hall_list(request: HttpRequest, params: Query[HallQuery]) -> Page[HallOut]:
    region = _region_filter(params.region)
    qs = selectors.hall_list_public(region=region, include_subregions=params.include_subregions)
    count, halls = _page(qs, params)
    return Page[HallOut](
        count=count,
        items=[HallOut(**_hall_fields(h, getattr(h, "window_count", 0))) for h in halls],
    )


@router.get("/halls/{code}", response=HallDetailOut, summary="政务服务大厅详情")
def hall_detail(request: HttpRequest, code: str) -> HallDetailOut:
    hall = selectors.hall_get_public(code=code)
    windows = getattr(hall, "active_windows", [])
    return HallDetailOut(
        **_hall_fields(hall, len(windows)), windows=[_window_out(w) for w in windows]
    )


@router.get("/service-points", response=Page[ServicePointOut], summary="基层便民服务点列表")
def service_point_list(
    request: HttpRequest, params: Query[ServicePointQuery]
) -> Page[ServicePointOut]:
    _check_kind(params.kind, ServicePoint.Kind.values)
    region = _region_filter(params.region)
    qs = selectors.service_point_list_public(
        region=region, include_subregions=params.include_subregions, kind=params.kind
    )
    count, points = _page(qs, params)
    return Page[ServicePointOut](count=count, items=[_service_point_out(p) for p in points])
