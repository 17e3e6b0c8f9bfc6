"""Reads for the portal's own pages. The data belongs to other apps: this module only
composes their selectors into what one page needs, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from govhub.catalog import selectors as catalog_selectors
from govhub.catalog.models import Audience, Theme
from govhub.organizations import selectors as org_selectors
from govhub.organizations.models import Department, Region, ServiceHall


@dataclass(frozen=True)
class HomePage:
    """What the home page shows; every list holds only records that exist."""

    city: Region | None
    departments: list[Department] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    halls: list[ServiceHall] = field(default_factory=list)
    person_themes: list[Theme] = field(default_factory=list)
    enterprise_themes: list[Theme] = field(default_factory=list)


def home_page_get(*, city_code: str) -> HomePage:
    """The city's departments, its county-level divisions (each with its active
    departments), the active halls in the city and the catalogue's themes that have
    published items: a fixed number of queries whatever the amount of data, or one when
    the city's region has not been loaded yet."""
    try:
        city = org_selectors.region_get_city(code=city_code)
    except Region.DoesNotExist:
        return HomePage(city=None)
    themes = [
        theme
        for theme in catalog_selectors.theme_list_with_item_counts()
        if getattr(theme, "item_count", 0)
    ]
    return HomePage(
        city=city,
        departments=list(org_selectors.department_list_public(region=city)),
        regions=list(org_selectors.county_regions_with_departments(city=city)),
        halls=list(org_selectors.hall_list_public(region=city)),
        person_themes=[t for t in themes if t.audience == Audience.PERSON],
        enterprise_themes=[t for t in themes if t.audience == Audience.ENTERPRISE],
    )
