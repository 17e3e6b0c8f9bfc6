"""Public reads of the catalogue: what the guide pages, the browse pages and the API show.

Only implementation items with a published version are public. Cancelled and handed-down
items stay readable (their guide shows the public notice) but drop out of browse lists.
Drafts and submitted versions are never public; the version history shows published and
superseded versions only.

Every function runs a fixed number of queries whatever the amount of data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from govhub.core.errors import NotFound
from govhub.organizations.models import Department, Region

from .models import (
    Audience,
    HandlingVariant,
    ImplementationItem,
    ItemVersion,
    LifeEvent,
    Material,
    Theme,
    TimeUnit,
)

PUBLIC_VERSION_STATUSES = (ItemVersion.Status.PUBLISHED, ItemVersion.Status.SUPERSEDED)
FULLY_ONLINE_DEPTHS = (1, 2, 3, 4, 5, 6)
ONLINE_DEPTHS = (1, 2, 3, 4, 5, 6, 7)

# --- Labels shared by the pages, the PDF and the API ------------------------------------


def online_depth_label(depth: int) -> str:
    labels = {
        1: _("在线咨询"),
        2: _("网上收件"),
        3: _("网上预审"),
        4: _("网上受理"),
        5: _("网上办理"),
        6: _("网上反馈结果"),
        7: _("电子证照反馈"),
    }
    return str(labels.get(depth, depth))


def handling_form_label(form: str) -> str:
    labels = {"window": _("窗口办理"), "online": _("网上办理"), "post": _("快递申请")}
    return str(labels.get(form, form))


def special_procedure_kind_label(kind: str) -> str:
    labels = {
        "hearing": _("听证"),
        "expert_review": _("专家评审"),
        "inspection": _("现场勘查"),
        "testing": _("检验检测"),
        "other": _("其他特别程序"),
    }
    return str(labels.get(kind, kind))


def time_limit_label(value: int | None, unit: str) -> str:
    """ "5 个工作日", "即办", or "" when no limit is published."""
    if unit == TimeUnit.IMMEDIATE:
        return _("即办")
    if value is None:
        return ""
    if unit == TimeUnit.CALENDAR_DAYS:
        return ngettext("%(n)s 个自然日", "%(n)s 个自然日", value) % {"n": value}
    return ngettext("%(n)s 个工作日", "%(n)s 个工作日", value) % {"n": value}


def legal_basis_title(basis: dict[str, Any]) -> str:
    """ "《law》article", whether or not the law was stored with its title marks."""
    law = str(basis.get("law", "")).strip()
    if law and not law.startswith("《"):
        law = f"《{law}》"
    return f"{law}{basis.get('article', '')}"


def is_fully_online(version: ItemVersion) -> bool:
    """全程网办: online depths 1-6, no visit, and handled online."""
    depths = set(version.online_depth or [])
    return (
        all(d in depths for d in FULLY_ONLINE_DEPTHS)
        and version.visits_required == 0
        and "online" in (version.handling_forms or [])
    )


def supports_online_application(version: ItemVersion) -> bool:
    """The item takes applications online (网上办理 with at least online receipt)."""
    return "online" in (version.handling_forms or []) and 2 in (version.online_depth or [])


# --- Items ---------------------------------------------------------------------------------


def _public_items() -> QuerySet[ImplementationItem]:
    return ImplementationItem.objects.filter(published_version__isnull=False)


def _depth_filter(depth: int) -> Q:
    # online_depth is a JSON list of single digits 1-7 (validated on save), so the JSON
    # text contains the digit exactly when the list contains the depth. JSON containment
    # (`__contains=[depth]`) is not available on SQLite.
    return Q(published_version__online_depth__icontains=str(depth))


def fully_online_filter() -> Q:
    q = Q(published_version__visits_required=0) & Q(
        published_version__handling_forms__icontains='"online"'
    )
    for depth in FULLY_ONLINE_DEPTHS:
        q &= _depth_filter(depth)
    return q


def audience_filter(audience: str) -> Q:
    """Items for persons include those for both persons and enterprises, and the same
    for enterprises."""
    if audience in (Audience.PERSON, Audience.ENTERPRISE):
        return Q(published_version__audience__in=[audience, Audience.BOTH])
    return Q(published_version__audience=audience)


def item_list_public(
    *,
    department_code: str | None = None,
    region_code: str | None = None,
    theme_code: str | None = None,
    life_event_code: str | None = None,
    audience: str | None = None,
    online_depth: int | None = None,
    fully_online: bool = False,
    item_type: str | None = None,
    include_inactive: bool = False,
) -> QuerySet[ImplementationItem]:
    """Published items with their published version, base item, department and region
    (one query per page). `region_code` includes that region's sub-regions; `audience`
    person/enterprise includes items for both."""
    qs = _public_items().select_related(
        "published_version", "base_item", "department", "region", "handed_down_to"
    )
    if not include_inactive:
        qs = qs.filter(state=ImplementationItem.State.ACTIVE)
    if department_code:
        qs = qs.filter(department__code=department_code)
    if region_code:
        qs = qs.filter(region__path__contains=f"/{region_code}/")
    if theme_code:
        qs = qs.filter(published_version__themes__code=theme_code)
    if life_event_code:
        qs = qs.filter(published_version__life_events__code=life_event_code)
    if audience:
        qs = qs.filter(audience_filter(audience))
    if online_depth:
        qs = qs.filter(_depth_filter(online_depth))
    if fully_online:
        qs = qs.filter(fully_online_filter())
    if item_type:
        qs = qs.filter(base_item__item_type=item_type)
    return qs.order_by("department__region__path", "department__sort_order", "implementation_code")


def _search() -> Any:
    """The catalogue search module, or None when the search feature is not installed."""
    try:
        from govhub.catalog import search
    except ImportError:  # pragma: no cover - depends on the installed features
        return None
    return search if hasattr(search, "search_items") else None


def _search_ranked_ids(query: str) -> list[int] | None:
    """Ids of the best-matching items (at most the search's page limit), best first;
    None when the search feature is not installed."""
    search = _search()
    if search is None:
        return None
    result = search.search_items(query=query, limit=search.MAX_LIMIT, record=False)
    return [hit.item.pk for hit in result.hits]


def _in_order(qs: QuerySet[ImplementationItem], ids: list[int]) -> QuerySet[ImplementationItem]:
    if not ids:
        return qs.none()
    order = Case(*(When(pk=pk, then=Value(rank)) for rank, pk in enumerate(ids)))
    return qs.filter(pk__in=ids).order_by(order, "implementation_code")


def item_search_page(
    *,
    query: str,
    language: str,
    limit: int,
    offset: int,
    department_code: str | None = None,
    region_code: str | None = None,
    theme_code: str | None = None,
    audience: str | None = None,
    online_depth: int | None = None,
    fully_online: bool = False,
) -> tuple[int, list[ImplementationItem]] | None:
    """One page of items matching `query`, best first, with the total count, from the
    catalogue search (which records the query anonymously); None when the search feature
    is not installed."""
    search = _search()
    if search is None:
        return None
    department_id = None
    if department_code:
        department_id = (
            Department.objects.filter(code=department_code).values_list("pk", flat=True).first()
        )
        if department_id is None:
            return 0, []
    result = search.search_items(
        query=query,
        department=department_id,
        region=region_code,
        theme=theme_code,
        audience=audience,
        online_depth=online_depth,
        fully_online=fully_online or None,
        language=language,
        limit=limit,
        offset=offset,
    )
    ids = [hit.item.pk for hit in result.hits]
    return result.count, list(_in_order(item_list_public(), ids))


def item_list_matching(
    qs: QuerySet[ImplementationItem], *, query: str
) -> QuerySet[ImplementationItem]:
    """`qs` narrowed to the items matching `query`, in relevance order when the catalogue
    search is installed (names, aliases, conditions and materials), else by name only."""
    ids = _search_ranked_ids(query)
    if ids is None:
        return qs.filter(
            Q(published_version__name__icontains=query)
            | Q(published_version__name_en__icontains=query)
        )
    return _in_order(qs, ids)


@dataclass(frozen=True)
class Guide:
    """Everything a guide (办事指南) shows: the item and one public version of it."""

    item: ImplementationItem
    version: ItemVersion
    materials: list[Material]
    themes: list[Theme]
    life_events: list[LifeEvent]
    joint_departments: list[Department]
    variants: list[HandlingVariant]

    @property
    def is_current(self) -> bool:
        return self.item.published_version_id == self.version.pk

    @property
    def is_active(self) -> bool:
        return self.item.state == ImplementationItem.State.ACTIVE

    @property
    def fully_online(self) -> bool:
        return is_fully_online(self.version)

    @property
    def accepts_online_applications(self) -> bool:
        return self.is_active and supports_online_application(self.version)

    @property
    def accepts_bookings(self) -> bool:
        return self.is_active and self.version.booking_available


def _version_prefetches(prefix: str = "") -> list[Prefetch]:
    return [
        Prefetch(f"{prefix}materials", queryset=Material.objects.order_by("position")),
        Prefetch(f"{prefix}themes", queryset=Theme.objects.order_by("audience", "sort_order")),
        Prefetch(
            f"{prefix}life_events", queryset=LifeEvent.objects.order_by("audience", "sort_order")
        ),
        Prefetch(
            f"{prefix}joint_departments",
            queryset=Department.objects.select_related("region").order_by("sort_order", "code"),
        ),
    ]


def _guide(item: ImplementationItem, version: ItemVersion) -> Guide:
    return Guide(
        item=item,
        version=version,
        materials=list(version.materials.all()),
        themes=list(version.themes.all()),
        life_events=list(version.life_events.all()),
        joint_departments=list(version.joint_departments.all()),
        variants=[v for v in item.variants.all() if v.is_active],
    )


def _item_for_guide(code: str) -> QuerySet[ImplementationItem]:
    return (
        _public_items()
        .filter(implementation_code=code)
        .select_related("base_item", "department", "region", "handed_down_to")
        .prefetch_related(
            Prefetch("variants", queryset=HandlingVariant.objects.order_by("sequence"))
        )
    )


def item_guide_get(*, implementation_code: str) -> Guide:
    """The current guide of a published item (six queries); `NotFound` otherwise."""
    item = (
        _item_for_guide(implementation_code)
        .select_related("published_version")
        .prefetch_related(*_version_prefetches("published_version__"))
        .first()
    )
    if item is None or item.published_version is None:
        raise NotFound()
    return _guide(item, item.published_version)


def item_version_guide_get(*, implementation_code: str, number: int) -> Guide:
    """The guide as published in version `number` (published or superseded only)."""
    item = _item_for_guide(implementation_code).first()
    if item is None:
        raise NotFound()
    version = (
        ItemVersion.objects.filter(item=item, number=number, status__in=PUBLIC_VERSION_STATUSES)
        .prefetch_related(*_version_prefetches())
        .first()
    )
    if version is None:
        raise NotFound()
    return _guide(item, version)


def item_get_public(*, implementation_code: str) -> ImplementationItem:
    """A published item with its published version, department and region."""
    item = (
        _public_items()
        .filter(implementation_code=implementation_code)
        .select_related("published_version", "base_item", "department", "region")
        .first()
    )
    if item is None:
        raise NotFound()
    return item


# The guide's text that an application never reads: left in the database when a case is
# filed (a submission reads the item once; these JSON columns are most of the row).
GUIDE_ONLY_FIELDS = (
    "aliases",
    "summary",
    "summary_en",
    "conditions",
    "fee_basis",
    "fee_lines",
    "intermediary_services",
    "faqs",
    "reconsideration",
    "litigation",
)


# How long a process keeps an item's application data (see `item_for_application`).
APPLICATION_CACHE_SECONDS = 300


def _application_key(pk: int, state: str, version_id: int | None, *rest: object) -> str:
    parts = [
        f"{part.timestamp():.6f}" if hasattr(part, "timestamp") else str(part)
        for part in (pk, state, version_id, *rest)
    ]
    return "catalog:apply:" + ":".join(parts)


def item_for_application(*, implementation_code: str) -> ImplementationItem:
    """`item_get_public` for filing a case: the published version (without its guide
    text) with its materials, the department and the region.

    Every call reads the item's own row (state, published version, department, region,
    last change) with one narrow query, so a cancelled item or a new publication counts
    at once. The rest comes from the cache under a key made of those values: a published
    version and its materials are frozen, so what was cached for them cannot be stale;
    the department's and region's names may be, for at most `APPLICATION_CACHE_SECONDS`.
    """
    row = (
        _public_items()
        .filter(implementation_code=implementation_code)
        .values_list(
            "pk", "state", "published_version_id", "department_id", "region_id", "updated_at"
        )
        .first()
    )
    if row is None:
        raise NotFound()
    key = _application_key(*row)
    item = cache.get(key)
    if item is None:
        item = (
            _public_items()
            .filter(pk=row[0])
            .select_related("published_version", "department", "region")
            .defer(*(f"published_version__{name}" for name in GUIDE_ONLY_FIELDS))
            .prefetch_related("published_version__materials")
            .first()
        )
        if item is None:
            raise NotFound()
        # Keyed by what was read now, not by the narrow read: a change in between only
        # makes this entry one that the next call does not ask for.
        fresh = _application_key(
            item.pk,
            item.state,
            item.published_version_id,
            item.department_id,
            item.region_id,
            item.updated_at,
        )
        cache.set(fresh, item, APPLICATION_CACHE_SECONDS)
    return item


def item_version_history(*, item: ImplementationItem) -> QuerySet[ItemVersion]:
    """Published and superseded versions of `item`, newest first (never drafts)."""
    return (
        ItemVersion.objects.filter(item=item, status__in=PUBLIC_VERSION_STATUSES)
        .only(
            "id",
            "item_id",
            "number",
            "status",
            "change_note",
            "name",
            "name_en",
            "published_at",
        )
        .order_by("-number")
    )


# --- Departments, regions, themes, life events --------------------------------------------


# Browse counts aggregate over every published item, so they are cached: a publication,
# cancellation or hand-down starts a new generation (`catalog_changed`, subscribed to the
# catalogue's events in CatalogConfig.ready), and a short lifetime bounds staleness where
# the cache is per process (the embedded setup's local-memory cache).
COUNTS_TIMEOUT = 300
_GENERATION_KEY = "catalog:counts:generation"


def catalog_changed(event: object = None) -> None:
    """Start a new generation of cached browse counts."""
    try:
        cache.incr(_GENERATION_KEY)
    except ValueError:
        cache.set(_GENERATION_KEY, 1, None)


def _cached_counts(name: str, compute: Callable[[], dict[Any, int]]) -> dict[Any, int]:
    generation = cache.get_or_set(_GENERATION_KEY, 0, None)
    counts = cache.get_or_set(f"catalog:counts:{generation}:{name}", compute, COUNTS_TIMEOUT)
    return counts if isinstance(counts, dict) else compute()


def _active_item_counts(field_name: str) -> dict[Any, int]:
    return _cached_counts(field_name, lambda: _count_active_items(field_name))


def _count_active_items(field_name: str) -> dict[Any, int]:
    rows = (
        _public_items()
        .filter(state=ImplementationItem.State.ACTIVE)
        .values(field_name)
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row[field_name]: row["n"] for row in rows}


def department_get_with_items(*, code: str) -> Department:
    """An active department (with its region); `NotFound` otherwise."""
    department = (
        Department.objects.filter(code=code, is_active=True).select_related("region").first()
    )
    if department is None:
        raise NotFound()
    return department


def department_list_with_item_counts() -> list[Department]:
    """Active departments that have active published items, each with `item_count`
    (two queries), in directory order."""
    counts = _active_item_counts("department_id")
    departments = list(
        Department.objects.filter(pk__in=list(counts), is_active=True)
        .select_related("region")
        .order_by("region__path", "sort_order", "code")
    )
    for department in departments:
        department.item_count = counts[department.pk]  # type: ignore[attr-defined]
    return departments


def region_get_public(*, code: str) -> Region:
    region = Region.objects.filter(code=code, is_active=True).select_related("parent").first()
    if region is None:
        raise NotFound()
    return region


def region_list_with_item_counts(*, parent_code: str) -> list[Region]:
    """`parent_code`'s region followed by its active child regions, each with
    `item_count` covering its sub-regions (three queries)."""
    regions = list(
        Region.objects.filter(
            Q(code=parent_code) | Q(parent__code=parent_code), is_active=True
        ).order_by("level", "sort_order", "code")
    )
    by_path = _active_item_counts("region__path")
    for region in regions:
        if region.code == parent_code:
            # The city's own items (city departments), not its sub-regions'.
            region.item_count = by_path.get(region.path, 0)  # type: ignore[attr-defined]
        else:
            region.item_count = sum(  # type: ignore[attr-defined]
                n for path, n in by_path.items() if path.startswith(region.path)
            )
    return regions


def _through_counts(through: Any, target: str) -> dict[int, int]:
    return _cached_counts(target, lambda: _count_through(through, target))


def _count_through(through: Any, target: str) -> dict[int, int]:
    rows = (
        through.objects.filter(
            itemversion__status=ItemVersion.Status.PUBLISHED,
            itemversion__item__state=ImplementationItem.State.ACTIVE,
        )
        .values(f"{target}_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row[f"{target}_id"]: row["n"] for row in rows}


def theme_list_with_item_counts(*, audience: str | None = None) -> list[Theme]:
    """Themes in browse order with `item_count` (active published items), two queries."""
    counts = _through_counts(ItemVersion.themes.through, "theme")
    themes = Theme.objects.all()
    if audience:
        themes = themes.filter(audience=audience)
    result = list(themes.order_by("audience", "sort_order", "code"))
    for theme in result:
        theme.item_count = counts.get(theme.pk, 0)  # type: ignore[attr-defined]
    return result


def theme_get(*, code: str) -> Theme:
    theme = Theme.objects.filter(code=code).first()
    if theme is None:
        raise NotFound()
    return theme


def life_event_list_with_item_counts(*, audience: str | None = None) -> list[LifeEvent]:
    counts = _through_counts(ItemVersion.life_events.through, "lifeevent")
    events = LifeEvent.objects.all()
    if audience:
        events = events.filter(audience=audience)
    result = list(events.order_by("audience", "sort_order", "code"))
    for event in result:
        event.item_count = counts.get(event.pk, 0)  # type: ignore[attr-defined]
    return result


def life_event_get(*, code: str) -> LifeEvent:
    event = LifeEvent.objects.filter(code=code).first()
    if event is None:
        raise NotFound()
    return event


# --- Intermediary services -----------------------------------------------------------------


@dataclass
class IntermediaryItem:
    implementation_code: str
    name: str
    department_name: str


@dataclass
class IntermediaryService:
    """One intermediary service (中介服务) with every provider named for it and the
    published items that need it."""

    name: str
    providers: list[str] = field(default_factory=list)
    bases: list[str] = field(default_factory=list)
    fees: list[str] = field(default_factory=list)
    items: list[IntermediaryItem] = field(default_factory=list)


def intermediary_service_list() -> list[IntermediaryService]:
    """Intermediary services across the current versions of active items, by name (one
    query)."""
    english = (translation.get_language() or "").startswith("en")
    rows = (
        ItemVersion.objects.filter(
            status=ItemVersion.Status.PUBLISHED,
            item__state=ImplementationItem.State.ACTIVE,
        )
        .exclude(intermediary_services=[])
        .values(
            "intermediary_services",
            "name",
            "name_en",
            "item__implementation_code",
            "item__department__name",
            "item__department__name_en",
        )
        .order_by("item__implementation_code")
    )
    services: dict[str, IntermediaryService] = {}
    seen: defaultdict[str, set[str]] = defaultdict(set)
    for row in rows:
        item = IntermediaryItem(
            implementation_code=row["item__implementation_code"],
            name=(english and row["name_en"]) or row["name"],
            department_name=(english and row["item__department__name_en"])
            or row["item__department__name"],
        )
        for entry in row["intermediary_services"] or []:
            name = str(entry.get("name", "")).strip()
            if not name:
                continue
            service = services.setdefault(name, IntermediaryService(name=name))
            for provider in entry.get("providers") or []:
                if provider and provider not in service.providers:
                    service.providers.append(provider)
            for key, target in (("basis", service.bases), ("fee", service.fees)):
                value = str(entry.get(key) or "").strip()
                if value and value not in target:
                    target.append(value)
            if item.implementation_code not in seen[name]:
                seen[name].add(item.implementation_code)
                service.items.append(item)
    return sorted(services.values(), key=lambda s: s.name)
