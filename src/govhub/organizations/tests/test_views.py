from html.parser import HTMLParser

import pytest
from django.urls import reverse

from govhub.organizations.models import ServicePoint
from govhub.organizations.tests.factories import (
    CityFactory,
    DepartmentFactory,
    RegionFactory,
    ServiceHallFactory,
    ServicePointFactory,
    TownshipFactory,
    VillageFactory,
    WindowFactory,
)

pytestmark = pytest.mark.django_db


class Outline(HTMLParser):
    """Headings (all, and those inside <main>) and table header cells of a page."""

    def __init__(self):
        super().__init__()
        self.headings, self.main_headings, self.header_cells = [], [], []
        self.in_main = 0

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.in_main += 1
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self.headings.append(int(tag[1]))
            if self.in_main:
                self.main_headings.append(int(tag[1]))
        if tag == "th":
            self.header_cells.append(dict(attrs).get("scope"))

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main -= 1


def assert_accessible(response):
    outline = Outline()
    outline.feed(response.content.decode())
    assert outline.headings.count(1) == 1, outline.headings
    assert outline.main_headings[0] == 1
    for previous, current in zip(outline.main_headings, outline.main_headings[1:], strict=False):
        assert current <= previous + 1, outline.main_headings
    assert all(scope in ("col", "row") for scope in outline.header_cells)
    return outline


@pytest.fixture
def city(settings):
    province = RegionFactory(name="黑龙江省", name_en="Heilongjiang Province", level=1)
    city = CityFactory(parent=province, name="鹤岗市", name_en="Hegang City")
    settings.GOVHUB_CITY_REGION_CODE = city.code
    return city


@pytest.fixture
def directory(city):
    county = RegionFactory(parent=city, name="萝北县", name_en="Luobei County")
    township = TownshipFactory(parent=county, name="凤翔镇", name_en="Fengxiang Town")
    village = VillageFactory(parent=township, name="永丰村", name_en="Yongfeng Village")
    amr = DepartmentFactory(
        region=city,
        code="hg-amr",
        name="鹤岗市市场监督管理局",
        name_en="Hegang Administration for Market Regulation",
        short_name="市市场监管局",
        functions="负责市场主体登记注册。",
        functions_en="Registers businesses.",
        phone="0468-3600888",
        sort_order=1,
    )
    county_gov = DepartmentFactory(region=county, name="萝北县人民政府", code="luobei-gov")
    hall = ServiceHallFactory(
        region=city,
        code="hg-city-hall",
        name="鹤岗市政务服务中心",
        name_en="Hegang Government Service Hall",
    )
    WindowFactory(
        hall=hall,
        number="04",
        name="市场监管窗口",
        name_en="Market Regulation Window",
        kind="dedicated",
        departments=[amr],
    )
    centre = ServicePointFactory(region=township, name="凤翔镇便民服务中心")
    point = ServicePointFactory(
        region=village, name="永丰村便民服务代办点", kind=ServicePoint.Kind.VILLAGE_POINT
    )
    return {
        "county": county,
        "township": township,
        "village": village,
        "amr": amr,
        "county_gov": county_gov,
        "hall": hall,
        "centre": centre,
        "point": point,
    }


def test_directory_lists_departments_grouped_by_region(
    client, directory, django_assert_num_queries
):
    url = reverse("organizations:directory")
    assert url == "/directory/"
    with django_assert_num_queries(3):  # region choices, count, page
        response = client.get(url)
    assert response.status_code == 200
    assert_accessible(response)
    html = response.content.decode()
    assert "鹤岗市市场监督管理局" in html and "萝北县人民政府" in html
    assert html.index(">鹤岗市</a></h2>") < html.index(">萝北县</a></h2>")
    assert "0468-3600888" in html
    assert 'name="q"' in html and 'name="region"' in html


def test_directory_region_filter(client, directory):
    response = client.get("/directory/", {"region": directory["county"].code})
    html = response.content.decode()
    assert "萝北县人民政府" in html
    assert "鹤岗市市场监督管理局" not in html


def test_directory_bad_input_gets_a_clear_error(client, directory):
    response = client.get("/directory/", {"region": "999999"})
    assert response.status_code == 200
    assert "请选择列表中的区划。" in response.content.decode()
    assert "鹤岗市市场监督管理局" in response.content.decode()
    response = client.get("/directory/", {"q": "长" * 101})
    assert 'role="alert"' in response.content.decode()


def test_directory_search_lists_departments_halls_and_points(
    client, directory, django_assert_num_queries
):
    ServicePointFactory(region=directory["village"], name="市场社区便民服务站")
    with django_assert_num_queries(7):  # region choices + 3 × (count, rows)
        response = client.get("/directory/", {"q": "市场"})
    assert_accessible(response)
    html = response.content.decode()
    assert "搜索结果" in html
    assert "鹤岗市市场监督管理局" in html
    assert "市场社区便民服务站" in html
    assert "萝北县人民政府" not in html

    empty = client.get("/directory/", {"q": "不存在的机构"})
    assert "找到 0 个" in empty.content.decode()


def test_search_in_english_is_case_insensitive(client, directory):
    response = client.get("/directory/", {"q": "market"}, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "Hegang Administration for Market Regulation" in html
    assert "Hegang Government Service Hall" not in html  # its names do not mention markets


def test_department_detail(client, directory, django_assert_num_queries):
    url = reverse("organizations:department_detail", args=["hg-amr"])
    assert url == "/directory/departments/hg-amr/"
    with django_assert_num_queries(3):  # department + windows, ancestors
        response = client.get(url)
    assert response.status_code == 200
    outline = assert_accessible(response)
    assert outline.header_cells  # the windows table
    html = response.content.decode()
    assert "负责市场主体登记注册。" in html
    assert 'href="tel:0468-3600888"' in html
    assert "鹤岗市政务服务中心" in html and "市场监管窗口" in html
    assert directory["amr"].uscc in html
    assert 'lang="en">Hegang Administration for Market Regulation' in html


def test_department_detail_in_english(client, directory):
    response = client.get("/directory/departments/hg-amr/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "<h1>Hegang Administration for Market Regulation</h1>" in html
    assert "Registers businesses." in html
    assert 'lang="zh-Hans">鹤岗市市场监督管理局' in html


def test_department_detail_without_published_details(client, directory):
    DepartmentFactory(
        code="quiet", functions="", functions_en="", address="", office_hours="", phone=""
    )
    url = "/directory/departments/quiet/"
    html = client.get(url).content.decode()
    assert "该部门暂未公布主要职能。" in html
    assert html.count("<dd>暂未公布</dd>") == 3  # address, office hours, phone
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This department has not published its functions yet." in english
    assert english.count("<dd>Not published yet</dd>") == 3


def test_region_detail_headings_are_plural_in_english(client, directory):
    def english(region):
        url = reverse("organizations:region_detail", args=[region.code])
        return client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    city = english(directory["hall"].region)
    assert '<h2 id="departments-heading">Departments</h2>' in city
    assert '<h2 id="halls-heading">Government service halls</h2>' in city
    county = english(directory["county"])
    assert '<h2 id="points-heading">Local service points</h2>' in county


def test_unknown_or_inactive_pages_are_404(client, directory):
    DepartmentFactory(code="closed", is_active=False)
    for url in (
        "/directory/departments/nope/",
        "/directory/departments/closed/",
        "/directory/regions/000000/",
        "/directory/halls/nope/",
    ):
        assert client.get(url).status_code == 404


def test_region_detail(client, directory, django_assert_num_queries):
    county = directory["county"]
    url = reverse("organizations:region_detail", args=[county.code])
    with django_assert_num_queries(6):  # region, ancestors, departments, halls, children, points
        response = client.get(url)
    assert_accessible(response)
    html = response.content.decode()
    assert "<h1>萝北县</h1>" in html
    assert "萝北县人民政府" in html
    assert "凤翔镇" in html and "凤翔镇便民服务中心" in html

    township = client.get(reverse("organizations:region_detail", args=[directory["township"].code]))
    assert_accessible(township)
    assert "永丰村便民服务代办点" in township.content.decode()


def test_hall_detail(client, directory, django_assert_num_queries):
    url = reverse("organizations:hall_detail", args=["hg-city-hall"])
    with django_assert_num_queries(4):  # hall, windows, their departments, ancestors
        response = client.get(url)
    assert_accessible(response)
    html = response.content.decode()
    assert "<h1>鹤岗市政务服务中心</h1>" in html
    assert '<th scope="row">04</th>' in html
    assert "鹤岗市市场监督管理局" in html
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Market Regulation Window" in english
