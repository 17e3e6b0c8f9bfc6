"""The search page (/services/search/) and the synonym admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from govhub.catalog import search
from govhub.catalog.search_models import SearchQueryLog, SearchSynonym
from govhub.catalog.search_views import search_page
from govhub.catalog.tests.factories import make_published_item
from govhub.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def url():
    try:
        return reverse("catalog:search")
    except Exception:  # routed by the lead; until then, call the view directly
        return None


def get(client, rf, url, params):
    if url is not None:
        return client.get(url, params)
    request = rf.get("/services/search/", params)
    return search_page(request)


@pytest.fixture
def items():
    made = [
        make_published_item(name="营业执照遗失补领", summary="营业执照遗失后<b>补领</b>。"),
        make_published_item(name="企业营业执照设立登记"),
        make_published_item(name="社会保险登记"),
    ]
    search.reindex_all()
    return made


def test_empty_page_shows_the_form_and_logs_nothing(client, rf, url, items):
    response = get(client, rf, url, {})
    assert response.status_code == 200
    assert 'role="search"' in response.content.decode()
    assert SearchQueryLog.objects.count() == 0


def test_results_are_highlighted_and_escaped(client, rf, url, items):
    response = get(client, rf, url, {"q": "营业执照"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<mark>营业执照</mark>遗失补领" in html
    assert "&lt;b&gt;补领&lt;/b&gt;" in html
    assert "找到 2 个与“营业执照”相关的事项。" in html
    assert reverse("catalog:item_guide", args=[items[0].implementation_code]) in html
    assert SearchQueryLog.objects.get().query == "营业执照"


def test_did_you_mean_link(client, rf, url, items):
    html = get(client, rf, url, {"q": "营业执招", "audience": "person"}).content.decode()
    assert "您是不是要找：" in html
    assert "q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7" in html  # 营业执照
    assert "audience=person" in html


def test_empty_state_helps(client, rf, url, items):
    html = get(client, rf, url, {"q": "火箭发射许可"}).content.decode()
    assert "没有找到与“火箭发射许可”相关的事项。" in html
    assert "yyzz" in html
    assert "12345" in html


def test_invalid_filter_is_reported(client, rf, url, items):
    response = get(client, rf, url, {"q": "营业执照", "audience": "martian"})
    assert response.status_code == 200
    assert "请选择列表中的选项。" in response.content.decode()
    assert SearchQueryLog.objects.count() == 0


def test_pagination_past_the_end_shows_the_last_page(client, rf, url, items):
    response = get(client, rf, url, {"q": "登记", "page": "99"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "企业营业执照设立<mark>登记</mark>" in html
    assert "社会保险<mark>登记</mark>" in html


def test_page_query_count(client, rf, url, items, django_assert_max_num_queries):
    get(client, rf, url, {"q": "营业执照"})
    # Choices (regions, departments, themes), the search (ranked ids, documents, log with
    # its savepoint), sessions/auth as the middleware needs them.
    with django_assert_max_num_queries(12):
        response = get(client, rf, url, {"q": "营业执照", "page": "1"})
    assert response.status_code == 200


def test_synonym_admin_saves_through_the_service(admin_client):
    response = admin_client.post(
        reverse("admin:catalog_searchsynonym_add"),
        {"term": "社保", "equivalents_text": "社会保险\n五险一金", "note": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    synonym = SearchSynonym.objects.get()
    assert synonym.equivalents == ["社会保险", "五险一金"]
    assert AuditEvent.objects.filter(action="catalog.search_synonym.create").exists()
    response = admin_client.post(
        reverse("admin:catalog_searchsynonym_add"),
        {"term": "社保", "equivalents_text": "社会保险", "note": ""},
    )
    assert response.status_code == 200
    assert "该词语已有同义词设置" in response.content.decode()
