"""From a query string to ranked item ids, on SQLite FTS5 or PostgreSQL full-text.

A query is normalised (half-width, lower-case), segmented with jieba (precise mode),
stripped of filler words (怎么, 如何, 办理 …), expanded with synonyms, and turned into an
expression tree: one group per word, all groups required (strict); when nothing matches
them all, any group will do (relaxed). Inside a group:

- a Chinese word matches itself or all of its sub-words (营业执照 | 营业 & 执照);
- a single Chinese character matches words starting with it (证 → 证明, 证件 …);
- a Latin word matches English words and pinyin, as a prefix (yyzz, yingye, licen…);
- a synonym span matches any of its equivalents.

Every lexeme is a clean token (letters and digits only) and is quoted, so nothing a user
types is ever FTS5 or tsquery syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from govhub.catalog.search.fts import DOC_TABLE, FTS_TABLE, TEXT_TABLE
from govhub.catalog.search.text import (
    _search_words,
    clean_token,
    has_cjk,
    is_latin,
    normalize,
    precise_words,
)

MAX_QUERY_LENGTH = 100
MAX_GROUPS = 10
MAX_SYNONYM_SPAN = 4
# Words that carry no meaning in a search for a service (dropped unless nothing else is left).
_STOPWORDS_TEXT = (
    "的 了 和 与 及 或 在 是 我 我要 我想 想 要 去 到 怎么 怎么办 怎样 如何 哪里 在哪 在哪里 "
    "什么 吗 呢 吧 啊 请问 需要 办 办理 手续 流程 相关 有关"
)
STOPWORDS = frozenset(_STOPWORDS_TEXT.split(" "))
# bm25 weights of the FTS5 columns: name, aliases, body, pinyin.
SQLITE_WEIGHTS = "10.0, 4.0, 1.0, 4.0"
# ts_rank_cd weights {D, C, B, A}: D filter tokens, C body, B aliases and pinyin, A name.
POSTGRES_WEIGHTS = "{0.0, 0.2, 0.5, 1.0}"
_CODE = re.compile(r"^[0-9]{6}([0-9]{3}){0,2}$")
_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,40}$")
AUDIENCES = ("person", "enterprise", "both")


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Node:
    op: str  # "AND" or "OR"
    children: tuple[Expr, ...]


type Expr = Term | Node


def _node(op: str, children: list[Expr]) -> Expr:
    unique = list(dict.fromkeys(children))
    return unique[0] if len(unique) == 1 else Node(op, tuple(unique))


def to_fts5(expr: Expr) -> str:
    if isinstance(expr, Term):
        return '"' + expr.text.replace('"', '""') + '"' + ("*" if expr.prefix else "")
    return "(" + f" {expr.op} ".join(to_fts5(child) for child in expr.children) + ")"


def to_tsquery(expr: Expr, weights: str = "") -> str:
    if isinstance(expr, Term):
        lexeme = "'" + expr.text.replace("\\", "\\\\").replace("'", "''") + "'"
        suffix = ("*" if expr.prefix else "") + weights
        return f"{lexeme}:{suffix}" if suffix else lexeme
    joiner = " & " if expr.op == "AND" else " | "
    return "(" + joiner.join(to_tsquery(child, weights) for child in expr.children) + ")"


@dataclass
class ParsedQuery:
    normalized: str
    strict: Expr | None
    relaxed: Expr | None
    # What to highlight: Chinese words and their synonyms; Latin words (for pinyin
    # the matching Chinese words are found per hit).
    terms: list[str] = field(default_factory=list)
    latin: list[str] = field(default_factory=list)


def sub_word_cover(word: str) -> list[Term]:
    """`word` as consecutive, non-overlapping sub-words (教师资格 → 教师, 资格), longest
    first from the left; a character no sub-word starts with stands for itself (prefix)."""
    parts = {part for part in _search_words(word) if part != word}
    cover: list[Term] = []
    i = 0
    while i < len(word):
        for end in range(len(word) - (1 if i == 0 else 0), i + 1, -1):
            if word[i:end] in parts:
                cover.append(Term(word[i:end]))
                i = end
                break
        else:
            cover.append(Term(word[i], prefix=True))
            i += 1
    return cover


def word_expr(word: str) -> Expr:
    """A Chinese word matches itself, or its sub-words all together (the item's text may
    have been segmented differently); a single character matches words starting with it;
    a Latin word matches English words and pinyin as a prefix (still being typed);
    anything else (digits) exactly."""
    if is_latin(word):
        return Term(word, prefix=len(word) >= 2)
    if has_cjk(word):
        if len(word) == 1:
            return Term(word, prefix=True)
        if len(word) > 2:
            cover = sub_word_cover(word)
            if len(cover) > 1 and any(not term.prefix for term in cover):
                return _node("OR", [Term(word), _node("AND", list(cover))])
    return Term(word)


def _phrase_expr(words: list[str]) -> Expr:
    return _node("AND", [word_expr(word) for word in words])


def synonym_key(text: str) -> str:
    return clean_token(normalize(text).replace(" ", ""))


def parse(query: str, synonyms: dict[str, tuple[str, ...]]) -> ParsedQuery:
    normalized = normalize(query)[:MAX_QUERY_LENGTH]
    words = list(precise_words(normalized)) if normalized else []
    content = [word for word in words if word not in STOPWORDS] or words
    groups: list[Expr] = []
    terms: list[str] = []
    latin: list[str] = []
    i = 0
    while i < len(content) and len(groups) < MAX_GROUPS:
        for span in range(min(MAX_SYNONYM_SPAN, len(content) - i), 0, -1):
            key = "".join(content[i : i + span])
            equivalents = synonyms.get(key)
            if equivalents:
                own = content[i : i + span]
                options = [_phrase_expr(own)]
                for equivalent in equivalents:
                    equivalent_words = list(precise_words(equivalent))
                    if equivalent_words:
                        options.append(_phrase_expr(equivalent_words))
                        terms.append(normalize(equivalent))
                groups.append(_node("OR", options))
                terms.extend([key, *own])
                i += span
                break
        else:
            word = content[i]
            groups.append(word_expr(word))
            if is_latin(word):
                latin.append(word)
            terms.append(word)
            if has_cjk(word) and len(word) > 2:
                terms.extend(t.text for t in sub_word_cover(word) if not t.prefix)
            i += 1
    if not groups:
        return ParsedQuery(normalized=normalized, strict=None, relaxed=None)
    return ParsedQuery(
        normalized=normalized,
        strict=_node("AND", groups),
        relaxed=_node("OR", groups),
        terms=list(dict.fromkeys(terms)),
        latin=latin,
    )


# --- Filters ---------------------------------------------------------------------------
#
# Every filter value is also a token of the item's `facet_tokens` (FTS5 column / tsvector
# weight D), so the full-text engine filters while it matches and ranks only what passes.
# User words are kept to the four text columns (weights A-C), so they never meet these.

TEXT_COLUMNS = "{name_tokens alias_tokens body_tokens pinyin_tokens}"


def facet_department(department_id: int) -> str:
    return f"xfdep{int(department_id)}"


def facet_region(code: str) -> str:
    return f"xfreg{code}"


def facet_theme(code: str) -> str:
    return f"xfthm{code.encode().hex()}"


def facet_audience(audience: str) -> str:
    return f"xfaud{audience}"


def facet_depth(depth: int) -> str:
    return f"xfdpt{int(depth)}"


def facet_fully_online(value: bool) -> str:
    return "xffull" if value else "xfpart"


def facet_tokens(
    *,
    department_id: int,
    region_path: str,
    audience: str,
    theme_codes: list[str],
    depths: list[int],
    fully_online: bool,
) -> list[str]:
    tokens = [facet_department(department_id), facet_audience(clean_token(audience))]
    tokens += [facet_region(code) for code in region_path.split("/") if code.isdigit()]
    tokens += [facet_theme(code) for code in theme_codes]
    tokens += [facet_depth(depth) for depth in depths]
    tokens.append(facet_fully_online(fully_online))
    return tokens


@dataclass(frozen=True)
class Filters:
    department: int | None = None
    region: str | None = None
    theme: str | None = None
    audience: str | None = None
    online_depth: int | None = None
    fully_online: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None and v != ""}

    def facets(self) -> Expr | bool | None:
        """The filters as a facet expression; True when there are none, None when a
        value can match nothing."""
        if self.sql() is None:
            return None
        parts: list[Expr] = []
        if self.department is not None:
            parts.append(Term(facet_department(self.department)))
        if self.region:
            parts.append(Term(facet_region(self.region)))
        if self.theme:
            parts.append(Term(facet_theme(self.theme)))
        if self.audience:
            audiences = [self.audience] if self.audience == "both" else [self.audience, "both"]
            parts.append(_node("OR", [Term(facet_audience(a)) for a in audiences]))
        if self.online_depth is not None:
            parts.append(Term(facet_depth(self.online_depth)))
        if self.fully_online is not None:
            parts.append(Term(facet_fully_online(bool(self.fully_online))))
        return _node("AND", parts) if parts else True

    def sql(self) -> tuple[list[str], list[Any]] | None:
        """WHERE fragments over `d` and their parameters; None when a value can match
        nothing (an unknown code, an audience or depth out of range)."""
        where: list[str] = []
        params: list[Any] = []
        if self.department is not None:
            where.append("d.department_id = %s")
            params.append(int(self.department))
        if self.region:
            if not _CODE.match(self.region):
                return None
            where.append("d.region_path LIKE %s")
            params.append(f"%/{self.region}/%")
        if self.theme:
            if not _SLUG.match(self.theme):
                return None
            escaped = self.theme.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append("d.theme_codes LIKE %s ESCAPE '\\'")
            params.append(f"%|{escaped}|%")
        if self.audience:
            if self.audience not in AUDIENCES:
                return None
            if self.audience == "both":
                where.append("d.audience = %s")
                params.append("both")
            else:
                where.append("d.audience IN (%s, %s)")
                params.extend([self.audience, "both"])
        if self.online_depth is not None:
            if not 1 <= int(self.online_depth) <= 7:
                return None
            where.append("d.online_depths LIKE %s")
            params.append(f"%|{int(self.online_depth)}|%")
        if self.fully_online is not None:
            where.append("d.fully_online = %s")
            params.append(bool(self.fully_online))
        return where, params


# --- Running it --------------------------------------------------------------------------
#
# Ranking goes tier by tier: items whose name matches (an exact name first), then those
# whose aliases or pinyin match, then those matching in the body only; inside a tier by
# relevance (bm25 / ts_rank_cd with column weights), ties by name. A page is filled from
# the first tiers and the next tier is only ranked when the page reaches into it, so a
# broad word (证明, 许可证) ranks the few hundred name matches, not every mention.


@dataclass
class Ranked:
    total: int
    rows: list[tuple[int, float]]  # (item id, score), best first


# Rows ranked beyond the page, so that equal scores at its edge are still ordered by name.
TIE_MARGIN = 20


@dataclass
class _Plan:
    """One engine's SQL for a query: count, and rank each tier."""

    count: tuple[str, list[Any]]
    tiers: list[tuple[str, list[Any]]]  # each takes a LIMIT parameter last
    negate: bool  # bm25 is lower-is-better


def _sqlite_plan(expr: Expr, facets: Expr | bool) -> _Plan:
    words = to_fts5(expr)
    text = f"{TEXT_COLUMNS} : {words}"
    in_name = f"{{name_tokens}} : {words}"
    in_alias = f"{{alias_tokens pinyin_tokens}} : {words}"
    facet = "" if facets is True else f" AND ({{facet_tokens}} : {to_fts5(facets)})"  # type: ignore[arg-type]
    rank = (
        f"SELECT rowid, bm25({FTS_TABLE}, {SQLITE_WEIGHTS}) AS score FROM {FTS_TABLE} "  # noqa: S608
        f"WHERE {FTS_TABLE} MATCH %s"
    )
    tiers = [
        f"({in_name}){facet}",
        f"(({in_alias}) NOT ({in_name})){facet}",
        f"((({text}) NOT ({in_name})) NOT ({in_alias})){facet}",
    ]
    return _Plan(
        count=(
            f"SELECT COUNT(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",  # noqa: S608
            [f"({text}){facet}"],
        ),
        tiers=[(f"{rank} ORDER BY score LIMIT %s", [tier]) for tier in tiers],
        negate=True,
    )


def _postgres_plan(expr: Expr, facets: Expr | bool) -> _Plan:
    words = to_tsquery(expr)
    # Facet lexemes (xfreg…) only collide with a Latin word that is a prefix of "xf…";
    # then the words are kept to the text weights (slower: each candidate is re-read).
    latin = [t.text for t in _terms(expr) if is_latin(t.text)]
    collide = any("xf".startswith(t) or t.startswith("xf") for t in latin)
    text = to_tsquery(expr, "ABC") if collide else words
    full = text if facets is True else f"{text} & {to_tsquery(facets)}"  # type: ignore[arg-type]
    # Inside the name and alias tiers, relevance is that of the name (aliases): the small
    # vectors rank thousands of rows quickly; the body tier ranks with the whole vector.
    rank = (
        "SELECT t.item_id, ts_rank_cd('{weights}'::float4[], t.{vector}, %s::tsquery) "  # noqa: S608
        f"AS score FROM {TEXT_TABLE} t WHERE "
    )
    in_name, in_alias = "t.name_vector @@ %s::tsquery", "t.alias_vector @@ %s::tsquery"
    matches = "t.search_vector @@ %s::tsquery"
    # name_vector and alias_vector hold the filter tokens too: one lookup per tier.
    scoped = words if facets is True else f"{words} & {to_tsquery(facets)}"  # type: ignore[arg-type]
    tiers = [
        ("name_vector", in_name, [scoped]),
        ("alias_vector", f"{in_alias} AND NOT {in_name}", [scoped, words]),
        ("search_vector", f"{matches} AND NOT {in_name} AND NOT {in_alias}", [full, words, words]),
    ]
    return _Plan(
        count=(f"SELECT COUNT(*) FROM {TEXT_TABLE} t WHERE {matches}", [full]),  # noqa: S608
        tiers=[
            (
                rank.format(weights=POSTGRES_WEIGHTS, vector=vector)
                + f"{condition} ORDER BY score DESC LIMIT %s",
                [words, *args],
            )
            for vector, condition, args in tiers
        ],
        negate=False,
    )


def _terms(expr: Expr) -> list[Term]:
    if isinstance(expr, Term):
        return [expr]
    return [term for child in expr.children for term in _terms(child)]


def ranked_ids(expr: Expr, *, name_norm: str, filters: Filters, limit: int, offset: int) -> Ranked:
    """Tier by tier: exact name, name, aliases/pinyin, body; by relevance, ties by name."""
    facets = filters.facets()
    if facets is None:
        return Ranked(total=0, rows=[])
    plan = (_sqlite_plan if connection.vendor == "sqlite" else _postgres_plan)(expr, facets)
    need = offset + limit
    with connection.cursor() as cursor:
        cursor.execute(*plan.count)
        total = int(cursor.fetchone()[0])
        if total <= offset:
            return Ranked(total=total, rows=[])
        found: dict[int, tuple[int, float]] = {}  # id → (tier, score as stored)
        # Items named exactly as the query come first. Their name holds every word, so
        # they match by construction; only the filters are checked.
        where, params = filters.sql() or ([], [])
        cursor.execute(
            f"SELECT d.item_id FROM {DOC_TABLE} d WHERE d.name_norm = %s"  # noqa: S608
            f"{''.join(f' AND {w}' for w in where)} LIMIT 20",
            [name_norm, *params],
        )
        exact_ids = [int(row[0]) for row in cursor.fetchall()]
        for tier, (sql, args) in enumerate(plan.tiers):
            if len(found) + len(exact_ids) >= min(need, total):
                break
            cursor.execute(sql, [*args, need - len(found) + TIE_MARGIN])
            for item_id, score in cursor.fetchall():
                found.setdefault(int(item_id), (tier, float(score)))
        best = min(
            (s for _, s in found.values()), default=0.0, key=lambda s: s if plan.negate else -s
        )
        for item_id in exact_ids:
            found[item_id] = (-1, found.get(item_id, (0, best))[1])
        names: dict[int, str] = {}
        ids = list(found)
        for chunk in range(0, len(ids), 500):
            part = ids[chunk : chunk + 500]
            cursor.execute(
                f"SELECT item_id, name FROM {DOC_TABLE} WHERE item_id IN "  # noqa: S608
                f"({', '.join(['%s'] * len(part))})",
                part,
            )
            names.update((int(i), str(n)) for i, n in cursor.fetchall())
    sign = 1.0 if plan.negate else -1.0
    ordered = sorted(
        found.items(),
        key=lambda kv: (kv[1][0], sign * kv[1][1], names.get(kv[0], ""), kv[0]),
    )
    rows = [(item_id, -score if plan.negate else score) for item_id, (_, score) in ordered]
    return Ranked(total=total, rows=rows[offset : offset + limit])
