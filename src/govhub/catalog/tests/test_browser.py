"""Browse → guide → PDF in a real browser (Debian's Chromium through Playwright), in
Chinese and, through the language switch, in English."""

import shutil
import subprocess
from pathlib import Path

import pytest

from govhub.catalog.models import Audience
from govhub.catalog.tests.factories import LifeEventFactory, ThemeFactory, make_published_item
from govhub.organizations.tests.factories import CityFactory, DepartmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDFTOTEXT = shutil.which("pdftotext")


@pytest.fixture
def catalogue(settings):
    city = CityFactory(code="930400", name="测试市", name_en="Test City")
    settings.GOVHUB_CITY_REGION_CODE = city.code
    department = DepartmentFactory(
        region=city, name="测试市市场监督管理局", name_en="Test City Market Regulation"
    )
    theme = ThemeFactory(
        code="establishment", name="设立变更", name_en="Setting up", audience=Audience.ENTERPRISE
    )
    return make_published_item(
        department=department,
        name="食品经营许可证核发",
        name_en="Food business licence",
        audience=Audience.ENTERPRISE,
        themes=[theme],
        life_events=[LifeEventFactory(code="open-shop", name="开餐馆", audience="enterprise")],
    )


def pdf_text(path: Path) -> str | None:
    if PDFTOTEXT is None:
        return None
    result = subprocess.run([PDFTOTEXT, str(path), "-"], capture_output=True, check=True, text=True)
    return result.stdout


def download_pdf(page):
    """Click the PDF link like a reader (a download), and fetch the same address with the
    page's cookies to check the response headers."""
    link = page.locator("a.button", has_text="PDF")
    response = page.request.get(link.evaluate("a => a.href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    path = Path(download.path())
    assert path.read_bytes().startswith(b"%PDF-")
    assert download.suggested_filename.endswith(".pdf")
    return path


def test_browse_to_a_guide_and_download_its_pdf_in_both_languages(page, live_server, catalogue):
    code = catalogue.implementation_code
    page.goto(live_server.url + "/services/")
    assert page.locator("h1").inner_text() == "办事服务"
    page.get_by_role("link", name="设立变更").click()
    page.wait_for_load_state()
    assert page.url.endswith("/services/themes/establishment/")
    assert page.locator("h1").inner_text() == "设立变更"

    page.get_by_role("link", name="食品经营许可证核发").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/services/items/{code}/")
    assert page.locator("h1").inner_text() == "食品经营许可证核发"
    assert page.locator("#materials-heading").is_visible()
    assert page.locator("table.materials tbody tr").count() == 2
    assert page.get_by_text("本事项支持网上办理").is_visible()

    text = pdf_text(download_pdf(page))
    if text is not None:
        assert "食品经营许可证核发" in text
        assert "办事指南" in text

    # The language switch keeps the reader on the same guide.
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/services/items/{code}/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Food business licence"

    text = pdf_text(download_pdf(page))
    if text is not None:
        assert "Food business licence" in text
        assert "食品经营许可证核发" in text  # the legal name stays on the English guide


def test_guide_on_a_phone_in_elder_mode(page, live_server, catalogue):
    page.set_viewport_size({"width": 360, "height": 800})
    page.context.add_cookies([{"name": "govhub_mode", "value": "elder", "url": live_server.url}])
    page.goto(live_server.url + f"/services/items/{catalogue.implementation_code}/")
    assert page.locator("html").get_attribute("class") == "mode-elder"
    # No sideways scrolling: the page fits the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # The on-page contents list is hidden in elder mode; the sections remain.
    assert not page.locator(".guide-toc").is_visible()
    assert page.locator("#conditions-heading").is_visible()


def test_search_from_the_home_page_to_a_guide_and_its_pdf_in_both_languages(
    page, live_server, catalogue
):
    from govhub.catalog.search import index_item

    index_item(catalogue)
    code = catalogue.implementation_code
    page.goto(live_server.url + "/")
    page.get_by_label("搜索办事事项").fill("食品经营")
    page.get_by_role("search").get_by_role("button").click()
    page.wait_for_load_state()
    assert "/services/search/" in page.url
    result = page.locator(".item-card__title a").first
    assert result.inner_text() == "食品经营许可证核发"
    assert result.locator("mark").count() >= 1  # the matched words are highlighted
    result.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/services/items/{code}/")
    text = pdf_text(download_pdf(page))
    if text is not None:
        assert "食品经营许可证核发" in text

    # In English, and by pinyin initials this time (spjy: 食品经营).
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    page.goto(live_server.url + "/services/search/?q=spjy")
    assert page.locator("html").get_attribute("lang") == "en"
    result = page.locator(".item-card__title a").first
    assert "Food business licence" in result.inner_text()
    result.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Food business licence"
    text = pdf_text(download_pdf(page))
    if text is not None:
        assert "Food business licence" in text
