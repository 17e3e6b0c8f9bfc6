import pytest
from django.urls import reverse

from govhub.portal.middleware import COOKIE, COOKIE_MAX_AGE

MODE_URL = reverse("portal:set_mode")


@pytest.mark.django_db
def test_switch_to_elder_mode_sets_long_lived_cookie_and_returns(client):
    response = client.post(MODE_URL, {"mode": "elder", "next": "/directory/?q=公安"})
    assert response.status_code == 302
    assert response["Location"] == "/directory/?q=%E5%85%AC%E5%AE%89"
    cookie = response.cookies[COOKIE]
    assert cookie.value == "elder"
    assert int(cookie["max-age"]) == COOKIE_MAX_AGE >= 180 * 24 * 3600
    assert cookie["samesite"] == "Lax"
    assert cookie["httponly"]

    html = client.get("/").content.decode()
    assert '<body class="mode-elder">' in html
    assert '<html lang="zh-Hans" class="mode-elder">' in html
    assert 'value="standard"' in html and "返回标准版" in html


@pytest.mark.django_db
def test_switch_back_to_standard(client):
    client.cookies[COOKIE] = "elder"
    response = client.post(MODE_URL, {"mode": "standard", "next": "/"})
    assert response.cookies[COOKIE].value == "standard"
    html = client.get("/").content.decode()
    assert '<body class="mode-standard">' in html
    assert 'value="elder"' in html and "长辈版" in html


@pytest.mark.parametrize(
    "unsafe",
    [
        "https://evil.example/phish",
        "//evil.example/",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
        "/\\evil.example",
        "",
    ],
)
@pytest.mark.django_db
def test_unsafe_next_is_refused(client, unsafe):
    response = client.post(MODE_URL, {"mode": "elder", "next": unsafe})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[COOKIE].value == "elder"


@pytest.mark.django_db
def test_unknown_mode_is_a_clear_400(client):
    response = client.post(MODE_URL, {"mode": "huge", "next": "/"})
    assert response.status_code == 400
    assert COOKIE not in response.cookies
    html = response.content.decode()
    assert "无法识别所选的显示模式" in html
    # It names the buttons by their labels (长辈版 / 返回标准版).
    assert "“长辈版”或“返回标准版”按钮" in html


@pytest.mark.django_db
def test_mode_switch_is_post_only_and_csrf_protected():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    assert client.get(MODE_URL).status_code == 405
    response = client.post(MODE_URL, {"mode": "elder", "next": "/"})
    assert response.status_code == 403
    assert COOKIE not in response.cookies


@pytest.mark.django_db
def test_mode_form_works_with_its_csrf_token():
    import re

    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    html = client.get("/").content.decode()
    form = html.split('class="mode-switch"', 1)[1].split("</form>", 1)[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    next_url = re.search(r'name="next" value="([^"]+)"', form).group(1)
    assert next_url == "/"
    response = client.post(
        MODE_URL, {"mode": "elder", "next": next_url, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "elder"


@pytest.mark.django_db
def test_bogus_cookie_value_falls_back_to_standard(client):
    client.cookies[COOKIE] = "<script>"
    html = client.get("/").content.decode()
    assert '<body class="mode-standard">' in html


@pytest.mark.django_db
def test_pages_vary_on_cookie(client):
    response = client.get("/")
    assert "Cookie" in response["Vary"]


@pytest.mark.django_db
def test_elder_home_puts_big_entries_first_and_hides_secondary_text(client, city_data):
    client.cookies[COOKIE] = "elder"
    html = client.get("/").content.decode()
    main = html.split('<main id="main"', 1)[1]
    assert "常用入口" in main
    order = [
        main.index(marker) for marker in ("常用入口", "按区县查找", 'id="halls"', "按部门查找")
    ]
    assert order == sorted(order)
    assert 'class="hero__lead"' not in main
    assert 'class="card__meta"' not in main

    client.cookies[COOKIE] = "standard"
    standard = client.get("/").content.decode()
    assert "常用入口" not in standard
    assert 'class="hero__lead"' in standard
    assert 'class="card__meta"' in standard
