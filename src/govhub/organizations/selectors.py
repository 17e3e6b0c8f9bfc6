"""Reads of organisations. Public directory data is visible to everyone; staff data is
scoped by `policies`."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from govhub.organizations.models import Department, Region


def region_get_city(*, code: str) -> Region:
    return Region.objects.get(code=code)


def region_children(*, parent: Region) -> QuerySet[Region]:
    return Region.objects.filter(parent=parent, is_active=True).order_by("sort_order", "code")


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
