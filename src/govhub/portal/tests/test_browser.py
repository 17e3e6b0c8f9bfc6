"""The portal in a real browser (Debian's Chromium through Playwright)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TARGETS = "a:visible, button:visible, input:visible:not([type=hidden])"


def test_home_then_english_through_the_language_switch(page, live_server, city_data):
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator(".main-nav").inner_text().split() == ["首页", "办事服务", "机构名录"]

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url == live_server.url + "/"
    switch = page.locator(".lang-switch")
    assert switch.locator('[aria-current="true"]').inner_text() == "English"
    assert switch.get_by_role("button", name="简体中文").is_visible()
    # The interface itself is translated, not only the lang attribute.
    assert page.locator(".main-nav").inner_text().split() == ["Home", "Services", "Directory"]
    assert page.locator(".brand__name").inner_text() == "Hegang Government Services"
    assert page.title() == "Home · Hegang Government Services"
    assert page.locator("h1").inner_text() == "Find services, departments and halls"
    assert page.get_by_role("button", name="Senior mode").is_visible()
    assert page.get_by_label("Search for a service").is_visible()
    # Data with an English name is shown in English; the hint explains pinyin search.
    assert page.get_by_role("link", name="Hegang Public Security Bureau").is_visible()
    assert "yyzz" in page.locator(".search__hint").inner_text()

    page.get_by_role("button", name="简体中文").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator(".main-nav").inner_text().split() == ["首页", "办事服务", "机构名录"]
    assert page.locator(".brand__name").inner_text() == "鹤岗市政务服务网"


def test_each_language_puts_its_own_fonts_first(page, live_server, city_data):
    def font(selector):
        return page.locator(selector).first.evaluate("e => getComputedStyle(e).fontFamily")

    page.goto(live_server.url + "/directory/departments/hg-gaj/")
    assert font("body").startswith('"Noto Sans CJK SC"')
    assert font('.lang-switch [lang="en"]').startswith('"Noto Sans",')
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    # Latin letters and quote marks of English pages are drawn with a Latin font ...
    assert font("body").startswith('"Noto Sans",')
    assert font("h1").startswith('"Noto Sans",')
    # ... and the Chinese name shown beside the English one keeps the Chinese font.
    assert page.locator('.other-name[lang="zh-Hans"]').inner_text() == "鹤岗市公安局"
    assert font('.other-name[lang="zh-Hans"]').startswith('"Noto Sans CJK SC"')


def test_department_card_leads_to_the_department_page(page, live_server, city_data):
    page.goto(live_server.url + "/")
    page.locator(".card--link", has_text="鹤岗市民政局").click()
    page.wait_for_load_state()
    assert page.url == live_server.url + "/directory/departments/hg-mzj/"
    assert "鹤岗市民政局" in page.locator("h1").inner_text()


def test_elder_mode_switch(page, live_server, city_data):
    page.goto(live_server.url + "/")
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "16px"
    page.get_by_role("button", name="长辈版").click()
    page.wait_for_load_state()
    assert "mode-elder" in page.locator("body").get_attribute("class")

    def check_elder_page():
        font_size = float(page.evaluate("getComputedStyle(document.body).fontSize")[:-2])
        line_height = float(page.evaluate("getComputedStyle(document.body).lineHeight")[:-2])
        assert font_size >= 18
        assert line_height >= 1.3 * font_size
        paragraph = page.locator(".search__hint")
        assert float(paragraph.evaluate("e => getComputedStyle(e).fontSize")[:-2]) >= 18
        # The big entries come first, then the rest.
        assert page.locator("#quick-title").is_visible()
        small = []
        targets = page.locator(f".main-nav :is({TARGETS}), main :is({TARGETS})")
        assert targets.count() > 15
        for index in range(targets.count()):
            element = targets.nth(index)
            box = element.bounding_box()
            if box["width"] < 60 or box["height"] < 60:
                small.append((element.inner_text() or element.get_attribute("name"), box))
        header = page.locator(f".site-header :is({TARGETS}), .site-footer :is({TARGETS})")
        for index in range(header.count()):
            box = header.nth(index).bounding_box()
            if box["width"] < 60 or box["height"] < 60:
                small.append((header.nth(index).inner_text(), box))
        assert not small, small
        # Links are told apart by more than colour.
        for selector in (".main-nav__link", ".tile", ".card--link .card__title", "footer a"):
            decoration = page.locator(selector).first.evaluate(
                "e => getComputedStyle(e).textDecorationLine"
            )
            assert "underline" in decoration, selector

    check_elder_page()
    page.reload()
    assert "mode-elder" in page.locator("body").get_attribute("class")
    check_elder_page()

    page.get_by_role("button", name="返回标准版").click()
    page.wait_for_load_state()
    assert "mode-standard" in page.locator("body").get_attribute("class")
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "16px"


@pytest.mark.parametrize("mode", ["standard", "elder"])
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/accessibility/",
        "/directory/",
        "/directory/departments/hg-gaj/",
        "/directory/regions/230402/",
        "/directory/halls/hg-hall/",
        "/no-such-page/",
    ],
)
def test_no_horizontal_scroll_at_360_px(browser, live_server, city_data, mode, path):
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    context.add_cookies([{"name": "govhub_mode", "value": mode, "url": live_server.url}])
    page = context.new_page()
    try:
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert page.evaluate("document.body.scrollWidth") <= 360
    finally:
        context.close()


def test_first_tab_reaches_a_visible_skip_link(page, live_server, city_data):
    page.goto(live_server.url + "/")
    skip = page.locator(".skip-link")
    box = skip.bounding_box()
    assert box["y"] + box["height"] <= 0  # out of sight until focused
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.evaluate("document.activeElement.textContent") == "跳到主要内容"
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["x"] >= 0 and box["height"] > 20
    outline = skip.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab lands inside the main content, past the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_every_interactive_element_shows_focus(page, live_server, city_data):
    page.goto(live_server.url + "/")
    unfocused = []
    for _ in range(12):
        page.keyboard.press("Tab")
        style = page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; })()"
        )
        if style[0] == "none" and style[2] == "none":
            unfocused.append(page.evaluate("document.activeElement.outerHTML")[:80])
    assert not unfocused, unfocused


def test_works_without_javascript(browser, live_server, city_data):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(live_server.url + "/directory/")
        page.get_by_label("关键词").fill("民政")
        page.get_by_label("关键词").press("Enter")
        page.wait_for_load_state()
        assert page.url.startswith(live_server.url + "/directory/?q=")
        page.get_by_role("button", name="长辈版").click()
        page.wait_for_load_state()
        assert "mode-elder" in page.locator("body").get_attribute("class")
        assert page.url.startswith(live_server.url + "/directory/?q=")
        page.get_by_role("button", name="English").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.url.startswith(live_server.url + "/directory/?q=")
        assert page.title() == 'Search results for "民政" · Directory · Hegang Government Services'
        assert page.get_by_role("heading", name="Search results").is_visible()
        assert page.get_by_role("button", name="Standard mode").is_visible()
        assert page.locator(".main-nav").inner_text().split() == ["Home", "Services", "Directory"]
    finally:
        context.close()
