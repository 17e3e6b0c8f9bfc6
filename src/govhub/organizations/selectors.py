"""Reads of organisations. Public directory data (active regions, departments, halls,
windows, service points) is visible to everyone; staff data is scoped by `policies`.

Every function returns in a fixed number of queries, whatever the amount of data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from govhub.core.errors import NotFound
from govhub.organizations import policies
from govhub.organizations.models import (
    Department,
    Position,
    Region,
    ServiceHall,
    ServicePoint,
    StaffMember,
    Window,
)

SEARCH_MAX_TERMS = 5

# --- Regions ---------------------------------------------------------------------------


def region_get_city(*, code: str) -> Region:
    return Region.objects.get(code=code)


def region_children(*, parent: Region) -> QuerySet[Region]:
    return Region.objects.filter(parent=parent, is_active=True).order_by("sort_order", "code")


def region_get(*, code: str) -> Region:
    """An active region by its code, with its parent; `NotFound` otherwise."""
    region = Region.objects.filter(code=code, is_active=True).select_related("parent").first()
    if region is None:
        raise NotFound()
    return region


def region_ancestors(*, region: Region) -> list[Region]:
    """The regions above `region`, from the top down (one query, none at the top)."""
    codes = region.ancestor_codes[:-1]
    if not codes:
        return []
    by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [by_code[code] for code in codes if code in by_code]


def region_list(*, parent: Region | None = None, level: int | None = None) -> QuerySet[Region]:
    """Active regions in tree order (each region right after its parent), optionally only
    the children of `parent` and/or one level."""
    qs = Region.objects.filter(is_active=True).select_related("parent").order_by("path")
    if parent is not None:
        qs = qs.filter(parent=parent)
    if level is not None:
        qs = qs.filter(level=level)
    return qs


@dataclass
class RegionNode:
    region: Region
    children: list[RegionNode] = field(default_factory=list)


def region_tree(*, root: Region, max_level: int | None = None) -> RegionNode:
    """`root` and every active region inside it as nested nodes (one query)."""
    qs = Region.objects.filter(path__startswith=root.path, is_active=True).exclude(pk=root.pk)
    if max_level is not None:
        qs = qs.filter(level__lte=max_level)
    nodes: dict[int, RegionNode] = {root.pk: RegionNode(region=root)}
    for region in qs.order_by("path"):
        node = RegionNode(region=region)
        nodes[region.pk] = node
        parent = nodes.get(region.parent_id or 0)
        if parent is not None:
            parent.children.append(node)
    for node in nodes.values():
        node.children.sort(key=lambda n: (n.region.sort_order, n.region.code))
    return nodes[root.pk]


def region_choices_for_directory(*, city_code: str) -> list[Region]:
    """The city and its county-level divisions (for the directory's region filter)."""
    return list(
        Region.objects.filter(
            Q(code=city_code) | Q(parent__code=city_code), is_active=True
        ).order_by("level", "sort_order", "code")
    )


# --- Departments -----------------------------------------------------------------------


def department_list_public(*, region: Region | None = None) -> QuerySet[Department]:
    """Active departments for the public directory, optionally those of one region."""
    qs = Department.objects.filter(is_active=True).select_related("region")
    if region is not None:
        qs = qs.filter(region=region)
    return qs.order_by("sort_order", "code")


def county_regions_with_departments(*, city: Region) -> QuerySet[Region]:
    """The city's county-level divisions, each with its active departments prefetched."""
    return region_children(parent=city).prefetch_related(
        Prefetch("departments", queryset=department_list_public(), to_attr="public_departments")
    )


def department_search(
    *,
    query: str = "",
    region: Region | None = None,
    include_subregions: bool = True,
    kind: str | None = None,
) -> QuerySet[Department]:
    """Active departments filtered by free text, region and kind, in directory order
    (region by region, then each region's own order)."""
    qs = Department.objects.filter(is_active=True).select_related("region")
    if region is not None:
        if include_subregions:
            qs = qs.filter(region__path__startswith=region.path)
        else:
            qs = qs.filter(region=region)
    if kind:
        qs = qs.filter(kind=kind)
    qs = qs.filter(
        _text_filter(query, ("name", "short_name", "name_en", "functions", "functions_en"))
    )
    return qs.order_by("region__path", "sort_order", "code")


def department_get_public(*, code: str) -> Department:
    """An active department with its region and the active windows serving it (each with
    its hall): two queries. `NotFound` otherwise."""
    department = (
        Department.objects.filter(code=code, is_active=True)
        .select_related("region", "parent")
        .prefetch_related(
            Prefetch(
                "windows",
                queryset=Window.objects.filter(is_active=True, hall__is_active=True)
                .select_related("hall")
                .order_by("hall__code", "sort_order", "number"),
                to_attr="serving_windows",
            )
        )
        .first()
    )
    if department is None:
        raise NotFound()
    return department


def halls_serving(*, department: Department) -> list[ServiceHall]:
    """The distinct halls of the windows prefetched by `department_get_public`."""
    halls: dict[int, ServiceHall] = {}
    for window in getattr(department, "serving_windows", []):
        halls.setdefault(window.hall_id, window.hall)
    return list(halls.values())


# --- Halls and windows -----------------------------------------------------------------


def _active_windows_with_departments() -> Prefetch:
    return Prefetch(
        "windows",
        queryset=Window.objects.filter(is_active=True)
        .order_by("sort_order", "number")
        .prefetch_related(
            Prefetch(
                "departments",
                queryset=Department.objects.filter(is_active=True).order_by("sort_order", "code"),
                to_attr="active_departments",
            )
        ),
        to_attr="active_windows",
    )


def hall_list_public(
    *, region: Region | None = None, include_subregions: bool = True
) -> QuerySet[ServiceHall]:
    """Active halls with their region and operator and a count of active windows."""
    qs = (
        ServiceHall.objects.filter(is_active=True)
        .select_related("region", "operator")
        .annotate(window_count=Count("windows", filter=Q(windows__is_active=True)))
    )
    if region is not None:
        if include_subregions:
            qs = qs.filter(region__path__startswith=region.path)
        else:
            qs = qs.filter(region=region)
    return qs.order_by("region__path", "code")


def halls_with_windows(*, region: Region | None = None) -> QuerySet[ServiceHall]:
    """Active halls, each with `active_windows`, each window with `active_departments`
    (three queries)."""
    qs = ServiceHall.objects.filter(is_active=True).select_related("region", "operator")
    if region is not None:
        qs = qs.filter(region__path__startswith=region.path)
    return qs.prefetch_related(_active_windows_with_departments()).order_by("region__path", "code")


def hall_get_public(*, code: str) -> ServiceHall:
    """An active hall with `active_windows` and their `active_departments` (three
    queries); `NotFound` otherwise."""
    hall = (
        ServiceHall.objects.filter(code=code, is_active=True)
        .select_related("region", "operator")
        .prefetch_related(_active_windows_with_departments())
        .first()
    )
    if hall is None:
        raise NotFound()
    return hall


# --- Grassroots service points ---------------------------------------------------------


def service_point_list_public(
    *,
    region: Region | None = None,
    include_subregions: bool = True,
    kind: str | None = None,
) -> QuerySet[ServicePoint]:
    """Active service points with their region, in tree order."""
    qs = ServicePoint.objects.filter(is_active=True).select_related("region")
    if region is not None:
        if include_subregions:
            qs = qs.filter(region__path__startswith=region.path)
        else:
            qs = qs.filter(region=region)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("region__path", "code")


def service_points_near(*, region: Region) -> QuerySet[ServicePoint]:
    """Active service points of `region` itself and of its direct sub-regions: a county
    shows its township centres, a township its centre and village points."""
    return (
        ServicePoint.objects.filter(Q(region=region) | Q(region__parent=region), is_active=True)
        .select_related("region")
        .order_by("region__path", "code")
    )


# --- Directory search ------------------------------------------------------------------


def _terms(query: str) -> list[str]:
    return [term for term in query.split() if term][:SEARCH_MAX_TERMS]


def _text_filter(query: str, fields: tuple[str, ...]) -> Q:
    """Every term must appear (case-insensitively) in at least one of `fields`."""
    condition = Q()
    for term in _terms(query):
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": term})
        condition &= any_field
    return condition


@dataclass(frozen=True)
class DirectorySearchResult:
    query: str
    departments: list[Department]
    halls: list[ServiceHall]
    service_points: list[ServicePoint]
    department_count: int
    hall_count: int
    service_point_count: int

    @property
    def total(self) -> int:
        return self.department_count + self.hall_count + self.service_point_count

    @property
    def truncated(self) -> bool:
        """Whether some matches were left out of the lists (the limit was reached)."""
        return self.total > len(self.departments) + len(self.halls) + len(self.service_points)


def directory_search(
    *, query: str, region: Region | None = None, limit: int = 50
) -> DirectorySearchResult:
    """Departments, halls and service points whose names (Chinese, short, English) or
    functions contain every word of `query`, case-insensitively; at most `limit` of each
    (six queries). An empty query finds nothing."""
    query = query.strip()
    if not _terms(query):
        return DirectorySearchResult(query, [], [], [], 0, 0, 0)
    departments = department_search(query=query, region=region)
    halls = (
        ServiceHall.objects.filter(is_active=True)
        .filter(_text_filter(query, ("name", "name_en", "address")))
        .select_related("region")
        .order_by("region__path", "code")
    )
    points = ServicePoint.objects.filter(is_active=True).filter(
        _text_filter(query, ("name", "name_en", "address"))
    )
    if region is not None:
        halls = halls.filter(region__path__startswith=region.path)
        points = points.filter(region__path__startswith=region.path)
    points = points.select_related("region").order_by("region__path", "code")
    return DirectorySearchResult(
        query=query,
        departments=list(departments[:limit]),
        halls=list(halls[:limit]),
        service_points=list(points[:limit]),
        department_count=departments.count(),
        hall_count=halls.count(),
        service_point_count=points.count(),
    )


# --- Staff (scoped) --------------------------------------------------------------------


def staff_list_for(*, user: Any, department: Department | None = None) -> QuerySet[StaffMember]:
    """Staff records `user` may see (see `policies.staff_visible_to`), with account,
    department and currently-counting positions (three queries)."""
    qs = policies.staff_visible_to(user)
    if department is not None:
        qs = qs.filter(department=department)
    return (
        qs.select_related("user", "department")
        .prefetch_related(
            Prefetch(
                "positions",
                queryset=Position.objects.valid_on(timezone.localdate())
                .select_related("department", "region", "window", "service_point")
                .order_by("role", "department__code"),
                to_attr="current_positions",
            )
        )
        .order_by("department__sort_order", "department__code", "employee_number")
    )


def staff_get_for(*, user: Any, pk: int) -> StaffMember:
    """One staff record if `user` may see it; `NotFound` (not 403) otherwise, so that
    existence is not revealed."""
    staff = staff_list_for(user=user).filter(pk=pk).first()
    if staff is None:
        raise NotFound()
    return staff


def departments_for_staff(*, user: Any) -> QuerySet[Department]:
    """Departments whose internal data `user` may see, in directory order."""
    return (
        policies.departments_visible_to(user)
        .select_related("region")
        .order_by("region__path", "sort_order", "code")
    )
