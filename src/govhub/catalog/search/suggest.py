"""Did-you-mean: the known term closest to a query that found (almost) nothing.

The vocabulary is every indexed item name, the words of names and aliases, and the
synonym terms; it is built once per process per index version. A Chinese query is
compared by characters (营业执招 → 营业执照, one edit) and by pinyin (homophones such as
执招/执照 sound the same); a Latin query is compared with the pinyin of each term
(yingyezhizao → 营业执照).
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from govhub.catalog.search.indexer import index_version
from govhub.catalog.search.text import clean_token, has_cjk, is_latin, levenshtein, pinyin_forms
from govhub.catalog.search_models import SearchText

MAX_QUERY = 30


@dataclass
class Vocabulary:
    frequency: Counter[str]
    # (length, character) → terms of that length containing the character
    by_char: dict[tuple[int, str], set[str]]
    _by_pinyin_length: dict[int, list[tuple[str, str]]] | None = field(default=None)

    def pinyin_terms(self, length: int) -> list[tuple[str, str]]:
        if self._by_pinyin_length is None:
            index: dict[int, list[tuple[str, str]]] = defaultdict(list)
            for term in self.frequency:
                full = pinyin_forms(term)[0]
                if full:
                    index[len(full)].append((full, term))
            self._by_pinyin_length = dict(index)
        return self._by_pinyin_length.get(length, [])


_lock = threading.Lock()
_cache: dict[str, Vocabulary] = {}


def build_vocabulary(extra_terms: list[str]) -> Vocabulary:
    frequency: Counter[str] = Counter()
    for name, name_tokens, alias_tokens in SearchText.objects.values_list(
        "document__name", "name_tokens", "alias_tokens"
    ).iterator(chunk_size=2000):
        words = {
            word
            for word in f"{name_tokens} {alias_tokens}".split()
            if len(word) >= 2 and has_cjk(word)
        }
        words.add(clean_token(name))
        frequency.update(words)
    for term in extra_terms:
        cleaned = clean_token(term)
        if cleaned and has_cjk(cleaned):
            frequency[cleaned] += 1
    by_char: dict[tuple[int, str], set[str]] = defaultdict(set)
    for term in frequency:
        if len(term) <= MAX_QUERY:
            for char in set(term):
                by_char[(len(term), char)].add(term)
    return Vocabulary(frequency=frequency, by_char=dict(by_char))


def vocabulary(extra_terms: list[str]) -> Vocabulary:
    version = index_version()
    cached = _cache.get(version)
    if cached is None:
        cached = build_vocabulary(extra_terms)
        with _lock:
            _cache.clear()
            _cache[version] = cached
    return cached


def _suggest_chinese(query: str, vocab: Vocabulary) -> str | None:
    limit = 1 if len(query) <= 4 else 2
    query_pinyin = pinyin_forms(query)[0]
    shared: Counter[str] = Counter()
    for length in range(max(1, len(query) - limit), len(query) + limit + 1):
        for char in set(query):
            shared.update(vocab.by_char.get((length, char), ()))
    best: tuple[float, int, str] | None = None
    for term, common in shared.items():
        if term == query or common < max(1, len(set(query)) - limit):
            continue
        distance: float = levenshtein(query, term, limit)
        if query_pinyin and pinyin_forms(term)[0] == query_pinyin:
            distance = min(distance, 0.5)  # sounds the same: the likeliest slip
        if distance > limit:
            continue
        key = (distance, -vocab.frequency[term], term)
        if best is None or key < best:
            best = key
    return best[2] if best else None


def _suggest_pinyin(query: str, vocab: Vocabulary) -> str | None:
    if len(query) < 4:
        return None
    limit = 1 if len(query) < 10 else 2
    best: tuple[int, int, str] | None = None
    for length in range(len(query) - limit, len(query) + limit + 1):
        for full, term in vocab.pinyin_terms(length):
            if full == query:
                continue
            distance = levenshtein(query, full, limit)
            if distance <= limit:
                key = (distance, -vocab.frequency[term], term)
                if best is None or key < best:
                    best = key
    return best[2] if best else None


def suggest(normalized_query: str, *, extra_terms: list[str]) -> str | None:
    """The closest known term to the query, or None when none is close enough."""
    query = clean_token(normalized_query.replace(" ", ""))
    if not query or len(query) > MAX_QUERY:
        return None
    vocab = vocabulary(extra_terms)
    if has_cjk(query):
        return _suggest_chinese(query, vocab)
    if is_latin(query):
        return _suggest_pinyin(query, vocab)
    return None
