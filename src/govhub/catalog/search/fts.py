"""The engine-specific parts of the index schema (used by migration 0100_search and by
`reindex_all`). Every statement here is idempotent.

SQLite: an FTS5 table with external content (`catalog_searchtext`, rowid = item id)
over the four token columns, kept in step by three triggers. The tokens are already
segmented and contain only letters and digits, so the unicode61 tokenizer just splits
them on the spaces.

PostgreSQL: a generated tsvector column (config 'simple' over the pre-segmented tokens;
weight A name, B aliases and pinyin, C body, D the filter tokens) with a GIN index. It
relies on the database treating Chinese characters as letters, as every UTF-8 locale
(C.UTF-8, zh_CN.UTF-8, …) does.
"""

from __future__ import annotations

from typing import Any

DOC_TABLE = "catalog_searchdocument"
TEXT_TABLE = "catalog_searchtext"
FTS_TABLE = "catalog_search_fts"
FTS_COLUMNS = ("name_tokens", "alias_tokens", "body_tokens", "pinyin_tokens", "facet_tokens")

_cols = ", ".join(FTS_COLUMNS)
_new = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
_old = ", ".join(f"old.{c}" for c in FTS_COLUMNS)

SQLITE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({_cols}, "
    f"content='{TEXT_TABLE}', content_rowid='item_id', tokenize='unicode61')"
)
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON {TEXT_TABLE} BEGIN "  # noqa: S608
    f"INSERT INTO {FTS_TABLE}(rowid, {_cols}) VALUES (new.item_id, {_new}); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON {TEXT_TABLE} BEGIN "  # noqa: S608
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_cols}) "
    f"VALUES ('delete', old.item_id, {_old}); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE ON {TEXT_TABLE} BEGIN "  # noqa: S608
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_cols}) "
    f"VALUES ('delete', old.item_id, {_old}); "
    f"INSERT INTO {FTS_TABLE}(rowid, {_cols}) VALUES (new.item_id, {_new}); END",
)
SQLITE_TRIGGER_NAMES = (f"{FTS_TABLE}_ai", f"{FTS_TABLE}_ad", f"{FTS_TABLE}_au")

POSTGRES_CREATE = (
    f"ALTER TABLE {TEXT_TABLE} ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, coalesce(name_tokens, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(alias_tokens, '') || ' ' || "
    "coalesce(pinyin_tokens, '')), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(body_tokens, '')), 'C') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(facet_tokens, '')), 'D')"
    ") STORED",
    # Kept in the row (compressed) while the long texts go out of line: ranking reads it.
    f"ALTER TABLE {TEXT_TABLE} ALTER COLUMN search_vector SET STORAGE MAIN",
    # The name (and the aliases/pinyin) alone with the filter tokens, so each ranking
    # tier is one small index lookup (a weight-restricted query would re-read every
    # candidate's whole vector).
    f"ALTER TABLE {TEXT_TABLE} ADD COLUMN IF NOT EXISTS name_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, "
    "coalesce(name_tokens, '') || ' ' || coalesce(facet_tokens, ''))) STORED",
    f"ALTER TABLE {TEXT_TABLE} ADD COLUMN IF NOT EXISTS alias_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(alias_tokens, '') || ' ' "
    "|| coalesce(pinyin_tokens, '') || ' ' || coalesce(facet_tokens, ''))) STORED",
    f"CREATE INDEX IF NOT EXISTS catalog_st_vector_gin ON {TEXT_TABLE} USING gin (search_vector)",
    f"CREATE INDEX IF NOT EXISTS catalog_st_name_gin ON {TEXT_TABLE} USING gin (name_vector)",
    f"CREATE INDEX IF NOT EXISTS catalog_st_alias_gin ON {TEXT_TABLE} USING gin (alias_vector)",
)
POSTGRES_DROP = (
    "DROP INDEX IF EXISTS catalog_st_alias_gin",
    "DROP INDEX IF EXISTS catalog_st_name_gin",
    "DROP INDEX IF EXISTS catalog_st_vector_gin",
    f"ALTER TABLE {TEXT_TABLE} DROP COLUMN IF EXISTS alias_vector",
    f"ALTER TABLE {TEXT_TABLE} DROP COLUMN IF EXISTS name_vector",
    f"ALTER TABLE {TEXT_TABLE} DROP COLUMN IF EXISTS search_vector",
)


def _execute(connection: Any, statements: tuple[str, ...] | list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def create_sqlite_triggers(connection: Any) -> None:
    _execute(connection, SQLITE_TRIGGERS)


def drop_sqlite_triggers(connection: Any) -> None:
    _execute(connection, [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGER_NAMES])


def rebuild_sqlite_index(connection: Any) -> None:
    _execute(connection, [f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"])  # noqa: S608


def ensure_sqlite_schema(connection: Any) -> None:
    """The FTS5 table and its triggers (triggers vanish if Django ever rebuilds the
    document table in a later migration; `reindex_all` puts them back)."""
    _execute(connection, [SQLITE_TABLE, *SQLITE_TRIGGERS])


def create_schema(connection: Any) -> None:
    if connection.vendor == "sqlite":
        ensure_sqlite_schema(connection)
        rebuild_sqlite_index(connection)
    elif connection.vendor == "postgresql":
        _execute(connection, POSTGRES_CREATE)


def drop_schema(connection: Any) -> None:
    if connection.vendor == "sqlite":
        drop_sqlite_triggers(connection)
        _execute(connection, [f"DROP TABLE IF EXISTS {FTS_TABLE}"])
    elif connection.vendor == "postgresql":
        _execute(connection, POSTGRES_DROP)
