"""Text handling shared by the indexer and the query side: normalisation, jieba
segmentation, pinyin, and highlighting.

jieba's dictionary takes about 0.7 s to load: it is loaded once per process, lazily, on
the first segmentation, with its log messages silenced.
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MAX_TOKEN_LENGTH = 60

# Full-width ASCII (！ to ～) to half-width, the ideographic space to a space.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
_SPACES = re.compile(r"\s+")
_LATIN_WORD = re.compile(r"^[a-z]+$")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

_jieba_lock = threading.Lock()
_jieba: Any = None


def tokenizer() -> Any:
    """jieba's default tokenizer, initialised once per process, quietly."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                with warnings.catch_warnings():
                    # jieba 0.42 has invalid escapes in its regular expressions.
                    warnings.simplefilter("ignore", SyntaxWarning)
                    import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba.dt
    return _jieba


def fold_char(char: str) -> str:
    """One character, half-width and lower-case; never changes the length."""
    folded = char.translate(_FULLWIDTH).lower()
    return folded if len(folded) == 1 else char


def fold(text: str) -> str:
    """Half-width, lower-case, same length as `text` (so offsets still match)."""
    folded = text.translate(_FULLWIDTH).lower()
    if len(folded) == len(text):
        return folded
    return "".join(fold_char(char) for char in text)  # a letter whose lower case is longer


def normalize(text: str) -> str:
    """A query or name as compared: half-width, lower-case, single spaces, trimmed."""
    return _SPACES.sub(" ", fold(text)).strip()


def clean_token(token: str) -> str:
    """Only letters and digits (every script) survive; so no token is ever syntax."""
    return "".join(char for char in token if char.isalnum())[:MAX_TOKEN_LENGTH]


def is_latin(token: str) -> bool:
    return bool(_LATIN_WORD.match(token))


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def cjk_only(text: str) -> str:
    return "".join(_CJK.findall(text))


@lru_cache(maxsize=50_000)
def _search_words(fragment: str) -> tuple[str, ...]:
    words = (clean_token(word) for word in tokenizer().cut_for_search(fragment))
    return tuple(word for word in words if word)


@lru_cache(maxsize=20_000)
def precise_words(fragment: str) -> tuple[str, ...]:
    """jieba's precise segmentation (no overlaps), as clean tokens."""
    words = (clean_token(word) for word in tokenizer().cut(fold(fragment)))
    return tuple(word for word in words if word)


def search_words(text: str) -> list[str]:
    """jieba's search-engine segmentation (overlapping sub-words), as clean tokens.

    Segmented per line and per list item, and cached per fragment: catalogue texts
    repeat the same conditions and material names again and again.
    """
    words: list[str] = []
    for fragment in re.split(r"[\n。；;]", fold(text)):
        fragment = fragment.strip()
        if fragment:
            words.extend(_search_words(fragment))
    return words


@lru_cache(maxsize=50_000)
def pinyin_forms(word: str) -> tuple[str, str]:
    """Full pinyin without tones and the initials of the Chinese characters in `word`:
    营业执照 → ("yingyezhizhao", "yyzz"); ("", "") when it has none."""
    from pypinyin import Style, lazy_pinyin

    hanzi = cjk_only(word)
    if not hanzi:
        return "", ""
    full = "".join(lazy_pinyin(hanzi, style=Style.NORMAL, errors="ignore"))
    initials = "".join(lazy_pinyin(hanzi, style=Style.FIRST_LETTER, errors="ignore"))
    return clean_token(full.lower()), clean_token(initials.lower())


def pinyin_words(text: str) -> list[str]:
    """Pinyin tokens of a name or alias: for each word and for the whole text, the full
    pinyin and the initials (营业执照 → yingyezhizhao yyzz; 营业 → yingye yy; …)."""
    tokens: list[str] = []
    words = [*precise_words(text), *search_words(text)]
    whole = cjk_only(text)
    if whole:
        words.append(whole)
    for word in words:
        if has_cjk(word):
            tokens.extend(form for form in pinyin_forms(word) if form)
    return tokens


def english_words(text: str) -> list[str]:
    return [word for word in (clean_token(w) for w in re.split(r"\W+", fold(text))) if word]


def unique(tokens: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(token for token in tokens if token))


def levenshtein(a: str, b: str, limit: int) -> int:
    """Edit distance, giving up (returning limit + 1) once it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        best = i
        for j, char_b in enumerate(b, start=1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            current.append(value)
            best = min(best, value)
        if best > limit:
            return limit + 1
        previous = current
    return previous[-1]


def highlight(text: str, terms: Iterable[str]) -> SafeString:
    """`text` HTML-escaped, with every occurrence of the terms wrapped in <mark>."""
    folded = fold(text)
    spans: list[tuple[int, int]] = []
    for term in {term for term in terms if term}:
        start = folded.find(term)
        while start != -1:
            spans.append((start, start + len(term)))
            start = folded.find(term, start + 1)
    if not spans:
        return mark_safe(escape(text))  # noqa: S308 - escaped just now
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts: list[str] = []
    position = 0
    for start, end in merged:
        parts.append(escape(text[position:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped


def snippet(text: str, terms: Iterable[str], *, width: int = 80) -> SafeString:
    """A short excerpt of `text` around the first matched term, highlighted."""
    terms = [term for term in terms if term]
    folded = fold(text)
    positions = [p for p in (folded.find(term) for term in terms) if p != -1]
    first = min(positions) if positions else 0
    start = first - width // 3 if first >= width // 2 else 0
    excerpt = text[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return mark_safe(  # noqa: S308 - highlight() escapes
        escape(prefix) + highlight(excerpt, terms) + escape(suffix)
    )
