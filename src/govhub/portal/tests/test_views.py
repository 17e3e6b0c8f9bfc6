import re

import pytest
from django.urls import reverse

from govhub.catalog.selectors import catalog_changed
from govhub.catalog.tests.factories import ThemeFactory, make_published_item
from govhub.organizations.models import ServiceHall
from govhub.portal.tests.conftest import make_department


def _main(html: str) -> str:
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


@pytest.mark.django_db
def test_home_shows_city_departments_regions_and_hall(client, city_data):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    main = _main(html)
    for department in city_data.departments:
        url = reverse("organizations:department_detail", args=[department.code])
        assert f'href="{url}"' in main
        assert department.name in main
    for county in city_data.counties:
        assert f'href="{reverse("organizations:region_detail", args=[county.code])}"' in main
        assert county.name in main
    assert f'href="{reverse("organizations:hall_detail", args=[city_data.hall.code])}"' in main
    assert city_data.hall.address in main
    assert 'href="tel:0468-3222345"' in main
    # Inactive departments and county departments are not among the city's cards.
    assert "鹤岗市已撤销局" not in html
    assert "向阳区民政局" not in main
    # The county tile counts that county's active departments.
    assert "1 个部门" in main


@pytest.mark.django_db
def test_home_search_submits_q_to_the_catalogue_search(client, city_data):
    html = client.get("/").content.decode()
    form = re.search(r'<form class="search" action="([^"]+)" method="get"', html)
    assert form and form.group(1) == reverse("catalog:search")
    assert 'name="q"' in html
    assert "搜索办事事项" in html
    # Departments and halls are found in the directory, linked from the hint.
    assert f'href="{reverse("organizations:directory")}"' in html


@pytest.mark.django_db
def test_home_query_count_is_constant(client, city_data, django_assert_num_queries):
    # region, departments, divisions + their departments, halls, theme counts + themes
    with django_assert_num_queries(7):
        client.get("/")
    for index in range(10):
        make_department(city_data.city, f"hg-extra-{index}", f"鹤岗市新增局{index}")
        make_department(city_data.counties[index % 8], f"county-extra-{index}", f"区县局{index}")
    ServiceHall.objects.create(
        code="xy-hall",
        name="向阳区政务服务大厅",
        region=city_data.counties[0],
        operator=city_data.county_department,
        address="向阳区某路 2 号",
        office_hours="工作日",
    )
    for index in range(3):
        make_published_item(themes=[ThemeFactory(code=f"theme-{index}", audience="person")])
    catalog_changed()  # what publishing does, through the catalogue's events
    with django_assert_num_queries(7):
        response = client.get("/")
    assert "向阳区政务服务大厅" in response.content.decode()
    # The theme counts are cached until the catalogue changes again.
    with django_assert_num_queries(6):
        client.get("/")


@pytest.mark.django_db
def test_home_shows_only_themes_that_have_published_items(client, city_data):
    used = ThemeFactory(code="hukou", name="户籍办理", audience="person")
    ThemeFactory(code="empty-theme", name="空主题", audience="person")
    company = ThemeFactory(code="kaiban", name="设立变更", audience="enterprise")
    make_published_item(themes=[used])
    make_published_item(themes=[company], audience="enterprise")
    main = _main(client.get("/").content.decode())
    assert "按主题办事" in main
    assert f'href="{reverse("catalog:theme", args=["hukou"])}"' in main
    assert f'href="{reverse("catalog:theme", args=["kaiban"])}"' in main
    assert "空主题" not in main


@pytest.mark.django_db
def test_home_without_any_regions_says_so_honestly(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/")
    assert response.status_code == 200
    main = _main(response.content.decode())
    assert "机构信息尚未录入" in main
    assert "card-grid" not in main
    assert "tile-grid" not in main


@pytest.mark.django_db
def test_home_shows_no_hall_block_without_halls(client, city_data):
    city_data.hall.is_active = False
    city_data.hall.save()
    main = _main(client.get("/").content.decode())
    assert "政务服务大厅" not in main.split("按区县查找", 1)[1]
    assert 'id="halls"' not in main


@pytest.mark.django_db
def test_base_layout_chrome(client, city_data):
    html = client.get("/").content.decode()
    assert '<html lang="zh-Hans"' in html
    assert re.search(r'<a class="skip-link" href="#main">跳到主要内容</a>', html)
    assert '<main id="main"' in html
    assert "<title>首页 · 鹤岗市政务服务网</title>" in html
    assert "/static/portal/css/portal.css" in html
    # Only pages that exist are in the main navigation; the current one is marked.
    nav = html.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'class="main-nav__link"', nav) == ['class="main-nav__link"'] * 3
    assert re.search(r'href="/"\s+aria-current="page">首页</a>', nav)
    assert "机构名录" in nav
    assert "办事服务" in nav
    # Footer: organiser and operator, and the accessibility statement.
    assert "主办：鹤岗市人民政府办公室" in html
    assert "承办：鹤岗市政务服务中心" in html
    assert f'href="{reverse("portal:accessibility")}"' in html
    # No asset from elsewhere: every src/href is local, tel: or an anchor.
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith(("/", "#", "tel:")), url
    # No script is needed.
    assert "<script" not in html


@pytest.mark.django_db
def test_directory_link_is_current_on_directory_pages(client, city_data):
    html = client.get(reverse("organizations:directory")).content.decode()
    nav = html.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
    assert re.search(r'aria-current="page">机构名录</a>', nav)
    assert not re.search(r'aria-current="page">首页</a>', nav)


@pytest.mark.django_db
def test_site_name_and_organisers_follow_settings(client, settings, city_data):
    settings.GOVHUB_SITE_NAME = "某市政务服务网"
    settings.GOVHUB_SITE_ORGANISER = "某市人民政府办公室"
    settings.GOVHUB_SITE_OPERATOR = "某市政务服务中心"
    html = client.get("/").content.decode()
    assert "某市政务服务网" in html
    assert "主办：某市人民政府办公室" in html
    assert "承办：某市政务服务中心" in html


@pytest.mark.django_db
def test_accessibility_statement(client):
    response = client.get(reverse("portal:accessibility"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>无障碍声明</h1>" in html
    assert "尚未做到的" in html
    assert "12345" in html


@pytest.mark.django_db
def test_home_refuses_post(client):
    assert client.post("/").status_code == 405
