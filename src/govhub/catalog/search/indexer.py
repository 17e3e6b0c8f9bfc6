"""Writing the search index: one `SearchDocument` per published implementation item.

    index_item(item)      # after a publication or a state change (see handlers.py)
    remove_item(item_id)  # when an item has nothing published any more
    reindex_all()         # everything, in bulk (manage.py catalog_reindex)

On SQLite the FTS5 table follows `catalog_searchdocument` through triggers; a bulk
reindex drops them, writes, rebuilds the FTS5 index once and puts them back, all in one
transaction. On PostgreSQL the tsvector is a generated column.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from govhub.catalog.models import ImplementationItem, ItemVersion, Material
from govhub.catalog.search import fts
from govhub.catalog.search.query import facet_tokens
from govhub.catalog.search.text import (
    english_words,
    normalize,
    pinyin_words,
    search_words,
    unique,
)
from govhub.catalog.search_models import SearchDocument, SearchText

INDEX_VERSION_KEY = "catalog:search:index-version"
BODY_TEXT_MAX = 4000
FULLY_ONLINE_DEPTHS = frozenset(range(1, 7))

_VERSION_FIELDS = {
    "name": "published_version__name",
    "name_en": "published_version__name_en",
    "aliases": "published_version__aliases",
    "summary": "published_version__summary",
    "summary_en": "published_version__summary_en",
    "conditions": "published_version__conditions",
    "result_name": "published_version__result_name",
    "audience": "published_version__audience",
    "online_depth": "published_version__online_depth",
    "visits_required": "published_version__visits_required",
    "handling_forms": "published_version__handling_forms",
}


def index_version() -> str:
    """Changes whenever the index changes (the did-you-mean vocabulary follows it)."""
    version = cache.get(INDEX_VERSION_KEY)
    if version is None:
        candidate = uuid.uuid4().hex
        cache.add(INDEX_VERSION_KEY, candidate, None)
        version = cache.get(INDEX_VERSION_KEY) or candidate
    return str(version)


def bump_index_version() -> None:
    cache.set(INDEX_VERSION_KEY, uuid.uuid4().hex, None)


def is_fully_online(*, online_depth: list[Any], visits_required: int, forms: list[Any]) -> bool:
    """全程网办: depths 1-6 all offered, no visit required, and online handling."""
    depths = {int(d) for d in online_depth if isinstance(d, int | str) and str(d).isdigit()}
    return depths >= FULLY_ONLINE_DEPTHS and visits_required == 0 and "online" in forms


def _as_strings(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(entry) for entry in value if isinstance(entry, str | int) and str(entry).strip()]


def build_document(
    row: dict[str, Any], *, materials: list[str], theme_codes: list[str]
) -> tuple[SearchDocument, SearchText]:
    """The index row of one item from its published version's fields (see `_rows`)."""
    name = str(row["name"])
    aliases = _as_strings(row["aliases"])
    conditions = _as_strings(row["conditions"])
    depths = sorted({int(d) for d in _as_strings(row["online_depth"]) if d.isdigit()})
    body_parts = [str(row["summary"]), *conditions, *materials, str(row["result_name"])]
    body_text = "\n".join(part for part in body_parts if part)
    document = SearchDocument(
        item_id=row["pk"],
        version_id=row["published_version_id"],
        name=name,
        name_norm=normalize(name)[:200],
        department_id=row["department_id"],
        region_id=row["region_id"],
        region_path=row["region__path"],
        audience=row["audience"],
        theme_codes="|" + "|".join(sorted(theme_codes)) + "|" if theme_codes else "",
        online_depths="|" + "|".join(str(d) for d in depths) + "|" if depths else "",
        fully_online=is_fully_online(
            online_depth=depths,
            visits_required=int(row["visits_required"] or 0),
            forms=_as_strings(row["handling_forms"]),
        ),
        state=row["state"],
        indexed_at=timezone.now(),
    )
    text = SearchText(
        document_id=row["pk"],
        facet_tokens=" ".join(
            facet_tokens(
                department_id=document.department_id,
                region_path=document.region_path,
                audience=document.audience,
                theme_codes=theme_codes,
                depths=depths,
                fully_online=document.fully_online,
            )
        ),
        body_text=body_text[:BODY_TEXT_MAX],
        # The name's pinyin is in the name tier too, so `yyzz` ranks items *named*
        # 营业执照… above items that only have it among their aliases.
        name_tokens=" ".join(
            unique([*search_words(name), *english_words(row["name_en"]), *pinyin_words(name)])
        ),
        alias_tokens=" ".join(unique(word for alias in aliases for word in search_words(alias))),
        body_tokens=" ".join(unique([*search_words(body_text), *english_words(row["summary_en"])])),
        pinyin_tokens=" ".join(
            unique(token for text in (name, *aliases) for token in pinyin_words(text))
        ),
    )
    return document, text


def _rows(item_ids: list[int] | None, *, after: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
    items = ImplementationItem.objects.filter(published_version__isnull=False)
    if item_ids is not None:
        items = items.filter(pk__in=item_ids)
    fields = ["pk", "published_version_id", "department_id", "region_id", "region__path"]
    rows = (
        items.filter(pk__gt=after)
        .order_by("pk")
        .values(*fields, "state", *_VERSION_FIELDS.values())[:limit]
    )
    result = []
    for row in rows:
        for short, long in _VERSION_FIELDS.items():
            row[short] = row.pop(long)
        result.append(row)
    return result


def _documents(rows: list[dict[str, Any]]) -> list[tuple[SearchDocument, SearchText]]:
    version_ids = [row["published_version_id"] for row in rows]
    materials: dict[int, list[str]] = defaultdict(list)
    for version_id, name in (
        Material.objects.filter(version_id__in=version_ids)
        .order_by("version_id", "position")
        .values_list("version_id", "name")
    ):
        materials[version_id].append(name)
    themes: dict[int, list[str]] = defaultdict(list)
    through = ItemVersion.themes.through
    for version_id, code in through.objects.filter(itemversion_id__in=version_ids).values_list(
        "itemversion_id", "theme__code"
    ):
        themes[version_id].append(code)
    return [
        build_document(
            row,
            materials=materials[row["published_version_id"]],
            theme_codes=themes[row["published_version_id"]],
        )
        for row in rows
    ]


def index_item(item: ImplementationItem | int) -> SearchDocument | None:
    """(Re)index one item from its published version; removes it when nothing is published."""
    item_id = item if isinstance(item, int) else item.pk
    rows = _rows([item_id], limit=1)
    if not rows:
        remove_item(item_id)
        return None
    ((document, text),) = _documents(rows)
    with transaction.atomic():
        document.save()
        text.save()
    bump_index_version()
    return document


def remove_item(item_id: int) -> None:
    SearchText.objects.filter(document_id=item_id).delete()
    SearchDocument.objects.filter(item_id=item_id).delete()
    bump_index_version()


@contextmanager
def _bulk_mode() -> Iterator[None]:
    if connection.vendor == "sqlite":
        fts.drop_sqlite_triggers(connection)
        yield
        fts.rebuild_sqlite_index(connection)
        fts.create_sqlite_triggers(connection)
    else:
        yield


def reindex_all(*, batch_size: int = 1000) -> int:
    """Rebuild the whole index in one transaction; returns the number of documents."""
    total = 0
    with transaction.atomic():
        if connection.vendor == "sqlite":
            fts.ensure_sqlite_schema(connection)
        with _bulk_mode():
            SearchText.objects.all().delete()
            SearchDocument.objects.all().delete()
            after = 0
            while True:
                rows = _rows(None, after=after, limit=batch_size)
                if not rows:
                    break
                pairs = _documents(rows)
                SearchDocument.objects.bulk_create([d for d, _ in pairs], batch_size=batch_size)
                SearchText.objects.bulk_create([t for _, t in pairs], batch_size=batch_size)
                total += len(rows)
                after = rows[-1]["pk"]
    bump_index_version()
    return total


__all__ = [
    "build_document",
    "bump_index_version",
    "index_item",
    "index_version",
    "is_fully_online",
    "reindex_all",
    "remove_item",
]
