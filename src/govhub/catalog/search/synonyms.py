"""Search synonyms an administrator edits (身份证 ↔ 居民身份证, 社保 ↔ 社会保险 …).

Every change goes through these services: audited, and the cache version is bumped so
every process reloads the synonyms on its next search.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from govhub.catalog.search.query import synonym_key
from govhub.catalog.search.text import normalize
from govhub.catalog.search_models import SearchSynonym
from govhub.core.audit import audit_log

SYNONYM_VERSION_KEY = "catalog:search:synonym-version"
TERM_MAX_LENGTH = 64
MAX_EQUIVALENTS = 20

_lock = threading.Lock()
_local: dict[str, dict[str, tuple[str, ...]]] = {}


def _version() -> str:
    version = cache.get(SYNONYM_VERSION_KEY)
    if version is None:
        candidate = uuid.uuid4().hex
        cache.add(SYNONYM_VERSION_KEY, candidate, None)
        version = cache.get(SYNONYM_VERSION_KEY) or candidate
    return str(version)


def bump_synonym_version() -> None:
    cache.set(SYNONYM_VERSION_KEY, uuid.uuid4().hex, None)
    with _lock:
        _local.clear()


def build_synonym_map(rows: list[tuple[str, list[Any]]]) -> dict[str, tuple[str, ...]]:
    """key of each member → the other members of every group it belongs to (symmetric)."""
    found: dict[str, dict[str, None]] = defaultdict(dict)
    for term, equivalents in rows:
        members = [normalize(str(m)) for m in [term, *equivalents] if normalize(str(m))]
        for member in members:
            for other in members:
                if synonym_key(other) != synonym_key(member):
                    found[synonym_key(member)][other] = None
    return {key: tuple(values) for key, values in found.items() if key}


def synonym_map() -> dict[str, tuple[str, ...]]:
    version = _version()
    cached = _local.get(version)
    if cached is None:
        rows = [
            (term, list(equivalents) if isinstance(equivalents, list) else [])
            for term, equivalents in SearchSynonym.objects.values_list("term", "equivalents")
        ]
        cached = build_synonym_map(rows)
        with _lock:
            _local.clear()
            _local[version] = cached
    return cached


def clean_synonym(*, term: str, equivalents: list[str]) -> tuple[str, list[str]]:
    """The term and its equivalents, normalised and checked; ValidationError otherwise."""
    term = normalize(term)
    if not synonym_key(term):
        raise ValidationError({"term": _("请输入词语。")})
    if len(term) > TERM_MAX_LENGTH:
        raise ValidationError({"term": _("词语最多 %(n)s 个字。") % {"n": TERM_MAX_LENGTH}})
    cleaned: list[str] = []
    for equivalent in equivalents:
        value = normalize(str(equivalent))
        if not synonym_key(value):
            continue
        if len(value) > TERM_MAX_LENGTH:
            raise ValidationError(
                {"equivalents": _("每个同义词最多 %(n)s 个字。") % {"n": TERM_MAX_LENGTH}}
            )
        if synonym_key(value) == synonym_key(term):
            raise ValidationError({"equivalents": _("同义词不能与词语本身相同。")})
        if value not in cleaned:
            cleaned.append(value)
    if not cleaned:
        raise ValidationError({"equivalents": _("请至少填写一个同义词。")})
    if len(cleaned) > MAX_EQUIVALENTS:
        raise ValidationError({"equivalents": _("同义词最多 %(n)s 个。") % {"n": MAX_EQUIVALENTS}})
    return term, cleaned


@transaction.atomic
def search_synonym_save(
    *,
    actor: Any,
    term: str,
    equivalents: list[str],
    note: str = "",
    synonym: SearchSynonym | None = None,
) -> SearchSynonym:
    """Create a synonym group, or change `synonym`; audited; synonyms reload everywhere."""
    term, cleaned = clean_synonym(term=term, equivalents=equivalents)
    duplicate = SearchSynonym.objects.filter(term=term)
    if synonym is not None:
        duplicate = duplicate.exclude(pk=synonym.pk)
    if duplicate.exists():
        raise ValidationError({"term": _("该词语已有同义词设置，请直接修改。")})
    created = synonym is None
    if synonym is None:
        synonym = SearchSynonym()
    before = (
        SearchSynonym.objects.filter(pk=synonym.pk).values("term", "equivalents").first()
        if synonym.pk
        else None
    )
    synonym.term, synonym.equivalents, synonym.note = term, cleaned, note
    synonym.save()
    audit_log(
        actor=actor,
        action="catalog.search_synonym.create" if created else "catalog.search_synonym.update",
        target=synonym,
        changes={"term": term, "equivalents": cleaned, **({"before": before} if before else {})},
    )
    bump_synonym_version()
    transaction.on_commit(bump_synonym_version)
    return synonym


@transaction.atomic
def search_synonym_delete(*, actor: Any, synonym: SearchSynonym) -> None:
    audit_log(
        actor=actor,
        action="catalog.search_synonym.delete",
        target=synonym,
        changes={"term": synonym.term, "equivalents": synonym.equivalents},
    )
    synonym.delete()
    bump_synonym_version()
    transaction.on_commit(bump_synonym_version)
