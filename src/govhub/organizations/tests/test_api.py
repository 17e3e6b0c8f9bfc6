import pytest

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
BASE = "/api/v1/organizations"


@pytest.fixture
def city():
    city = CityFactory(name="鹤岗市", name_en="Hegang City")
    county = RegionFactory(parent=city, name="萝北县", name_en="Luobei County")
    township = TownshipFactory(parent=county, name="凤翔镇", name_en="Fengxiang Town")
    VillageFactory(parent=township)
    return city


def assert_envelope(response, status, code):
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert body["error"]["request_id"] == response["X-Request-ID"]
    return body["error"]


# --- regions -------------------------------------------------------------------------------


def test_region_list_shape_and_filters(client, city):
    response = client.get(f"{BASE}/regions")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert body["items"][0] == {
        "code": city.code,
        "name": "鹤岗市",
        "level": 2,
        "level_label": "市级",
        "parent_code": None,
    }
    county = body["items"][1]
    assert county["parent_code"] == city.code

    children = client.get(f"{BASE}/regions", {"parent": city.code}).json()
    assert [item["name"] for item in children["items"]] == ["萝北县"]
    villages = client.get(f"{BASE}/regions", {"level": 5}).json()
    assert villages["count"] == 1 and villages["items"][0]["level"] == 5


def test_region_list_validation(client, city):
    error = assert_envelope(
        client.get(f"{BASE}/regions", {"parent": "12"}), 422, "validation_error"
    )
    assert "parent" in error["fields"]
    error = assert_envelope(
        client.get(f"{BASE}/regions", {"parent": "999999999999"}), 422, "validation_error"
    )
    assert error["fields"]["parent"] == ["找不到该行政区划。"]
    assert_envelope(client.get(f"{BASE}/regions", {"level": 9}), 422, "validation_error")


def test_region_detail(client, city):
    county = city.children.get()
    body = client.get(f"{BASE}/regions/{county.code}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["name"] == "Luobei County"
    assert body["ancestors"] == [{"code": city.code, "name": "Hegang City"}]
    assert [c["name"] for c in body["children"]] == ["Fengxiang Town"]
    assert_envelope(client.get(f"{BASE}/regions/000000"), 404, "not_found")


# --- departments ---------------------------------------------------------------------------


def test_department_list_shape_filters_and_language(client, city):
    county = city.children.get()
    amr = DepartmentFactory(
        region=city,
        name="鹤岗市市场监督管理局",
        name_en="Hegang Administration for Market Regulation",
        short_name="市市场监管局",
        sort_order=1,
    )
    DepartmentFactory(region=county, name="萝北县人民政府", kind="government", sort_order=1)
    DepartmentFactory(region=city, is_active=False)

    body = client.get(f"{BASE}/departments").json()
    assert body["count"] == 2
    first = body["items"][0]
    assert set(first) == {
        "code",
        "name",
        "short_name",
        "kind",
        "kind_label",
        "uscc",
        "region_code",
        "region_name",
        "address",
        "office_hours",
        "phone",
        "website",
    }
    assert first["code"] == amr.code and first["name"] == "鹤岗市市场监督管理局"
    assert first["phone"] == amr.phone  # public, never masked

    english = client.get(f"{BASE}/departments", {"q": "MARKET"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert [d["name"] for d in english["items"]] == ["Hegang Administration for Market Regulation"]
    assert english["items"][0]["region_name"] == city.name_en

    assert client.get(f"{BASE}/departments", {"kind": "government"}).json()["count"] == 1
    assert client.get(f"{BASE}/departments", {"region": county.code}).json()["count"] == 1
    assert client.get(f"{BASE}/departments", {"region": city.code}).json()["count"] == 2
    assert (
        client.get(
            f"{BASE}/departments", {"region": city.code, "include_subregions": "false"}
        ).json()["count"]
        == 1
    )
    error = assert_envelope(
        client.get(f"{BASE}/departments", {"kind": "bogus"}), 422, "validation_error"
    )
    assert "kind" in error["fields"]
    assert_envelope(client.get(f"{BASE}/departments", {"q": "x" * 101}), 422, "validation_error")


def test_department_pagination(client, city):
    codes = [DepartmentFactory(region=city, sort_order=i).code for i in range(5)]
    page = client.get(f"{BASE}/departments", {"limit": 2, "offset": 2}).json()
    assert page["count"] == 5
    assert [d["code"] for d in page["items"]] == codes[2:4]
    past_end = client.get(f"{BASE}/departments", {"limit": 2, "offset": 10}).json()
    assert past_end == {"count": 5, "items": []}
    for bad in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "x"}):
        assert_envelope(client.get(f"{BASE}/departments", bad), 422, "validation_error")


def test_department_detail(client, city):
    department = DepartmentFactory(region=city, functions="负责测试。", functions_en="Tests.")
    hall = ServiceHallFactory(region=city)
    WindowFactory(hall=hall, number="04", departments=[department])
    body = client.get(f"{BASE}/departments/{department.code}").json()
    assert body["functions"] == "负责测试。"
    assert body["windows"] == [
        {
            "hall": {"code": hall.code, "name": hall.name},
            "number": "04",
            "name": body["windows"][0]["name"],
            "kind": "comprehensive",
            "kind_label": "综合受理窗口",
        }
    ]
    assert body["halls"] == [{"code": hall.code, "name": hall.name}]
    english = client.get(f"{BASE}/departments/{department.code}", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["functions"] == "Tests."


def test_department_404_envelope(client):
    error = assert_envelope(client.get(f"{BASE}/departments/no-such"), 404, "not_found")
    assert error["message"] == "找不到所请求的内容。"
    inactive = DepartmentFactory(is_active=False)
    assert_envelope(client.get(f"{BASE}/departments/{inactive.code}"), 404, "not_found")


# --- halls ---------------------------------------------------------------------------------


def test_hall_list_and_detail(client, city):
    county = city.children.get()
    hall = ServiceHallFactory(region=city)
    ServiceHallFactory(region=county)
    ServiceHallFactory(is_active=False)
    served = DepartmentFactory(region=city)
    WindowFactory(hall=hall, number="01", departments=[served])
    WindowFactory(hall=hall, number="02", is_active=False)

    body = client.get(f"{BASE}/halls").json()
    assert body["count"] == 2
    first = body["items"][0]
    assert first["code"] == hall.code
    assert first["window_count"] == 1
    assert first["operator"] == {"code": hall.operator.code, "name": hall.operator.name}
    assert client.get(f"{BASE}/halls", {"region": county.code}).json()["count"] == 1

    detail = client.get(f"{BASE}/halls/{hall.code}").json()
    assert [w["number"] for w in detail["windows"]] == ["01"]
    assert detail["windows"][0]["departments"] == [{"code": served.code, "name": served.name}]
    assert_envelope(client.get(f"{BASE}/halls/nope"), 404, "not_found")


# --- service points ------------------------------------------------------------------------


def test_service_point_list(client, city):
    township = city.children.get().children.get()
    village = township.children.get()
    centre = ServicePointFactory(region=township)
    ServicePointFactory(region=village, kind=ServicePoint.Kind.VILLAGE_POINT)
    ServicePointFactory()  # elsewhere

    body = client.get(f"{BASE}/service-points", {"region": city.code}).json()
    assert body["count"] == 2
    assert body["items"][0]["code"] == centre.code
    assert set(body["items"][0]) == {
        "code",
        "name",
        "kind",
        "kind_label",
        "region_code",
        "region_name",
        "address",
        "office_hours",
        "phone",
    }
    villages = client.get(f"{BASE}/service-points", {"region": city.code, "kind": "village"}).json()
    assert villages["count"] == 1
    assert_envelope(
        client.get(f"{BASE}/service-points", {"kind": "castle"}), 422, "validation_error"
    )
    page = client.get(f"{BASE}/service-points", {"limit": 1, "offset": 1}).json()
    assert page["count"] == 3 and len(page["items"]) == 1


# --- query counts: the same whatever the amount of data --------------------------------------


def _bulk(city, n):
    county = city.children.get()
    township = county.children.get()
    for _ in range(n):
        department = DepartmentFactory(region=county)
        hall = ServiceHallFactory(region=county, operator=department)
        WindowFactory(hall=hall, departments=[department])
        ServicePointFactory(region=township)


@pytest.mark.parametrize(
    ("path", "params", "queries"),
    [
        ("regions", {}, 2),
        ("regions", {"parent": "PARENT"}, 3),
        ("departments", {}, 2),
        ("departments", {"region": "CITY", "q": "测试"}, 3),
        ("halls", {}, 2),
        ("halls", {"region": "CITY"}, 3),
        ("service-points", {}, 2),
        ("service-points", {"region": "CITY", "kind": "township"}, 3),
    ],
)
def test_list_query_counts_are_pinned(
    client, city, django_assert_num_queries, path, params, queries
):
    params = {
        key: {"CITY": city.code, "PARENT": city.code}.get(value, value)
        for key, value in params.items()
    }
    for n in (1, 6):
        _bulk(city, n)
        with django_assert_num_queries(queries):
            response = client.get(f"{BASE}/{path}", params)
        assert response.status_code == 200
        assert response.json()["items"]


@pytest.mark.parametrize(("kind", "queries"), [("departments", 2), ("halls", 3), ("regions", 3)])
def test_detail_query_counts_are_pinned(client, city, django_assert_num_queries, kind, queries):
    _bulk(city, 3)
    department = DepartmentFactory(region=city)
    hall = ServiceHallFactory(region=city)
    for _ in range(3):
        WindowFactory(hall=hall, departments=[department, DepartmentFactory()])
    county = city.children.get()
    code = {"departments": department.code, "halls": hall.code, "regions": county.code}[kind]
    with django_assert_num_queries(queries):
        response = client.get(f"{BASE}/{kind}/{code}")
    assert response.status_code == 200
