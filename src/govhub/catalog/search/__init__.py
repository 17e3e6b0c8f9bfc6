"""Chinese full-text search over published implementation items (事项搜索).

    results = search_items(query="营业执照", region="230402", language="zh-hans", limit=20)
    results.count, results.hits[0].item, results.hits[0].name_html, results.suggestion

One API over SQLite FTS5 and PostgreSQL full-text; see `query.py` for how a query is
read, `indexer.py` for what is indexed, `suggest.py` for did-you-mean. Every call is
recorded anonymously in `SearchQueryLog`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils.safestring import SafeString

from govhub.catalog.models import ImplementationItem, ItemVersion
from govhub.catalog.search.fts import DOC_TABLE
from govhub.catalog.search.indexer import index_item, reindex_all, remove_item
from govhub.catalog.search.query import MAX_QUERY_LENGTH, Filters, parse, ranked_ids
from govhub.catalog.search.suggest import suggest
from govhub.catalog.search.synonyms import (
    search_synonym_delete,
    search_synonym_save,
    synonym_map,
)
from govhub.catalog.search.text import highlight, pinyin_forms, precise_words, snippet
from govhub.catalog.search_models import SearchDocument, SearchQueryLog

logger = logging.getLogger(__name__)

# Below this many results for all the words, a did-you-mean is looked for.
SUGGEST_BELOW = 3
MAX_LIMIT = 100


@dataclass
class SearchHit:
    item: ImplementationItem
    version: ItemVersion
    score: float
    name_html: SafeString
    snippet_html: SafeString
    fully_online: bool = False


@dataclass
class SearchResults:
    count: int
    hits: list[SearchHit]
    suggestion: str | None = None
    query: str = ""  # the normalised query
    # True when no item matched every word and items matching some of them are shown.
    relaxed: bool = False
    terms: list[str] = field(default_factory=list)


def search_query_log_record(
    *, query: str, filters: dict[str, Any], result_count: int, language: str
) -> None:
    """Record one search anonymously (no user, no address). Never fails the search."""
    try:
        with transaction.atomic():
            SearchQueryLog.objects.create(
                query=query[:200],
                filters=filters,
                result_count=result_count,
                language=(language or "")[:16],
            )
    except Exception:
        logger.warning("search query not recorded", exc_info=True)


def _pinyin_matches(name: str, latin: list[str]) -> list[str]:
    """Words of `name` whose pinyin or initials start with a Latin query word."""
    found = []
    for word in precise_words(name):
        full, initials = pinyin_forms(word)
        if full and any(full.startswith(t) or initials.startswith(t) for t in latin):
            found.append(word)
    if not found:
        full, initials = pinyin_forms(name)
        if full and any(t in (full, initials) for t in latin):
            found.append(name)
    return found


def _hits(
    rows: list[tuple[int, float]], terms: list[str], latin: list[str], language: str
) -> list[SearchHit]:
    if not rows:
        return []
    documents = {
        document.item_id: document
        for document in SearchDocument.objects.filter(
            item_id__in=[item_id for item_id, _ in rows]
        ).select_related("item", "item__department", "item__region", "version", "text")
    }
    english = (language or "").startswith("en")
    hits = []
    for item_id, score in rows:
        document = documents.get(item_id)
        if document is None:  # removed between the two queries
            continue
        version = document.version
        name = version.name_en if english and version.name_en else document.name
        name_terms = [*terms, *(_pinyin_matches(name, latin) if latin else [])]
        body = version.summary_en if english and version.summary_en else document.text.body_text
        hits.append(
            SearchHit(
                item=document.item,
                version=version,
                score=score,
                name_html=highlight(name, name_terms),
                snippet_html=snippet(body.replace("\n", " "), terms),
                fully_online=document.fully_online,
            )
        )
    return hits


def _browse(filters: Filters, limit: int, offset: int) -> tuple[int, list[tuple[int, float]]]:
    """No words, only filters: the filtered items by name."""
    where = filters.sql()
    if where is None:
        return 0, []
    condition = " AND ".join(where[0]) or "1 = 1"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.item_id FROM {DOC_TABLE} d WHERE {condition} "  # noqa: S608 - fixed SQL
            "ORDER BY d.name, d.item_id LIMIT %s OFFSET %s",
            [*where[1], limit, offset],
        )
        ids = [int(row[0]) for row in cursor.fetchall()]
        cursor.execute(f"SELECT COUNT(*) FROM {DOC_TABLE} d WHERE {condition}", where[1])  # noqa: S608
        total = int(cursor.fetchone()[0])
    return total, [(item_id, 0.0) for item_id in ids]


def search_items(
    *,
    query: str = "",
    department: int | None = None,
    region: str | None = None,
    theme: str | None = None,
    audience: str | None = None,
    online_depth: int | None = None,
    fully_online: bool | None = None,
    language: str = "zh-hans",
    limit: int = 20,
    offset: int = 0,
    record: bool = True,
) -> SearchResults:
    """Published items matching the query and filters, best first.

    `region` is a region code and includes its sub-regions; `theme` a theme code;
    `audience` person / enterprise (each includes items for both) / both. A filter value
    that cannot exist (an unknown code) matches nothing. With an empty query the
    filtered items are listed by name. Never raises for any query text.
    """
    limit = max(0, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    filters = Filters(
        department=department,
        region=region or None,
        theme=theme or None,
        audience=audience or None,
        online_depth=online_depth,
        fully_online=fully_online,
    )
    parsed = parse(query[: MAX_QUERY_LENGTH * 4], synonym_map())
    relaxed = False
    suggestion = None
    rows: list[tuple[int, float]]
    if parsed.strict is None:
        if parsed.normalized:  # only punctuation or symbols: nothing can match
            total, rows = 0, []
        else:
            total, rows = _browse(filters, limit, offset)
    else:
        ranked = ranked_ids(
            parsed.strict,
            name_norm=parsed.normalized,
            filters=filters,
            limit=limit,
            offset=offset,
        )
        if ranked.total < SUGGEST_BELOW:
            suggestion = suggest(parsed.normalized, extra_terms=list(synonym_map()))
        if ranked.total == 0 and parsed.relaxed is not None and parsed.relaxed != parsed.strict:
            ranked = ranked_ids(
                parsed.relaxed,
                name_norm=parsed.normalized,
                filters=filters,
                limit=limit,
                offset=offset,
            )
            relaxed = ranked.total > 0
        total, rows = ranked.total, ranked.rows
    results = SearchResults(
        count=total,
        hits=_hits(rows, parsed.terms, parsed.latin, language),
        suggestion=suggestion,
        query=parsed.normalized,
        relaxed=relaxed,
        terms=parsed.terms,
    )
    if record and (parsed.normalized or filters.as_dict()):
        search_query_log_record(
            query=parsed.normalized,
            filters=filters.as_dict(),
            result_count=total,
            language=language,
        )
    return results


__all__ = [
    "SearchHit",
    "SearchResults",
    "index_item",
    "reindex_all",
    "remove_item",
    "search_items",
    "search_query_log_record",
    "search_synonym_delete",
    "search_synonym_save",
]
