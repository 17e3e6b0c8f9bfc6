"""The directory in a real browser (Debian's Chromium through Playwright)."""

import pytest

from govhub.organizations import demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_data(settings):
    settings.GOVHUB_CITY_REGION_CODE = "230400"
    demo.load()


def test_search_then_open_a_department_and_its_hall(page, live_server, demo_data):
    page.goto(live_server.url + "/directory/")
    assert page.locator("h1").inner_text() == "机构名录"
    page.get_by_label("关键词").fill("不动产")
    page.get_by_role("button", name="查找").click()
    page.wait_for_load_state()
    assert "q=" in page.url
    results = page.locator("#results-heading")
    assert results.is_visible()
    page.get_by_role("link", name="鹤岗市不动产登记中心").click()
    page.wait_for_load_state()
    assert page.url.endswith("/directory/departments/hg-real-estate/")
    assert page.locator("h1").inner_text() == "鹤岗市不动产登记中心"
    window_row = page.locator("table tbody tr", has_text="不动产登记窗口")
    assert window_row.count() == 1
    window_row.get_by_role("link", name="鹤岗市政务服务中心").click()
    page.wait_for_load_state()
    assert page.url.endswith("/directory/halls/hg-city-hall/")
    assert page.locator("table tbody tr").count() == 12


def test_region_filter_keeps_one_county(page, live_server, demo_data):
    page.goto(live_server.url + "/directory/")
    page.get_by_label("所在区划").select_option("230422")
    page.get_by_role("button", name="查找").click()
    page.wait_for_load_state()
    headings = page.locator("main h2").all_inner_texts()
    assert headings == ["绥滨县"]
    assert page.get_by_role("link", name="绥滨县民政局").is_visible()
    assert page.get_by_role("link", name="萝北县人民政府").count() == 0
