"""Catalogue search: Chinese ranking, pinyin, synonyms, filters, highlighting,
did-you-mean, the query log, keeping the index current, and hostile query strings."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govhub.catalog import search
from govhub.catalog.models import Audience, ImplementationItem
from govhub.catalog.search import query as search_query
from govhub.catalog.search.text import highlight, normalize
from govhub.catalog.search_models import SearchDocument, SearchQueryLog, SearchSynonym
from govhub.catalog.services import ItemPublished
from govhub.catalog.tests.factories import (
    DepartmentFactory,
    RegionFactory,
    ThemeFactory,
    make_published_item,
)
from govhub.core import events
from govhub.core.models import AuditEvent
from govhub.organizations.tests.factories import TownshipFactory

pytestmark = pytest.mark.django_db


def names(results: search.SearchResults) -> list[str]:
    return [hit.version.name for hit in results.hits]


def find(query: str, **kwargs) -> search.SearchResults:
    kwargs.setdefault("language", "zh-hans")
    kwargs.setdefault("limit", 20)
    return search.search_items(query=query, **kwargs)


@pytest.fixture
def catalogue():
    """A small catalogue, indexed."""
    items = {
        "licence": make_published_item(
            name="企业营业执照设立登记",
            aliases=["开办企业登记"],
            summary="为新设立的企业核发营业执照。",
        ),
        "licence_lost": make_published_item(
            name="营业执照遗失补领", summary="营业执照遗失后申请补领。"
        ),
        "food": make_published_item(
            name="食品经营许可证核发",
            summary="从事食品销售和餐饮服务的经营者办理。",
            conditions=["申请人已依法取得营业执照等主体资格证明。"],
        ),
        "social": make_published_item(
            name="社会保险登记",
            summary="用人单位为职工办理社会保险参保登记。",
            audience=Audience.ENTERPRISE,
        ),
        "id_card": make_published_item(
            name="居民身份证申领",
            summary="年满十六周岁的公民申领居民身份证。",
            materials=[{"name": "户口簿"}],
        ),
        "medical": make_published_item(
            name="医疗机构执业许可",
            name_en="Licensing of medical institutions",
            summary="设置医疗机构并申请执业登记。",
        ),
    }
    search.reindex_all()
    return items


# --- Chinese ranking ---------------------------------------------------------------------


def test_name_match_ranks_above_body_match(catalogue):
    results = find("营业执照")
    found = names(results)
    assert set(found) == {"企业营业执照设立登记", "营业执照遗失补领", "食品经营许可证核发"}
    # The two items with 营业执照 in their name come before the one mentioning it in a condition.
    assert found[-1] == "食品经营许可证核发"


def test_exact_name_match_ranks_first(catalogue):
    results = find("营业执照遗失补领")
    assert names(results)[0] == "营业执照遗失补领"


def test_filler_words_are_ignored(catalogue):
    assert names(find("怎么办理营业执照"))[:2] == names(find("营业执照"))[:2]


def test_material_names_are_searched(catalogue):
    assert names(find("户口簿")) == ["居民身份证申领"]


def test_english_name_is_searched(catalogue):
    assert names(find("medical institutions")) == ["医疗机构执业许可"]


def test_full_width_and_case_are_normalised(catalogue):
    assert normalize("  ＹＹＺＺ　营业 ") == "yyzz 营业"
    assert names(find("ＹＹＺＺ"))[:2] == names(find("yyzz"))[:2]


# --- Pinyin --------------------------------------------------------------------------------


def test_pinyin_initials_find_the_item(catalogue):
    found = names(find("yyzz"))
    assert set(found[:2]) == {"企业营业执照设立登记", "营业执照遗失补领"}
    assert "社会保险登记" not in found


def test_full_pinyin_and_its_prefix_find_the_item(catalogue):
    assert "营业执照遗失补领" in names(find("yingye"))
    assert "营业执照遗失补领" in names(find("yingyezhizhao"))
    assert names(find("shehuibaoxian")) == ["社会保险登记"]
    assert names(find("shehuibao")) == ["社会保险登记"]  # typed half-way


def test_pinyin_matches_are_highlighted(catalogue):
    hit = next(h for h in find("yyzz").hits if h.version.name == "营业执照遗失补领")
    assert "<mark>营业执照</mark>" in hit.name_html


# --- Synonyms ----------------------------------------------------------------------------


def test_synonyms_expand_the_query_and_editing_them_changes_results(catalogue):
    assert names(find("社保")) == []
    synonym = search.search_synonym_save(actor=None, term="社保", equivalents=["社会保险"])
    assert names(find("社保")) == ["社会保险登记"]
    # Symmetric: the equivalent finds what the term alone would.
    assert names(find("社会保险")) == ["社会保险登记"]
    search.search_synonym_save(actor=None, term="社保", equivalents=["医疗机构"], synonym=synonym)
    assert names(find("社保")) == ["医疗机构执业许可"]
    search.search_synonym_delete(actor=None, synonym=SearchSynonym.objects.get())
    assert names(find("社保")) == []
    actions = list(
        AuditEvent.objects.filter(action__startswith="catalog.search_synonym").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == [
        "catalog.search_synonym.create",
        "catalog.search_synonym.delete",
        "catalog.search_synonym.update",
    ]


def test_multi_word_synonym(catalogue):
    search.search_synonym_save(actor=None, term="开公司", equivalents=["企业设立"])
    assert names(find("开公司"))[0] == "企业营业执照设立登记"


def test_synonym_validation():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        search.search_synonym_save(actor=None, term="社保", equivalents=[])
    with pytest.raises(ValidationError):
        search.search_synonym_save(actor=None, term="社保", equivalents=["社保"])
    search.search_synonym_save(actor=None, term="社保", equivalents=["社会保险"])
    with pytest.raises(ValidationError):
        search.search_synonym_save(actor=None, term="社保", equivalents=["五险"])


# --- Filters -------------------------------------------------------------------------------


def test_filters():
    county = RegionFactory()
    town = TownshipFactory(parent=county)
    other = RegionFactory()
    town_department = DepartmentFactory(region=town)
    theme = ThemeFactory(code="housing_fund")
    near_miss_theme = ThemeFactory(code="housingxfund")
    in_town = make_published_item(
        name="住房公积金提取",
        department=town_department,
        region=town,
        themes=[theme],
        online_depth=[1, 2, 3, 4, 5, 6],
        visits_required=0,
        handling_forms=["online"],
        audience=Audience.BOTH,
    )
    elsewhere = make_published_item(
        name="住房公积金贷款",
        region=other,
        department=DepartmentFactory(region=other),
        themes=[near_miss_theme],
        online_depth=[1, 2],
        audience=Audience.PERSON,
    )
    search.reindex_all()

    def ids(**filters):
        return {hit.item.pk for hit in find("公积金", **filters).hits}

    assert ids() == {in_town.pk, elsewhere.pk}
    assert ids(region=county.code) == {in_town.pk}  # includes the township
    assert ids(region=town.code) == {in_town.pk}
    assert ids(region=other.code) == {elsewhere.pk}
    assert ids(region="not a code") == set()
    assert ids(department=town_department.pk) == {in_town.pk}
    assert ids(theme="housing_fund") == {in_town.pk}  # "_" is not a wildcard
    assert ids(theme="no-such-theme") == set()
    assert ids(audience="enterprise") == {in_town.pk}  # both counts for enterprises
    assert ids(audience="person") == {in_town.pk, elsewhere.pk}
    assert ids(online_depth=5) == {in_town.pk}
    assert ids(online_depth=2) == {in_town.pk, elsewhere.pk}
    assert ids(online_depth=9) == set()
    assert ids(fully_online=True) == {in_town.pk}
    assert ids(fully_online=False) == {elsewhere.pk}
    # No words, only filters: the filtered items by name.
    browse = search.search_items(query="", region=county.code, language="zh-hans")
    assert [hit.item.pk for hit in browse.hits] == [in_town.pk]
    assert browse.count == 1


def test_pagination_and_count(catalogue):
    # Two names contain 登记; a summary mentions 执业登记.
    pages = [find("登记", limit=1, offset=offset) for offset in range(3)]
    assert [page.count for page in pages] == [3, 3, 3]
    assert {names(pages[0])[0], names(pages[1])[0]} == {"企业营业执照设立登记", "社会保险登记"}
    assert names(pages[2]) == ["医疗机构执业许可"]
    beyond = find("登记", limit=1, offset=10)
    assert beyond.count == 3 and beyond.hits == []


# --- Highlighting and snippets -------------------------------------------------------------


def test_highlighting_escapes_html():
    make_published_item(
        name="营业执照<script>alert(1)</script>补办", summary="含<b>标记</b>的营业执照说明"
    )
    search.reindex_all()
    hit = find("营业执照").hits[0]
    assert "<script>" not in hit.name_html
    assert "&lt;script&gt;" in hit.name_html
    assert "<mark>营业执照</mark>" in hit.name_html
    assert "<b>" not in hit.snippet_html
    assert "<mark>营业执照</mark>" in hit.snippet_html


def test_highlight_merges_overlapping_terms():
    assert highlight("营业执照", ["营业", "营业执照", "执照"]) == "<mark>营业执照</mark>"
    assert highlight("a<b", ["<"]) == "a<mark>&lt;</mark>b"


# --- Did you mean ------------------------------------------------------------------------


def test_did_you_mean_for_a_near_miss(catalogue):
    results = find("营业执招")
    assert results.suggestion == "营业执照"


def test_did_you_mean_for_mistyped_pinyin(catalogue):
    assert find("yingyezhizao").suggestion == "营业执照"


def test_no_suggestion_when_the_query_matches(catalogue):
    assert find("营业执照").suggestion is None


def test_relaxed_results_when_not_every_word_matches(catalogue):
    results = find("营业执照 火箭")
    assert results.relaxed
    assert "营业执照遗失补领" in names(results)


# --- Query log ------------------------------------------------------------------------------


def test_every_query_is_logged_anonymously(catalogue):
    find("  营业执照 ", audience="person", language="en")
    log = SearchQueryLog.objects.get()
    assert log.query == "营业执照"
    assert log.filters == {"audience": "person"}
    assert log.result_count == 3
    assert log.language == "en"
    field_names = {f.name for f in SearchQueryLog._meta.get_fields()}
    assert not field_names & {"user", "ip", "ip_address", "session", "source_ip"}


def test_logging_failure_does_not_fail_the_search(catalogue, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("log table unavailable")

    monkeypatch.setattr(SearchQueryLog.objects, "create", broken)
    assert names(find("营业执照遗失补领"))[0] == "营业执照遗失补领"


# --- Keeping the index current --------------------------------------------------------------


def test_index_follows_the_publish_event(django_capture_on_commit_callbacks):
    item = make_published_item(name="烟草专卖零售许可证核发")
    assert find("烟草").count == 0  # not indexed yet
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(ItemPublished(item_id=item.pk, version_id=item.published_version_id))
    assert names(find("烟草")) == ["烟草专卖零售许可证核发"]
    # An item with nothing published leaves the index.
    ImplementationItem.objects.filter(pk=item.pk).update(published_version=None)
    search.index_item(item.pk)
    assert find("烟草").count == 0


def test_index_follows_the_publish_service(django_capture_on_commit_callbacks):
    from govhub.catalog import services
    from govhub.organizations.models import Position
    from govhub.organizations.tests.factories import UserFactory, grant

    item = make_published_item(name="烟草专卖零售许可证核发")
    search.reindex_all()
    admin = UserFactory()
    grant(admin, Position.Role.SYSTEM_ADMIN)
    draft = services.version_create_draft(actor=admin, item=item)
    draft = services.version_update(actor=admin, version=draft, name="烟草专卖零售许可证延续")
    services.version_submit(actor=admin, version=draft)
    with django_capture_on_commit_callbacks(execute=True):
        services.version_publish(actor=admin, version=draft)
    assert names(find("烟草")) == ["烟草专卖零售许可证延续"]


def test_remove_item(catalogue):
    search.remove_item(catalogue["licence_lost"].pk)
    assert "营业执照遗失补领" not in names(find("营业执照"))
    assert not SearchDocument.objects.filter(item=catalogue["licence_lost"]).exists()


def test_reindex_command(catalogue):
    from io import StringIO

    from django.core.management import call_command

    SearchDocument.objects.all().delete()
    assert find("营业执照").count == 0
    call_command("catalog_reindex", stdout=StringIO())
    assert find("营业执照").count == 3
    call_command("catalog_reindex", item=catalogue["food"].implementation_code, stdout=StringIO())
    assert find("食品").count == 1


def test_only_published_items_are_indexed():
    make_published_item(name="草稿事项营业执照", status="draft")
    assert search.reindex_all() == 0


# --- Query counts --------------------------------------------------------------------------


def test_search_query_count(catalogue, django_assert_num_queries):
    find("营业执照")  # warm the synonym cache
    # count, exact-name lookup, the three tiers (name, alias/pinyin, body: the name tier
    # alone does not fill the page), names for ties, the page's documents with items,
    # versions and text, the log insert with its savepoint and release.
    with django_assert_num_queries(10):
        results = find("营业执照")
    assert results.count == 3


# --- Hostile input -------------------------------------------------------------------------

OPERATORS = st.sampled_from(
    [
        '"',
        "*",
        "NEAR",
        "NEAR(",
        "-",
        "OR",
        "AND",
        "NOT",
        "(",
        ")",
        ":",
        "^",
        "'",
        "&",
        "|",
        "!",
        "<->",
        ":*",
        "\\",
        "{name_tokens}",
        "%",
        "_",
        "营业",
        "yy",
        " ",
    ]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(st.text(max_size=60), st.lists(OPERATORS, max_size=12).map("".join)))
def test_any_query_returns_results_and_never_raises(catalogue, text):
    results = search.search_items(query=text, language="zh-hans", limit=5, record=False)
    assert isinstance(results, search.SearchResults)
    assert results.count >= len(results.hits)


def test_operators_are_searched_as_words(catalogue):
    for text in ['营业执照"', '"营业执照" OR *', "营业执照 -", "NEAR(营业执照)", "(营业执照"]:
        assert "营业执照遗失补领" in names(find(text)), text


def test_query_expression_quotes_every_lexeme():
    expr = search_query.word_expr("营业执照")
    assert search_query.to_fts5(expr) == '("营业执照" OR ("营业" AND "执照"))'
    assert [t.text for t in search_query.sub_word_cover("教师资格")] == ["教师", "资格"]
    assert search_query.to_tsquery(search_query.Term("yy", prefix=True), "A") == "'yy':*A"
