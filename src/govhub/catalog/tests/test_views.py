import datetime
import re

import pytest
from django.utils import timezone

from govhub.catalog.models import Audience, ImplementationItem, ItemVersion
from govhub.catalog.tests.factories import (
    ItemVersionFactory,
    LifeEventFactory,
    ThemeFactory,
    make_published_item,
)
from govhub.organizations.tests.factories import CityFactory, DepartmentFactory, RegionFactory

pytestmark = pytest.mark.django_db

FULLY_ONLINE = {
    "online_depth": [1, 2, 3, 4, 5, 6],
    "visits_required": 0,
    "handling_forms": ["online"],
    "visits_reason": "",
}


@pytest.fixture
def city(settings):
    city = CityFactory(code="930400", name="测试市", name_en="Test City")
    settings.GOVHUB_CITY_REGION_CODE = city.code
    return city


@pytest.fixture
def county(city):
    return RegionFactory(parent=city, code="930421", name="北山县", name_en="Beishan County")


@pytest.fixture
def department(county):
    return DepartmentFactory(
        region=county,
        code="bs-amr",
        name="北山县市场监督管理局",
        name_en="Beishan County Administration for Market Regulation",
    )


@pytest.fixture
def item(department):
    item = make_published_item(
        department=department,
        name="食品经营许可证核发",
        name_en="Food business licence",
        audience=Audience.ENTERPRISE,
        summary="在本县从事食品销售和餐饮服务活动的，应当取得食品经营许可。",
        charged=True,
        fee_basis="《测试收费办法》",
        fee_lines=[
            {
                "name": "证书工本费",
                "standard": "每本10元",
                "amount": "10",
                "basis": "《测试收费标准》",
                "reductions": "小微企业免收",
            }
        ],
        online_payment=True,
        special_procedures=[
            {
                "name": "现场核查",
                "kind": "inspection",
                "limit_value": 5,
                "limit_unit": "working_days",
                "note": "对经营场所进行现场核查",
            }
        ],
        intermediary_services=[
            {"name": "场所卫生检测", "providers": ["甲检测公司"], "basis": "", "fee": "按市场价"}
        ],
        change_note="首次发布",
        themes=[ThemeFactory(code="food", name="餐饮住宿", audience=Audience.ENTERPRISE)],
        life_events=[LifeEventFactory(code="open-shop", name="开餐馆", audience="enterprise")],
    )
    return item


def h1s(content: str) -> list[str]:
    return re.findall(r"<h1[^>]*>(.*?)</h1>", content, flags=re.S)


def test_landing_lists_themes_events_departments_regions_and_search(client, item, county):
    ThemeFactory(code="birth", name="生育收养", audience=Audience.PERSON)
    response = client.get("/services/")
    content = response.content.decode()
    assert response.status_code == 200
    assert h1s(content) == ["办事服务"]
    assert 'action="/services/search/"' in content
    for href in (
        "/services/themes/food/",
        "/services/themes/birth/",
        "/services/life-events/open-shop/",
        f"/services/departments/{item.department.code}/",
        f"/services/regions/{county.code}/",
        "/services/persons/",
        "/services/enterprises/",
        "/services/intermediaries/",
    ):
        assert f'href="{href}"' in content, href
    assert "法人办事主题" in content and "个人办事主题" in content


def test_landing_without_items_explains_it(client, city):
    content = client.get("/services/").content.decode()
    assert "事项目录尚未公布" in content


@pytest.mark.parametrize(
    "url",
    [
        "/services/themes/food/",
        "/services/life-events/open-shop/",
        "/services/departments/bs-amr/",
        "/services/regions/930421/",
        "/services/regions/930400/",
        "/services/enterprises/",
    ],
)
def test_browse_pages_list_the_item(client, item, url):
    response = client.get(url)
    content = response.content.decode()
    assert response.status_code == 200
    assert len(h1s(content)) == 1
    assert f'href="/services/items/{item.implementation_code}/"' in content
    assert "共 1 个事项" in content


def test_persons_page_excludes_enterprise_items(client, item):
    content = client.get("/services/persons/").content.decode()
    assert item.implementation_code not in content
    assert "共 0 个事项" in content


@pytest.mark.parametrize(
    "url",
    [
        "/services/themes/nope/",
        "/services/life-events/nope/",
        "/services/departments/nope/",
        "/services/regions/000000/",
        "/services/items/NOPE/",
        "/services/items/NOPE/versions/",
        "/services/items/NOPE/versions/1/",
        "/services/items/NOPE/guide.pdf",
    ],
)
def test_unknown_things_are_404(client, city, url):
    assert client.get(url).status_code == 404


def test_list_filters(client, item, department):
    fully = make_published_item(department=department, name="全程网办的事项", **FULLY_ONLINE)
    url = f"/services/departments/{department.code}/"
    content = client.get(url, {"online": "fully"}).content.decode()
    assert fully.implementation_code in content
    assert item.implementation_code not in content
    assert "清除筛选" in content

    content = client.get(url, {"online": "4"}).content.decode()
    assert fully.implementation_code in content and item.implementation_code in content

    content = client.get("/services/themes/food/", {"region": "930421"}).content.decode()
    assert item.implementation_code in content

    content = client.get(url, {"online": "9"}).content.decode()
    assert "请选择列表中的选项。" in content


def test_list_paginates_and_keeps_filters(client, department):
    for n in range(21):
        make_published_item(department=department, name=f"事项{n}")
    content = client.get("/services/enterprises/", {"online": "1"}).content.decode()
    assert "共 0 个事项" in content  # factory items are for persons
    content = client.get("/services/persons/", {"online": "1"}).content.decode()
    assert "共 21 个事项" in content
    assert 'href="?online=1&amp;page=2"' in content
    page2 = client.get("/services/persons/", {"online": "1", "page": 2}).content.decode()
    assert page2.count('class="card item-card"') == 1


@pytest.mark.parametrize("size", [3, 8])
def test_list_page_query_count_is_constant(client, department, size, django_assert_num_queries):
    for n in range(size):
        make_published_item(department=department, name=f"事项{n}")
    # filter choices: regions with counts (2), departments with counts (2); the page's
    # themes with counts (2); the list: count and page (2).
    with django_assert_num_queries(8):
        response = client.get("/services/persons/")
    assert response.status_code == 200


def test_guide_shows_every_part_in_order(client, item):
    response = client.get(f"/services/items/{item.implementation_code}/")
    content = response.content.decode()
    assert response.status_code == 200
    assert h1s(content) == ["食品经营许可证核发"]
    headings = re.findall(r'<h2 id="([a-z]+)-heading"', content)
    assert headings == [
        "glance",
        "conditions",
        "materials",
        "steps",
        "fees",
        "where",
        "result",
        "intermediary",
        "basis",
        "remedy",
        "faq",
        "version",
        "toc",
    ]
    for text in (
        "承诺件",
        "10 个工作日",
        "法定时限：20 个工作日",
        "申请人具有完全民事行为能力。",
        "每本10元",
        "小微企业免收",
        "支持网上缴费",
        "现场核查",
        "场所卫生检测",
        "甲检测公司",
        "中华人民共和国行政许可法",
        "六十日内申请行政复议",
        "可以委托他人办理吗？",
        "测试市政务服务中心一楼综合受理区",
        "首次发布",
        "北山县市场监督管理局",
    ):
        assert text in content, text
    assert '<th scope="row"><span class="materials__no">1.</span> 申请表' in content
    assert 'href="/media/catalog/forms/2026/application-form.pdf"' in content
    assert f'href="/services/items/{item.implementation_code}/versions/"' in content
    assert f'href="/services/items/{item.implementation_code}/guide.pdf"' in content
    # Entry points only as information while online applications are not open.
    assert "本事项支持网上办理" in content
    assert "本事项支持预约办理" in content


def test_guide_without_online_or_booking_shows_no_entry_points(client, department):
    item = make_published_item(
        department=department,
        handling_forms=["window"],
        online_depth=[],
        booking_available=False,
    )
    content = client.get(f"/services/items/{item.implementation_code}/").content.decode()
    assert "本事项支持网上办理" not in content
    assert "本事项支持预约办理" not in content
    assert "不支持网上办理" in content
    assert "本事项不收取任何费用。" in content


def test_cancelled_guide_shows_the_public_notice(client, department):
    item = make_published_item(
        department=department,
        state=ImplementationItem.State.CANCELLED,
        change_effective_date=datetime.date(2026, 5, 1),
        change_reason="上位法取消了该项许可。",
    )
    content = client.get(f"/services/items/{item.implementation_code}/").content.decode()
    assert "本事项已取消" in content
    assert "自 2026-05-01 起，本事项不再办理。" in content
    assert "上位法取消了该项许可。" in content
    assert "本事项支持网上办理" not in content
    assert "本事项支持预约办理" not in content


def test_handed_down_guide_says_where_it_went(client, department, county):
    item = make_published_item(
        department=department,
        state=ImplementationItem.State.HANDED_DOWN,
        change_effective_date=datetime.date(2026, 6, 1),
        change_reason="按照放管服改革要求下放。",
        handed_down_to=county,
    )
    content = client.get(f"/services/items/{item.implementation_code}/").content.decode()
    assert "本事项已下放" in content
    assert "本事项已下放至北山县。" in content
    assert 'href="/services/regions/930421/"' in content


def test_version_history_and_old_versions(client, item):
    v1 = item.published_version
    v1.status = ItemVersion.Status.SUPERSEDED
    v1.save(update_fields=["status"])
    v2 = ItemVersionFactory(
        item=item,
        number=2,
        status=ItemVersion.Status.PUBLISHED,
        published_at=timezone.now(),
        change_note="缩短承诺时限",
        promised_limit_value=5,
    )
    item.published_version = v2
    item.save(update_fields=["published_version"])
    ItemVersionFactory(item=item, number=3, change_note="尚未发布的草稿")

    content = client.get(f"/services/items/{item.implementation_code}/versions/").content.decode()
    assert "缩短承诺时限" in content and "首次发布" in content
    assert "尚未发布的草稿" not in content
    assert f'href="/services/items/{item.implementation_code}/versions/1/"' in content
    assert "现行版本" in content

    old = client.get(f"/services/items/{item.implementation_code}/versions/1/")
    old_content = old.content.decode()
    assert old.status_code == 200
    assert "您正在查看第 1 版办事指南" in old_content
    assert "10 个工作日" in old_content
    current = client.get(f"/services/items/{item.implementation_code}/").content.decode()
    assert "5 个工作日" in current and "您正在查看第" not in current
    assert client.get(f"/services/items/{item.implementation_code}/versions/3/").status_code == 404


def test_guide_in_english_uses_english_names(client, item):
    content = client.get(
        f"/services/items/{item.implementation_code}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert '<html lang="en"' in content
    assert h1s(content) == ["Food business licence"]
    assert '<p class="other-name" lang="zh-Hans">食品经营许可证核发</p>' in content
    assert "Beishan County Administration for Market Regulation" in content


def test_guide_query_count_is_fixed(client, item, django_assert_num_queries):
    with django_assert_num_queries(6):
        assert client.get(f"/services/items/{item.implementation_code}/").status_code == 200


def test_intermediaries_page(client, item):
    response = client.get("/services/intermediaries/")
    content = response.content.decode()
    assert h1s(content) == ["中介服务"]
    assert "场所卫生检测" in content and "甲检测公司" in content
    assert f'href="/services/items/{item.implementation_code}/"' in content


def test_guide_page_loads_the_print_stylesheet(client, item):
    content = client.get(f"/services/items/{item.implementation_code}/").content.decode()
    assert "catalog/catalog.css" in content


@pytest.mark.parametrize("size", [1, 4])
def test_landing_query_count_is_constant(client, city, size, django_assert_num_queries):
    for n in range(size):
        make_published_item(
            department=DepartmentFactory(region=city),
            themes=[ThemeFactory()],
            life_events=[LifeEventFactory()],
            name=f"事项{n}",
        )
    # Themes, life events, departments and regions, each with their counts (2 each).
    with django_assert_num_queries(8):
        assert client.get("/services/").status_code == 200
