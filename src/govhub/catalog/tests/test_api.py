import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from govhub.catalog import selectors
from govhub.catalog.models import Audience, ImplementationItem, ItemVersion
from govhub.catalog.tests.factories import (
    ItemVersionFactory,
    LifeEventFactory,
    ThemeFactory,
    make_published_item,
)
from govhub.organizations.tests.factories import CityFactory, DepartmentFactory, RegionFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/catalog"

FULLY_ONLINE = {
    "online_depth": [1, 2, 3, 4, 5, 6],
    "visits_required": 0,
    "handling_forms": ["online"],
    "visits_reason": "",
}


def assert_envelope(response, status, code):
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert body["error"]["request_id"] == response["X-Request-ID"]
    return body["error"]


@pytest.fixture
def regions():
    city = CityFactory(code="930400")
    county = RegionFactory(parent=city, code="930421", name="北山县", name_en="Beishan County")
    return {"city": city, "county": county}


@pytest.fixture
def department(regions):
    return DepartmentFactory(
        region=regions["county"], code="bs-amr", name="北山县市场监督管理局", name_en="Beishan AMR"
    )


@pytest.fixture
def item(department):
    return make_published_item(
        department=department,
        name="食品经营许可证核发",
        name_en="Food business licence",
        audience=Audience.ENTERPRISE,
        charged=True,
        fee_basis="《测试收费办法》",
        fee_lines=[
            {
                "name": "工本费",
                "standard": "每本10元",
                "amount": "10",
                "basis": "",
                "reductions": "",
            }
        ],
        online_payment=True,
        intermediary_services=[
            {"name": "检测", "providers": ["甲公司"], "basis": "", "fee": "按市场价"}
        ],
        themes=[ThemeFactory(code="food", name="餐饮住宿", audience=Audience.ENTERPRISE)],
        life_events=[LifeEventFactory(code="open-shop", name="开餐馆", audience="enterprise")],
    )


SUMMARY_KEYS = {
    "implementation_code",
    "base_code",
    "name",
    "item_type",
    "audience",
    "department",
    "region",
    "case_kind",
    "promised_limit",
    "legal_limit",
    "visits_required",
    "charged",
    "handling_forms",
    "online_depth",
    "fully_online",
    "state",
    "version",
    "url",
}


def test_item_list_shape(client, item):
    response = client.get(f"{BASE}/items")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    first = body["items"][0]
    assert set(first) == SUMMARY_KEYS
    assert first["implementation_code"] == item.implementation_code
    assert first["name"] == "食品经营许可证核发"
    assert first["item_type"] == {"value": "01", "label": "行政许可"}
    assert first["department"] == {"code": "bs-amr", "name": "北山县市场监督管理局"}
    assert first["region"] == {"code": "930421", "name": "北山县"}
    assert first["promised_limit"] == {
        "value": 10,
        "unit": "working_days",
        "unit_label": "工作日",
        "text": "10 个工作日",
    }
    assert first["handling_forms"] == [
        {"value": "window", "label": "窗口办理"},
        {"value": "online", "label": "网上办理"},
    ]
    assert first["url"] == f"http://testserver/services/items/{item.implementation_code}/"

    english = client.get(f"{BASE}/items", HTTP_ACCEPT_LANGUAGE="en").json()["items"][0]
    assert english["name"] == "Food business licence"
    assert english["region"]["name"] == "Beishan County"


def test_item_list_filters(client, item, department, regions):
    fully = make_published_item(department=department, **FULLY_ONLINE)
    elsewhere = make_published_item(department=DepartmentFactory(region=regions["city"]))
    make_published_item(
        department=department,
        state=ImplementationItem.State.CANCELLED,
        change_effective_date=datetime.date(2026, 1, 1),
    )

    def codes(**params):
        return {
            i["implementation_code"] for i in client.get(f"{BASE}/items", params).json()["items"]
        }

    assert codes() == {
        item.implementation_code,
        fully.implementation_code,
        elsewhere.implementation_code,
    }
    assert codes(department="bs-amr") == {item.implementation_code, fully.implementation_code}
    assert codes(region="930421") == {item.implementation_code, fully.implementation_code}
    assert codes(theme="food") == {item.implementation_code}
    assert codes(life_event="open-shop") == {item.implementation_code}
    assert codes(audience="enterprise") == {item.implementation_code}
    assert codes(audience="person") == {fully.implementation_code, elsewhere.implementation_code}
    assert codes(fully_online="true") == {fully.implementation_code}
    assert codes(online_depth=5) == {fully.implementation_code}
    assert codes(item_type="20") == set()


def test_item_list_pagination(client, department):
    for _ in range(5):
        make_published_item(department=department)
    body = client.get(f"{BASE}/items", {"limit": 2, "offset": 4}).json()
    assert body["count"] == 5 and len(body["items"]) == 1
    assert client.get(f"{BASE}/items", {"offset": 10}).json() == {"count": 5, "items": []}


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"audience": "martian"},
        {"item_type": "99"},
        {"online_depth": 8},
        {"region": "12"},
    ],
)
def test_item_list_validation(client, params):
    error = assert_envelope(client.get(f"{BASE}/items", params), 422, "validation_error")
    assert set(error["fields"]) == set(params)


def test_item_list_query_uses_the_catalogue_search(client, item, department, monkeypatch):
    other = make_published_item(department=department)
    calls = []

    class FakeSearch:
        MAX_LIMIT = 100

        def search_items(self, **kwargs):
            calls.append(kwargs)
            return SimpleNamespace(
                count=7, hits=[SimpleNamespace(item=other), SimpleNamespace(item=item)]
            )

    monkeypatch.setattr(selectors, "_search", FakeSearch)
    body = client.get(f"{BASE}/items", {"q": "许可", "limit": 2, "audience": "enterprise"}).json()
    assert body["count"] == 7
    assert [i["implementation_code"] for i in body["items"]] == [
        other.implementation_code,
        item.implementation_code,
    ]
    assert calls[0]["query"] == "许可"
    assert calls[0]["audience"] == "enterprise"
    assert (calls[0]["limit"], calls[0]["offset"]) == (2, 0)

    # A filter the search does not know: the best matches narrowed by it.
    body = client.get(f"{BASE}/items", {"q": "许可", "life_event": "open-shop"}).json()
    assert [i["implementation_code"] for i in body["items"]] == [item.implementation_code]


@pytest.mark.parametrize("size", [2, 7])
def test_item_list_query_count(client, department, size, django_assert_num_queries):
    for _ in range(size):
        make_published_item(department=department)
    with django_assert_num_queries(2):
        body = client.get(f"{BASE}/items").json()
    assert body["count"] == size


def test_item_detail_is_the_full_guide(client, item):
    joint = DepartmentFactory(name="北山县卫生健康局")
    item.published_version.joint_departments.set([joint])
    body = client.get(f"{BASE}/items/{item.implementation_code}").json()
    assert set(body) > SUMMARY_KEYS
    assert body["conditions"] == [
        "申请人具有完全民事行为能力。",
        "申请人在本行政区域内有固定住所。",
    ]
    first = body["materials"][0]
    assert first["name"] == "申请表"
    assert first["kind"] == {"value": "original", "label": "原件"}
    assert (
        first["blank_form_url"] == "http://testserver/media/catalog/forms/2026/application-form.pdf"
    )
    assert body["materials"][1]["blank_form_url"] is None
    assert body["materials"][1]["licence_type"] == "居民身份证"
    assert [s["name"] for s in body["steps"]] == ["受理", "审查", "决定", "办结"]
    assert body["steps"][1]["limit"]["text"] == "5 个工作日"
    assert body["fees"]["charged"] and body["fees"]["lines"][0]["standard"] == "每本10元"
    assert body["intermediary_services"][0]["providers"] == ["甲公司"]
    assert body["joint_departments"] == [{"code": joint.code, "name": "北山县卫生健康局"}]
    assert body["themes"] == [{"code": "food", "name": "餐饮住宿", "audience": "enterprise"}]
    assert body["legal_basis"][0]["law"] == "中华人民共和国行政许可法"
    assert body["faqs"][0]["question"] == "可以委托他人办理吗？"
    assert body["form_schema"]["required"] == ["applicant_name", "phone"]
    assert body["published_version"]["number"] == 1 and body["published_version"]["current"]
    assert body["notice"] is None
    assert body["channels"] == {"online_application": True, "booking": True}
    assert body["links"]["pdf"].endswith(f"/services/items/{item.implementation_code}/guide.pdf")
    assert body["place"]["consultation_phone"] == "0468-3000001"


def test_item_detail_of_a_handed_down_item_carries_the_notice(client, department, regions):
    item = make_published_item(
        department=department,
        state=ImplementationItem.State.HANDED_DOWN,
        change_effective_date=datetime.date(2026, 6, 1),
        change_reason="下放至县级实施。",
        handed_down_to=regions["county"],
    )
    body = client.get(f"{BASE}/items/{item.implementation_code}").json()
    assert body["notice"] == {
        "state": {"value": "handed_down", "label": "已下放"},
        "effective_date": "2026-06-01",
        "reason": "下放至县级实施。",
        "handed_down_to": {"code": "930421", "name": "北山县"},
    }
    assert body["channels"] == {"online_application": False, "booking": False}


def test_item_detail_404_envelope(client, department):
    assert_envelope(client.get(f"{BASE}/items/NOPE"), 404, "not_found")
    draft = make_published_item(department=department, status=ItemVersion.Status.DRAFT)
    assert_envelope(client.get(f"{BASE}/items/{draft.implementation_code}"), 404, "not_found")
    error = assert_envelope(
        client.get(f"{BASE}/items/NOPE", HTTP_ACCEPT_LANGUAGE="en"), 404, "not_found"
    )
    assert error["message"]


def _republish(item, **fields):
    old = item.published_version
    old.status = ItemVersion.Status.SUPERSEDED
    old.save(update_fields=["status"])
    new = ItemVersionFactory(
        item=item,
        number=old.number + 1,
        status=ItemVersion.Status.PUBLISHED,
        published_at=timezone.now(),
        **fields,
    )
    item.published_version = new
    item.save(update_fields=["published_version"])
    return new


def test_item_versions(client, item):
    _republish(item, change_note="调整时限")
    ItemVersionFactory(item=item, number=3, change_note="草稿")
    body = client.get(f"{BASE}/items/{item.implementation_code}/versions").json()
    assert body["count"] == 2
    assert [(v["number"], v["status"]["value"], v["current"]) for v in body["items"]] == [
        (2, "published", True),
        (1, "superseded", False),
    ]
    assert body["items"][0]["change_note"] == "调整时限"
    assert body["items"][1]["url"].endswith(
        f"/services/items/{item.implementation_code}/versions/1/"
    )
    assert_envelope(client.get(f"{BASE}/items/NOPE/versions"), 404, "not_found")


@pytest.mark.parametrize("size", [1, 4])
def test_item_versions_query_count(client, item, size, django_assert_num_queries):
    for _ in range(size):
        _republish(item)
    with django_assert_num_queries(3):  # the item, count, page
        body = client.get(f"{BASE}/items/{item.implementation_code}/versions").json()
    assert body["count"] == size + 1


def test_department_items(client, item, department):
    make_published_item()  # another department
    body = client.get(f"{BASE}/departments/{department.code}/items").json()
    assert [i["implementation_code"] for i in body["items"]] == [item.implementation_code]
    assert_envelope(client.get(f"{BASE}/departments/nope/items"), 404, "not_found")


@pytest.mark.parametrize("size", [1, 5])
def test_department_items_query_count(client, department, size, django_assert_num_queries):
    for _ in range(size):
        make_published_item(department=department)
    with django_assert_num_queries(3):  # the department, count, page
        body = client.get(f"{BASE}/departments/{department.code}/items").json()
    assert body["count"] == size


def test_themes_and_life_events(client, item):
    ThemeFactory(code="birth", name="生育收养", name_en="Birth and adoption")
    body = client.get(f"{BASE}/themes").json()
    assert {t["code"]: t["item_count"] for t in body} == {"food": 1, "birth": 0}
    by_code = {t["code"]: t for t in body}
    assert by_code["birth"]["audience"] == {"value": "person", "label": "自然人"}
    english = client.get(f"{BASE}/themes", {"audience": "person"}, HTTP_ACCEPT_LANGUAGE="en")
    assert [t["name"] for t in english.json()] == ["Birth and adoption"]
    events = client.get(f"{BASE}/life-events").json()
    assert events == [
        {
            "code": "open-shop",
            "name": "开餐馆",
            "audience": {"value": "enterprise", "label": "法人"},
            "description": "测试用的人生事件。",
            "item_count": 1,
        }
    ]
    assert_envelope(client.get(f"{BASE}/themes", {"audience": "x"}), 422, "validation_error")


@pytest.mark.parametrize("size", [1, 6])
def test_theme_and_life_event_query_counts(client, size, django_assert_num_queries):
    for _ in range(size):
        make_published_item(themes=[ThemeFactory()], life_events=[LifeEventFactory()])
    with django_assert_num_queries(2):
        assert len(client.get(f"{BASE}/themes").json()) == size
    with django_assert_num_queries(2):
        assert len(client.get(f"{BASE}/life-events").json()) == size
