"""`__any_of`: the same rows as `__in`, with one parameter on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from govhub.core import lookups  # noqa: F401 - registers the lookup
from govhub.organizations.models import Region
from govhub.organizations.tests.factories import RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def regions() -> list[Region]:
    return [RegionFactory() for _ in range(5)]


def test_any_of_selects_what_in_selects(regions: list[Region]) -> None:
    ids = [regions[0].pk, regions[2].pk, regions[4].pk, 10**9]
    assert set(Region.objects.filter(pk__any_of=ids)) == set(Region.objects.filter(pk__in=ids))
    one = Region.objects.filter(pk__any_of=[regions[1].pk])
    assert list(one) == [regions[1]]


def test_an_empty_list_matches_nothing(regions: list[Region]) -> None:
    assert not Region.objects.filter(pk__any_of=[]).exists()
    assert Region.objects.exclude(pk__any_of=[]).count() == Region.objects.count()


def test_foreign_keys_take_it_too(regions: list[Region]) -> None:
    child = RegionFactory(parent=regions[0])
    assert list(Region.objects.filter(parent_id__any_of=[regions[0].pk])) == [child]
    assert list(Region.objects.filter(parent__any_of=[regions[0].pk, regions[1].pk])) == [child]


def test_one_parameter_on_postgresql(regions: list[Region]) -> None:
    ids = [r.pk for r in regions]
    with CaptureQueriesContext(connection) as queries:
        list(Region.objects.filter(pk__any_of=ids))
    sql = queries.captured_queries[-1]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and "::bigint[]" in sql
    else:
        assert " IN (" in sql


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=-5, max_value=10**12), max_size=12))
def test_any_of_never_differs_from_in(values: list[int]) -> None:
    expected = set(Region.objects.filter(pk__in=values).values_list("pk", flat=True))
    assert set(Region.objects.filter(pk__any_of=values).values_list("pk", flat=True)) == expected
