import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from govhub.catalog import selectors
from govhub.catalog.models import Audience, BaseItem, ImplementationItem, ItemVersion, TimeUnit
from govhub.catalog.tests.factories import (
    BaseItemFactory,
    HandlingVariantFactory,
    ImplementationItemFactory,
    ItemVersionFactory,
    LifeEventFactory,
    MaterialFactory,
    ThemeFactory,
    make_published_item,
)
from govhub.core.errors import NotFound
from govhub.organizations.tests.factories import (
    CityFactory,
    DepartmentFactory,
    RegionFactory,
    TownshipFactory,
)

pytestmark = pytest.mark.django_db

FULLY_ONLINE = {
    "online_depth": [1, 2, 3, 4, 5, 6],
    "visits_required": 0,
    "handling_forms": ["online"],
    "visits_reason": "",
}


def add_version(item, number, status, **fields):
    return ItemVersionFactory(
        item=item,
        number=number,
        status=status,
        published_at=timezone.now() if status != ItemVersion.Status.DRAFT else None,
        **fields,
    )


def republish(item, **fields):
    """Supersede the current version with a newly published one."""
    old = item.published_version
    old.status = ItemVersion.Status.SUPERSEDED
    old.save(update_fields=["status"])
    new = add_version(item, old.number + 1, ItemVersion.Status.PUBLISHED, **fields)
    item.published_version = new
    item.save(update_fields=["published_version"])
    return new


@pytest.fixture
def regions():
    city = CityFactory(code="930400")
    county = RegionFactory(parent=city, code="930421")
    other = RegionFactory(parent=city, code="930422")
    township = TownshipFactory(parent=county, code="930421100")
    return {"city": city, "county": county, "other": other, "township": township}


# --- Labels -----------------------------------------------------------------------------------


def test_time_limit_labels():
    assert selectors.time_limit_label(5, TimeUnit.WORKING_DAYS) == "5 个工作日"
    assert selectors.time_limit_label(30, TimeUnit.CALENDAR_DAYS) == "30 个自然日"
    assert selectors.time_limit_label(None, TimeUnit.IMMEDIATE) == "即办"
    assert selectors.time_limit_label(None, TimeUnit.WORKING_DAYS) == ""


def test_fully_online_needs_depths_zero_visits_and_online_form():
    version = ItemVersion(**FULLY_ONLINE)
    assert selectors.is_fully_online(version)
    assert not selectors.is_fully_online(ItemVersion(**{**FULLY_ONLINE, "visits_required": 1}))
    assert not selectors.is_fully_online(
        ItemVersion(**{**FULLY_ONLINE, "online_depth": [1, 2, 3, 4, 5]})
    )
    assert not selectors.is_fully_online(
        ItemVersion(**{**FULLY_ONLINE, "handling_forms": ["window"]})
    )


# --- Item lists -------------------------------------------------------------------------------


def test_item_list_shows_only_published_active_items():
    published = make_published_item()
    ImplementationItemFactory()  # never had a version
    draft_only = ImplementationItemFactory()
    add_version(draft_only, 1, ItemVersion.Status.DRAFT)
    cancelled = make_published_item(
        state=ImplementationItem.State.CANCELLED,
        change_effective_date=datetime.date(2026, 1, 1),
        change_reason="依法取消。",
    )
    assert list(selectors.item_list_public()) == [published]
    assert set(selectors.item_list_public(include_inactive=True)) == {published, cancelled}


def test_item_list_filters_by_department_and_region_with_subregions(regions):
    county_dept = DepartmentFactory(region=regions["county"])
    town_dept = DepartmentFactory(region=regions["township"])
    other_dept = DepartmentFactory(region=regions["other"])
    in_county = make_published_item(department=county_dept)
    in_town = make_published_item(department=town_dept)
    elsewhere = make_published_item(department=other_dept)

    assert set(selectors.item_list_public(region_code="930421")) == {in_county, in_town}
    assert list(selectors.item_list_public(region_code="930421100")) == [in_town]
    assert set(selectors.item_list_public(region_code="930400")) == {
        in_county,
        in_town,
        elsewhere,
    }
    assert list(selectors.item_list_public(department_code=other_dept.code)) == [elsewhere]
    assert list(selectors.item_list_public(department_code="no-such-dept")) == []


def test_item_list_filters_by_theme_life_event_and_type():
    birth = ThemeFactory(code="birth")
    school = LifeEventFactory(code="school")
    with_theme = make_published_item(themes=[birth], life_events=[])
    with_event = make_published_item(themes=[], life_events=[school])
    service = make_published_item(
        base_item=BaseItemFactory(item_type=BaseItem.ItemType.PUBLIC_SERVICE),
        themes=[],
        life_events=[],
    )
    assert list(selectors.item_list_public(theme_code="birth")) == [with_theme]
    assert list(selectors.item_list_public(life_event_code="school")) == [with_event]
    assert list(selectors.item_list_public(item_type="20")) == [service]


def test_theme_filter_reads_the_published_version_only():
    old_theme = ThemeFactory(code="old")
    new_theme = ThemeFactory(code="new")
    item = make_published_item(themes=[old_theme])
    version = republish(item)
    version.themes.set([new_theme])
    add_version(item, 3, ItemVersion.Status.DRAFT).themes.set([old_theme])
    assert list(selectors.item_list_public(theme_code="old")) == []
    assert list(selectors.item_list_public(theme_code="new")) == [item]


def test_item_list_filters_by_audience_including_both():
    person = make_published_item(audience=Audience.PERSON)
    enterprise = make_published_item(audience=Audience.ENTERPRISE)
    both = make_published_item(audience=Audience.BOTH)
    assert set(selectors.item_list_public(audience="person")) == {person, both}
    assert set(selectors.item_list_public(audience="enterprise")) == {enterprise, both}
    assert list(selectors.item_list_public(audience="both")) == [both]


def test_item_list_filters_by_online_depth_and_fully_online():
    fully = make_published_item(**FULLY_ONLINE)
    partly = make_published_item(online_depth=[1, 2, 3, 4])
    window = make_published_item(online_depth=[], handling_forms=["window"])
    # Depths 1-6 but one visit: not fully online.
    visit = make_published_item(online_depth=[1, 2, 3, 4, 5, 6], visits_required=1)

    assert set(selectors.item_list_public(online_depth=4)) == {fully, partly, visit}
    assert set(selectors.item_list_public(online_depth=6)) == {fully, visit}
    assert list(selectors.item_list_public(online_depth=7)) == []
    assert list(selectors.item_list_public(fully_online=True)) == [fully]
    assert window not in selectors.item_list_public(online_depth=1)


class FakeSearch:
    """Stands in for `govhub.catalog.search`: returns the given items as hits."""

    MAX_LIMIT = 100

    def __init__(self, items):
        self.items = items
        self.calls = []

    def search_items(self, **kwargs):
        self.calls.append(kwargs)
        hits = [SimpleNamespace(item=item) for item in self.items]
        return SimpleNamespace(count=len(hits), hits=hits)


def test_item_list_matching_without_search_matches_names(monkeypatch):
    monkeypatch.setattr(selectors, "_search", lambda: None)
    make_published_item(name="营业执照变更登记")
    make_published_item(name="出生医学证明补发")
    matches = selectors.item_list_matching(selectors.item_list_public(), query="变更")
    assert [i.published_version.name for i in matches] == ["营业执照变更登记"]
    matches = selectors.item_list_matching(selectors.item_list_public(), query="出生")
    assert matches.count() == 1


def test_item_list_matching_keeps_the_search_ranking(monkeypatch):
    first, second, third = (make_published_item() for _ in range(3))
    cancelled = make_published_item(state=ImplementationItem.State.CANCELLED)
    fake = FakeSearch([third, cancelled, first])
    monkeypatch.setattr(selectors, "_search", lambda: fake)
    matches = selectors.item_list_matching(selectors.item_list_public(), query="许可")
    assert list(matches) == [third, first]
    assert fake.calls == [{"query": "许可", "limit": 100, "record": False}]

    count, items = selectors.item_search_page(
        query="许可", language="en", limit=20, offset=0, department_code=second.department.code
    )
    assert (count, items) == (3, [third, first])
    assert fake.calls[-1]["department"] == second.department.pk
    assert fake.calls[-1]["language"] == "en"
    assert selectors.item_search_page(
        query="许可", language="en", limit=20, offset=0, department_code="nope"
    ) == (0, [])


@pytest.mark.parametrize("size", [2, 6])
def test_item_list_is_one_query_per_page(django_assert_num_queries, size):
    for _ in range(size):
        make_published_item()
    with django_assert_num_queries(1):
        rows = [
            (
                i.published_version.display_name,
                i.department.display_name,
                i.region.display_name,
                i.base_item.get_item_type_display(),
            )
            for i in selectors.item_list_public()[:20]
        ]
    assert len(rows) == size


# --- Guides and versions ------------------------------------------------------------------------


def test_item_guide_reads_everything_in_six_queries(django_assert_num_queries):
    joint = DepartmentFactory()
    item = make_published_item()
    item.published_version.joint_departments.set([joint])
    HandlingVariantFactory(item=item, name="首次申领")
    HandlingVariantFactory(item=item, name="停用的办理项", is_active=False)
    with django_assert_num_queries(6):
        guide = selectors.item_guide_get(implementation_code=item.implementation_code)
        assert guide.item.department.display_name
        assert guide.item.base_item.base_code
    assert guide.is_current and guide.is_active
    assert [m.name for m in guide.materials] == ["申请表", "居民身份证"]
    assert guide.joint_departments == [joint]
    assert [v.name for v in guide.variants] == ["首次申领"]
    assert len(guide.themes) == 1 and len(guide.life_events) == 1
    assert guide.accepts_online_applications  # window + online, depths 1-4
    assert guide.accepts_bookings


def test_item_guide_not_found_for_unknown_or_unpublished():
    draft_only = ImplementationItemFactory()
    add_version(draft_only, 1, ItemVersion.Status.DRAFT)
    with pytest.raises(NotFound):
        selectors.item_guide_get(implementation_code="X" * 36)
    with pytest.raises(NotFound):
        selectors.item_guide_get(implementation_code=draft_only.implementation_code)


def test_cancelled_item_guide_stays_public_without_entry_points(regions):
    item = make_published_item(
        state=ImplementationItem.State.HANDED_DOWN,
        change_effective_date=datetime.date(2026, 3, 1),
        change_reason="按照放管服改革要求下放。",
        handed_down_to=regions["county"],
    )
    guide = selectors.item_guide_get(implementation_code=item.implementation_code)
    assert not guide.is_active
    assert guide.item.handed_down_to == regions["county"]
    assert not guide.accepts_online_applications
    assert not guide.accepts_bookings


def test_version_history_is_published_and_superseded_only():
    item = make_published_item(change_note="首次发布")
    republish(item, change_note="调整办理时限")
    add_version(item, 3, ItemVersion.Status.DRAFT, change_note="草稿，不公开")
    history = list(selectors.item_version_history(item=item))
    assert [(v.number, v.status) for v in history] == [(2, "published"), (1, "superseded")]

    old = selectors.item_version_guide_get(implementation_code=item.implementation_code, number=1)
    assert not old.is_current
    assert [m.name for m in old.materials] == ["申请表", "居民身份证"]
    with pytest.raises(NotFound):
        selectors.item_version_guide_get(implementation_code=item.implementation_code, number=3)
    with pytest.raises(NotFound):
        selectors.item_version_guide_get(implementation_code=item.implementation_code, number=9)


# --- Counts ----------------------------------------------------------------------------------


def test_theme_and_life_event_counts_cover_active_published_items(django_assert_num_queries):
    theme = ThemeFactory(code="housing")
    empty = ThemeFactory(code="empty", audience=Audience.ENTERPRISE)
    event = LifeEventFactory(code="moving")
    make_published_item(themes=[theme], life_events=[event])
    make_published_item(themes=[theme], life_events=[])
    make_published_item(
        themes=[theme],
        life_events=[event],
        state=ImplementationItem.State.CANCELLED,
    )
    superseded = make_published_item(themes=[theme], life_events=[])
    republish(superseded).themes.set([])

    with django_assert_num_queries(2):
        themes = {t.code: t.item_count for t in selectors.theme_list_with_item_counts()}
    assert themes == {"housing": 2, "empty": 0}
    assert [t.code for t in selectors.theme_list_with_item_counts(audience="enterprise")] == [
        empty.code
    ]
    with django_assert_num_queries(2):
        events = {e.code: e.item_count for e in selectors.life_event_list_with_item_counts()}
    assert events == {"moving": 1}


def test_department_and_region_counts(regions, django_assert_num_queries):
    city_dept = DepartmentFactory(region=regions["city"], sort_order=1)
    town_dept = DepartmentFactory(region=regions["township"])
    DepartmentFactory(region=regions["other"])  # no items
    make_published_item(department=city_dept)
    make_published_item(department=town_dept)
    make_published_item(department=town_dept, sequence=2)

    with django_assert_num_queries(2):
        departments = selectors.department_list_with_item_counts()
    assert [(d, d.item_count) for d in departments] == [(city_dept, 1), (town_dept, 2)]

    with django_assert_num_queries(2):
        counted = selectors.region_list_with_item_counts(parent_code="930400")
    assert [(r.code, r.item_count) for r in counted] == [
        ("930400", 1),
        ("930421", 2),
        ("930422", 0),
    ]


def test_intermediary_services_are_aggregated_by_name(django_assert_num_queries):
    survey = {
        "name": "房屋安全鉴定",
        "providers": ["甲检测公司"],
        "basis": "《城市危险房屋管理规定》",
        "fee": "按市场价",
    }
    first = make_published_item(name="危房改造审批", intermediary_services=[survey])
    second = make_published_item(
        name="房屋加层审批",
        intermediary_services=[
            {**survey, "providers": ["甲检测公司", "乙鉴定中心"]},
            {"name": "工程设计", "providers": ["丙设计院"], "basis": "", "fee": ""},
        ],
    )
    make_published_item(intermediary_services=[])
    cancelled = make_published_item(
        intermediary_services=[{"name": "已取消的服务", "providers": ["丁"]}],
        state=ImplementationItem.State.CANCELLED,
    )
    with django_assert_num_queries(1):
        services = selectors.intermediary_service_list()
    assert [s.name for s in services] == ["工程设计", "房屋安全鉴定"]
    survey_out = services[1]
    assert survey_out.providers == ["甲检测公司", "乙鉴定中心"]
    assert survey_out.bases == ["《城市危险房屋管理规定》"]
    assert [i.implementation_code for i in survey_out.items] == sorted(
        [first.implementation_code, second.implementation_code]
    )
    assert cancelled.implementation_code not in {
        i.implementation_code for s in services for i in s.items
    }


def test_materials_of_other_versions_never_leak_into_the_guide():
    item = make_published_item()
    draft = add_version(item, 2, ItemVersion.Status.DRAFT)
    MaterialFactory(version=draft, position=1, name="草稿里的新材料")
    guide = selectors.item_guide_get(implementation_code=item.implementation_code)
    assert "草稿里的新材料" not in [m.name for m in guide.materials]


# --- item_for_application: the item's row read every time, the rest cached ------------------


def test_item_for_application_reads_one_narrow_row_once_cached(django_assert_num_queries):
    from django.core.cache import cache

    cache.clear()
    item = make_published_item()
    MaterialFactory(version=item.published_version, name="身份证")
    first = selectors.item_for_application(implementation_code=item.implementation_code)
    assert first.published_version_id == item.published_version_id
    # The item's own row only: version, materials, department and region come cached.
    with django_assert_num_queries(1):
        again = selectors.item_for_application(implementation_code=item.implementation_code)
        names = [m.name for m in again.published_version.materials.all()]
        assert again.region.code and again.department.code
    assert "身份证" in names


def test_item_for_application_sees_a_cancellation_and_a_new_publication_at_once():
    from django.core.cache import cache

    cache.clear()
    item = make_published_item()
    code = item.implementation_code
    assert selectors.item_for_application(implementation_code=code).state == "active"
    new = republish(item)
    assert selectors.item_for_application(implementation_code=code).published_version_id == new.pk
    ImplementationItem.objects.filter(pk=item.pk).update(state=ImplementationItem.State.CANCELLED)
    assert selectors.item_for_application(implementation_code=code).state == "cancelled"
    with pytest.raises(NotFound):
        selectors.item_for_application(implementation_code="no-such-item")
