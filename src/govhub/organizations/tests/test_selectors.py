import pytest

from govhub.core.errors import NotFound
from govhub.organizations import selectors
from govhub.organizations.models import Position, ServicePoint
from govhub.organizations.tests.factories import (
    CityFactory,
    DepartmentFactory,
    RegionFactory,
    ServiceHallFactory,
    ServicePointFactory,
    StaffMemberFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    WindowFactory,
    grant,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    city = CityFactory()
    for sort_order in (2, 1):
        county = RegionFactory(parent=city, sort_order=sort_order)
        township = TownshipFactory(parent=county)
        VillageFactory(parent=township)
        VillageFactory(parent=township)
    return city


def test_region_tree_nests_every_active_region(city, django_assert_num_queries):
    hidden = RegionFactory(parent=city, is_active=False)
    with django_assert_num_queries(1):
        root = selectors.region_tree(root=city)
    assert root.region == city
    counties = [node.region for node in root.children]
    assert [c.sort_order for c in counties] == [1, 2]
    assert hidden not in counties
    assert all(len(node.children) == 1 for node in root.children)
    assert all(len(node.children[0].children) == 2 for node in root.children)
    shallow = selectors.region_tree(root=city, max_level=3)
    assert all(node.children == [] for node in shallow.children)


def test_region_list_in_tree_order_and_filters(city):
    regions = list(selectors.region_list())
    assert [r.path for r in regions] == sorted(r.path for r in regions)
    children = list(selectors.region_list(parent=city))
    assert len(children) == 2 and all(r.parent_id == city.pk for r in children)
    villages = list(selectors.region_list(level=5))
    assert len(villages) == 4


def test_region_get_and_ancestors(city, django_assert_num_queries):
    village = selectors.region_list(level=5).first()
    with django_assert_num_queries(1):
        ancestors = selectors.region_ancestors(region=village)
    assert [r.level for r in ancestors] == [2, 3, 4]
    assert ancestors[0] == city
    assert selectors.region_ancestors(region=city) == []
    with pytest.raises(NotFound):
        selectors.region_get(code="000000")
    city.is_active = False
    city.save()
    with pytest.raises(NotFound):
        selectors.region_get(code=city.code)


def test_existing_portal_selectors_still_work(city):
    county = selectors.region_children(parent=city).first()
    DepartmentFactory(region=city)
    DepartmentFactory(region=county)
    DepartmentFactory(region=county, is_active=False)
    assert selectors.region_get_city(code=city.code) == city
    assert selectors.department_list_public(region=city).count() == 1
    regions = list(selectors.county_regions_with_departments(city=city))
    assert [len(r.public_departments) for r in regions] == [1, 0]


def test_department_detail_with_windows_and_halls(django_assert_num_queries):
    department = DepartmentFactory()
    hall_a, hall_b = ServiceHallFactory(), ServiceHallFactory()
    WindowFactory(hall=hall_a, departments=[department])
    WindowFactory(hall=hall_a, departments=[department])
    WindowFactory(hall=hall_b, departments=[department])
    WindowFactory(hall=hall_b, departments=[department], is_active=False)
    WindowFactory(hall=hall_b)
    with django_assert_num_queries(2):
        found = selectors.department_get_public(code=department.code)
        windows = found.serving_windows
        halls = selectors.halls_serving(department=found)
        _ = [w.hall.name for w in windows]
    assert len(windows) == 3
    assert halls == [hall_a, hall_b]


def test_inactive_department_is_not_public():
    department = DepartmentFactory(is_active=False)
    with pytest.raises(NotFound):
        selectors.department_get_public(code=department.code)


def test_hall_detail_and_list(django_assert_num_queries):
    hall = ServiceHallFactory()
    first, second = DepartmentFactory(), DepartmentFactory()
    WindowFactory(hall=hall, departments=[first, second], number="01")
    WindowFactory(hall=hall, departments=[DepartmentFactory(is_active=False)], number="02")
    WindowFactory(hall=hall, is_active=False, number="03")
    with django_assert_num_queries(3):
        found = selectors.hall_get_public(code=hall.code)
        rows = [(w.number, [d.code for d in w.active_departments]) for w in found.active_windows]
    assert rows == [("01", sorted([first.code, second.code])), ("02", [])]
    listed = selectors.hall_list_public().get(pk=hall.pk)
    assert listed.window_count == 2
    with django_assert_num_queries(3):
        halls = list(selectors.halls_with_windows())
        _ = [d for h in halls for w in h.active_windows for d in w.active_departments]
    with pytest.raises(NotFound):
        selectors.hall_get_public(code="nope")


def test_service_points_by_region(city):
    county = selectors.region_children(parent=city).first()
    township = county.children.get()
    centre = ServicePointFactory(region=township)
    village_points = [
        ServicePointFactory(region=v, kind=ServicePoint.Kind.VILLAGE_POINT)
        for v in township.children.all()
    ]
    ServicePointFactory(region=township, is_active=False)
    elsewhere = ServicePointFactory()

    in_county = set(selectors.service_point_list_public(region=county))
    assert in_county == {centre, *village_points}
    assert elsewhere not in in_county
    assert set(selectors.service_point_list_public(region=township, include_subregions=False)) == {
        centre
    }
    assert set(
        selectors.service_point_list_public(region=county, kind=ServicePoint.Kind.VILLAGE_POINT)
    ) == set(village_points)
    assert list(selectors.service_points_near(region=county)) == [centre]
    assert set(selectors.service_points_near(region=township)) == {centre, *village_points}


def test_directory_search_finds_every_kind_case_insensitively():
    market = DepartmentFactory(
        name="测试市市场监督管理局",
        short_name="市场监管局",
        name_en="Administration for Market Regulation",
        functions="负责市场主体登记注册。",
        functions_en="Registers businesses.",
    )
    other = DepartmentFactory(name="测试市教育局", name_en="Education Bureau", functions="教育。")
    DepartmentFactory(name="停用的市场局", is_active=False)
    hall = ServiceHallFactory(name="市场大厦政务服务中心", name_en="Market Hall")
    point = ServicePointFactory(name="市场社区便民服务站", name_en="Market Community Station")

    result = selectors.directory_search(query="MARKET")
    assert result.departments == [market]
    assert result.halls == [hall]
    assert result.service_points == [point]
    assert result.total == 3
    assert not result.truncated
    limited = selectors.directory_search(query="market", limit=1)
    assert limited.department_count == 1 and limited.total == 3
    ServicePointFactory(name="另一个市场服务站")
    assert selectors.directory_search(query="市场", limit=1).truncated

    assert selectors.directory_search(query="登记注册").departments == [market]
    assert selectors.directory_search(query="market businesses").departments == [market]
    assert selectors.directory_search(query="market education").departments == []
    assert selectors.directory_search(query="市场监管局").departments == [market]
    assert other in selectors.directory_search(query="education").departments
    assert selectors.directory_search(query="   ").total == 0


def test_directory_search_within_region_and_query_count(django_assert_num_queries):
    region = RegionFactory()
    inside = DepartmentFactory(name="区内民政局", region=region)
    DepartmentFactory(name="区外民政局")
    with django_assert_num_queries(6):
        result = selectors.directory_search(query="民政", region=region)
    assert result.departments == [inside]
    assert result.department_count == 1


def test_staff_list_for_is_scoped(django_assert_num_queries):
    department = DepartmentFactory()
    colleague = StaffMemberFactory(department=department)
    StaffMemberFactory()
    admin = UserFactory()
    admin_staff = grant(admin, Position.Role.DEPARTMENT_ADMIN, department=department).staff
    grant(colleague.user, Position.Role.REVIEWER, department=department)

    with django_assert_num_queries(3):  # the policy's positions, staff, their positions
        staff = list(selectors.staff_list_for(user=admin))
        roles = {s.pk: [p.role for p in s.current_positions] for s in staff}
    assert set(staff) == {colleague, admin_staff}
    assert roles[colleague.pk] == [Position.Role.REVIEWER]

    assert list(selectors.staff_list_for(user=colleague.user)) == [colleague]
    assert selectors.staff_get_for(user=admin, pk=colleague.pk) == colleague
    with pytest.raises(NotFound):
        selectors.staff_get_for(user=colleague.user, pk=admin_staff.pk)


def test_departments_for_staff():
    department = DepartmentFactory()
    user = UserFactory()
    grant(user, Position.Role.REVIEWER, department=department)
    DepartmentFactory()
    assert list(selectors.departments_for_staff(user=user)) == [department]
