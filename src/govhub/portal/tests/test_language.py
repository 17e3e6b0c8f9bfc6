import re

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import translation


def _language_form(html: str) -> str:
    return html.split('class="lang-switch"', 1)[1].split("</form>", 1)[0]


def _nav_labels(html: str) -> list[str]:
    nav = html.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'class="main-nav__link"[^>]*>([^<]+)</a>', nav)


@pytest.mark.django_db
def test_language_switch_round_trip(client, city_data):
    html = client.get("/directory/").content.decode()
    assert '<html lang="zh-Hans"' in html
    form = _language_form(html)
    assert 'action="/i18n/setlang/"' in html
    assert re.search(r'name="next" value="/directory/"', form)
    assert re.search(r'<button[^>]+name="language" value="en" lang="en">English</button>', form)
    assert re.search(r'lang="zh-Hans" aria-current="true">简体中文</span>', form)

    response = client.post(reverse("set_language"), {"language": "en", "next": "/directory/"})
    assert response.status_code == 302
    assert response["Location"] == "/directory/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    english = client.get("/").content.decode()
    assert '<html lang="en"' in english
    form = _language_form(english)
    assert re.search(r'<button[^>]+name="language" value="zh-hans" lang="zh-Hans">简体中文', form)
    assert re.search(r'lang="en" aria-current="true">English</span>', form)
    # The interface is translated: navigation, site name, headings and buttons.
    assert _nav_labels(english) == ["Home", "Services", "Directory"]
    assert "<title>Home · Hegang Government Services</title>" in english
    assert '<span class="brand__name">Hegang Government Services</span>' in english
    assert "Find services, departments and halls</h1>" in english
    assert "<span>Senior mode</span>" in english
    assert "首页" not in english and "机构名录" not in english
    # Names with an English form are shown in English.
    assert "Hegang Public Security Bureau" in english
    directory = client.get("/directory/").content.decode()
    assert "<h1>Directory</h1>" in directory

    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    chinese = client.get("/").content.decode()
    assert '<html lang="zh-Hans"' in chinese
    assert _nav_labels(chinese) == ["首页", "办事服务", "机构名录"]
    assert "Hegang Government Services" not in chinese


@pytest.mark.django_db
def test_language_switch_keeps_the_query_string(client, city_data):
    html = client.get("/directory/?q=%E5%85%AC%E5%AE%89").content.decode()
    assert 'name="next" value="/directory/?q=%E5%85%AC%E5%AE%89"' in _language_form(html)


@pytest.mark.django_db
def test_english_search_hint_is_translated_and_points_to_the_directory(client, city_data):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/").content.decode()
    hint = re.search(r'id="home-search-hint">(.+?)</p>', html, re.S)
    assert hint is not None
    assert hint.group(1).startswith("Enter a service name, a material or pinyin")
    assert 'href="/directory/"' in hint.group(1)


def test_every_model_has_distinct_singular_and_plural_names_in_english():
    models = [m for m in apps.get_models() if m.__module__.startswith("govhub.")]
    assert len(models) >= 10
    with translation.override("en"):
        names = {
            m._meta.label: (str(m._meta.verbose_name), str(m._meta.verbose_name_plural))
            for m in models
        }
    same = {label: pair for label, pair in names.items() if pair[0] == pair[1]}
    assert not same
    assert names["organizations.Department"] == ("Department", "Departments")
    assert names["core.CalendarYear"] == ("Working calendar year", "Working calendar years")
    with translation.override("zh-hans"):
        assert (
            str(apps.get_model("organizations", "Department")._meta.verbose_name_plural) == "部门"
        )
